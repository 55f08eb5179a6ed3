"""Choosing between a pure-Python implementation and an optional accelerated one.

The server has two: the RESP request reader (hiredis's or the pure one) and the frames' CRC-32
(zlib-ng's or zlib's). Each is chosen once, at import: the accelerated one when its module is
installed, unless an environment variable names the implementation to use. A wrong name, or
the accelerated one named without its module installed, fails at start with a one-line error.
"""

from __future__ import annotations

import importlib
import os


def choose(variable: str, plain: str, accelerated: str, module: str, extra: str) -> str:
    """``plain`` or ``accelerated``: what the environment variable ``variable`` names, else
    ``accelerated`` when ``module`` imports, else ``plain``. ``extra`` is the pip extra
    that installs ``module`` (named in the error when it is missing)."""
    wanted = os.environ.get(variable, "").strip().lower()
    if wanted not in ("", plain, accelerated):
        raise RuntimeError(f"{variable}={wanted!r}: expected {plain} or {accelerated}")
    if wanted == plain:
        return plain
    try:
        importlib.import_module(module)
    except ImportError:
        if wanted == accelerated:
            raise RuntimeError(f"{variable}={accelerated} but {module} is not installed "
                               f"(pip install 'supermassive[{extra}]')") from None
        return plain
    return accelerated


__all__ = ["choose"]
