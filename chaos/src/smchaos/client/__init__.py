"""Clients: the interface, and the key-value client of the workloads (over the SDK)."""

from smchaos.client.base import Client, ClientFactory, Outcome, OutcomeType
from smchaos.client.kv import (
    DEFINITE_ERRORS,
    KVClient,
    KVClientFactory,
    outcome_of_error,
    parse_value,
    perform,
)

__all__ = [
    "DEFINITE_ERRORS",
    "Client",
    "ClientFactory",
    "KVClient",
    "KVClientFactory",
    "Outcome",
    "OutcomeType",
    "outcome_of_error",
    "parse_value",
    "perform",
]
