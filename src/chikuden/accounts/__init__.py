"""Accounts of the roadmap desk: users and their roles, passwords, API tokens, sessions, CSRF.

The layers, each knowing only those before it:

- :mod:`~chikuden.accounts.models` — the tables (``users``, ``api_tokens``,
  ``login_attempts``) on the ledger's metadata, created by migration ``0004``;
- :mod:`~chikuden.accounts.passwords` — Argon2id hashes and the password rule;
- :mod:`~chikuden.accounts.settings` — the security settings, each with its source;
- :mod:`~chikuden.accounts.users` — add, list, disable, set a role, reset a password,
  authenticate (with the lockout per account and per address);
- :mod:`~chikuden.accounts.tokens` — API tokens for scripts (hashed at rest, revocable);
- :mod:`~chikuden.accounts.sessions` — signed session cookie values and CSRF tokens;
- :mod:`~chikuden.accounts.roles` — viewer < editor < admin.

Nothing here imports a web framework: :mod:`chikuden.web.auth` puts it on FastAPI and
:mod:`chikuden.commands.users` on the command line. Every change to a user or a token goes
through the ledger's session, so it is in the audit log under the acting user; password and
token hashes are logged as ``<secret>`` (:mod:`chikuden.roadmap.changelog`).
"""
