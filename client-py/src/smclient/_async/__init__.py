"""Private: the asyncio implementation, source of truth for :mod:`smclient._sync`.

Everything here but ``backend.py`` is turned into the blocking API by
``client-py/scripts/gen_sync.py``; the public names are re-exported by :mod:`smclient`.
"""
