"""Argon2id hashes and the password rule."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters, profiles
from tests.accounts.conftest import cheap

from chikuden.accounts.errors import AccountsError
from chikuden.accounts.passwords import Passwords

GOOD = "correct horse battery staple"  # 28 characters, four words (xkcd 936)


def test_hash_round_trip_and_wrong_password() -> None:
    pw = cheap()
    first, second = pw.hash(GOOD), pw.hash(GOOD)
    assert first.startswith("$argon2id$v=19$")
    assert first != second  # a new random salt each time
    assert GOOD not in first
    assert pw.verify(first, GOOD) and pw.verify(second, GOOD)
    assert not pw.verify(first, GOOD + " ")
    assert not pw.verify(first, "Correct horse battery staple")
    assert not pw.verify("not a hash", GOOD)


def test_default_parameters_are_rfc_9106_second_choice() -> None:
    # RFC 9106 §4, second recommended option: Argon2id, t = 3, m = 2^16 KiB = 64 MiB, p = 4.
    stored = Passwords().hash(GOOD)
    params = extract_parameters(stored)
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 65536, 4)
    assert (params.salt_len, params.hash_len) == (16, 32)
    assert Passwords().verify(stored, GOOD)
    assert not Passwords().needs_rehash(stored)


def test_needs_rehash_when_parameters_change() -> None:
    old = cheap().hash(GOOD)  # t = 1, m = 8 KiB: not the default
    assert Passwords().needs_rehash(old)
    assert Passwords().verify(old, GOOD)  # still verifies: the parameters are in the hash
    stronger = Passwords(hasher=PasswordHasher.from_parameters(profiles.CHEAPEST))
    assert not stronger.needs_rehash(old)
    assert Passwords().needs_rehash("garbage")


def test_unicode_is_normalised() -> None:
    # NFKC maps the full-width Ｐ (U+FF30) to P, so the password typed with a Japanese IME in
    # full-width mode verifies against the same hash.
    pw = cheap()
    stored = pw.hash("Pass phrase of the ministry")
    assert pw.verify(stored, "Ｐａｓｓ ｐｈｒａｓｅ of the ministry")
    assert pw.verify(
        pw.hash("蓄電池の工程表を毎年見直す会議です"), "蓄電池の工程表を毎年見直す会議です"
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("a" * 14 + "b", None),  # 15 characters: the minimum
        ("abcdefghijklmn", "14 characters is too short; give at least 15"),
        ("x" * 257, "257 characters is too long; give at most 256"),
        ("aaaa aaaa aaaa aaaa", "one character repeated"),
        ("my alice password is long", "contains the user name"),
        ("passwordpassword1", "common word 'password'"),
        ("chikuden chikuden!", "common word 'chikuden'"),
        ("tab\tinside the password", "control character"),
        ("a password with spaces is fine", None),
    ],
)
def test_rule(password: str, message: str | None) -> None:
    pw = Passwords()
    if message is None:
        pw.check(password, "alice")
        return
    with pytest.raises(AccountsError, match=message):
        pw.check(password, "alice")
