"""``smcli``: the SuperMassive command-line client (REPL, one-shot and pipe modes).

The entry point is :func:`smcli.main.main` (the ``smcli`` console script). Behind it:
``options`` (flags), ``connection`` (the SDK adapter), ``runner`` (one line), ``batch`` and
``repl`` (the modes), ``render`` (output), ``helptext`` and ``completer`` (both from the
server's command table) and ``replies`` (pure reply parsing).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
