"""Workloads: register, counter, set, replica-convergence."""

from collections.abc import Callable

from smchaos.workloads.base import Workload
from smchaos.workloads.convergence import convergence_workload
from smchaos.workloads.counter import counter_workload
from smchaos.workloads.register import register_workload
from smchaos.workloads.set import set_workload

WORKLOADS: dict[str, Callable[[], Workload]] = {
    "register": register_workload,
    "counter": counter_workload,
    "set": set_workload,
    "replica-convergence": convergence_workload,
}

__all__ = ["WORKLOADS", "Workload"]
