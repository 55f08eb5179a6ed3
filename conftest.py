"""Settings shared by every test directory.

Hypothesis's per-example deadline (200 ms by default) is a timing assertion: on a busy 2-core
machine a pure function can miss it and fail a correct test. Speed is measured by the
benchmarks, so the deadline is off everywhere.
"""

from hypothesis import settings

settings.register_profile("supermassive", deadline=None)
settings.load_profile("supermassive")
