"""Pipe mode sends the lines already waiting on stdin in one pipelined write, keeping every
reply in its place (local answers included) and never waiting for lines not sent yet."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from typing import Any

from smcli import batch
from smcli.connection import ClientLike, PipelineLike, RawReplyLike, Session, open_client
from smcli.options import Target
from smcli.render import Printer
from smcli.runner import Runner
from smclient.testing import ServerProcess

Smcli = Callable[..., Any]


class CountingClient:
    """A real SDK client that records how many lines each write to the server carried."""

    def __init__(self, inner: ClientLike) -> None:
        self.inner = inner
        self.writes: list[int] = []

    def execute_raw(self, line: str) -> RawReplyLike:
        self.writes.append(1)
        return self.inner.execute_raw(line)

    def pipeline(self, *, raise_on_error: bool = True) -> PipelineLike:
        pipe = self.inner.pipeline(raise_on_error=raise_on_error)
        writes = self.writes
        lines: list[str] = []

        class Counted:
            def execute_raw(self, line: str) -> object:
                lines.append(line)
                return pipe.execute_raw(line)

            def execute(self) -> list[Any]:
                writes.append(len(lines))
                return pipe.execute()

        return Counted()

    def close(self) -> None:
        self.inner.close()


def _runner(node: ServerProcess, out: io.StringIO) -> tuple[Runner, list[CountingClient]]:
    made: list[CountingClient] = []

    def factory(target: Target) -> ClientLike:
        made.append(CountingClient(open_client(target)))
        return made[-1]

    session = Session(Target(port=node.port, shared_key="test-key"), factory)
    printer = Printer(out, io.StringIO(), color=False, timing=False)
    return Runner(session, printer, lambda: 0.0), made


def test_waiting_lines_go_out_in_one_pipelined_write(node: ServerProcess) -> None:
    out = io.StringIO()
    runner, made = _runner(node, out)
    lines = [f"PUT pipe-{i} {i}\n".encode() for i in range(300)]
    lines += [f"GET pipe-{i}\n".encode() for i in range(300)]
    try:
        assert batch.run_pipe(runner, lines) == batch.EXIT_OK
    finally:
        runner.session.close()
    replies = out.getvalue().splitlines()
    assert replies == ["OK key-value written"] * 300 + [f"OK pipe-{i} {i}" for i in range(300)]
    writes = made[0].writes
    assert sum(writes) == 600 and max(writes) > 1


def test_local_answers_keep_their_place_among_pipelined_replies(
    smcli: Smcli, node_args: list[str]
) -> None:
    script = b"PUT order-a 1\nHELP PING\nGET order-a\nPUT x \xff\nINCR order-a 2\n\nGET order-a\n"
    result = smcli(*node_args, stdin=script)
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "OK key-value written"
    assert lines[1].startswith("PING")  # the help text, printed after the first reply
    rest = lines[lines.index("OK order-a 1"):]
    assert rest == ["OK order-a 1", "ERR invalid input: line 4 is not UTF-8", "OK order-a 3",
                    "OK order-a 3"]


def test_quit_inside_a_batch_ends_it_and_nothing_after_is_sent(
    smcli: Smcli, node_args: list[str]
) -> None:
    result = smcli(*node_args, stdin="PUT q-before 1\nQUIT\nPUT q-after 2\nGET q-before\n")
    assert (result.code, result.stdout) == (0, "OK key-value written\nOK see ya later\n")
    assert smcli(*node_args, "GET", "q-after").code == 1


def test_a_thousand_lines_are_answered_in_order(smcli: Smcli, node_args: list[str]) -> None:
    script = "".join(f"PUT many-{i} v{i}\nGET many-{i}\n" for i in range(1000))
    result = smcli(*node_args, stdin=script)
    assert result.code == 0, result.stderr
    expected = [line for i in range(1000) for line in ("OK key-value written", f"OK many-{i} v{i}")]
    assert result.stdout.splitlines() == expected


def test_timing_sends_each_command_on_its_own(smcli: Smcli, node_args: list[str]) -> None:
    result = smcli(*node_args, "--timing", stdin="PING\nPING\n")
    assert result.stdout == "OK PONG\nOK PONG\n"
    assert result.stderr.count("(") == 2  # one timing per command


def test_batches_do_not_wait_for_items_that_have_not_arrived() -> None:
    release = threading.Event()

    def source() -> Iterator[int]:
        yield 1
        release.wait(10.0)
        yield 2

    batches = batch._batches(source(), 10)
    assert next(batches) == [1]  # returned while the source is still blocked
    release.set()
    assert next(batches) == [2]
    assert next(batches, None) is None


def test_batches_hold_every_item_once_in_order_and_respect_the_size() -> None:
    got = list(batch._batches(iter(range(1000)), 7))
    assert [x for b in got for x in b] == list(range(1000))
    assert all(1 <= len(b) <= 7 for b in got)


def test_a_failing_source_raises_in_the_caller() -> None:
    def source() -> Iterator[int]:
        yield 1
        raise OSError("stdin went away")

    try:
        list(batch._batches(source(), 4))
    except OSError as exc:
        assert "stdin went away" in str(exc)
    else:
        raise AssertionError("the source's error was swallowed")
