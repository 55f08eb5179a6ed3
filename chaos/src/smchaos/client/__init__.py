"""Clients: the interface, a minimal line client, and the key-value client of the workloads."""

from smchaos.client.base import Client, ClientFactory, Outcome, OutcomeType
from smchaos.client.kv import KVClient, KVClientFactory, command, interpret, parse_value
from smchaos.client.line import ConnectFailed, LineConnection, LinkError, LinkLost, ReplyTimeout

__all__ = [
    "Client",
    "ClientFactory",
    "ConnectFailed",
    "KVClient",
    "KVClientFactory",
    "LineConnection",
    "LinkError",
    "LinkLost",
    "Outcome",
    "OutcomeType",
    "ReplyTimeout",
    "command",
    "interpret",
    "parse_value",
]
