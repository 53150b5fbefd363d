"""Passwords: Argon2id hashes (argon2-cffi) and the rule a new password must meet.

Hashes use argon2-cffi's default, RFC 9106's second recommended parameters (Argon2id,
t = 3 passes, m = 64 MiB, p = 4 lanes, 16-byte salt, 32-byte hash). A hash made with other
parameters (older defaults, or the cheap ones tests use) still verifies, and
:meth:`Passwords.needs_rehash` says so: :func:`chikuden.accounts.users.authenticate` then
stores a new hash of the password it has just verified.

The rule (NIST SP 800-63B-4 §3.1.1.2): at least ``password_min_length`` characters (15) and
at most ``password_max_length`` (256); any printable characters, spaces and Unicode included;
no composition rules (no "one digit and one symbol"); refused when it contains the user name,
is one character repeated, or is on the small list of context words in :data:`BLOCKED`. NIST
also asks for a check against a list of breached passwords: chikuden ships none (no network
at run time), which the docs say.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from chikuden.accounts.errors import AccountsError
from chikuden.errors import N_

BLOCKED = frozenset(
    {
        "chikuden",
        "password",
        "passw0rd",
        "123456789012345",
        "qwertyuiopasdfg",
        "battery",
        "roadmap",
    }
)
"""Words a password may not be made of (case-insensitive, spaces ignored), alone or
repeated: the application's own name and subject, and the commonest keyboard runs."""


def _normalised(password: str) -> str:
    # NIST SP 800-63B-4 §3.1.1.2: apply Unicode normalisation (NFKC) before hashing, so the
    # same password typed on two keyboards verifies.
    return unicodedata.normalize("NFKC", password)


@dataclass
class Passwords:
    """Hash, verify and check passwords (``hasher``: argon2-cffi's, default parameters)."""

    min_length: int = 15
    max_length: int = 256
    hasher: PasswordHasher = field(default_factory=PasswordHasher)

    def check(self, password: str, username: str = "") -> None:
        """Raise an :class:`AccountsError` naming what is wrong with a new ``password``."""
        text = _normalised(password)
        n = len(text)
        if n < self.min_length:
            raise AccountsError(
                N_(
                    "password: {n} characters is too short; give at least {least} (a few words "
                    "with spaces make a long password that is easy to remember)",
                    n=n,
                    least=self.min_length,
                )
            )
        if n > self.max_length:
            raise AccountsError(
                N_(
                    "password: {n} characters is too long; give at most {most}",
                    n=n,
                    most=self.max_length,
                )
            )
        if not text.isprintable():
            raise AccountsError(
                N_(
                    "password: holds a control character (tab, newline, ...); give printable "
                    "characters and spaces only"
                )
            )
        plain = "".join(text.lower().split())
        if len(set(plain)) <= 1:
            raise AccountsError(N_("password: one character repeated; choose another password"))
        if username and username.lower() in plain:
            raise AccountsError(N_("password: contains the user name; choose another password"))
        for word in BLOCKED:
            if _only(plain, word):
                raise AccountsError(
                    N_(
                        "password: made of the common word {word!r}; choose another password",
                        word=word,
                    )
                )

    def hash(self, password: str) -> str:
        """The Argon2id hash of ``password`` (a new random salt each time)."""
        return self.hasher.hash(_normalised(password))

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash`` (constant time in argon2)."""
        try:
            return self.hasher.verify(password_hash, _normalised(password))
        except VerifyMismatchError:
            return False
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether ``password_hash`` was made with parameters other than the hasher's."""
        try:
            return self.hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True


def _only(plain: str, word: str) -> bool:
    """Whether ``plain`` is ``word`` repeated (or a prefix of a repetition, with digits
    appended: ``passwordpassword1``)."""
    stem = plain.rstrip("0123456789!?.")
    if len(stem) < len(word):
        return False
    reps = len(stem) // len(word) + 1
    return (word * reps).startswith(stem)
