# GENERATED FILE: do not edit. Source: smclient/_async/pipeline.py; run scripts/gen_sync.py.
"""Explicit pipelines: many commands in one write, replies in order.

Generated from :mod:`smclient._async.pipeline` by ``scripts/gen_sync.py``: do not edit.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from smclient import request
from smclient.exceptions import ClientClosedError, ResponseError
from smclient.protocol.encoder import Number
from smclient.request import AnyRequest

if TYPE_CHECKING:
    from smclient._sync.client import Client


class Pipeline:
    """Queue commands, then send them together on one connection.

    ::

        with client.pipeline() as p:
            p.put("a", "1").incr("a").get("a")
            results = p.execute()      # [True, 2, "2"]

    Queued methods return the pipeline, so calls chain. Commands still queued when the
    ``with`` block ends without an exception are executed then, and their results kept
    in :attr:`results`. With ``raise_on_error`` (the default) the first ``ERR`` reply is raised
    after every reply has been read; otherwise ERR replies are returned as exception objects
    in their place. A pipeline is only retried when nothing was sent.
    """

    def __init__(self, client: Client, *, raise_on_error: bool = True) -> None:
        self._client = client
        self._queue: list[AnyRequest] = []
        self._closed = False
        self.raise_on_error = raise_on_error
        self.results: list[Any] = []

    def __len__(self) -> int:
        return len(self._queue)

    def _add(self, req: AnyRequest) -> Pipeline:
        if self._closed:
            raise ClientClosedError("the pipeline is closed")
        self._queue.append(req)
        return self

    def ping(self) -> Pipeline:
        """Queue PING (result ``True``)."""
        return self._add(request.ping())

    def put(self, key: str, value: str | Number) -> Pipeline:
        """Queue PUT (result ``True``)."""
        return self._add(request.put(key, value))

    def get(self, key: str) -> Pipeline:
        """Queue GET (result: the value or ``None``)."""
        return self._add(request.get(key))

    def delete(self, key: str) -> Pipeline:
        """Queue DEL (result ``True``, or ``False`` for a missing key)."""
        return self._add(request.delete(key))

    def incr(self, key: str, delta: Number | None = None) -> Pipeline:
        """Queue INCR (result: the new value)."""
        return self._add(request.incr(key, delta))

    def decr(self, key: str, delta: Number | None = None) -> Pipeline:
        """Queue DECR (result: the new value)."""
        return self._add(request.decr(key, delta))

    def regx(self, pattern: str, offset: int = 0, limit: int | None = None) -> Pipeline:
        """Queue REGX (result: ``(key, value)`` pairs)."""
        return self._add(request.regx(pattern, offset, limit))

    def stat(self) -> Pipeline:
        """Queue STAT (result: :class:`~smclient.Stat`)."""
        return self._add(request.stat())

    def reload_config(self) -> Pipeline:
        """Queue RCNF (result ``True``)."""
        return self._add(request.reload_config())

    def execute_raw(self, line: str) -> Pipeline:
        """Queue one raw command line (result: :class:`~smclient.RawReply`)."""
        return self._add(request.raw(line))

    def execute(self, *, raise_on_error: bool | None = None) -> list[Any]:
        """Send every queued command in one write; return their results in order.

        The queue is emptied. An empty pipeline sends nothing and returns ``[]``.
        """
        queue, self._queue = self._queue, []
        if not queue:
            self.results = []
            return []
        results = self._client._run(queue)
        self.results = results
        should_raise = self.raise_on_error if raise_on_error is None else raise_on_error
        if should_raise:
            for result in results:
                if isinstance(result, ResponseError):
                    raise result
        return results

    def reset(self) -> None:
        """Drop the queued commands."""
        self._queue = []

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None and self._queue:
                self.execute()
        finally:
            self._queue = []
            self._closed = True
