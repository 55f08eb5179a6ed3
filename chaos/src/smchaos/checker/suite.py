"""Which checkers run for which workload, and their composition."""

from __future__ import annotations

from collections.abc import Callable

from smchaos.checker.convergence import check_convergence
from smchaos.checker.counter import check_counter
from smchaos.checker.linearizability import check_history
from smchaos.checker.model import CounterModel, RegisterModel
from smchaos.checker.set_checker import check_set
from smchaos.checker.verdict import Budget, CheckResult, Verdict, compose
from smchaos.history import Op

Check = Callable[[list[Op], Budget], CheckResult]


def _register(ops: list[Op], budget: Budget) -> CheckResult:
    return check_history(ops, RegisterModel(), budget, "linearizable")


def _counter_linear(ops: list[Op], budget: Budget) -> CheckResult:
    return check_history(ops, CounterModel(), budget, "linearizable")


SUITES: dict[str, tuple[Check, ...]] = {
    "register": (_register,),
    "counter": (lambda ops, _b: check_counter(ops), _counter_linear),
    "set": (lambda ops, _b: check_set(ops),),
    "replica-convergence": (lambda ops, _b: check_convergence(ops), _register),
}
WORKLOAD_NAMES: tuple[str, ...] = tuple(SUITES)


def run_checks(ops: list[Op], workload: str, budget: Budget) -> list[CheckResult]:
    """Run the workload's checkers in order. Raises ``KeyError`` for an unknown workload."""
    return [check(ops, budget) for check in SUITES[workload]]


def overall(results: list[CheckResult]) -> Verdict:
    """The composed verdict of several checkers (invalid > unknown > valid)."""
    return compose(r.verdict for r in results)
