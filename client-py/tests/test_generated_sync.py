"""The blocking API is generated from the asyncio one and must be current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "gen_sync.py"


def test_generated_sync_tree_is_current() -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, (
        f"smclient/_sync is stale; run `python {SCRIPT}`:\n{proc.stderr}"
    )
