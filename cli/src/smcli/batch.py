"""Non-interactive modes: one command from the argument list, or one command per stdin line.

Exit codes: 0 when every reply was ``OK``, 1 when any was ``ERR``. Connection problems raise
``ConnectionProblem`` (the caller prints it and exits 2). ``QUIT`` ends pipe mode.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar, cast

from smcli.replies import local_error
from smcli.runner import Runner

T = TypeVar("T")

EXIT_OK = 0
EXIT_ERR_REPLY = 1
EXIT_PROBLEM = 2


def run_command(runner: Runner, words: Sequence[str]) -> int:
    """One-shot mode: the words are joined with single spaces (``smcli PUT k some value``)."""
    outcome = runner.run(" ".join(words))
    return EXIT_OK if outcome.ok else EXIT_ERR_REPLY


def decode_line(raw: bytes) -> str | None:
    """A stdin line without its line ending, or ``None`` when it is not UTF-8."""
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


PIPELINE_MAX_LINES = 512
"""At most this many stdin lines go out in one pipelined write."""

_END = object()


def run_pipe(runner: Runner, lines: Iterable[bytes], *, pipelined: bool = True) -> int:
    """Pipe mode: run every non-blank line in order, printing one reply per command.

    Lines already waiting on stdin go out together in one pipelined write (at most
    :data:`PIPELINE_MAX_LINES`); a line that has not arrived yet is not waited for, so a
    producer that writes one line at a time still sees each reply as soon as it is answered.
    With ``pipelined=False`` (``--timing``) every command is its own timed round trip.
    """
    failed = False
    for batch in _batches(enumerate(lines, start=1), PIPELINE_MAX_LINES if pipelined else 1):
        for texts, unreadable in _segments(batch):
            outcomes = runner.run_many(texts)
            failed = failed or not all(o.ok for o in outcomes)
            if outcomes and outcomes[-1].quit:
                return EXIT_ERR_REPLY if failed else EXIT_OK
            if unreadable is not None:
                runner.printer.reply(
                    "", local_error(f"invalid input: line {unreadable} is not UTF-8"))
                failed = True
    return EXIT_ERR_REPLY if failed else EXIT_OK


def _segments(batch: list[tuple[int, bytes]]) -> Iterator[tuple[list[str], int | None]]:
    """The batch's decoded lines, cut at each line that is not UTF-8: ``(lines before it,
    its number)``, and last ``(the remaining lines, None)``."""
    texts: list[str] = []
    for number, raw in batch:
        line = decode_line(raw)
        if line is None:
            yield texts, number
            texts = []
        else:
            texts.append(line)
    yield texts, None


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``: each list holds the first item not yet
    taken (waiting for it) and whatever else has already arrived (not waiting for more).

    Items are read by a daemon thread, so a slow source never delays a batch already there.
    """
    if size <= 1:
        for item in items:
            yield [item]
        return
    arrived: queue.Queue[object] = queue.Queue(maxsize=4 * size)

    def pump() -> None:
        try:
            for item in items:
                arrived.put(item)
        except BaseException as exc:  # surfaced in the caller's thread, not as a traceback
            arrived.put(_Failed(exc))
        arrived.put(_END)

    threading.Thread(target=pump, name="smcli-stdin", daemon=True).start()
    while True:
        got: object = arrived.get()  # wait for the first one only
        batch: list[T] = []
        while got is not _END:
            if isinstance(got, _Failed):
                raise got.exc
            batch.append(cast(T, got))
            if len(batch) >= size:
                break
            try:
                got = arrived.get_nowait()
            except queue.Empty:
                break
        if batch:
            yield batch
        if got is _END:
            return


class _Failed:
    """Reading the source raised ``exc``."""

    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
