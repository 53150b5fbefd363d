"""Fixtures of the accounts tests: a ledger on SQLite and, when ``CHIKUDEN_TEST_PG_URL`` is
set, on PostgreSQL (the databases of ``tests/roadmap/conftest.py``), a clock the tests move,
and Argon2 at argon2-cffi's cheapest parameters (the default ones cost ~64 MiB and tens of
milliseconds per hash; tests/accounts/test_passwords.py checks those separately)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher, profiles
from tests.roadmap.conftest import (  # noqa: F401  (fixtures and the postgres marker)
    backend,
    copy_of,
    drop_databases,
    drop_templates,
    pytest_collection_modifyitems,
)

from chikuden.accounts.passwords import Passwords
from chikuden.accounts.settings import SecuritySettings
from chikuden.accounts.users import Accounts
from chikuden.roadmap.db import Ledger

SECRET = "test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
T0 = dt.datetime(2026, 4, 1, 9, 0, 0)


class Clock:
    """Now, as the test sets it: ``clock.now``; ``clock.advance(seconds)``."""

    def __init__(self, now: dt.datetime = T0) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def cheap() -> Passwords:
    return Passwords(hasher=PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(clock: Clock) -> SecuritySettings:
    return SecuritySettings(
        secret_key=SECRET,
        account_max_failures=3,
        address_max_failures=5,
        failure_window_s=900,
        clock=clock,
    )


@pytest.fixture
def accounts(settings: SecuritySettings) -> Accounts:
    return Accounts(settings, cheap())


@pytest.fixture
def ledger(
    backend: str,  # noqa: F811  (the fixture imported above)
    tmp_path: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Ledger]:
    """A ledger with its tables (accounts included) and nothing in them; writer ``tester``."""
    opened = Ledger.open(copy_of(backend, False, tmp_path, tmp_path_factory), user="tester")
    yield opened
    opened.close()
