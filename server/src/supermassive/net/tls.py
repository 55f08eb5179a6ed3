"""TLS contexts for the listener and for internal links, with one-line errors."""

from __future__ import annotations

import ssl

from supermassive.config import ConfigError


def server_context(cert_file: str, key_file: str, where: str = "server-config") -> ssl.SSLContext:
    """A TLS 1.2+ server context from a PEM certificate chain and key."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(cert_file, key_file)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
        raise ConfigError(
            f"{where}: cannot load TLS certificate {cert_file!r} / key {key_file!r}: {reason}"
        ) from None
    return ctx


def client_context(ca_file: str = "", where: str = "link") -> ssl.SSLContext:
    """A verifying TLS 1.2+ client context; ``ca_file`` adds a private CA (else system roots)."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_file:
        try:
            ctx.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
            raise ConfigError(f"{where}: cannot load CA file {ca_file!r}: {reason}") from None
    return ctx
