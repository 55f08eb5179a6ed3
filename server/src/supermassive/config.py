"""Configuration files: schema, defaults, loading, validation, default-file creation.

Each role reads one YAML file (``.cluster``, ``.node``, ``.nodereplica``) from its working
directory. The schema below is the single source of truth: loading, validation, the commented
default file and the generated configuration reference in ``docs/`` all come from it.

Errors are :class:`ConfigError` with a one-line message naming the file, the key and the
problem; :mod:`supermassive.cli` prints it and exits non-zero.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROLE_FILES = {"cluster": ".cluster", "node": ".node", "node-replica": ".nodereplica"}
DEFAULT_PORTS = {"cluster": 4000, "node": 4001, "node-replica": 4002}
SYNC_POLICIES = ("always", "everysec", "no")


class ConfigError(Exception):
    """A configuration problem, described in one line."""


@dataclass(frozen=True)
class Key:
    """One configuration key: its type, default, limits and meaning."""

    name: str
    type: type
    default: Any
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None


SERVER_KEYS: tuple[Key, ...] = (
    Key("address", str, "localhost:4000", "Listen address, `host:port` (port 0 picks a free one)."),
    Key("use-tls", bool, False, "Serve TLS instead of plain TCP."),
    Key("cert-file", str, "", "PEM certificate chain for the TLS listener."),
    Key("key-file", str, "", "PEM private key for the TLS listener."),
    Key("read-timeout", float, 0, "Close a client connection idle this many seconds (0: never).",
        minimum=0, maximum=86400),
    Key("buffer-size", int, 65536, "Accepted for the original's configs and checked; no "
        "effect (the event loop sizes socket reads).", minimum=512,
        maximum=16 * 1024 * 1024),
    Key("max-line-bytes", int, 16 * 1024 * 1024,
        "Longest accepted command line; longer gets `ERR line too long` and a close.",
        minimum=1024, maximum=1024 * 1024 * 1024),
    Key("max-connections", int, 10000, "Client connections accepted at once.", minimum=1,
        maximum=1_000_000),
    Key("max-pipeline", int, 1024,
        "Commands queued per connection before reading pauses (back-pressure).", minimum=1,
        maximum=1_000_000),
)

CLIENT_KEYS: tuple[Key, ...] = (
    Key("server-address", str, "localhost:4001", "Member address, `host:port`; also its identity."),
    Key("use-tls", bool, False, "Connect with TLS."),
    Key("ca-cert-file", str, "", "PEM CA bundle to verify the member (empty: system roots)."),
    Key("connect-timeout", float, 5, "Seconds to establish (and authenticate) a connection.",
        minimum=0.01, maximum=3600),
    Key("write-timeout", float, 5, "Seconds a request may wait to be sent.", minimum=0.01,
        maximum=3600),
    Key("read-timeout", float, 5, "Seconds to wait for a reply before the member is marked down.",
        minimum=0.01, maximum=3600),
    Key("max-retries", int, 3, "Connect attempts after the first one, per reconnect cycle.",
        minimum=0, maximum=100),
    Key("retry-wait-time", float, 1, "Seconds between connect attempts.", minimum=0, maximum=3600),
    Key("buffer-size", int, 65536, "Accepted for the original's configs and checked; no "
        "effect (the event loop sizes socket reads).", minimum=512,
        maximum=16 * 1024 * 1024),
    Key("pool-size", int, 4, "Pipelined connections kept to the member.", minimum=1, maximum=256),
)

NODE_KEYS: tuple[Key, ...] = (
    Key("health-check-interval", float, 2, "Seconds between replica reconnect attempts.",
        minimum=0.05, maximum=3600),
    Key("max-memory-threshold", float, 75,
        "Percent of system RAM (process RSS) above which PUT answers `ERR out of memory`.",
        minimum=1, maximum=100),
    Key("journal-sync", str, "everysec",
        "`always`: fsync before acknowledging (group commit); `everysec`: fsync every second; "
        "`no`: leave it to the OS.", choices=SYNC_POLICIES),
    Key("journal-compaction-factor", float, 2.0,
        "Compact when the journal is this many times the live data (and over the minimum).",
        minimum=1.1, maximum=1000),
    Key("journal-compaction-min-bytes", int, 4 * 1024 * 1024,
        "Never compact a journal smaller than this.", minimum=0, maximum=1 << 40),
    Key("tombstone-grace-period", float, 3600,
        "Seconds a deleted key's tombstone is kept before it is collected.", minimum=0,
        maximum=365 * 86400),
    Key("replication-backlog-bytes", int, 64 * 1024 * 1024,
        "Bytes of stream waiting to be sent to one replica (slow, paused, unreachable) before "
        "it is cut and caught up later.",
        minimum=65536, maximum=1 << 34),
    Key("replication-coalesce-ms", float, 0,
        "Under load, send the replication stream at most once per this many milliseconds "
        "(records journaled meanwhile join one write). 0: records leave in the loop iteration "
        "that acknowledged them, so a replica has every acknowledged write unless the network "
        "loses it; 10 batches records and cuts a replica's CPU per write under load, but a "
        "primary killed within that window leaves its replica that much behind until it "
        "returns.",
        minimum=0, maximum=1000),
)

REPLICA_KEYS: tuple[Key, ...] = tuple(
    k for k in NODE_KEYS
    if k.name not in ("health-check-interval", "replication-backlog-bytes",
                      "replication-coalesce-ms")
)

CLUSTER_KEYS: tuple[Key, ...] = (
    Key("health-check-interval", float, 2, "Seconds between health checks of every member.",
        minimum=0.05, maximum=3600),
    Key("cluster-id", int, 1, "Writer id stamped into every version (1..255); give each "
        "cluster process its own.", minimum=1, maximum=255),
    Key("max-concurrent-requests", int, 10000,
        "Requests the cluster forwards at once before new ones wait.", minimum=1,
        maximum=1_000_000),
)


def _check_value(path: Path, where: str, key: Key, value: Any) -> Any:
    name = f"{where}{key.name}"
    if key.type is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: {name}: expected true or false, got {value!r}")
        return value
    if key.type in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{path}: {name}: expected a number, got {value!r}")
        if key.type is int and not float(value).is_integer():
            raise ConfigError(f"{path}: {name}: expected an integer, got {value!r}")
        if key.minimum is not None and value < key.minimum:
            raise ConfigError(f"{path}: {name}: {value} is below the minimum {key.minimum:g}")
        if key.maximum is not None and value > key.maximum:
            raise ConfigError(f"{path}: {name}: {value} is above the maximum {key.maximum:g}")
        return key.type(value)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ConfigError(f"{path}: {name}: expected a string, got {value!r}")
    if key.choices is not None and value not in key.choices:
        raise ConfigError(
            f"{path}: {name}: {value!r} is not one of {', '.join(key.choices)}"
        )
    return value


def _read_block(
    path: Path, where: str, keys: tuple[Key, ...], raw: Any, defaults: dict[str, Any]
) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: {where.rstrip('.') or 'top level'}: expected a mapping")
    known = {k.name: k for k in keys}
    for name in raw:
        if name not in known:
            raise ConfigError(f"{path}: {where}{name}: unknown key")
    out: dict[str, Any] = {}
    for key in keys:
        value = raw.get(key.name, defaults.get(key.name, key.default))
        out[key.name] = _check_value(path, where, key, value)
    return out


def parse_address(text: str) -> tuple[str, int]:
    """Split ``host:port`` (``[v6]:port`` allowed). Raises ``ValueError``."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{text!r} is not host:port")
    return host.strip("[]") or "localhost", int(port)


@dataclass(frozen=True)
class ServerConfig:
    """The listener (``server-config``)."""

    address: str
    use_tls: bool
    cert_file: str
    key_file: str
    read_timeout: float
    buffer_size: int
    max_line_bytes: int
    max_connections: int
    max_pipeline: int

    @property
    def host_port(self) -> tuple[str, int]:
        """The listen address split into host and port."""
        return parse_address(self.address)


@dataclass(frozen=True)
class LinkConfig:
    """A client link to a member (``node-configs[].node``, ``replicas[]``, ``read-replicas[]``)."""

    server_address: str
    use_tls: bool
    ca_cert_file: str
    connect_timeout: float
    write_timeout: float
    read_timeout: float
    max_retries: int
    retry_wait_time: float
    buffer_size: int
    pool_size: int

    @property
    def host_port(self) -> tuple[str, int]:
        """The member address split into host and port."""
        return parse_address(self.server_address)


@dataclass(frozen=True)
class ShardConfig:
    """One primary and its replicas, as the cluster sees them."""

    node: LinkConfig
    replicas: tuple[LinkConfig, ...]


@dataclass(frozen=True)
class RoleConfig:
    """A whole config file, for any role. Keys a role does not have keep their defaults."""

    role: str
    path: Path
    server: ServerConfig
    health_check_interval: float = 2
    max_memory_threshold: float = 75
    journal_sync: str = "everysec"
    journal_compaction_factor: float = 2.0
    journal_compaction_min_bytes: int = 4 * 1024 * 1024
    tombstone_grace_period: float = 3600
    replication_backlog_bytes: int = 64 * 1024 * 1024
    replication_coalesce_ms: float = 0
    cluster_id: int = 1
    max_concurrent_requests: int = 10000
    read_replicas: tuple[LinkConfig, ...] = ()
    node_configs: tuple[ShardConfig, ...] = field(default_factory=tuple)


def _attr(name: str) -> str:
    return name.replace("-", "_")


def _server_defaults(role: str) -> dict[str, Any]:
    return {"address": f"localhost:{DEFAULT_PORTS[role]}"}


def _link(path: Path, where: str, raw: Any, default_address: str) -> LinkConfig:
    values = _read_block(path, where, CLIENT_KEYS, raw, {"server-address": default_address})
    try:
        parse_address(values["server-address"])
    except ValueError as exc:
        raise ConfigError(f"{path}: {where}server-address: {exc}") from None
    _check_readable(path, f"{where}ca-cert-file", values["ca-cert-file"])
    return LinkConfig(**{_attr(k): v for k, v in values.items()})


def _check_readable(path: Path, name: str, file: str, required: bool = False) -> None:
    if not file:
        if required:
            raise ConfigError(f"{path}: {name}: required when use-tls is true")
        return
    try:
        with open(file, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise ConfigError(f"{path}: {name}: cannot read {file!r}: {exc.strerror}") from None


def _top_keys(role: str) -> tuple[Key, ...]:
    return {"cluster": CLUSTER_KEYS, "node": NODE_KEYS, "node-replica": REPLICA_KEYS}[role]


def parse_config(role: str, path: Path, text: str) -> RoleConfig:
    """Parse and validate the YAML ``text`` of ``path`` for ``role``."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        kind = type(raw).__name__
        raise ConfigError(f"{path}: top level: expected a mapping of keys, got {kind}")
    lists = {"cluster": ("node-configs",), "node": ("read-replicas",), "node-replica": ()}[role]
    top_keys = _top_keys(role)
    scalar_raw = {k: v for k, v in raw.items() if k not in ("server-config", *lists)}
    top = _read_block(path, "", top_keys, scalar_raw, {})
    server_values = _read_block(
        path, "server-config.", SERVER_KEYS, raw.get("server-config"), _server_defaults(role)
    )
    try:
        parse_address(server_values["address"])
    except ValueError as exc:
        raise ConfigError(f"{path}: server-config.address: {exc}") from None
    if server_values["use-tls"]:
        _check_readable(path, "server-config.cert-file", server_values["cert-file"], True)
        _check_readable(path, "server-config.key-file", server_values["key-file"], True)
    server = ServerConfig(**{_attr(k): v for k, v in server_values.items()})
    kwargs: dict[str, Any] = {_attr(k): v for k, v in top.items()}
    if role == "node":
        kwargs["read_replicas"] = tuple(
            _link(path, f"read-replicas[{i}].", item, "localhost:4002")
            for i, item in enumerate(_as_list(path, "read-replicas", raw.get("read-replicas")))
        )
    if role == "cluster":
        shards = []
        for i, item in enumerate(_as_list(path, "node-configs", raw.get("node-configs"))):
            where = f"node-configs[{i}]."
            if not isinstance(item, dict):
                raise ConfigError(f"{path}: {where.rstrip('.')}: expected a mapping")
            for name in item:
                if name not in ("node", "replicas"):
                    raise ConfigError(f"{path}: {where}{name}: unknown key")
            if "node" not in item:
                raise ConfigError(f"{path}: {where}node: missing")
            node = _link(path, f"{where}node.", item["node"], "localhost:4001")
            replicas = tuple(
                _link(path, f"{where}replicas[{j}].", rep, "localhost:4002")
                for j, rep in enumerate(_as_list(path, f"{where}replicas", item.get("replicas")))
            )
            shards.append(ShardConfig(node, replicas))
        kwargs["node_configs"] = tuple(shards)
    return RoleConfig(role=role, path=path, server=server, **kwargs)


def _as_list(path: Path, name: str, raw: Any) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: {name}: expected a list")
    return raw


def _yaml_value(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def _block_lines(keys: tuple[Key, ...], indent: str, overrides: dict[str, Any]) -> list[str]:
    lines = []
    for key in keys:
        lines.append(f"{indent}# {key.doc}")
        value = overrides.get(key.name, key.default)
        lines.append(f"{indent}{key.name}: {_yaml_value(value)}")
    return lines


def default_text(role: str) -> str:
    """The commented default config file for ``role``."""
    title = {"cluster": "cluster (client-facing router)", "node": "node (primary shard)",
             "node-replica": "node-replica (read replica)"}[role]
    lines = [f"# SuperMassive {title} configuration. Every key is documented in",
             "# docs/reference/configuration.md; missing keys take these defaults.", ""]
    lines += _block_lines(_top_keys(role), "", {})
    lines += ["", "# The listener.", "server-config:"]
    lines += _block_lines(SERVER_KEYS, "    ", _server_defaults(role))
    if role == "node":
        lines += ["", "# Replicas this primary streams every write to.", "read-replicas:",
                  "    -"]
        lines += _block_lines(CLIENT_KEYS, "        ", {"server-address": "localhost:4002"})
    if role == "cluster":
        lines += ["", "# Primaries (shards) and their read replicas.", "node-configs:",
                  "    - node:"]
        lines += _block_lines(CLIENT_KEYS, "          ", {"server-address": "localhost:4001"})
        lines += ["      replicas:", "          -"]
        lines += _block_lines(CLIENT_KEYS, "            ", {"server-address": "localhost:4002"})
    return "\n".join(lines) + "\n"


def config_path(role: str, directory: Path, explicit: str | None = None) -> Path:
    """Where the role's config file lives."""
    return Path(explicit) if explicit else directory / ROLE_FILES[role]


def load_config(role: str, path: Path) -> RoleConfig:
    """Load ``path`` for ``role``, creating it with commented defaults when it is missing."""
    if role not in ROLE_FILES:
        raise ConfigError(f"unknown instance type {role!r} (cluster, node, node-replica)")
    if not path.exists():
        try:
            path.write_text(default_text(role))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot create default config: {exc.strerror}") from None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_config(role, path, text)


def schema() -> dict[str, tuple[Key, ...]]:
    """Every config block and its keys, for the generated reference."""
    return {
        ".cluster (top level)": CLUSTER_KEYS,
        ".node (top level)": NODE_KEYS,
        ".nodereplica (top level)": REPLICA_KEYS,
        "server-config (every role)": SERVER_KEYS,
        "node-configs[].node, node-configs[].replicas[], read-replicas[] (member links)":
            CLIENT_KEYS,
    }


def env_or(value: str | None, name: str) -> str | None:
    """``value`` if given, else the environment variable ``name`` (None when unset/empty)."""
    return value if value else (os.environ.get(name) or None)
