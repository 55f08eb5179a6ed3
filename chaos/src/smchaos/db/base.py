"""The DB interface: set the system under test up, tear it down, hand over its logs."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class DB(Protocol):
    """A running system under test."""

    @property
    def client_address(self) -> tuple[str, int]:
        """Where clients connect (the cluster)."""

    async def setup(self) -> None:
        """Start every process; return once clients can connect."""

    async def teardown(self) -> None:
        """Stop every process (always called, even after an error)."""

    def log_files(self) -> dict[str, Path]:
        """Each process's log, by member name."""
