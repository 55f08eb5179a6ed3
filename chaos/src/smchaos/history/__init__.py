"""Histories: operations, JSON Lines files, pairing and completion."""

from smchaos.history.jsonl import HistoryWriter, parse_lines, read_history, write_history
from smchaos.history.op import NEMESIS, OBSERVER, OP_TYPES, HistoryError, Op, OpType, Process
from smchaos.history.pairs import Pair, by_key, client_pairs, complete, pair_ops
from smchaos.history.recorder import Recorder

__all__ = [
    "NEMESIS",
    "OBSERVER",
    "OP_TYPES",
    "HistoryError",
    "HistoryWriter",
    "Op",
    "OpType",
    "Pair",
    "Process",
    "Recorder",
    "by_key",
    "client_pairs",
    "complete",
    "pair_ops",
    "parse_lines",
    "read_history",
    "write_history",
]
