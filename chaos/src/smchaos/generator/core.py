"""Generators: pure values that say which operation to run next.

A generator is an immutable value with one method, ``op(ctx)``, returning ``(result, next)``:
``result`` is an :class:`Invocation` to run now (or at ``time_ns``), :class:`Pending` when
nothing can run yet, or ``None`` when the generator is exhausted; ``next`` is the generator
that continues after that result. Asking the same value twice with the same context (and the
same random state) gives the same answer, so generators are testable without a cluster: the
tests drive them with a fake context. Randomness comes only from ``ctx.rng``, seeded by the run.
One interpreter (:mod:`smchaos.generator.interpreter`) runs them against real clients.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

Thread = int | str
"""A worker: an integer for a client thread, ``"nemesis"`` for the fault injector."""
NEMESIS_THREAD = "nemesis"


@dataclass(frozen=True)
class Invocation:
    """An operation to run. ``thread`` is chosen by :class:`OnThreads` or the interpreter."""

    f: str
    key: str | None = None
    value: Any = None
    time_ns: int | None = None
    thread: Thread | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pending:
    """Nothing to run now; ask again after a completion or at ``until_ns``."""

    until_ns: int | None = None


@dataclass(frozen=True)
class Context:
    """What a generator may look at: the time, the idle threads, and the seeded random."""

    time_ns: int
    free: frozenset[Thread]
    threads: frozenset[Thread]
    rng: random.Random

    def restrict(self, keep: Callable[[Thread], bool]) -> Context:
        """The same context seen by a generator that only owns some threads."""
        return replace(self, free=frozenset(t for t in self.free if keep(t)),
                       threads=frozenset(t for t in self.threads if keep(t)))

    @property
    def all_free(self) -> bool:
        """Whether no operation is in flight."""
        return self.free == self.threads


Result = tuple["Invocation | Pending | None", "Generator"]


class Generator(ABC):
    """The generator interface."""

    @abstractmethod
    def op(self, ctx: Context) -> Result:
        """The next result and the generator that follows it."""


def _earliest(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


@dataclass(frozen=True)
class Exhausted(Generator):
    """The generator that never yields anything."""

    def op(self, ctx: Context) -> Result:
        return None, self


@dataclass(frozen=True)
class Once(Generator):
    """Yields one invocation, then is exhausted."""

    invocation: Invocation

    def op(self, ctx: Context) -> Result:
        return self.invocation, Exhausted()


@dataclass(frozen=True)
class Repeat(Generator):
    """Calls ``fn(rng, n)`` for the n-th invocation, forever (``n`` counts from 0)."""

    fn: Callable[[random.Random, int], Invocation]
    n: int = 0

    def op(self, ctx: Context) -> Result:
        return self.fn(ctx.rng, self.n), Repeat(self.fn, self.n + 1)


@dataclass(frozen=True)
class Limit(Generator):
    """At most ``remaining`` invocations of ``gen``."""

    remaining: int
    gen: Generator

    def op(self, ctx: Context) -> Result:
        if self.remaining <= 0:
            return None, Exhausted()
        res, nxt = self.gen.op(ctx)
        if isinstance(res, Invocation):
            return res, Limit(self.remaining - 1, nxt)
        return res, Limit(self.remaining, nxt)


@dataclass(frozen=True)
class TimeLimit(Generator):
    """``gen`` until ``duration_ns`` after its first use."""

    duration_ns: int
    gen: Generator
    deadline_ns: int | None = None

    def op(self, ctx: Context) -> Result:
        deadline = self.deadline_ns if self.deadline_ns is not None \
            else ctx.time_ns + self.duration_ns
        if ctx.time_ns >= deadline:
            return None, Exhausted()
        res, nxt = self.gen.op(ctx)
        if res is None:
            return None, Exhausted()
        if isinstance(res, Pending):
            return Pending(_earliest(res.until_ns, deadline)), \
                TimeLimit(self.duration_ns, nxt, deadline)
        if res.time_ns is not None and res.time_ns >= deadline:
            return Pending(deadline), TimeLimit(self.duration_ns, self.gen, deadline)
        return res, TimeLimit(self.duration_ns, nxt, deadline)


@dataclass(frozen=True)
class Stagger(Generator):
    """Spaces ``gen``'s invocations by random gaps averaging ``mean_gap_ns``."""

    mean_gap_ns: int
    gen: Generator
    next_ns: int | None = None

    def op(self, ctx: Context) -> Result:
        res, nxt = self.gen.op(ctx)
        if not isinstance(res, Invocation):
            return res, Stagger(self.mean_gap_ns, nxt, self.next_ns)
        at = max(ctx.time_ns, self.next_ns if self.next_ns is not None else ctx.time_ns,
                 res.time_ns or 0)
        gap = int(ctx.rng.uniform(0, 2 * self.mean_gap_ns))
        return replace(res, time_ns=at), Stagger(self.mean_gap_ns, nxt, at + gap)


@dataclass(frozen=True)
class Sleep(Generator):
    """Yields nothing for ``duration_ns`` after its first use, then is exhausted."""

    duration_ns: int
    wake_ns: int | None = None

    def op(self, ctx: Context) -> Result:
        wake = self.wake_ns if self.wake_ns is not None else ctx.time_ns + self.duration_ns
        if ctx.time_ns >= wake:
            return None, Exhausted()
        return Pending(wake), Sleep(self.duration_ns, wake)


@dataclass(frozen=True)
class Seq(Generator):
    """Each generator in turn, moving on when one is exhausted."""

    gens: tuple[Generator, ...]

    def op(self, ctx: Context) -> Result:
        gens = self.gens
        while gens:
            res, nxt = gens[0].op(ctx)
            if res is not None:
                return res, Seq((nxt, *gens[1:]))
            gens = gens[1:]
        return None, Exhausted()


@dataclass(frozen=True)
class Synchronize(Generator):
    """Waits until no operation is in flight, then behaves as ``gen``."""

    gen: Generator

    def op(self, ctx: Context) -> Result:
        if not ctx.all_free:
            return Pending(), self
        return self.gen.op(ctx)


def phases(*gens: Generator) -> Generator:
    """Run ``gens`` one after another, each starting when everything before it finished."""
    return Seq(tuple(Synchronize(g) for g in gens))


@dataclass(frozen=True)
class OnThreads(Generator):
    """``gen`` sees only the threads ``keep`` accepts and runs its invocations on them."""

    keep: Callable[[Thread], bool]
    gen: Generator

    def op(self, ctx: Context) -> Result:
        sub = ctx.restrict(self.keep)
        if not sub.free:
            return Pending(), self
        res, nxt = self.gen.op(sub)
        if isinstance(res, Invocation):
            if res.thread is None:
                res = replace(res, thread=min(sub.free, key=str))
            return res, OnThreads(self.keep, nxt)
        return res, OnThreads(self.keep, nxt) if res is not None else Exhausted()


def is_client(thread: Thread) -> bool:
    """Whether ``thread`` is a client worker."""
    return isinstance(thread, int)


def is_nemesis(thread: Thread) -> bool:
    """Whether ``thread`` is the nemesis."""
    return thread == NEMESIS_THREAD


def clients(gen: Generator) -> Generator:
    """``gen`` on the client threads."""
    return OnThreads(is_client, gen)


def nemesis(gen: Generator) -> Generator:
    """``gen`` on the nemesis thread."""
    return OnThreads(is_nemesis, gen)


@dataclass(frozen=True)
class Any_(Generator):
    """All generators at once: whichever has the earliest invocation runs it."""

    gens: tuple[Generator, ...]

    def op(self, ctx: Context) -> Result:
        best: tuple[int, int, Invocation, Generator] | None = None
        wake: int | None = None
        kept: list[Generator] = []
        pending = False
        for g in self.gens:
            res, nxt = g.op(ctx)
            if res is None:
                continue
            if isinstance(res, Pending):
                kept.append(nxt)
                pending = True
                wake = _earliest(wake, res.until_ns)
                continue
            kept.append(g)
            at = res.time_ns if res.time_ns is not None else ctx.time_ns
            if best is None or at < best[0]:
                best = (at, len(kept) - 1, res, nxt)
        if best is not None:
            _, i, res, nxt = best
            kept[i] = nxt
            return res, Any_(tuple(kept))
        if pending:
            return Pending(wake), Any_(tuple(kept))
        return None, Exhausted()


def mix(*fns: Callable[[random.Random, int], Invocation]) -> Generator:
    """Repeatedly a random one of ``fns`` (all infinite)."""
    def pick(rng: random.Random, n: int) -> Invocation:
        return rng.choice(fns)(rng, n)
    return Repeat(pick)
