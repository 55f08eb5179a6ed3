"""Every ERR prefix of the wire contract maps to its own exception class."""

from __future__ import annotations

import pytest

import smclient
from smclient.exceptions import ERROR_CLASSES, error_from_reply
from smclient.protocol.errors import ERROR_CODES


def test_every_error_code_has_a_class() -> None:
    assert set(ERROR_CLASSES) == {c.name for c in ERROR_CODES}


@pytest.mark.parametrize("code", ERROR_CODES, ids=lambda c: c.name)
def test_reply_maps_to_the_class_of_its_prefix(code: object) -> None:
    prefix = code.prefix  # type: ignore[attr-defined]
    exc = error_from_reply(f"ERR {prefix}: some detail")
    assert type(exc) is ERROR_CLASSES[code.name]  # type: ignore[attr-defined]
    assert exc.code is code
    assert exc.message == f"{prefix}: some detail"
    assert isinstance(exc, smclient.ResponseError)
    assert isinstance(exc, smclient.SuperMassiveError)


def test_auth_errors_are_authentication_errors() -> None:
    for text in ("ERR invalid credentials", "ERR invalid key", "ERR not authenticated"):
        assert isinstance(error_from_reply(text), smclient.AuthenticationError)


def test_timeouts_are_indeterminate() -> None:
    assert smclient.TimeoutError("x").indeterminate
    server_timeout = error_from_reply("ERR timeout")
    assert isinstance(server_timeout, smclient.TimeoutError)
    assert server_timeout.indeterminate


def test_connection_error_says_whether_it_was_sent() -> None:
    assert not smclient.ConnectionError("refused").indeterminate
    assert smclient.ConnectionError("lost", indeterminate=True).indeterminate
