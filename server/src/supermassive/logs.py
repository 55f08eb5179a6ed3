"""Logging set-up: readable one-line records on stderr, tagged with the role."""

from __future__ import annotations

import logging
import sys


def setup_logging(role: str, level: str = "info") -> None:
    """Configure the root logger for a server process."""
    numeric = getattr(logging, level.upper(), None)
    if not isinstance(numeric, int):
        numeric = logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(f"%(asctime)s {role} %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
