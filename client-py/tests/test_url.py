"""supermassive:// URLs."""

from __future__ import annotations

import pytest

import smclient
from smclient import ConnectionSettings, parse_url


def test_url_with_credentials() -> None:
    s = parse_url("supermassive://user:pa%40ss@db.example:4100")
    assert (s.host, s.port, s.username, s.password, s.tls) == (
        "db.example", 4100, "user", "pa@ss", False)


def test_tls_scheme_and_default_port() -> None:
    s = parse_url("supermassives://h")
    assert (s.host, s.port, s.tls, s.username) == ("h", 4000, True, None)


def test_ipv6_host() -> None:
    s = parse_url("supermassive://[::1]:4001")
    assert (s.host, s.port) == ("::1", 4001)
    assert s.address == "[::1]:4001"


@pytest.mark.parametrize("url", [
    "redis://h:1", "supermassive://", "supermassive://h:99999", "supermassive://h/db",
    "supermassive://h?x=1", "supermassive://user@h", "supermassive://h:abc",
])
def test_bad_urls_raise_value_error(url: str) -> None:
    with pytest.raises(ValueError):
        parse_url(url)


def test_password_is_not_in_repr() -> None:
    assert "secret" not in repr(parse_url("supermassive://u:secret@h"))


def test_from_url_builds_client_settings() -> None:
    client = smclient.Client.from_url("supermassives://u:p@h:4005", timeout_s=1.5)
    assert client.settings.tls and client.settings.port == 4005
    assert client.options.timeout_s == 1.5
    aclient = smclient.AsyncClient.from_url("supermassive://h")
    assert aclient.settings.host == "h"


def test_settings_need_both_credentials() -> None:
    with pytest.raises(ValueError):
        ConnectionSettings(username="u")
