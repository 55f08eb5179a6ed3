"""A client that vanishes while its commands are still being answered leaves no trace."""

from __future__ import annotations

import socket
import struct
import time


def test_reset_with_queued_replies_is_clean(procs, connect):
    node = procs.node(journal_sync="always")
    for _ in range(20):
        c = connect(node)
        c.send(b"".join(b"PUT gone%d v\r\n" % i for i in range(300)))
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()  # RST while fsync-waiting replies are queued
    time.sleep(0.5)
    d = connect(node)
    assert d.line("PUT after v") == "OK key-value written"
    log = node.log_tail(400)
    assert "Traceback" not in log and "RuntimeError" not in log, log
