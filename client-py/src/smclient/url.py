"""Connection settings and the ``supermassive://`` URL form.

``supermassive://user:password@host:4000`` connects in plain TCP, ``supermassives://...`` with
TLS. User and password are percent-decoded; the port defaults to 4000 (the cluster's).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote, urlsplit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4000
SCHEMES = {"supermassive": False, "supermassives": True}


@dataclass(frozen=True)
class ConnectionSettings:
    """Where and how to connect: address, credentials and TLS.

    ``tls`` turns TLS on; ``ca_file`` (PEM) replaces the system roots, ``cert_file`` and
    ``key_file`` present a client certificate, ``ssl_context`` overrides all three.
    ``shared_key`` sends NAUTH first (talking to a node directly, as tests and tools do).
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    server_hostname: str | None = None
    ssl_context: ssl.SSLContext | None = None
    shared_key: str | None = None
    connect_timeout_s: float = 5.0

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"port must be 1..65535, not {self.port}")
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        if self.connect_timeout_s <= 0:
            raise ValueError("connect_timeout_s must be positive")

    @property
    def address(self) -> str:
        """``host:port`` (IPv6 hosts in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def with_options(self, **changes: Any) -> ConnectionSettings:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def make_ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context to connect with, or ``None`` for plain TCP."""
        if self.ssl_context is not None:
            return self.ssl_context
        if not self.tls:
            return None
        ctx = ssl.create_default_context(cafile=self.ca_file)
        if self.cert_file:
            ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx

    def __repr__(self) -> str:
        secret = "***" if self.password is not None else None
        return (
            f"ConnectionSettings(host={self.host!r}, port={self.port}, "
            f"username={self.username!r}, password={secret!r}, tls={self.tls})"
        )


def parse_url(url: str) -> ConnectionSettings:
    """Parse ``supermassive[s]://[user:password@]host[:port]`` into settings.

    Raises ``ValueError`` with a one-line reason for anything else.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(f"unsupported URL scheme {parts.scheme!r}: use supermassive:// or "
                         "supermassives://")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"unexpected path, query or fragment in {url!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"invalid port in {url!r}: {exc}") from None
    host = parts.hostname
    if not host:
        raise ValueError(f"missing host in {url!r}")
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    if username is not None and password is None:
        raise ValueError(f"missing password for user {username!r} in URL")
    return ConnectionSettings(
        host=host,
        port=port if port is not None else DEFAULT_PORT,
        username=username,
        password=password,
        tls=SCHEMES[scheme],
    )
