"""The one boundary where database errors become HelixCode exceptions.

Every SQL function refuses bad input with a SQLSTATE of the HX family (the catalogue is the
table ``helix.error_codes``, kept by ``db/functions/00_errors.sql``). Code that calls the
database wraps the call in :func:`translated`, and callers above it see only
:class:`HelixError` subclasses carrying the message and the hint.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg


class HelixError(Exception):
    """Base of every error HelixCode raises on purpose."""

    sqlstate: str | None = None

    def __init__(self, message: str, hint: str | None = None, sqlstate: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if sqlstate is not None:
            self.sqlstate = sqlstate

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} (hint: {self.hint})"
        return self.message


class ConfigError(HelixError):
    """A setting, flag or file given to HelixCode is missing or malformed."""


class DatabaseUnavailable(HelixError):
    """The database cannot be reached (not started, wrong URL, restarting)."""


class RefusedByDatabase(HelixError):
    """A SQL function refused the call; ``sqlstate`` says why."""


class InvalidArgument(RefusedByDatabase):
    """HX001: a parameter broke a rule."""


class NotFound(RefusedByDatabase):
    """HX002: the object named does not exist."""


class InvalidTransition(RefusedByDatabase):
    """HX003: the object's status does not allow the operation."""


class StaleAttempt(RefusedByDatabase):
    """HX004: the task moved on; this report came too late."""


class SecretRefused(RefusedByDatabase):
    """HX005: a secret was offered where only references to secrets belong."""


class AlreadyExists(RefusedByDatabase):
    """HX006: a unique name is taken."""


class AuthenticationFailed(RefusedByDatabase):
    """HX007..HX010: sign-in refused, account locked, session invalid, MFA needed."""


class SettingInvalid(RefusedByDatabase):
    """HX011: a value in helix.settings is missing or malformed."""


_BY_SQLSTATE: dict[str, type[RefusedByDatabase]] = {
    "HX001": InvalidArgument,
    "HX002": NotFound,
    "HX003": InvalidTransition,
    "HX004": StaleAttempt,
    "HX005": SecretRefused,
    "HX006": AlreadyExists,
    "HX007": AuthenticationFailed,
    "HX008": AuthenticationFailed,
    "HX009": AuthenticationFailed,
    "HX010": AuthenticationFailed,
    "HX011": SettingInvalid,
}


def from_psycopg(exc: psycopg.Error) -> HelixError:
    """Return the HelixCode exception that stands for a psycopg error."""
    diag = exc.diag
    sqlstate = diag.sqlstate or ""
    message = diag.message_primary or str(exc).strip()
    if sqlstate in _BY_SQLSTATE:
        return _BY_SQLSTATE[sqlstate](message, diag.message_hint, sqlstate)
    if sqlstate.startswith("HX"):
        return RefusedByDatabase(message, diag.message_hint, sqlstate)
    if isinstance(exc, psycopg.OperationalError) and not sqlstate:
        return DatabaseUnavailable(
            f"cannot reach the database: {message}",
            "start the private one with 'helix db start', or give --database-url",
        )
    if sqlstate == "42501":
        return RefusedByDatabase(message, "this role may not do that; see README, Roles",
                                 sqlstate)
    return RefusedByDatabase(message, diag.message_hint, sqlstate or None)


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Run a block, turning psycopg errors into HelixError subclasses."""
    try:
        yield
    except psycopg.Error as exc:
        raise from_psycopg(exc) from exc
