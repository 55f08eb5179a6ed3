"""The frames' CRC-32: zlib-ng's when installed, zlib's otherwise, always the same values, so a
journal written with one is read by the other."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supermassive.storage import checksum

zlib_ng = pytest.importorskip("zlib_ng.zlib_ng", reason="zlib-ng not installed "
                              "(pip install 'supermassive[zlib-ng]'); zlib is used alone")


@given(st.binary(max_size=4096))
def test_zlib_ng_and_zlib_agree(data: bytes) -> None:
    assert zlib_ng.crc32(data) == zlib.crc32(data)
    assert zlib_ng.crc32(memoryview(data)) == zlib.crc32(data)


def test_the_fastest_installed_implementation_is_chosen() -> None:
    assert (os.environ.get("SUPERMASSIVE_CRC32") or "zlib-ng") == checksum.CRC32_NAME
    assert checksum.crc32(b"supermassive") == zlib.crc32(b"supermassive")


def _run(code: str, crc: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "SUPERMASSIVE_CRC32": crc}, timeout=60)


WRITE = """
from pathlib import Path
from supermassive.storage.store import Store
from supermassive.storage.checksum import CRC32_NAME
s = Store.open(Path("data"), "node", sync="no")
for i in range(300):
    s.put(b"k%d" % i, b"v%d" % i)
s.delete(b"k7")
s.flush()  # no close: the reader replays the journal, not a clean-shutdown snapshot
print(CRC32_NAME)
"""

READ = """
from pathlib import Path
from supermassive.storage.store import Store
from supermassive.storage.checksum import CRC32_NAME
s = Store.open(Path("data"), "node", sync="no")
print(CRC32_NAME, len(s.keyspace), s.keyspace.get(b"k299"), s.keyspace.get(b"k7"),
      s.recovery.journal_records)
"""


@pytest.mark.parametrize(("writer", "reader"), [("zlib-ng", "zlib"), ("zlib", "zlib-ng")])
def test_a_journal_written_with_one_implementation_is_read_by_the_other(
    tmp_path: Path, writer: str, reader: str,
) -> None:
    (tmp_path / "data").mkdir()
    wrote = _run(WRITE, writer, tmp_path)
    assert wrote.returncode == 0, wrote.stderr
    assert wrote.stdout.strip() == writer
    read = _run(READ, reader, tmp_path)
    assert read.returncode == 0, read.stderr
    assert read.stdout.split() == [reader, "299", "b'v299'", "None", "301"]


def test_an_unknown_implementation_in_the_environment_fails_at_import(tmp_path: Path) -> None:
    out = _run("import supermassive.storage.checksum", "crc32c", tmp_path)
    assert out.returncode != 0
    assert "SUPERMASSIVE_CRC32" in out.stderr
