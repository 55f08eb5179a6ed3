"""What every role shares: listening from config, stop signals, a clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from supermassive.config import ConfigError, RoleConfig
from supermassive.net import tls
from supermassive.net.server import Handler, ResponderFactory, Server

log = logging.getLogger("supermassive")


async def start_listener(
    config: RoleConfig, handler: Handler, alt_protocol: ResponderFactory | None = None
) -> Server:
    """Create the role's :class:`Server` and listen on ``server-config.address``."""
    sc = config.server
    server = Server(
        handler, max_line_bytes=sc.max_line_bytes, max_connections=sc.max_connections,
        max_pipeline=sc.max_pipeline, alt_protocol=alt_protocol,
    )
    ctx = tls.server_context(sc.cert_file, sc.key_file, f"{config.path}: server-config") \
        if sc.use_tls else None
    host, port = sc.host_port
    try:
        await server.listen(host, port, ssl=ctx)
    except OSError as exc:
        raise ConfigError(
            f"{config.path}: server-config.address: cannot listen on {sc.address}: "
            f"{exc.strerror or exc}"
        ) from None
    log.info("listening on %s%s", ", ".join(f"{h}:{p}" for h, p in server.bound),
             " (TLS)" if ctx else "")
    return server


def stop_event() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT (Ctrl-C)."""
    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, event.set)
    if sys.platform == "win32":  # pragma: no cover - no add_signal_handler there
        signal.signal(signal.SIGINT, lambda *_: loop.call_soon_threadsafe(event.set))
    return event
