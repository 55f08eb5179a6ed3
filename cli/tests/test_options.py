"""Flag parsing and resolution into connection settings (pure: argv + env in)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from smcli.options import DEFAULT_HOST, DEFAULT_PORT, UsageError, resolve


@dataclass
class _Url:
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = None
    tls: bool = False


def _parse_url(url: str) -> _Url:
    """A stand-in for the SDK's URL parser that returns fixed settings per URL."""
    table = {
        "supermassive://u:pw@db:4100": _Url("db", 4100, "u", "pw"),
        "supermassives://db": _Url("db", 4000, None, None, True),
    }
    if url not in table:
        raise ValueError("unsupported scheme")
    return table[url]


def test_defaults_are_localhost_4000_without_auth() -> None:
    opts = resolve([], {})
    assert opts is not None
    assert (DEFAULT_HOST, DEFAULT_PORT) == ("127.0.0.1", 4000)
    assert (opts.target.host, opts.target.port) == (DEFAULT_HOST, DEFAULT_PORT)
    assert opts.target.username is None and not opts.needs_password
    assert not opts.target.tls and opts.command == ()


def test_short_h_is_the_host_like_redis_cli() -> None:
    opts = resolve(["-h", "db.local", "-p", "4100", "GET", "k"], {})
    assert opts is not None
    assert opts.target.address == "db.local:4100"
    assert opts.command == ("GET", "k")


def test_options_after_the_command_belong_to_the_command() -> None:
    opts = resolve(["PUT", "k", "--timing", "-p"], {})
    assert opts is not None
    assert opts.command == ("PUT", "k", "--timing", "-p") and not opts.timing


def test_double_dash_separates_options_from_a_command() -> None:
    opts = resolve(["--", "GET", "k"], {})
    assert opts is not None and opts.command == ("GET", "k")


@pytest.mark.parametrize("argv", [["-p", "0"], ["-p", "70000"], ["-p", "x"], ["--timeout", "0"],
                                  ["--connect-timeout", "nan"], ["--bogus"], ["-h"]])
def test_bad_flags_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(UsageError):
        resolve(argv, {})


def test_an_empty_command_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="empty command"):
        resolve(["", " "], {})


def test_local_and_user_exclude_each_other() -> None:
    with pytest.raises(UsageError, match="exclude"):
        resolve(["--local", "--user", "ada"], {})


def test_local_ignores_credentials_from_the_environment() -> None:
    opts = resolve(["--local"], {"SUPERMASSIVE_USERNAME": "ada", "SUPERMASSIVE_PASSWORD": "pw"})
    assert opts is not None and opts.target.username is None and opts.target.password is None


def test_user_without_password_asks_for_one() -> None:
    opts = resolve(["--user", "ada"], {})
    assert opts is not None and opts.needs_password and opts.target.password is None


def test_password_comes_from_the_environment() -> None:
    opts = resolve(["--user", "ada"], {"SUPERMASSIVE_PASSWORD": "s3cret"})
    assert opts is not None and not opts.needs_password
    assert (opts.target.username, opts.target.password) == ("ada", "s3cret")


def test_user_from_environment_when_no_flag() -> None:
    opts = resolve([], {"SUPERMASSIVE_USERNAME": "ada", "SUPERMASSIVE_PASSWORD": "pw"})
    assert opts is not None and opts.target.username == "ada"


def test_cacert_implies_tls() -> None:
    opts = resolve(["--cacert", "ca.pem"], {})
    assert opts is not None and opts.target.tls and opts.target.ca_file == "ca.pem"


def test_url_gives_the_base_and_flags_override_it() -> None:
    opts = resolve(["--url", "supermassive://u:pw@db:4100", "-p", "4200"], {}, _parse_url)
    assert opts is not None
    assert opts.target.address == "db:4200"
    assert (opts.target.username, opts.target.password) == ("u", "pw")


def test_tls_url_scheme_turns_tls_on() -> None:
    opts = resolve(["--url", "supermassives://db"], {}, _parse_url)
    assert opts is not None and opts.target.tls


def test_user_flag_overrides_url_credentials_entirely() -> None:
    opts = resolve(["--url", "supermassive://u:pw@db:4100", "--user", "bob"], {}, _parse_url)
    assert opts is not None
    assert opts.target.username == "bob" and opts.needs_password


def test_bad_url_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--url"):
        resolve(["--url", "http://x"], {}, _parse_url)


def test_no_color_flag_and_env() -> None:
    flag = resolve(["--no-color"], {})
    env = resolve([], {"NO_COLOR": "1"})
    auto = resolve([], {})
    assert flag is not None and env is not None and auto is not None
    assert flag.color is False and env.color is False and auto.color is None


def test_version_flag_returns_none() -> None:
    assert resolve(["--version"], {}) is None


def test_ipv6_address_is_bracketed() -> None:
    opts = resolve(["-h", "::1"], {})
    assert opts is not None and opts.target.address == "[::1]:4000"
