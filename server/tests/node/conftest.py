"""The node tests import their in-process helpers from ``node_support``; ``pairs`` gives each
fast-path test a handler to run fast and its twin to run the general path."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from node_support import node_handler, replica_handler

from supermassive.roles.data import DataHandler


@pytest.fixture
def pairs(tmp_path: Path) -> Iterator[dict[str, tuple[DataHandler, DataHandler]]]:
    """Twin node handlers and twin replica handlers, each over its own store."""
    made = {
        "node": (node_handler(tmp_path / "a"), node_handler(tmp_path / "b")),
        "replica": (replica_handler(tmp_path / "c"), replica_handler(tmp_path / "d")),
    }
    yield made
    for fast, general in made.values():
        asyncio.run(fast.store.close())
        asyncio.run(general.store.close())
