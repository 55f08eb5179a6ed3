"""Private: the blocking implementation, generated from :mod:`smclient._async`.

Only ``backend.py`` is written by hand; the other modules come from
``client-py/scripts/gen_sync.py`` (a test fails when they are out of date).
"""
