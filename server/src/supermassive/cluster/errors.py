"""Errors of the cluster's internal links: one root, and whether the request left.

``sent`` is what fail-over decisions need: a request that never left (the member was down or
its connection could not take it) may be sent to another member; a request that left and got
no answer is *indeterminate*: it may have been applied, so a write is not resent elsewhere.
"""

from __future__ import annotations


class LinkError(Exception):
    """A member did not answer a request."""

    sent = True

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"{address}: {reason}")
        self.address = address
        self.reason = reason


class MemberDown(LinkError):
    """The member is marked down (or has no open connection): the request was not sent."""

    sent = False


class LinkTimeout(LinkError):
    """No reply within the read timeout; the connection was closed. Outcome unknown."""


class LinkLost(LinkError):
    """The connection closed (or the peer broke the protocol) after the request was sent."""
