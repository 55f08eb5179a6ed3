"""Backoff strategies and the retry policy are pure and conservative."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import smclient
from smclient import ConstantBackoff, ExponentialBackoff, FullJitterBackoff, NoBackoff, Retry
from smclient.exceptions import error_from_reply


def test_no_and_constant_backoff() -> None:
    assert NoBackoff().compute(5) == 0
    assert ConstantBackoff(0.2).compute(1) == ConstantBackoff(0.2).compute(9) == 0.2


def test_exponential_backoff_doubles_up_to_the_cap() -> None:
    b = ExponentialBackoff(base_s=0.1, cap_s=0.5)
    assert [b.compute(n) for n in range(1, 6)] == [0.1, 0.2, 0.4, 0.5, 0.5]
    assert b.compute(10_000) == 0.5


@given(st.integers(min_value=1, max_value=200), st.integers())
def test_full_jitter_stays_within_the_exponential_bound(failures: int, seed: int) -> None:
    b = FullJitterBackoff(0.05, 1.0, rng=random.Random(seed))
    assert 0 <= b.compute(failures) <= ExponentialBackoff(0.05, 1.0).compute(failures)


def test_full_jitter_is_reproducible_with_a_seed() -> None:
    a = FullJitterBackoff(rng=random.Random(7))
    b = FullJitterBackoff(rng=random.Random(7))
    assert [a.compute(n) for n in range(1, 8)] == [b.compute(n) for n in range(1, 8)]


REFUSED = smclient.ConnectionError("refused")
LOST = smclient.ConnectionError("lost", indeterminate=True)
TIMEOUT = smclient.TimeoutError("slow")


@pytest.mark.parametrize("error", [
    REFUSED, error_from_reply("ERR no primary nodes available"),
    error_from_reply("ERR unavailable"),
])
@pytest.mark.parametrize("read_only", [True, False])
def test_errors_that_applied_nothing_are_retried(error: Exception, read_only: bool) -> None:
    assert Retry(NoBackoff()).next_delay(error, 1, 0.0, read_only=read_only) == 0


@pytest.mark.parametrize("error", [
    LOST, TIMEOUT, error_from_reply("ERR timeout"), error_from_reply("ERR invalid value"),
    smclient.ClientClosedError(), smclient.PoolTimeoutError("busy"),
    smclient.UnexpectedReplyError("?"),
])
def test_indeterminate_and_final_errors_are_not_retried(error: Exception) -> None:
    assert Retry(NoBackoff()).next_delay(error, 1, 0.0, read_only=False) is None


def test_timeouts_of_reads_are_retried_only_when_asked() -> None:
    policy = Retry(NoBackoff(), retry_reads_on_timeout=True)
    assert policy.next_delay(TIMEOUT, 1, 0.0, read_only=True) == 0
    assert policy.next_delay(TIMEOUT, 1, 0.0, read_only=False) is None
    assert policy.next_delay(LOST, 1, 0.0, read_only=False) is None
    server_timeout = error_from_reply("ERR timeout")
    assert policy.next_delay(server_timeout, 1, 0.0, read_only=True) == 0
    assert policy.next_delay(server_timeout, 1, 0.0, read_only=False) is None
    invalid = error_from_reply("ERR invalid value")
    assert policy.next_delay(invalid, 1, 0.0, read_only=True) is None


def test_retry_count_and_total_time_are_capped() -> None:
    policy = Retry(ConstantBackoff(1.0), retries=2, total_s=2.5)
    assert policy.next_delay(REFUSED, 1, 0.0, read_only=True) == 1.0
    assert policy.next_delay(REFUSED, 2, 1.0, read_only=True) == 1.0
    assert policy.next_delay(REFUSED, 3, 2.0, read_only=True) is None
    assert policy.next_delay(REFUSED, 2, 1.6, read_only=True) is None


def test_never_retries_nothing() -> None:
    assert Retry.never().next_delay(REFUSED, 1, 0.0, read_only=True) is None
