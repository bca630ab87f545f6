"""Connections to the HelixCode database, and URLs made safe to show."""

from __future__ import annotations

import re

import psycopg
from psycopg.rows import dict_row

from .errors import translated

_PASSWORD_IN_URL = re.compile(r"(://[^:/@]+:)([^@]*)(@)")
_PASSWORD_KEYWORD = re.compile(r"(password\s*=\s*)(\S+)", re.IGNORECASE)


def redact(url: str) -> str:
    """The URL with any password replaced by ``***``, fit for logs and messages."""
    return _PASSWORD_KEYWORD.sub(r"\1***", _PASSWORD_IN_URL.sub(r"\1***\3", url))


def connect(url: str, *, autocommit: bool = True, application_name: str = "helix",
            rows_as_dicts: bool = False, connect_timeout: int = 10) -> psycopg.Connection:
    """Open a connection; failures come out as :class:`~helixcode.errors.HelixError`.

    Autocommit by default: every API call is a SQL function that is its own transaction.
    """
    with translated():
        return psycopg.connect(
            url,
            autocommit=autocommit,
            application_name=application_name,
            connect_timeout=connect_timeout,
            row_factory=dict_row if rows_as_dicts else psycopg.rows.tuple_row,
        )
