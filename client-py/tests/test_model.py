"""A stateful property test: the client against a real node behaves like a dict."""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

import smclient
from smclient.testing import ServerProcess

_runs = itertools.count()
values = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n\x00"), max_size=20
)
numbers = st.integers(-(10**20), 10**20) | st.decimals(
    -1000, 1000, allow_nan=False, allow_infinity=False, places=3
)


def run_model(db: smclient.Client) -> None:
    class DictModel(RuleBasedStateMachine):
        """Every reply must match what a dict would say."""

        @initialize()
        def setup(self) -> None:
            self.prefix = f"model{next(_runs)}:"
            self.model: dict[str, str] = {}

        def key(self, i: int) -> str:
            return f"{self.prefix}{i}"

        @rule(i=st.integers(0, 4), value=values)
        def put(self, i: int, value: str) -> None:
            assert db.put(self.key(i), value) is True
            self.model[self.key(i)] = value

        @rule(i=st.integers(0, 4))
        def get(self, i: int) -> None:
            assert db.get(self.key(i)) == self.model.get(self.key(i))

        @rule(i=st.integers(0, 4))
        def delete(self, i: int) -> None:
            assert db.delete(self.key(i)) is (self.model.pop(self.key(i), None) is not None)

        @rule(i=st.integers(0, 4), start=numbers, delta=numbers)
        def incr(self, i: int, start: int | Decimal, delta: int | Decimal) -> None:
            db.put(self.key(i), start)
            expected = start + delta
            got = db.incr(self.key(i), delta)
            assert got == expected
            if isinstance(start, int) and isinstance(delta, int):
                assert isinstance(got, int)
            self.model[self.key(i)] = db.get(self.key(i)) or ""

        @rule()
        def regx(self) -> None:
            assert db.regx(f"^{self.prefix}") == sorted(self.model.items())

    run_state_machine_as_test(
        DictModel,
        settings=settings(max_examples=25, stateful_step_count=15, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )


def test_client_matches_a_dict_model(node: ServerProcess) -> None:
    with smclient.Client(port=node.port, shared_key="test-key") as db:
        run_model(db)
