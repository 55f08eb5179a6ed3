"""What a workload is: client operations during the faults, final operations after healing,
and whether the harness observes every member directly at the end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smchaos.generator import Generator


@dataclass(frozen=True)
class Workload:
    """One workload.

    ``main`` is infinite (the runner time-limits it); ``final`` builds the finite generator run
    after the faults healed, from the keys the main phase used; ``observe`` asks the runner to
    read every primary and replica directly before stopping the cluster.
    """

    name: str
    main: Generator
    final: Callable[[list[str]], Generator]
    observe: bool = False
