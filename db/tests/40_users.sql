-- Users and sign-in: create_user, authenticate (lockout, MFA by TOTP), validate_session,
-- revoke_session, revoke_all_sessions, purge_expired_sessions, set_user_active, unlock_user,
-- the TOTP functions against the RFC test vectors, and the audit rows they write.

begin;
select plan(125);

-- Fast hashes for the test; the timing test below raises the cost again.
update helix.settings set value = '4' where key = 'password_hash_cost';

-- ---------------------------------------------------------------------------------------
-- Structure
-- ---------------------------------------------------------------------------------------

select has_table('helix', 'audit_log', 'table helix.audit_log exists');
select has_column('helix', 'users', 'mfa_pending_secret', 'users.mfa_pending_secret exists');
select has_column('helix', 'user_sessions', 'revoked_at', 'user_sessions.revoked_at exists');
select has_index('helix', 'users', 'users_username_lower_key',
    'usernames are unique case-insensitively by an index');
select has_index('helix', 'users', 'users_email_lower_key',
    'e-mail addresses are unique case-insensitively by an index');
select is((select count(*)::int from helix.settings where key in
    ('session_ttl', 'login_max_failures', 'login_lockout', 'password_min_length',
     'password_hash_cost', 'totp_issuer', 'totp_window_steps', 'session_context_max_bytes')),
    8, 'the settings of the users area exist');
select is((select count(*)::int from helix.error_codes where sqlstate in
    ('HX006', 'HX007', 'HX008', 'HX009', 'HX010')), 5, 'the sign-in SQLSTATEs are catalogued');

-- ---------------------------------------------------------------------------------------
-- TOTP against RFC 4226 (HOTP) and RFC 6238 (TOTP, SHA1) test vectors
-- ---------------------------------------------------------------------------------------

select is(array(select helix.hotp('12345678901234567890'::bytea, c) from generate_series(0, 9) c),
    array['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583',
          '399871', '520489'], 'HOTP gives the RFC 4226 codes for counters 0..9');
select is(helix.totp_code('12345678901234567890'::bytea, to_timestamp(59), 8), '94287082',
    'TOTP at t=59 is 94287082 (RFC 6238)');
select is(helix.totp_code('12345678901234567890'::bytea, to_timestamp(1111111109), 8),
    '07081804', 'TOTP at t=1111111109 is 07081804 (leading zero kept)');
select is(helix.totp_code('12345678901234567890'::bytea, to_timestamp(1111111111), 8),
    '14050471', 'TOTP at t=1111111111 is 14050471');
select is(helix.totp_code('12345678901234567890'::bytea, to_timestamp(1234567890), 8),
    '89005924', 'TOTP at t=1234567890 is 89005924');
select is(helix.totp_code('12345678901234567890'::bytea, to_timestamp(2000000000), 8),
    '69279037', 'TOTP at t=2000000000 is 69279037');
select is(helix.totp_code('12345678901234567890'::bytea, to_timestamp(20000000000), 8),
    '65353130', 'TOTP at t=20000000000 is 65353130');
select is(helix.base32_encode('12345678901234567890'::bytea), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
    'base32 of the RFC secret is the well-known string');
select is(helix.base32_decode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq'),
    '12345678901234567890'::bytea, 'base32 decoding ignores case and spaces');
select is(helix.base32_encode('f'::bytea) || ' ' || helix.base32_encode('fooba'::bytea),
    'MY MZXW6YTB', 'base32 of RFC 4648 vectors (unpadded)');
select throws_ok($$select helix.base32_decode('ABC1')$$, 'HX001',
    'character 1 at position 4 is not base32', 'base32 refuses a character outside it');
select is(helix.totp_match(helix.base32_encode('12345678901234567890'::bytea), '287082', null,
                           to_timestamp(59)), 1::bigint,
    'a code of the previous step matches (window of one step)');
select is(helix.totp_match(helix.base32_encode('12345678901234567890'::bytea), '287082', 1,
                           to_timestamp(59)), null::bigint,
    'a code of a step already used does not match again');
select is(helix.totp_match(helix.base32_encode('12345678901234567890'::bytea), '12345', null,
                           to_timestamp(59)), null::bigint,
    'a code that is not six digits never matches');

-- ---------------------------------------------------------------------------------------
-- create_user
-- ---------------------------------------------------------------------------------------

create temp table ids (name text primary key, id uuid);
insert into ids values ('ada', helix.create_user('ada.lovelace', 'Ada@Example.org',
                                                 'analytical engine 1843', 'Ada'));
select isnt((select id from ids where name = 'ada'), null, 'create_user returns an id');
select matches((select password_hash from helix.users where username = 'ada.lovelace'),
    '^\$2a\$04\$', 'the password is stored as a bcrypt hash of the configured cost');
select isnt((select password_hash from helix.users where username = 'ada.lovelace'),
    'analytical engine 1843', 'the password itself is not stored');
select is((select count(*)::int from helix.invariants_auth()
           where invariant like 'user has%' or invariant like 'mfa%'), 0,
    'every user has its sign-in counter and a consistent MFA state');
select is((select count(*)::int from helix.audit_log where action = 'user.created'
           and object_id = (select id from ids where name = 'ada')), 1,
    'creating a user is audited');

create temp table users_before as select count(*) as n from helix.users;
select throws_ok($$select helix.create_user('ADA.LOVELACE', 'other@example.org',
                                             'correct horse battery')$$,
    'HX006', 'username ''ADA.LOVELACE'' is taken', 'a username taken in another case: HX006');
select throws_ok($$select helix.create_user('babbage', 'ada@EXAMPLE.org',
                                             'correct horse battery')$$,
    'HX006', 'e-mail address ''ada@EXAMPLE.org'' is taken',
    'an e-mail address taken in another case: HX006 naming the address');
select throws_ok($$select helix.create_user('1ada', 'x@example.org', 'correct horse battery')$$,
    'HX001', 'username ''1ada'' is not valid: p_username must be 3 to 64 characters, '
             'letters, digits, ".", "_" or "-", starting with a letter',
    'a username starting with a digit: HX001');
select throws_ok($$select helix.create_user('ab', 'x@example.org', 'correct horse battery')$$,
    'HX001', null, 'a two-character username: HX001');
select throws_ok($$select helix.create_user('bob smith', 'x@example.org', 'correct horse b')$$,
    'HX001', null, 'a username with a space: HX001');
select throws_ok($$select helix.create_user(null, 'x@example.org', 'correct horse battery')$$,
    'HX001', null, 'a missing username: HX001');
select throws_ok($$select helix.create_user('babbage', 'not-an-address',
                                             'correct horse battery')$$,
    'HX001', 'e-mail address ''not-an-address'' is not valid: p_email must look like '
             'name@example.org (at most 254 characters)', 'a malformed e-mail: HX001');
select throws_ok($$select helix.create_user('babbage', 'c@localhost', 'correct horse battery')$$,
    'HX001', null, 'an e-mail without a domain dot: HX001');
select throws_ok($$select helix.create_user('babbage', 'c@example.org', 'short')$$,
    'HX001', 'password is too short: p_password has 5 characters, at least 12 are needed',
    'a short password: HX001 with lengths, not the password');
select throws_ok($$select helix.create_user('babbage', 'c@example.org', repeat('é', 40))$$,
    'HX001', 'password is too long: p_password has 80 bytes, bcrypt uses at most 72',
    'a password over bcrypt''s 72 bytes: HX001');
select throws_ok($$select helix.create_user('babbage12345', 'c@example.org', 'BABBAGE12345')$$,
    'HX001', 'password is refused: p_password must not be the username or the e-mail address',
    'a password equal to the username (any case): HX001');
select throws_ok($$select helix.create_user('babbage', 'charles.babbage@example.org',
                                             'charles.babbage')$$,
    'HX001', null, 'a password equal to the e-mail''s local part: HX001');
select throws_ok($$select helix.create_user('babbage', 'c@example.org', null)$$,
    'HX001', 'p_password is missing', 'a missing password: HX001');
select throws_ok($$select helix.create_user('babbage', 'c@example.org',
                                             'correct horse battery', '   ')$$,
    'HX001', null, 'a blank display name: HX001');
select is((select count(*) from helix.users), (select n from users_before),
    'no refused create_user wrote a user');

update helix.settings set value = '20' where key = 'password_min_length';
select throws_ok($$select helix.create_user('babbage', 'c@example.org', 'fifteen chars!!')$$,
    'HX001', 'password is too short: p_password has 15 characters, at least 20 are needed',
    'the minimum length is read from settings at each call');
update helix.settings set value = '12' where key = 'password_min_length';

-- ---------------------------------------------------------------------------------------
-- authenticate and sessions
-- ---------------------------------------------------------------------------------------

create temp table tokens (name text primary key, token text);
insert into tokens values ('t1', helix.authenticate('ada.lovelace', 'analytical engine 1843',
                                                    'cli', null, '192.0.2.7', 'pgtap'));
select matches((select token from tokens where name = 't1'), '^hxs_[0-9a-f]{64}$',
    'authenticate returns a 256-bit token');
select is(helix.validate_session((select token from tokens where name = 't1')),
    (select id from ids where name = 'ada'), 'validate_session returns the user of the token');
select is((select session_token::text from helix.user_sessions
           where user_id = (select id from ids where name = 'ada')),
    encode(digest((select token from tokens where name = 't1'), 'sha256'), 'hex'),
    'only the SHA-256 of the token is stored');
select is((select count(*)::int from helix.user_sessions
           where session_token = (select token from tokens where name = 't1')), 0,
    'the token itself is stored nowhere');
select ok((select expires_at = now() + interval '12 hours' from helix.user_sessions
           where user_id = (select id from ids where name = 'ada')),
    'the session expires session_ttl after sign-in');
select ok((select last_login = now() from helix.users where username = 'ada.lovelace'),
    'last_login is set');
select is((select ip_address::text || ' ' || client_type || ' ' || user_agent
           from helix.user_sessions where user_id = (select id from ids where name = 'ada')),
    '192.0.2.7/32 cli pgtap', 'client type, address and user agent are recorded');
insert into tokens values ('t2', helix.authenticate('ADA@example.ORG', 'analytical engine 1843',
                                                    'terminal_ui'));
select is(helix.validate_session((select token from tokens where name = 't2')),
    (select id from ids where name = 'ada'), 'signing in by e-mail in any case works');
select is((select count(*)::int from helix.audit_log where action = 'login.succeeded'
           and user_id = (select id from ids where name = 'ada')), 2,
    'each sign-in is audited');

create temp table sessions_before as select count(*) as n from helix.user_sessions;
select throws_ok($$select helix.authenticate('nobody', 'analytical engine 1843', 'cli')$$,
    'HX007', 'sign-in refused: the login or the password is wrong', 'an unknown login: HX007');
select throws_ok($$select helix.authenticate('ada.lovelace', 'difference engine', 'cli')$$,
    'HX007', 'sign-in refused: the login or the password is wrong',
    'a wrong password: HX007 with the very same message');
select throws_ok($$select helix.authenticate('ada.lovelace', 'analytical engine 1843',
                                             'telnet')$$,
    'HX001', 'client type ''telnet'' is not known: p_client_type must be one of terminal_ui, '
             'cli, rest_api, mobile_ios, mobile_android', 'an unknown client type: HX001');
select throws_ok($$select helix.authenticate('', 'x', 'cli')$$, 'HX001',
    'p_login is missing: give a username or an e-mail address', 'an empty login: HX001');
select throws_ok($$select helix.authenticate('ada.lovelace', null, 'cli')$$, 'HX001',
    'p_password is missing', 'a missing password: HX001');
select is((select count(*) from helix.user_sessions), (select n from sessions_before),
    'no refused sign-in wrote a session');
select is((select failed_logins_in_a_row from helix.user_accounts
           where username = 'ada.lovelace'), 1,
    'the wrong password counted although its statement was refused');

-- Same time for an unknown login and a wrong password: both do one bcrypt of the same cost.
update helix.settings set value = '10' where key = 'password_hash_cost';
insert into ids values ('timed', helix.create_user('timed', 'timed@example.org',
                                                   'a slow hash to compare'));
create function pg_temp.refusal_ms(p_login text) returns double precision
language plpgsql as $$
declare
    t0 timestamptz := clock_timestamp();
begin
    perform helix.authenticate(p_login, 'not the password at all', 'cli');
    return null;
exception when sqlstate 'HX007' then
    return extract(epoch from clock_timestamp() - t0) * 1000;
end
$$;
create temp table timing as
select (pg_temp.refusal_ms('nobody.at.all') + pg_temp.refusal_ms('nobody.at.all')) as unknown_ms,
       (pg_temp.refusal_ms('timed') + pg_temp.refusal_ms('timed')) as wrong_ms;
select ok((select unknown_ms between wrong_ms / 3 and wrong_ms * 3 from timing),
    'an unknown login takes about as long as a wrong password (same bcrypt work)');
select ok((select unknown_ms > 10 from timing),
    'an unknown login does real bcrypt work (more than 10 ms at cost 10)');
update helix.settings set value = '4' where key = 'password_hash_cost';

-- Lockout: login_max_failures failures in a row lock the account for login_lockout.
select lives_ok($$select helix.unlock_user((select id from ids where name = 'ada'))$$,
    'unlock_user resets the counter');
select is((select failed_logins_in_a_row from helix.user_accounts
           where username = 'ada.lovelace'), 0, 'after unlock_user no failures are counted');
select throws_ok($$select helix.authenticate('ada.lovelace', 'wrong 1', 'cli')$$, 'HX007', null,
    'failure 1: HX007');
select throws_ok($$select helix.authenticate('ada.lovelace', 'wrong 2', 'cli')$$, 'HX007', null,
    'failure 2: HX007');
select throws_ok($$select helix.authenticate('ada@example.org', 'wrong 3', 'cli')$$, 'HX007',
    null, 'failure 3 (by e-mail): HX007');
select throws_ok($$select helix.authenticate('ada.lovelace', 'wrong 4', 'cli')$$, 'HX007', null,
    'failure 4: HX007');
select throws_ok($$select helix.authenticate('ada.lovelace', 'wrong 5', 'cli')$$, 'HX007', null,
    'failure 5: HX007');
select throws_like($$select helix.authenticate('ada.lovelace', 'analytical engine 1843',
                                               'cli')$$,
    'sign-in refused: account ''ada.lovelace'' is locked until % after 5 failed attempts',
    'after 5 failures even the right password is refused with the lock');
select throws_ok($$select helix.authenticate('ada.lovelace', 'analytical engine 1843', 'cli')$$,
    'HX008', null, 'the lock is HX008');
select throws_ok($$select helix.authenticate('ada.lovelace', 'wrong 6', 'cli')$$,
    'HX007', 'sign-in refused: the login or the password is wrong',
    'a wrong password while locked gets the ordinary answer: the lock is not revealed');
select is((select failed_logins_in_a_row from helix.user_accounts
           where username = 'ada.lovelace'), 5, 'failures during the lock are not counted');
select isnt((select locked_until from helix.user_accounts where username = 'ada.lovelace'),
    null, 'user_accounts shows until when the account is locked');
select ok((select locked_until > now() + interval '14 minutes'
           and locked_until <= now() + interval '15 minutes 1 second'
           from helix.user_accounts where username = 'ada.lovelace'),
    'the lock lasts login_lockout from the last failure');
select is((select count(*) from helix.user_sessions), (select n from sessions_before),
    'no session was written while refusing or locked');
-- The lock ends when login_lockout has passed since the last failure (moved back in time).
select setval(format('helix.%I',
                     helix.login_counter_name((select id from ids where name = 'ada'))),
              floor(extract(epoch from now() - interval '16 minutes'))::bigint * 1000 + 5);
select is((select locked_until from helix.user_accounts where username = 'ada.lovelace'), null,
    'the lock is over login_lockout after the last failure');
insert into tokens values ('t3', helix.authenticate('ada.lovelace', 'analytical engine 1843',
                                                    'rest_api'));
select is((select (detail ->> 'failed_attempts_before')::int from helix.audit_log
           where action = 'login.succeeded' order by id desc limit 1), 5,
    'the success after failures records how many there were in its audit row');
select is((select failed_logins_in_a_row from helix.user_accounts
           where username = 'ada.lovelace'), 0, 'a success resets the count');
select throws_ok($$select helix.authenticate('ada.lovelace', 'wrong again', 'cli')$$, 'HX007',
    null, 'a failure after the success');
select is((select failed_logins_in_a_row from helix.user_accounts
           where username = 'ada.lovelace'), 1, 'counting starts afresh after a success');
select throws_ok($$select helix.unlock_user('00000000-0000-0000-0000-000000000000')$$, 'HX002',
    'user 00000000-0000-0000-0000-000000000000 does not exist', 'unlock_user of nobody: HX002');

-- Deactivated users: the same refusal as a wrong password, and their tokens stop working.
insert into ids values ('grace', helix.create_user('grace', 'grace@example.org',
                                                   'compilers are friends'));
insert into tokens values ('g1', helix.authenticate('grace', 'compilers are friends', 'cli'));
select lives_ok($$select helix.set_user_active((select id from ids where name = 'grace'),
                                               false)$$, 'set_user_active deactivates');
select throws_ok($$select helix.authenticate('grace', 'compilers are friends', 'cli')$$,
    'HX007', 'sign-in refused: the login or the password is wrong',
    'a deactivated user with the right password gets the wrong-password answer');
select throws_ok($$select helix.validate_session((select token from tokens where name = 'g1'))$$,
    'HX009', null, 'a deactivated user''s token is refused');
select isnt((select revoked_at from helix.user_sessions
             where session_token = helix.token_hash((select token from tokens where name = 'g1'))),
    null, 'deactivating revoked the user''s sessions');
select lives_ok($$select helix.set_user_active((select id from ids where name = 'grace'),
                                               true)$$, 'set_user_active reactivates');
select isnt(helix.authenticate('grace', 'compilers are friends', 'cli'), null,
    'a reactivated user signs in again');

-- Expiry, revocation, purge
update helix.user_sessions set expires_at = now() - interval '1 second'
where session_token = helix.token_hash((select token from tokens where name = 't2'));
select throws_like($$select helix.validate_session((select token from tokens
                                                    where name = 't2'))$$,
    'session expired at %', 'an expired token: "session expired at ..."');
select throws_ok($$select helix.validate_session((select token from tokens where name = 't2'))$$,
    'HX009', null, 'an expired token: HX009');
select throws_ok($$select helix.validate_session('hxs_0000')$$, 'HX009',
    'session token is not known', 'an unknown token: HX009, token not echoed');
select throws_ok($$select helix.validate_session(null)$$, 'HX009',
    'session token is not known', 'a null token: HX009');
select lives_ok($$select helix.revoke_session((select token from tokens where name = 't1'))$$,
    'revoke_session signs out');
select throws_like($$select helix.validate_session((select token from tokens
                                                    where name = 't1'))$$,
    'session was revoked at %', 'a revoked token is refused as revoked');
select lives_ok($$select helix.revoke_session((select token from tokens where name = 't1'))$$,
    'revoking twice is not an error');
select is((select count(*)::int from helix.audit_log where action = 'session.revoked'), 1,
    'one revocation, one audit row');
select throws_ok($$select helix.revoke_session('hxs_nothing')$$, 'HX009',
    'session token is not known', 'revoking an unknown token: HX009');
select is(helix.validate_session((select token from tokens where name = 't3')),
    (select id from ids where name = 'ada'), 'another session of the user is unaffected');
insert into tokens values ('t4', helix.authenticate('ada.lovelace', 'analytical engine 1843',
                                                    'mobile_ios'));
select is(helix.revoke_all_sessions((select id from ids where name = 'ada')), 2,
    'revoke_all_sessions revokes the live sessions (t3, t4) and counts them');
select throws_ok($$select helix.validate_session((select token from tokens where name = 't4'))$$,
    'HX009', null, 'after revoke_all_sessions no token works');
select throws_ok($$select helix.revoke_all_sessions('00000000-0000-0000-0000-000000000000')$$,
    'HX002', null, 'revoke_all_sessions of nobody: HX002');
select is((select (detail ->> 'sessions')::int from helix.audit_log
           where action = 'sessions.revoked_all'), 2, 'revoke_all_sessions is audited');
update helix.user_sessions set expires_at = now() - interval '1 day'
where session_token = helix.token_hash((select token from tokens where name = 't1'));
create temp table expired as
select count(*)::int as n from helix.user_sessions where expires_at <= now();
select is(helix.purge_expired_sessions(), (select n from expired),
    'purge_expired_sessions deletes the expired sessions and counts them');
select is((select count(*)::int from helix.user_sessions where expires_at <= now()), 0,
    'no expired session is left');
select ok((select count(*) > 0 from helix.user_sessions where revoked_at is not null),
    'revoked sessions that have not expired yet are kept');
select is(helix.purge_expired_sessions(), 0, 'a second purge finds nothing');

-- ---------------------------------------------------------------------------------------
-- MFA
-- ---------------------------------------------------------------------------------------

create temp table enrol as
select * from helix.mfa_enrol((select id from ids where name = 'ada'));
select matches((select secret_base32 from enrol), '^[A-Z2-7]{32}$',
    'mfa_enrol returns a 160-bit base32 secret');
select is((select otpauth_uri from enrol),
    'otpauth://totp/HelixCode:ada.lovelace?secret=' || (select secret_base32 from enrol)
    || '&issuer=HelixCode&algorithm=SHA1&digits=6&period=30',
    'mfa_enrol returns the otpauth:// URI for authenticator apps');
select is((select mfa_pending_secret from helix.users where username = 'ada.lovelace'),
    (select secret_base32 from enrol), 'the secret waits for confirmation');
select is((select mfa_enabled from helix.users where username = 'ada.lovelace'), false,
    'MFA is not on before the first code');
select throws_ok($$select helix.mfa_confirm((select id from ids where name = 'ada'), '000000')$$,
    'HX010', null, 'confirming with a wrong code: HX010');
select is((select mfa_enabled from helix.users where username = 'ada.lovelace'), false,
    'a wrong code leaves MFA off');
select throws_ok($$select helix.mfa_confirm((select id from ids where name = 'grace'),
                                            '123456')$$,
    'HX003', 'user ''grace'' has no TOTP enrolment to confirm',
    'confirming without enrolment: HX003');
select lives_ok($$select helix.mfa_confirm((select id from ids where name = 'ada'),
    helix.totp_code(helix.base32_decode((select secret_base32 from enrol)), now()))$$,
    'mfa_confirm with the current code');
select is((select mfa_enabled and mfa_secret = (select secret_base32 from enrol)
                  and mfa_pending_secret is null from helix.users
           where username = 'ada.lovelace'), true, 'MFA is on with the confirmed secret');
select throws_ok($$select * from helix.mfa_enrol((select id from ids where name = 'ada'))$$,
    'HX003', 'user ''ada.lovelace'' has multi-factor authentication on already',
    'enrolling again while on: HX003');
select throws_ok($$select helix.authenticate('ada.lovelace', 'analytical engine 1843', 'cli')$$,
    'HX010', 'a one-time code is required: user ''ada.lovelace'' has multi-factor '
             'authentication on', 'the right password without a code: HX010');
select throws_ok($$select helix.authenticate('ada.lovelace', 'analytical engine 1843', 'cli',
    helix.totp_code(helix.base32_decode((select secret_base32 from enrol)), now()))$$,
    'HX010', null, 'the code already used to confirm cannot be replayed');
select throws_ok($$select helix.authenticate('ada.lovelace', 'analytical engine 1843', 'cli',
                                             '999999x')$$,
    'HX010', null, 'a malformed code: HX010');
insert into tokens values ('m1', helix.authenticate('ada.lovelace', 'analytical engine 1843',
    'cli', helix.totp_code(helix.base32_decode((select secret_base32 from enrol)),
                           now() + interval '30 seconds')));
select is(helix.validate_session((select token from tokens where name = 'm1')),
    (select id from ids where name = 'ada'), 'password and a fresh code sign in');
select throws_ok($$select helix.mfa_disable((select id from ids where name = 'ada'),
                                            '000000')$$,
    'HX010', null, 'disabling with a wrong code: HX010');
select throws_ok($$select helix.mfa_disable((select id from ids where name = 'ada'),
    helix.totp_code(helix.base32_decode((select secret_base32 from enrol)),
                    now() - interval '30 seconds'))$$,
    'HX010', null, 'a code older than the last one used is refused (no going back)');
-- As if a minute had passed since the last sign-in.
update helix.users set mfa_last_step = helix.totp_step(now()) - 2
where username = 'ada.lovelace';
select lives_ok($$select helix.mfa_disable((select id from ids where name = 'ada'),
    helix.totp_code(helix.base32_decode((select secret_base32 from enrol)), now()))$$,
    'mfa_disable with the current code');
select is((select not mfa_enabled and mfa_secret is null from helix.users
           where username = 'ada.lovelace'), true, 'MFA is off and the secret gone');
select throws_ok($$select helix.mfa_disable((select id from ids where name = 'ada'), '1')$$,
    'HX003', null, 'disabling when off: HX003');
select is((select array_agg(action order by id) from helix.audit_log where action like 'mfa.%'),
    array['mfa.enrolment_started', 'mfa.enabled', 'mfa.disabled'], 'MFA changes are audited');

update helix.settings set value = '0' where key = 'login_max_failures';
select throws_ok($$select helix.authenticate('grace', 'compilers are friends', 'cli')$$,
    'HX011', 'setting login_max_failures = 0 is out of range: it must be 1 or more',
    'a login_max_failures below 1 is refused as a bad setting, not applied');
update helix.settings set value = '5' where key = 'login_max_failures';

select * from finish();
rollback;
