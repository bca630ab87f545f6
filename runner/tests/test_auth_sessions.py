"""A session token from ``helix.authenticate`` works exactly until it expires or is revoked.

Runs as the application role (``SET ROLE helix_app``) on a fresh migrated database, through
the SQL API only, with a short ``session_ttl`` so that expiry is real time passing, not a
timestamp written by the test.
"""

from __future__ import annotations

import logging
import time

import psycopg
import pytest

from helixcode.errors import AuthenticationFailed, translated

log = logging.getLogger(__name__)

TTL_SECONDS = 3


def _seconds_left(conn: psycopg.Connection, token: str) -> float:
    """Seconds until the session of ``token`` expires, by the database's clock."""
    row = conn.execute(
        "select extract(epoch from l.expires_at - clock_timestamp())::float8"
        " from helix.user_session_list l where l.user_id = helix.validate_session(%s)"
        " order by l.created_at desc limit 1",
        (token,),
    ).fetchone()
    assert row is not None
    return float(row[0])


def _validate(conn: psycopg.Connection, token: str) -> str:
    """The user id a token signs in (raises a HelixError when refused)."""
    with translated():
        row = conn.execute("select helix.validate_session(%s)::text", (token,)).fetchone()
    assert row is not None
    return str(row[0])


@pytest.fixture
def app_conn(conn: psycopg.Connection) -> psycopg.Connection:
    """The fresh database's connection, with short sessions, acting as helix_app."""
    conn.execute("update helix.settings set value = '4' where key = 'password_hash_cost'")
    conn.execute("update helix.settings set value = %s where key = 'session_ttl'",
                 (psycopg.types.json.Jsonb(f"{TTL_SECONDS} seconds"),))
    conn.execute("set role helix_app")
    return conn


def _sign_in(conn: psycopg.Connection, login: str, password: str) -> str:
    """A new session token for a login and password, by the cli client type."""
    with translated():
        row = conn.execute("select helix.authenticate(%s, %s, 'cli')",
                           (login, password)).fetchone()
    assert row is not None and row[0]
    return str(row[0])


def test_token_works_until_it_expires(app_conn: psycopg.Connection) -> None:
    """Valid half a second before expires_at, refused (HX009) just after it."""
    user_id = str(app_conn.execute(
        "select helix.create_user('ttl.user', 'ttl@example.org', 'a password for ttl')"
    ).fetchone()[0])
    token = _sign_in(app_conn, "ttl.user", "a password for ttl")
    log.info("user %s signed in; session valid for %s s", user_id, TTL_SECONDS)

    assert _validate(app_conn, token) == user_id
    left = _seconds_left(app_conn, token)
    assert 0 < left <= TTL_SECONDS

    # Half a second before the expiry the token still works ...
    time.sleep(max(left - 0.5, 0))
    assert _validate(app_conn, token) == user_id
    left = _seconds_left(app_conn, token)
    assert left > 0, "the check above must have run before the expiry"

    # ... and just after it, it does not.
    time.sleep(left + 0.2)
    with pytest.raises(AuthenticationFailed) as refused:
        _validate(app_conn, token)
    assert refused.value.sqlstate == "HX009"
    assert refused.value.message.startswith("session expired at ")
    assert token not in str(refused.value), "the refusal must not echo the token"
    log.info("session of user %s refused after expiry", user_id)


def test_token_works_until_it_is_revoked(app_conn: psycopg.Connection) -> None:
    """Refused (HX009) once revoked; the user's other sessions go on until revoked too."""
    user_id = str(app_conn.execute(
        "select helix.create_user('rev.user', 'rev@example.org', 'a password to revoke')"
    ).fetchone()[0])
    first = _sign_in(app_conn, "rev.user", "a password to revoke")
    second = _sign_in(app_conn, "REV@example.org", "a password to revoke")
    assert first != second

    assert _validate(app_conn, first) == user_id
    app_conn.execute("select helix.revoke_session(%s)", (first,))
    with pytest.raises(AuthenticationFailed) as refused:
        _validate(app_conn, first)
    assert refused.value.sqlstate == "HX009"
    assert refused.value.message.startswith("session was revoked at ")
    assert _validate(app_conn, second) == user_id, "other sessions are not affected"
    log.info("user %s: revoked session refused, the other still valid", user_id)

    revoked = app_conn.execute("select helix.revoke_all_sessions(%s)", (user_id,)).fetchone()
    assert revoked == (1,)
    with pytest.raises(AuthenticationFailed):
        _validate(app_conn, second)


def test_token_is_not_stored_and_hashes_are_not_readable(
        app_conn: psycopg.Connection) -> None:
    """Only the token's hash is stored, and helix_app cannot read even that."""
    app_conn.execute(
        "select helix.create_user('hash.user', 'hash@example.org', 'a password to hash')")
    token = _sign_in(app_conn, "hash.user", "a password to hash")

    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute("select session_token from helix.user_sessions")

    app_conn.execute("reset role")
    stored = app_conn.execute(
        "select count(*) filter (where session_token = %s),"
        " count(*) filter (where session_token = helix.token_hash(%s))"
        " from helix.user_sessions",
        (token, token),
    ).fetchone()
    assert stored == (0, 1), "only the hash of the token is stored"


def test_refused_sign_ins_still_count_and_lock(app_conn: psycopg.Connection) -> None:
    """Each refusal rolls its own transaction back, yet login_max_failures of them lock."""
    user_id = str(app_conn.execute(
        "select helix.create_user('lock.user', 'lock@example.org', 'the right password')"
    ).fetchone()[0])
    app_conn.execute("reset role")  # settings are not the application's to read
    limit = int(app_conn.execute(
        "select helix.setting_number('login_max_failures')").fetchone()[0])
    app_conn.execute("set role helix_app")
    for attempt in range(1, limit + 1):
        with pytest.raises(AuthenticationFailed) as refused:
            _sign_in(app_conn, "lock.user", f"wrong password {attempt}")
        assert refused.value.sqlstate == "HX007"
    with pytest.raises(AuthenticationFailed) as locked:
        _sign_in(app_conn, "lock.user", "the right password")
    assert locked.value.sqlstate == "HX008"
    assert "the right password" not in str(locked.value)
    state = app_conn.execute(
        "select failed_logins_in_a_row, locked_until is not null from helix.user_accounts"
        " where id = %s", (user_id,)).fetchone()
    assert state == (limit, True)
    log.info("user %s locked after %s refused sign-ins", user_id, limit)

    app_conn.execute("select helix.unlock_user(%s)", (user_id,))
    assert _validate(app_conn, _sign_in(app_conn, "lock.user", "the right password")) == user_id
