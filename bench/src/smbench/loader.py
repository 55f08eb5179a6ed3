"""Blocking helpers for the standard benchmark: bulk loading, process memory, polling.

The loader pipelines batches of writes on one connection and checks every reply, so a figure
computed from it (memory per key, replay rate) is about data that really is there.
"""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Callable
from pathlib import Path

BATCH = 2000


def key_of(i: int) -> bytes:
    """The 16-byte key of index ``i`` (the same as smbench's)."""
    return b"key:%012d" % i


def value_of(i: int, size: int = 16) -> bytes:
    """A ``size``-byte value for key ``i``."""
    head = b"%d." % i
    return (head + b"v" * size)[:size]


def _resp(*args: bytes) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%b\r\n" % (len(a), a) for a in args)


class LineConnection:
    """A blocking connection whose replies are all single CRLF-terminated lines."""

    def __init__(self, host: str, port: int, timeout_s: float = 30.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout_s)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._pending = b""

    def lines(self, data: bytes, count: int) -> list[bytes]:
        """Send ``data`` and read ``count`` reply lines."""
        self.sock.sendall(data)
        out: list[bytes] = []
        while len(out) < count:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            parts = (self._pending + chunk).split(b"\r\n")
            self._pending = parts.pop()
            out.extend(parts)
        if len(out) > count:
            raise ConnectionError(f"got {len(out)} replies for {count} requests")
        return out

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()


def native_auth(conn: LineConnection, shared_key: str | None) -> None:
    """NAUTH with the shared key (nothing when ``None``)."""
    if shared_key is None:
        return
    digest = hashlib.sha256(shared_key.encode()).hexdigest().encode()
    (reply,) = conn.lines(b"NAUTH " + digest + b"\r\n", 1)
    if reply != b"OK authenticated":
        raise PermissionError(f"NAUTH refused: {reply!r}")


def load(host: str, port: int, count: int, *, resp: bool = False, shared_key: str | None = None,
         value_size: int = 16, start: int = 0) -> float:
    """Write keys ``start .. start+count-1``; return the seconds it took. Raises on any error."""
    conn = LineConnection(host, port)
    try:
        if not resp:
            native_auth(conn, shared_key)
        want = b"+OK" if resp else b"OK key-value written"
        began = time.monotonic()
        for first in range(start, start + count, BATCH):
            last = min(first + BATCH, start + count)
            if resp:
                data = b"".join(_resp(b"SET", key_of(i), value_of(i, value_size))
                                for i in range(first, last))
            else:
                data = b"".join(b"PUT %b %b\r\n" % (key_of(i), value_of(i, value_size))
                                for i in range(first, last))
            for reply in conn.lines(data, last - first):
                if reply != want:
                    raise RuntimeError(f"write refused: {reply!r}")
        return time.monotonic() - began
    finally:
        conn.close()


def native_get(host: str, port: int, key: bytes, shared_key: str | None) -> bytes:
    """One GET on a node or replica (NAUTH first); the reply line."""
    conn = LineConnection(host, port, timeout_s=5.0)
    try:
        native_auth(conn, shared_key)
        (reply,) = conn.lines(b"GET " + key + b"\r\n", 1)
        return reply
    finally:
        conn.close()


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def dir_bytes(path: Path) -> int:
    """Total size of the files under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def wait_until(check: Callable[[], bool], timeout_s: float, interval_s: float = 0.02) -> float:
    """Poll ``check`` until true; return the seconds waited. Raises ``TimeoutError``."""
    began = time.monotonic()
    while True:
        try:
            if check():
                return time.monotonic() - began
        except OSError:
            pass
        if time.monotonic() - began > timeout_s:
            raise TimeoutError(f"not done after {timeout_s:g}s")
        time.sleep(interval_s)
