"""Settings shared by every test directory.

Hypothesis's per-example deadline (200 ms by default) is a timing assertion: on a busy 2-core
machine a pure function can miss it and fail a correct test. Speed is measured by the
benchmarks, so the deadline is off everywhere.

``pytest --hypothesis-profile thorough`` runs every property test with 20 times the examples
(tests that set their own ``max_examples`` keep it): a longer hunt for the rare input.
"""

from hypothesis import settings

settings.register_profile("supermassive", deadline=None)
settings.register_profile("thorough", deadline=None, max_examples=2000)
settings.load_profile("supermassive")
