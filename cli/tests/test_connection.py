"""One-line messages for every kind of connection failure (built from real exception types)."""

from __future__ import annotations

import socket
import ssl

import smclient
from smcli.connection import describe_error, to_reply
from smcli.options import Target
from smclient.protocol.errors import classify

TARGET = Target(host="db", port=4000)


def _raised(exc: BaseException, cause: BaseException | None) -> BaseException:
    """``exc`` as raised ``from cause`` (so its chain is what the SDK produces)."""
    try:
        raise exc from cause
    except BaseException as raised:
        return raised


def test_refused_names_the_address() -> None:
    exc = _raised(smclient.ConnectionError("connect failed"), ConnectionRefusedError(111, "x"))
    assert describe_error(exc, TARGET) == (
        "could not connect to db:4000: connection refused (is the server running?)"
    )


def test_unknown_host() -> None:
    exc = _raised(smclient.ConnectionError("connect failed"), socket.gaierror(-2, "unknown"))
    assert describe_error(exc, TARGET) == "could not connect to db:4000: unknown host 'db'"


def test_certificate_failure_suggests_cacert() -> None:
    err = ssl.SSLCertVerificationError(1, "certificate verify failed")
    err.verify_code, err.verify_message = 18, "self-signed certificate"
    message = describe_error(_raised(smclient.ConnectionError("tls"), err), TARGET)
    assert message.startswith("TLS error with db:4000: certificate verification failed")
    assert "self-signed certificate" in message and "--cacert" in message


def test_hostname_mismatch_suggests_the_host_name() -> None:
    err = ssl.SSLCertVerificationError(1, "certificate verify failed")
    err.verify_code, err.verify_message = 62, "Hostname mismatch"
    message = describe_error(_raised(smclient.ConnectionError("tls"), err), TARGET)
    assert "Hostname mismatch" in message and "-h" in message and "--cacert" not in message


def test_bad_credentials_name_the_user() -> None:
    target = Target(host="db", username="ada", password="x")
    exc = smclient.InvalidCredentialsError("invalid credentials", classify("invalid credentials"))
    assert describe_error(exc, target) == (
        "authentication failed at db:4000 as 'ada': invalid credentials"
    )


def test_refused_shared_key() -> None:
    target = Target(host="db", shared_key="k")
    exc = smclient.InvalidSharedKeyError("invalid key", classify("invalid key"))
    assert "the shared key was refused" in describe_error(exc, target)


def test_nauth_on_a_cluster_gets_a_hint() -> None:
    target = Target(host="db", shared_key="k")
    exc = smclient.UnknownCommandError("unknown command", classify("unknown command"))
    assert "a cluster takes --user or --local" in describe_error(exc, target)


def test_timeout_anywhere_in_the_chain_is_a_timeout() -> None:
    inner = _raised(smclient.TimeoutError("no reply within 1.0s"), None)
    try:
        raise smclient.ConnectionError("handshake with db:4000 failed") from inner
    except smclient.ConnectionError as outer:
        message = describe_error(outer, TARGET)
    assert message == "timed out talking to db:4000 (no reply within 1.0s)"


def test_unknown_failure_keeps_the_sdk_message_once() -> None:
    exc = smclient.ConnectionError("handshake with db:4000 failed: closed")
    tls = Target(host="db", tls=True)
    assert describe_error(exc, tls) == "handshake with db:4000 failed: closed"
    assert describe_error(smclient.ConnectionError("closed"), tls) == (
        "connection to db:4000 failed: closed"
    )


def test_closed_plain_connection_suggests_tls() -> None:
    exc = smclient.ConnectionError("handshake with db:4000 failed: closed")
    assert describe_error(exc, TARGET).endswith("(if the server uses TLS, add --tls)")


def test_raw_replies_keep_their_prefix() -> None:
    reply = to_reply(smclient.RawReply(True, "OK 2", ["a 1", "b 2"]))
    assert (reply.ok, reply.header, reply.lines) == (True, "OK 2", ("a 1", "b 2"))
    err = to_reply(smclient.RawReply(False, "ERR key-value not found", []))
    assert (err.ok, err.message) == (False, "key-value not found")
