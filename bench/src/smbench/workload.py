"""Workloads: what each connection sends, and the reply each request must get.

Pure: randomness comes from the ``random.Random`` passed in. Every connection owns its own
keys (key ``i`` belongs to connection ``i % connections``), and the server applies one
connection's commands in the order sent (``protocol.md`` section 2), so the connection's
model of its keys predicts every reply exactly: a GET returns the value this connection last
wrote or not-found after its DEL, an INCR returns the exact next count. A reply that differs
is a wrong reply, i.e. an error.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Iterator
from dataclasses import dataclass

KEY_BYTES = 16


class Kind(enum.IntEnum):
    """The operations a workload sends."""

    GET = 0
    PUT = 1
    DEL = 2
    INCR = 3


@dataclass(slots=True)
class Op:
    """One request and its expected outcome.

    ``expect`` is, for GET, the value (``None``: not found); for DEL, whether the key existed;
    for INCR, the new count; for PUT, ``None`` (always ``OK``).
    """

    kind: Kind
    key: bytes
    value: bytes = b""
    expect: bytes | bool | int | None = None


@dataclass(frozen=True, slots=True)
class WorkloadSpec:
    """A named mix of operations."""

    name: str
    get: float
    put: float
    delete: float
    incr: bool = False
    value_sizes: tuple[int, ...] = (16,)
    default_keyspace: int = 10_000
    summary: str = ""


WORKLOADS: dict[str, WorkloadSpec] = {
    "mix": WorkloadSpec("mix", 0.80, 0.15, 0.05,
                        summary="the original benchmarker's mix: 80% GET, 15% PUT, 5% DEL "
                                "on existing 16-byte keys"),
    "get": WorkloadSpec("get", 1.0, 0.0, 0.0, summary="GET only, every key exists"),
    "put": WorkloadSpec("put", 0.0, 1.0, 0.0, summary="PUT only, overwriting existing keys"),
    "incr": WorkloadSpec("incr", 0.0, 0.0, 0.0, incr=True,
                         summary="INCR only on counters created at 0"),
    "large": WorkloadSpec("large", 0.5, 0.5, 0.0, value_sizes=(1024, 65536),
                          default_keyspace=1000,
                          summary="50% GET, 50% PUT; 1 KiB values on even keys, 64 KiB on odd"),
}


def key_name(index: int, incr: bool = False) -> bytes:
    """The 16-byte key of index ``index``."""
    return (b"ctr:%012d" if incr else b"key:%012d") % index


def owned_keys(keyspace: int, connections: int, connection: int) -> list[int]:
    """The key indexes connection ``connection`` owns."""
    return list(range(connection, keyspace, connections))


class Workload:
    """The request stream of one connection, with its model of the keys it owns."""

    __slots__ = (
        "_get_at",
        "_keys",
        "_model",
        "_pad",
        "_put_at",
        "_rng",
        "_seq",
        "_sizes",
        "connection",
        "spec",
    )

    def __init__(
        self, spec: WorkloadSpec, keys: list[int], rng: random.Random, connection: int,
        value_size: int | None = None,
    ) -> None:
        if not keys:
            raise ValueError("a connection needs at least one key (keyspace >= connections)")
        self.spec = spec
        self.connection = connection
        self._rng = rng
        self._keys = [key_name(i, spec.incr) for i in keys]
        sizes = (value_size,) if value_size else spec.value_sizes
        self._sizes = [sizes[i % len(sizes)] for i in keys]
        self._pad = b"v" * max(sizes)
        self._model: dict[int, bytes | int | None] = {}
        self._seq = 0
        self._get_at = spec.get
        self._put_at = spec.get + spec.put

    def _value(self, slot: int) -> bytes:
        """A value unique to this connection and write, of the key's size."""
        self._seq += 1
        size = self._sizes[slot]
        head = b"%x.%x." % (self.connection, self._seq)
        if len(head) >= size:
            return head[-size:]
        return head + self._pad[: size - len(head)]

    def prepopulate(self) -> Iterator[Op]:
        """Writes that create every owned key (untimed, before the run)."""
        for slot, key in enumerate(self._keys):
            if self.spec.incr:
                self._model[slot] = 0
                yield Op(Kind.PUT, key, b"0")
            else:
                value = self._value(slot)
                self._model[slot] = value
                yield Op(Kind.PUT, key, value)

    def next_op(self) -> Op:
        """The next request, chosen at random by the workload's ratios."""
        rng = self._rng
        slot = rng.randrange(len(self._keys))
        key = self._keys[slot]
        model = self._model
        if self.spec.incr:
            count = model.get(slot)
            new = (count if isinstance(count, int) else 0) + 1
            model[slot] = new
            return Op(Kind.INCR, key, b"", new)
        r = rng.random()
        if r < self._get_at:
            return Op(Kind.GET, key, b"", model.get(slot))
        if r < self._put_at:
            value = self._value(slot)
            model[slot] = value
            return Op(Kind.PUT, key, value)
        existed = model.get(slot) is not None
        model[slot] = None
        return Op(Kind.DEL, key, b"", existed)
