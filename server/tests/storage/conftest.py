"""Shared fixtures for the storage tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from supermassive.storage.store import Store


class FsyncCounter:
    """An injected fsync that counts calls (and really fsyncs only when asked to)."""

    def __init__(self, real: bool = False) -> None:
        self.calls = 0
        self.real = real

    def __call__(self, fd: int) -> None:
        self.calls += 1
        if self.real:
            os.fsync(fd)


MakeStore = Callable[..., Store]


@pytest.fixture
def make_store(tmp_path: Path) -> Iterator[MakeStore]:
    """``make_store(directory=tmp_path/'data', **Store.open kwargs)``; files closed at the end.

    The fsync is a no-op counter unless ``fsync=`` is given (tests need no real durability).
    """
    stores: list[Store] = []

    def make(directory: Path | None = None, **kwargs: Any) -> Store:
        kwargs.setdefault("fsync", FsyncCounter())
        store = Store.open(directory or tmp_path / "data", kwargs.pop("name", "node"), **kwargs)
        stores.append(store)
        return store

    yield make
    for store in stores:
        for segment in store._segments:
            segment.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"
