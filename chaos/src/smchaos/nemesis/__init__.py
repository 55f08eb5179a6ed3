"""Nemeses: partitions, process kills and pauses, clock skew, and their composition."""

from smchaos.nemesis.base import Nemesis
from smchaos.nemesis.clock import ClockNemesis
from smchaos.nemesis.composite import FAULTS, CompositeNemesis, unavailable_reason
from smchaos.nemesis.partition import PartitionNemesis
from smchaos.nemesis.process import KillNemesis, PauseNemesis

__all__ = [
    "FAULTS",
    "ClockNemesis",
    "CompositeNemesis",
    "KillNemesis",
    "Nemesis",
    "PartitionNemesis",
    "PauseNemesis",
    "unavailable_reason",
]
