"""smchaos: a Jepsen-style fault-injection harness and consistency checker for SuperMassive.

The pieces, after Jepsen and Porcupine: :mod:`smchaos.history` (operations as JSON Lines),
:mod:`smchaos.generator` (pure generators and their interpreter), :mod:`smchaos.client`,
:mod:`smchaos.db` (the local topology and fault proxies), :mod:`smchaos.nemesis`,
:mod:`smchaos.workloads`, :mod:`smchaos.checker`, :mod:`smchaos.report`, :mod:`smchaos.store`
and :mod:`smchaos.runner`. The ``smchaos`` command is :mod:`smchaos.cli`.
"""

__version__ = "0.1.0"
