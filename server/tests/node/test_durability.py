"""Acknowledged writes survive SIGKILL; a torn journal tail is cut and the node starts."""

from __future__ import annotations

import pytest

WRITES = 300


@pytest.mark.parametrize("sync", ["always", "everysec"])
def test_sigkill_keeps_every_acknowledged_write(procs, connect, sync):
    node = procs.node(journal_sync=sync)
    c = connect(node)
    c.send(b"".join(b"PUT k%d v%d\r\n" % (i, i) for i in range(WRITES)))
    acked = [c.read_reply() for _ in range(WRITES)]
    assert acked == [b"OK key-value written"] * WRITES
    c.line("PUT n 100")
    for _ in range(4):
        c.line("INCR n")
    c.line("DEL k0")
    node.kill()
    node.start()
    d = connect(node)
    assert d.line("GET k0") == "ERR key-value not found"
    for i in range(1, WRITES):
        assert d.line(f"GET k{i}") == f"OK k{i} v{i}"
    assert d.line("GET n") == "OK n 104"


def test_torn_last_record_is_truncated_and_prefix_recovered(procs, connect):
    node = procs.node(journal_sync="always")
    c = connect(node)
    for i in range(10):
        c.line(f"PUT t{i} value-{i}")
    node.stop()
    journal = node.directory / "node.journal"
    size = journal.stat().st_size
    with open(journal, "r+b") as fh:
        fh.truncate(size - 5)
    node.start()
    d = connect(node)
    for i in range(9):
        assert d.line(f"GET t{i}") == f"OK t{i} value-{i}"
    assert d.line("GET t9") == "ERR key-value not found"
    assert d.line("PUT t9 again") == "OK key-value written"
    node.stop()
    node.start()
    e = connect(node)
    assert e.line("GET t9") == "OK t9 again"


def test_sigterm_exits_cleanly_with_code_zero(procs, connect):
    node = procs.node()
    c = connect(node)
    c.line("PUT a b")
    assert node.stop() == 0
    assert "stopped" in node.log_tail()
