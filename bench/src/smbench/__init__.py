"""smbench: a validating load generator for SuperMassive (native protocol and RESP2).

``smbench`` (:mod:`smbench.cli`) runs one workload against one target, or alternates two
targets (``--compare``); ``python -m smbench.standard`` runs the standard set and writes
``docs/benchmarks.md``.
"""

__version__ = "0.1.0"
