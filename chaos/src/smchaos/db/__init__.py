"""The system under test: the DB interface, the local topology (with its fault proxies), the
observer."""

from smchaos.db.base import DB
from smchaos.db.observer import observe, parse_vregx, read_member
from smchaos.db.topology import Link, LocalTopology, Member, TopologySpec, faketime_available

__all__ = [
    "DB",
    "Link",
    "LocalTopology",
    "Member",
    "TopologySpec",
    "faketime_available",
    "observe",
    "parse_vregx",
    "read_member",
]
