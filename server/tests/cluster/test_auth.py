"""AUTH token decoding at the cluster."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from supermassive.cluster.auth import Credentials, decode_credentials, encode_credentials


def test_nul_and_backslash_zero_separators_both_work() -> None:
    creds = Credentials("test-user", "test-pass")
    assert creds.check(base64.b64encode(b"test-user\0test-pass"))
    assert creds.check(base64.b64encode(b"test-user\\0test-pass"))


def test_wrong_or_malformed_tokens_are_refused() -> None:
    creds = Credentials("u", "p")
    assert not creds.check(base64.b64encode(b"u\0x"))
    assert not creds.check(base64.b64encode(b"up"))
    assert not creds.check(b"not base64!")
    assert not creds.check(b"")


def test_password_may_contain_the_other_separator() -> None:
    assert decode_credentials(base64.b64encode(b"u\0p\\0q")) == (b"u", b"p\\0q")


@given(st.text(alphabet=st.characters(blacklist_characters="\0", blacklist_categories=["Cs"]),
               max_size=30),
       st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30))
def test_encode_decode_round_trip(user: str, password: str) -> None:
    assert decode_credentials(encode_credentials(user, password)) == (
        user.encode(), password.encode())


@given(st.binary(max_size=100))
def test_random_tokens_never_raise(token: bytes) -> None:
    Credentials("u", "p").check(token)
