"""The ``supermassive`` command: parse flags, load the role's config, run the role.

Every failure at start (bad flag, bad config, unreadable TLS file, port in use) is one line on
stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from supermassive import config as cfgmod
from supermassive.config import ConfigError
from supermassive.logs import setup_logging


class UsageError(Exception):
    """A command-line problem, described in one line."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``supermassive``."""
    p = argparse.ArgumentParser(
        prog="supermassive",
        description="SuperMassive server: runs the cluster, node or node-replica role.",
    )
    p.add_argument("--instance-type", default="cluster",
                   help="cluster (default), node or node-replica")
    p.add_argument("--shared-key", default=None,
                   help="key shared by cluster, nodes and replicas (or SUPERMASSIVE_SHARED_KEY)")
    p.add_argument("--username", default=None,
                   help="cluster: client user (or SUPERMASSIVE_USERNAME)")
    p.add_argument("--password", default=None,
                   help="cluster: client password (or SUPERMASSIVE_PASSWORD)")
    p.add_argument("--local", action="store_true",
                   help="cluster: no client authentication (local testing only)")
    p.add_argument("--config", default=None, help="config file (default: .cluster/.node/"
                   ".nodereplica in the working directory)")
    p.add_argument("--dir", default=None, help="working directory for config and journal")
    p.add_argument("--log-level", default=os.environ.get("SUPERMASSIVE_LOG_LEVEL", "info"),
                   help="debug, info, warning or error")
    return p


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = build_parser()
    parser.__class__ = _Parser
    try:
        args = parser.parse_args(argv)
        return _run(args)
    except (UsageError, ConfigError) as exc:
        print(f"supermassive: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def _run(args: argparse.Namespace) -> int:
    role = args.instance_type
    if role not in cfgmod.ROLE_FILES:
        raise UsageError(f"invalid instance type {role!r}: use cluster, node or node-replica")
    shared_key = cfgmod.env_or(args.shared_key, "SUPERMASSIVE_SHARED_KEY")
    if not shared_key:
        raise UsageError("--shared-key is required (or set SUPERMASSIVE_SHARED_KEY)")
    directory = Path(args.dir) if args.dir else Path.cwd()
    if not directory.is_dir():
        raise UsageError(f"--dir {directory}: not a directory")
    username = cfgmod.env_or(args.username, "SUPERMASSIVE_USERNAME")
    password = cfgmod.env_or(args.password, "SUPERMASSIVE_PASSWORD")
    if role == "cluster" and not args.local and not (username and password):
        raise UsageError("the cluster needs --username and --password (or --local)")
    setup_logging(role, args.log_level)
    path = cfgmod.config_path(role, directory, args.config)
    config = cfgmod.load_config(role, path)
    logging.getLogger("supermassive").info(
        "starting %s with %s (loop: %s)", role, path, _loop_name()
    )
    from supermassive import loop
    from supermassive.roles import run_role

    return loop.run(
        run_role(role, config, directory, shared_key=shared_key, username=username,
                 password=password, local=args.local)
    )


def _loop_name() -> str:
    from supermassive.loop import loop_name

    return loop_name()
