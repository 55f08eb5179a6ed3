"""Checkers: linearizability (Wing–Gong–Lowe with a cache and a budget), counter bounds,
set membership, replica convergence; verdicts and their composition."""

from smchaos.checker.convergence import check_convergence
from smchaos.checker.counter import check_counter
from smchaos.checker.linearizability import PartitionResult, check_history, check_partition
from smchaos.checker.model import MODELS, CounterModel, Model, RegisterModel
from smchaos.checker.set_checker import check_set
from smchaos.checker.verdict import Budget, CheckResult, Verdict, compose

__all__ = [
    "MODELS",
    "Budget",
    "CheckResult",
    "CounterModel",
    "Model",
    "PartitionResult",
    "RegisterModel",
    "Verdict",
    "check_convergence",
    "check_counter",
    "check_history",
    "check_partition",
    "check_set",
    "compose",
]
