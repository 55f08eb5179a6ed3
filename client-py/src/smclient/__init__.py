"""SuperMassive Python SDK: a blocking :class:`Client` and an asyncio :class:`AsyncClient`.

::

    import smclient

    with smclient.Client.from_url("supermassive://user:secret@127.0.0.1:4000") as db:
        db.put("greeting", "hello world")
        db.get("greeting")          # 'hello world'
        db.get("missing")           # None

Both clients have the same methods (the blocking one is generated from the asyncio one),
a bounded connection pool with health checks, explicit pipelines, and retries limited to
failures known to be safe. Errors derive from :class:`SuperMassiveError`.
"""

from smclient._async.client import AsyncClient
from smclient._async.pipeline import AsyncPipeline
from smclient._sync.client import Client
from smclient._sync.pipeline import Pipeline
from smclient.backoff import (
    Backoff,
    ConstantBackoff,
    ExponentialBackoff,
    FullJitterBackoff,
    NoBackoff,
)
from smclient.exceptions import (
    AlreadyAuthenticatedError,
    AuthenticationError,
    ClientClosedError,
    ConflictError,
    ConnectionError,
    InvalidCredentialsError,
    InvalidInputError,
    InvalidPatternError,
    InvalidSharedKeyError,
    InvalidValueError,
    KeyNotFoundError,
    LineTooLongError,
    NoPrimaryError,
    NotAuthenticatedError,
    OutOfMemoryError,
    PoolTimeoutError,
    ReadOnlyError,
    ReloadError,
    ResponseError,
    ServerTimeoutError,
    SuperMassiveError,
    TimeoutError,
    TooManyConnectionsError,
    UnavailableError,
    UnexpectedReplyError,
    UnknownCommandError,
    WrongArityError,
)
from smclient.options import ClientOptions, PoolStatistics
from smclient.replies import RawReply, Stat, StatSection
from smclient.retry import Retry
from smclient.url import ConnectionSettings, parse_url

__version__ = "0.1.0"

__all__ = [
    "AlreadyAuthenticatedError",
    "AsyncClient",
    "AsyncPipeline",
    "AuthenticationError",
    "Backoff",
    "Client",
    "ClientClosedError",
    "ClientOptions",
    "ConflictError",
    "ConnectionError",
    "ConnectionSettings",
    "ConstantBackoff",
    "ExponentialBackoff",
    "FullJitterBackoff",
    "InvalidCredentialsError",
    "InvalidInputError",
    "InvalidPatternError",
    "InvalidSharedKeyError",
    "InvalidValueError",
    "KeyNotFoundError",
    "LineTooLongError",
    "NoBackoff",
    "NoPrimaryError",
    "NotAuthenticatedError",
    "OutOfMemoryError",
    "Pipeline",
    "PoolStatistics",
    "PoolTimeoutError",
    "RawReply",
    "ReadOnlyError",
    "ReloadError",
    "ResponseError",
    "Retry",
    "ServerTimeoutError",
    "Stat",
    "StatSection",
    "SuperMassiveError",
    "TimeoutError",
    "TooManyConnectionsError",
    "UnavailableError",
    "UnexpectedReplyError",
    "UnknownCommandError",
    "WrongArityError",
    "__version__",
    "parse_url",
]
