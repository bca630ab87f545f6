-- Errors: the HX family of SQLSTATEs that every function raises on refusal.
--
-- A refusal is RAISE ... USING ERRCODE = 'HXnnn', a MESSAGE that names the offending value,
-- and a HINT that says how to do it right. This file keeps the catalogue a DBA (and the
-- runner, and the CLI) reads; add a row here before raising a new code anywhere.

insert into helix.error_codes (sqlstate, name, meaning) values
    ('HX001', 'invalid_argument',
     'A parameter broke a rule: missing, out of range, malformed or not one of the known '
     'values. The message names the parameter and the value.'),
    ('HX002', 'not_found',
     'The task, worker, runner, user, project or session named does not exist.'),
    ('HX003', 'invalid_transition',
     'The object''s present status does not allow this operation (for example completing a '
     'task that is not running).'),
    ('HX004', 'stale_attempt',
     'The attempt given is not the task''s current one: the task was reassigned, released or '
     'cancelled since, and this late report is ignored.'),
    ('HX005', 'secret_refused',
     'A value holds a secret (password, passphrase, private key) where only references to '
     'secrets may be stored.'),
    ('HX006', 'already_exists',
     'A unique name (username, email) is taken.'),
    ('HX007', 'authentication_failed',
     'The login or the password is wrong; which one is not said.'),
    ('HX008', 'account_locked',
     'Too many failed sign-ins: the account is locked for a while.'),
    ('HX009', 'session_invalid',
     'The session token is unknown, expired or revoked.'),
    ('HX010', 'mfa_required',
     'The account has multi-factor authentication on and a valid one-time code is needed.'),
    ('HX011', 'setting_invalid',
     'A value in helix.settings does not parse as its value_type, or a setting is missing.')
on conflict (sqlstate) do update
    set name = excluded.name, meaning = excluded.meaning;
