"""Signed session cookies, their expiry, the CSRF token and the secret key."""

from __future__ import annotations

import base64
import json

import pytest
from itsdangerous import URLSafeSerializer
from tests.accounts.conftest import SECRET, Clock

from chikuden.accounts.errors import AuthenticationError, CsrfError, SecretKeyError
from chikuden.accounts.sessions import SessionSigner
from chikuden.accounts.settings import SecuritySettings, require_secret_key


def signer(clock: Clock, key: str = SECRET) -> SessionSigner:
    return SessionSigner(SecuritySettings(secret_key=key, clock=clock))


def test_round_trip(clock: Clock) -> None:
    s = signer(clock)
    data = s.new(7)
    back = s.loads(s.dumps(data))
    assert back == data
    assert (back.expires - back.issued).total_seconds() == 8 * 3600
    assert s.new(7).sid != data.sid


def test_tampered_session_is_invalid(clock: Clock) -> None:
    s = signer(clock)
    value = s.dumps(s.new(7))
    signature = value.rsplit(".", 1)[1]
    # Make the payload say user 1 (an admin, say) and keep the signature: refused.
    _valid, raw = URLSafeSerializer("any key").loads_unsafe(value)
    assert raw["u"] == 7
    raw["u"] = 1
    forged = base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")
    for bad in (
        f"{forged}.{signature}",
        value[:-2] + ("AA" if value[-2:] != "AA" else "BB"),
        "not-a-session",
        "",
    ):
        with pytest.raises(AuthenticationError, match="not valid"):
            s.loads(bad)
    with pytest.raises(AuthenticationError, match="not valid"):
        signer(clock, "another-secret-key-of-at-least-32-chars").loads(value)


def test_expired_session_is_invalid(clock: Clock) -> None:
    s = signer(clock)
    value = s.dumps(s.new(7))
    clock.advance(8 * 3600 - 1)
    assert s.loads(value).user_id == 7
    clock.advance(1)
    with pytest.raises(AuthenticationError, match="expired"):
        s.loads(value)


def test_csrf_token_is_bound_to_the_session(clock: Clock) -> None:
    s = signer(clock)
    mine, other = s.new(7), s.new(7)
    token = s.csrf_token(mine)
    s.check_csrf(mine, token)
    assert token == s.csrf_token(s.loads(s.dumps(mine)))  # the same after a round trip
    with pytest.raises(CsrfError, match="no CSRF token"):
        s.check_csrf(mine, None)
    with pytest.raises(CsrfError, match="no CSRF token"):
        s.check_csrf(mine, "")
    with pytest.raises(CsrfError, match="does not match"):
        s.check_csrf(mine, s.csrf_token(other))
    with pytest.raises(CsrfError, match="does not match"):
        s.check_csrf(mine, token[:-1] + ("0" if token[-1] != "0" else "1"))
    with pytest.raises(CsrfError, match="does not match"):
        s.check_csrf(mine, "ü" * 64)


def test_secret_key_is_required() -> None:
    with pytest.raises(SecretKeyError, match="CHIKUDEN_SECRET_KEY: not set"):
        require_secret_key(SecuritySettings())
    with pytest.raises(SecretKeyError, match="10 characters is too short"):
        require_secret_key(SecuritySettings(secret_key="x" * 10))
    with pytest.raises(SecretKeyError, match="not set"):
        SessionSigner(SecuritySettings())
    assert require_secret_key(SecuritySettings(secret_key=SECRET)) == SECRET


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIKUDEN_SECRET_KEY", SECRET)
    monkeypatch.setenv("CHIKUDEN_READ_OPEN", "0")
    got = SecuritySettings.from_env()
    assert got.secret_key == SECRET and got.read_open is False
    monkeypatch.setenv("CHIKUDEN_READ_OPEN", "maybe")
    with pytest.raises(SecretKeyError, match="CHIKUDEN_READ_OPEN: 'maybe' is not a switch"):
        SecuritySettings.from_env()
