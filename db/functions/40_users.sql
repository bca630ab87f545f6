-- Users and sign-in: create_user, authenticate, validate_session, revoke_session,
-- revoke_all_sessions, purge_expired_sessions, set_user_active, unlock_user, and multi-factor
-- authentication by TOTP (RFC 6238) in SQL: mfa_enrol, mfa_confirm, mfa_disable.
--
-- Secrets: passwords are bcrypt hashes (pgcrypto crypt); a session token is shown once by
-- authenticate and only its SHA-256 is stored; TOTP secrets sit in columns the application
-- role cannot read (90_privileges.sql). No message, hint or log line carries a password, a
-- token or a TOTP secret.
--
-- Failed sign-ins and the one-transaction problem. A refusal is an exception, and an exception
-- rolls back everything its statement wrote: a failure counter kept in a table would be undone
-- by the very refusal that should raise it. So the count of failures in a row lives in a
-- per-user SEQUENCE (helix.login_failures_<user id without dashes>), because setval() is not
-- transactional: it survives the refusal. Its value packs the unix second of the last failure
-- and the count: value = seconds * 1000 + count. The same holds for the audit trail: a row for
-- a failed sign-in would vanish with the refusal, so a failure is written to the server log
-- (RAISE LOG) at once, and the number of failures before a success goes into that success's
-- audit row.

-- ---------------------------------------------------------------------------------------
-- Small helpers (no grants: they run inside the API functions)
-- ---------------------------------------------------------------------------------------

create or replace function helix.client_types() returns text[]
language sql immutable as $$
    select array['terminal_ui', 'cli', 'rest_api', 'mobile_ios', 'mobile_android']
$$;
comment on function helix.client_types() is
    'The client types a sign-in session may have (the seed''s list; user_sessions checks it).';

create or replace function helix.token_hash(p_token text) returns text
language sql immutable strict set search_path = helix, public, pg_temp as $$
    select encode(digest(p_token, 'sha256'), 'hex')
$$;
comment on function helix.token_hash(text) is
    'What user_sessions.session_token holds for a token: its SHA-256 in hex. A token has 256 '
    'random bits, so an unsalted hash cannot be reversed by guessing.';

create or replace function helix.password_hash_cost() returns integer
language plpgsql stable as $$
declare
    v integer := helix.setting_number('password_hash_cost')::integer;
begin
    if v not between 4 and 15 then
        raise exception 'setting password_hash_cost = % is out of range: it must be 4..15', v
            using errcode = 'HX011',
                  hint = 'update helix.settings set value = ''10'' '
                         'where key = ''password_hash_cost''';
    end if;
    return v;
end
$$;
comment on function helix.password_hash_cost() is
    'bcrypt cost for new hashes, from settings (checked to be 4..15).';

-- ---------------------------------------------------------------------------------------
-- Failed sign-ins in a row, in a sequence per user (see the header for why)
-- ---------------------------------------------------------------------------------------

create or replace function helix.login_counter_name(p_user_id uuid) returns text
language sql immutable strict as $$
    select 'login_failures_' || replace(p_user_id::text, '-', '')
$$;
comment on function helix.login_counter_name(uuid) is
    'Name of the sequence (in schema helix) that counts a user''s failed sign-ins.';

-- SECURITY DEFINER so that the counter always belongs to helix_owner, whoever inserts the
-- user (a DBA as a superuser included): the sign-in functions must be able to setval it.
create or replace function helix.users_login_counter() returns trigger
language plpgsql security definer set search_path = helix, public, pg_temp as $$
begin
    if tg_op = 'INSERT' then
        execute format('create sequence if not exists helix.%I as bigint minvalue 0',
                       helix.login_counter_name(new.id));
        execute format('comment on sequence helix.%I is %L',
                       helix.login_counter_name(new.id),
                       'Failed sign-ins in a row of user ' || new.id || ': value = unix '
                       || 'second of the last failure * 1000 + count (not transactional, '
                       || 'so a refused sign-in still counts). See helix.login_failures().');
        return new;
    end if;
    execute format('drop sequence if exists helix.%I', helix.login_counter_name(old.id));
    return old;
end
$$;
comment on function helix.users_login_counter() is
    'Trigger: creates a user''s failed sign-in counter with the user, drops it with the user.';

create or replace trigger users_login_counter
    after insert or delete on helix.users
    for each row execute function helix.users_login_counter();
comment on trigger users_login_counter on helix.users is
    'Keeps one failed sign-in counter (a sequence) per user.';

-- Users made before this trigger existed get their counter now (idempotent).
do $$
declare
    u uuid;
begin
    for u in select id from helix.users
             where to_regclass('helix.' || helix.login_counter_name(id)) is null loop
        execute format('create sequence helix.%I as bigint minvalue 0',
                       helix.login_counter_name(u));
    end loop;
end
$$;

create or replace function helix.login_failures(
    p_user_id uuid,
    out failures integer,
    out last_failure_at timestamptz,
    out locked_until timestamptz)
language plpgsql stable security definer set search_path = helix, public, pg_temp as $$
declare
    v_name text := helix.login_counter_name(p_user_id);
    v_value bigint;
    v_called boolean;
    v_lockout interval := helix.setting_interval('login_lockout');
    v_max numeric := helix.setting_number('login_max_failures');
begin
    if v_max < 1 then
        raise exception 'setting login_max_failures = % is out of range: it must be 1 or more',
                        v_max
            using errcode = 'HX011',
                  hint = 'update helix.settings set value = ''5'' '
                         'where key = ''login_max_failures''';
    end if;
    failures := 0;
    if to_regclass('helix.' || v_name) is null then
        return;
    end if;
    execute format('select last_value, is_called from helix.%I', v_name)
        into v_value, v_called;
    if not v_called or v_value < 1000 then
        return;
    end if;
    failures := (v_value % 1000)::integer;
    last_failure_at := to_timestamp(v_value / 1000);
    if failures >= v_max
       and last_failure_at + v_lockout > clock_timestamp() then
        locked_until := last_failure_at + v_lockout;
    end if;
end
$$;
comment on function helix.login_failures(uuid) is
    'A user''s failed sign-ins in a row, the last one''s time, and locked_until when that '
    'many failures lock the account now (null when not locked).';

create or replace function helix.login_failure_record(p_user_id uuid) returns integer
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v_state record;
    v_now bigint := floor(extract(epoch from clock_timestamp()))::bigint;
    v_count integer := 1;
begin
    select * into v_state from helix.login_failures(p_user_id);
    -- Failures further apart than login_lockout do not make a run: count afresh.
    if v_state.last_failure_at is not null
       and v_state.last_failure_at + helix.setting_interval('login_lockout') > clock_timestamp()
    then
        v_count := least(v_state.failures + 1, 999);
    end if;
    -- Not undone when the caller's statement fails: that is the point.
    perform setval(format('helix.%I', helix.login_counter_name(p_user_id))::regclass,
                   v_now * 1000 + v_count, true);
    return v_count;
end
$$;
comment on function helix.login_failure_record(uuid) is
    'Counts one failed sign-in of a user (survives the refusal that follows); returns the '
    'count in a row.';

create or replace function helix.login_failure_reset(p_user_id uuid) returns void
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
begin
    if to_regclass('helix.' || helix.login_counter_name(p_user_id)) is not null then
        perform setval(format('helix.%I', helix.login_counter_name(p_user_id))::regclass, 0,
                       false);
    end if;
end
$$;
comment on function helix.login_failure_reset(uuid) is
    'Forgets a user''s failed sign-ins (after a success, or unlock_user).';

-- ---------------------------------------------------------------------------------------
-- TOTP (RFC 6238 over HOTP, RFC 4226): HMAC-SHA1, 30-second steps, 6 digits
-- ---------------------------------------------------------------------------------------

create or replace function helix.base32_encode(p_data bytea) returns text
language plpgsql immutable strict as $$
declare
    c_alphabet constant text := 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    v_buffer bigint := 0;
    v_bits integer := 0;
    v_out text := '';
begin
    for i in 0 .. length(p_data) - 1 loop
        v_buffer := (v_buffer << 8) | get_byte(p_data, i);
        v_bits := v_bits + 8;
        while v_bits >= 5 loop
            v_out := v_out || substr(c_alphabet, ((v_buffer >> (v_bits - 5)) & 31)::int + 1, 1);
            v_bits := v_bits - 5;
        end loop;
        v_buffer := v_buffer & ((1::bigint << v_bits) - 1);
    end loop;
    if v_bits > 0 then
        v_out := v_out || substr(c_alphabet, ((v_buffer << (5 - v_bits)) & 31)::int + 1, 1);
    end if;
    return v_out;
end
$$;
comment on function helix.base32_encode(bytea) is
    'RFC 4648 base32 without padding, as authenticator apps take TOTP secrets.';

create or replace function helix.base32_decode(p_text text) returns bytea
language plpgsql immutable strict as $$
declare
    c_alphabet constant text := 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    v_clean text := upper(regexp_replace(p_text, '[\s=-]', '', 'g'));
    v_buffer bigint := 0;
    v_bits integer := 0;
    v_index integer;
    v_out bytea := '';
begin
    for i in 1 .. length(v_clean) loop
        v_index := strpos(c_alphabet, substr(v_clean, i, 1));
        if v_index = 0 then
            raise exception 'character % at position % is not base32', substr(v_clean, i, 1), i
                using errcode = 'HX001',
                      hint = 'base32 uses the letters A-Z and the digits 2-7.';
        end if;
        v_buffer := ((v_buffer << 5) | (v_index - 1)) & 65535;
        v_bits := v_bits + 5;
        if v_bits >= 8 then
            v_out := v_out || set_byte('\x00'::bytea, 0, ((v_buffer >> (v_bits - 8)) & 255)::int);
            v_bits := v_bits - 8;
        end if;
    end loop;
    return v_out;
end
$$;
comment on function helix.base32_decode(text) is
    'Inverse of base32_encode; spaces, dashes, padding and lower case are tolerated.';

create or replace function helix.hotp(p_secret bytea, p_counter bigint, p_digits integer default 6)
returns text
language plpgsql immutable strict set search_path = helix, public, pg_temp as $$
declare
    v_mac bytea;
    v_offset integer;
    v_binary bigint;
begin
    if p_digits not between 6 and 10 then
        raise exception 'digits % is out of range: p_digits must be 6..10', p_digits
            using errcode = 'HX001', hint = 'TOTP codes have 6 digits (8 in the RFC tests).';
    end if;
    -- int8send: the counter as 8 bytes, big-endian, as RFC 4226 wants it.
    v_mac := hmac(int8send(p_counter), p_secret, 'sha1');
    v_offset := get_byte(v_mac, 19) & 15;
    v_binary := ((get_byte(v_mac, v_offset) & 127)::bigint << 24)
              | (get_byte(v_mac, v_offset + 1)::bigint << 16)
              | (get_byte(v_mac, v_offset + 2)::bigint << 8)
              | get_byte(v_mac, v_offset + 3)::bigint;
    return lpad((v_binary % (10::bigint ^ p_digits)::bigint)::text, p_digits, '0');
end
$$;
comment on function helix.hotp(bytea, bigint, integer) is
    'HOTP (RFC 4226): the one-time code of a secret for a counter (HMAC-SHA1).';

create or replace function helix.totp_step(p_time timestamptz default now()) returns bigint
language sql immutable strict as $$
    select floor(extract(epoch from p_time) / 30)::bigint
$$;
comment on function helix.totp_step(timestamptz) is
    'The TOTP time step of a moment: unix seconds / 30, rounded down.';

create or replace function helix.totp_code(
    p_secret bytea, p_time timestamptz default now(), p_digits integer default 6)
returns text
language sql immutable strict set search_path = helix, public, pg_temp as $$
    select helix.hotp(p_secret, helix.totp_step(p_time), p_digits)
$$;
comment on function helix.totp_code(bytea, timestamptz, integer) is
    'TOTP (RFC 6238, SHA1, 30 s): the code of a secret at a moment.';

create or replace function helix.totp_match(
    p_secret_base32 text, p_code text, p_after_step bigint default null,
    p_time timestamptz default now())
returns bigint
language plpgsql stable set search_path = helix, public, pg_temp as $$
declare
    v_secret bytea;
    v_step bigint := helix.totp_step(p_time);
    v_window integer := helix.setting_number('totp_window_steps')::integer;
begin
    if p_secret_base32 is null or p_code is null or btrim(p_code) !~ '^[0-9]{6}$' then
        return null;
    end if;
    if v_window not between 0 and 10 then
        raise exception 'setting totp_window_steps = % is out of range: it must be 0..10',
                        v_window
            using errcode = 'HX011',
                  hint = 'update helix.settings set value = ''1'' '
                         'where key = ''totp_window_steps''';
    end if;
    v_secret := helix.base32_decode(p_secret_base32);
    for s in v_step - v_window .. v_step + v_window loop
        if s > coalesce(p_after_step, -1) and helix.hotp(v_secret, s) = btrim(p_code) then
            return s;
        end if;
    end loop;
    return null;
end
$$;
comment on function helix.totp_match(text, text, bigint, timestamptz) is
    'The time step whose code p_code is, within totp_window_steps of p_time and later than '
    'p_after_step (a code is good once), or null when it matches none.';

create or replace function helix.url_encode(p_text text) returns text
language plpgsql immutable strict as $$
declare
    v_bytes bytea := convert_to(p_text, 'UTF8');
    v_out text := '';
    v_byte integer;
begin
    for i in 0 .. length(v_bytes) - 1 loop
        v_byte := get_byte(v_bytes, i);
        if chr(v_byte) ~ '^[A-Za-z0-9._~-]$' and v_byte < 128 then
            v_out := v_out || chr(v_byte);
        else
            v_out := v_out || '%' || upper(lpad(to_hex(v_byte), 2, '0'));
        end if;
    end loop;
    return v_out;
end
$$;
comment on function helix.url_encode(text) is 'Percent-encoding (RFC 3986) of a URI component.';

-- ---------------------------------------------------------------------------------------
-- Lookup
-- ---------------------------------------------------------------------------------------

create or replace function helix.user_for_update(p_user_id uuid) returns helix.users
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v helix.users;
begin
    if p_user_id is null then
        raise exception 'p_user_id is missing'
            using errcode = 'HX001', hint = 'Pass the id create_user returned.';
    end if;
    select * into v from helix.users where id = p_user_id for update;
    if not found then
        raise exception 'user % does not exist', p_user_id
            using errcode = 'HX002', hint = 'select id, username from helix.user_accounts';
    end if;
    return v;
end
$$;
comment on function helix.user_for_update(uuid) is
    'The user row, locked for the rest of the transaction; refuses a missing id (HX001) and '
    'an unknown one (HX002).';

-- ---------------------------------------------------------------------------------------
-- create_user
-- ---------------------------------------------------------------------------------------

create or replace function helix.create_user(
    p_username text,
    p_email text,
    p_password text,
    p_display_name text default null)
returns uuid
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v_min_length integer := helix.setting_number('password_min_length')::integer;
    v_id uuid;
    v_constraint text;
begin
    if p_username is null or p_username !~ '^[A-Za-z][A-Za-z0-9._-]{2,63}$' then
        raise exception 'username % is not valid: p_username must be 3 to 64 characters, '
                        'letters, digits, ".", "_" or "-", starting with a letter',
                        coalesce(quote_literal(p_username), 'NULL')
            using errcode = 'HX001', hint = 'For example: ada.lovelace';
    end if;
    if p_email is null or length(p_email) > 254
       or p_email !~ '^[A-Za-z0-9.!#$%&''*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?'
                     '(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$' then
        raise exception 'e-mail address % is not valid: p_email must look like '
                        'name@example.org (at most 254 characters)',
                        coalesce(quote_literal(p_email), 'NULL')
            using errcode = 'HX001', hint = 'Give the address without a display name or '
                                            'angle brackets.';
    end if;
    -- The password itself never appears in a message: only what is wrong with it.
    if p_password is null then
        raise exception 'p_password is missing'
            using errcode = 'HX001',
                  hint = format('Choose a password of at least %s characters.', v_min_length);
    end if;
    if char_length(p_password) < v_min_length then
        raise exception 'password is too short: p_password has % characters, at least % '
                        'are needed', char_length(p_password), v_min_length
            using errcode = 'HX001',
                  hint = 'A passphrase of several words is long and easy to remember.';
    end if;
    if octet_length(p_password) > 72 then
        raise exception 'password is too long: p_password has % bytes, bcrypt uses at most 72',
                        octet_length(p_password)
            using errcode = 'HX001', hint = 'Bytes past the 72nd would be ignored; shorten it.';
    end if;
    if lower(p_password) in (lower(p_username), lower(p_email),
                             lower(split_part(p_email, '@', 1))) then
        raise exception 'password is refused: p_password must not be the username or the '
                        'e-mail address'
            using errcode = 'HX001', hint = 'Choose something others cannot guess from the '
                                            'account.';
    end if;
    if p_display_name is not null
       and (btrim(p_display_name) = '' or char_length(p_display_name) > 255) then
        raise exception 'display name % is not valid: p_display_name must be 1 to 255 '
                        'characters, not blank', quote_literal(p_display_name)
            using errcode = 'HX001', hint = 'Pass null for no display name.';
    end if;

    begin
        insert into helix.users (username, email, password_hash, display_name)
        values (p_username, btrim(p_email),
                crypt(p_password, gen_salt('bf', helix.password_hash_cost())),
                btrim(p_display_name))
        returning id into v_id;
    exception when unique_violation then
        get stacked diagnostics v_constraint = constraint_name;
        if v_constraint like 'users_username%' then
            raise exception 'username % is taken', quote_literal(p_username)
                using errcode = 'HX006',
                      hint = 'Usernames are unique whatever their case; choose another.';
        end if;
        raise exception 'e-mail address % is taken', quote_literal(p_email)
            using errcode = 'HX006',
                  hint = 'Each address has one account; sign in with it instead.';
    end;
    perform helix.audit('user.created', v_id, jsonb_build_object('username', p_username),
                        'user', v_id);
    return v_id;
end
$$;
comment on function helix.create_user(text, text, text, text) is
    'A new user; returns its id. Username: 3..64 of letters, digits, . _ -, starting with a '
    'letter. Username and e-mail are unique whatever their case (HX006 names which is taken). '
    'The password (password_min_length..72 bytes, not the username or e-mail) is stored as a '
    'bcrypt hash.';

-- ---------------------------------------------------------------------------------------
-- authenticate
-- ---------------------------------------------------------------------------------------

create or replace function helix.authenticate(
    p_login text,
    p_password text,
    p_client_type text,
    p_mfa_code text default null,
    p_ip_address inet default null,
    p_user_agent text default null)
returns text
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    -- One message and hint for an unknown login, a wrong password and an inactive account,
    -- so the answer does not tell which logins exist.
    c_refused constant text := 'sign-in refused: the login or the password is wrong';
    c_hint constant text := 'Check both; repeated failures lock the account for a while.';
    v_user helix.users;
    v_state record;
    v_password_ok boolean;
    v_step bigint;
    v_failures integer;
    v_token text;
    v_session_id uuid;
begin
    if p_client_type is null or not p_client_type = any (helix.client_types()) then
        raise exception 'client type % is not known: p_client_type must be one of %',
                        coalesce(quote_literal(p_client_type), 'NULL'),
                        array_to_string(helix.client_types(), ', ')
            using errcode = 'HX001', hint = 'A command-line client passes ''cli''.';
    end if;
    if p_login is null or btrim(p_login) = '' then
        raise exception 'p_login is missing: give a username or an e-mail address'
            using errcode = 'HX001', hint = 'Either one signs in.';
    end if;
    if p_password is null then
        raise exception 'p_password is missing'
            using errcode = 'HX001', hint = 'Pass the password as a parameter, never in SQL text.';
    end if;
    if char_length(p_user_agent) > 1000 then
        raise exception 'user agent is too long: p_user_agent has % characters, at most 1000',
                        char_length(p_user_agent)
            using errcode = 'HX001', hint = 'Truncate it.';
    end if;

    -- Usernames cannot hold '@' and e-mail addresses must, so at most one row matches. The
    -- row lock serialises sign-ins of one user, so two failures at once both count.
    select * into v_user from helix.users
    where lower(username) = lower(btrim(p_login)) or lower(email) = lower(btrim(p_login))
    for update;

    if not found then
        -- The same bcrypt work as checking a real hash, so the time taken does not tell an
        -- unknown login from a wrong password.
        perform crypt(p_password, gen_salt('bf', helix.password_hash_cost()));
        raise log 'helix: sign-in refused: unknown login %', quote_literal(left(p_login, 100));
        raise exception '%', c_refused using errcode = 'HX007', hint = c_hint;
    end if;

    select * into v_state from helix.login_failures(v_user.id);
    v_password_ok := v_user.password_hash = crypt(p_password, v_user.password_hash);
    -- While locked, only the right password learns of the lock: a wrong one gets the
    -- ordinary answer, so a lock does not tell a stranger that the login exists. Failures
    -- during the lock are not counted, so the lock ends when it said it would.
    if v_state.locked_until is not null and not v_password_ok then
        raise log 'helix: sign-in refused: wrong password for locked user %', v_user.id;
        raise exception '%', c_refused using errcode = 'HX007', hint = c_hint;
    end if;
    if v_state.locked_until is not null then
        raise log 'helix: sign-in refused: user % is locked until %', v_user.id,
                  v_state.locked_until;
        raise exception 'sign-in refused: account % is locked until % after % failed attempts',
                        quote_literal(p_login), v_state.locked_until, v_state.failures
            using errcode = 'HX008',
                  hint = 'Wait, or ask an operator to run helix.unlock_user.';
    end if;
    if not v_password_ok then
        v_failures := helix.login_failure_record(v_user.id);
        raise log 'helix: sign-in refused: wrong password for user % (% in a row)',
                  v_user.id, v_failures;
        raise exception '%', c_refused using errcode = 'HX007', hint = c_hint;
    end if;
    if not v_user.is_active then
        raise log 'helix: sign-in refused: user % is deactivated', v_user.id;
        raise exception '%', c_refused using errcode = 'HX007', hint = c_hint;
    end if;

    if v_user.mfa_enabled then
        if p_mfa_code is null or btrim(p_mfa_code) = '' then
            raise exception 'a one-time code is required: user % has multi-factor '
                            'authentication on', quote_literal(v_user.username)
                using errcode = 'HX010',
                      hint = 'Ask for the 6-digit code of the authenticator app and sign in '
                             'again with p_mfa_code.';
        end if;
        v_step := helix.totp_match(v_user.mfa_secret, p_mfa_code, v_user.mfa_last_step);
        if v_step is null then
            -- Counts as a failure: otherwise six digits could be guessed at leisure.
            v_failures := helix.login_failure_record(v_user.id);
            raise log 'helix: sign-in refused: wrong one-time code for user % (% in a row)',
                      v_user.id, v_failures;
            raise exception 'one-time code refused for user %: it is wrong, expired or '
                            'already used', quote_literal(v_user.username)
                using errcode = 'HX010',
                      hint = 'Wait for the next code of the authenticator app; check the '
                             'device''s clock.';
        end if;
    end if;

    perform helix.login_failure_reset(v_user.id);
    v_token := 'hxs_' || encode(gen_random_bytes(32), 'hex');
    insert into helix.user_sessions
        (user_id, session_token, client_type, ip_address, user_agent, expires_at)
    values (v_user.id, helix.token_hash(v_token), p_client_type, p_ip_address, p_user_agent,
            now() + helix.setting_interval('session_ttl'))
    returning id into v_session_id;
    update helix.users
    set last_login = now(), mfa_last_step = coalesce(v_step, mfa_last_step)
    where id = v_user.id;
    perform helix.audit('login.succeeded', v_session_id,
                        jsonb_build_object('client_type', p_client_type,
                                           'ip_address', p_ip_address,
                                           'mfa', v_user.mfa_enabled,
                                           'failed_attempts_before', v_state.failures),
                        'user_session', v_user.id);
    return v_token;
end
$$;
comment on function helix.authenticate(text, text, text, text, inet, text) is
    'Signs in by username or e-mail (any case) and password, and with a TOTP code when the '
    'user has MFA on; returns a new session token, shown this once (only its hash is kept), '
    'valid for settings.session_ttl. Refusals: HX007 for an unknown login, a wrong password '
    'or a deactivated account alike; HX008 for the right password while locked '
    '(login_max_failures in a row lock for login_lockout); HX010 when the code is missing '
    'or wrong; HX001 for bad arguments.';

-- ---------------------------------------------------------------------------------------
-- Sign-in sessions
-- ---------------------------------------------------------------------------------------

create or replace function helix.validate_session(p_token text) returns uuid
language plpgsql stable security definer set search_path = helix, public, pg_temp as $$
declare
    v record;
begin
    select s.user_id, s.expires_at, s.revoked_at, u.is_active into v
    from helix.user_sessions s
    join helix.users u on u.id = s.user_id
    where s.session_token = helix.token_hash(p_token);
    -- The token is never echoed: whoever reads the log must not be able to use it.
    if not found then
        raise exception 'session token is not known'
            using errcode = 'HX009', hint = 'Sign in again with helix.authenticate.';
    end if;
    if v.revoked_at is not null then
        raise exception 'session was revoked at %', v.revoked_at
            using errcode = 'HX009', hint = 'Sign in again with helix.authenticate.';
    end if;
    if v.expires_at <= now() then
        raise exception 'session expired at %', v.expires_at
            using errcode = 'HX009', hint = 'Sign in again with helix.authenticate.';
    end if;
    if not v.is_active then
        raise exception 'session belongs to a deactivated user'
            using errcode = 'HX009', hint = 'An operator can reactivate the account.';
    end if;
    return v.user_id;
end
$$;
comment on function helix.validate_session(text) is
    'The user a session token signs in, while the session is neither expired nor revoked '
    'and the user is active; HX009 otherwise.';

create or replace function helix.revoke_session(p_token text) returns void
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v helix.user_sessions;
begin
    select * into v from helix.user_sessions
    where session_token = helix.token_hash(p_token)
    for update;
    if not found then
        raise exception 'session token is not known'
            using errcode = 'HX009', hint = 'Nothing to sign out of.';
    end if;
    -- Signing out twice is not an error: the second call finds nothing left to do.
    if v.revoked_at is null then
        update helix.user_sessions set revoked_at = now() where id = v.id;
        perform helix.audit('session.revoked', v.id, '{}', 'user_session', v.user_id);
    end if;
end
$$;
comment on function helix.revoke_session(text) is
    'Signs a session out: its token is refused from now on. Idempotent; HX009 for an unknown '
    'token.';

create or replace function helix.revoke_all_sessions(p_user_id uuid) returns integer
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v_user helix.users := helix.user_for_update(p_user_id);
    v_count integer;
begin
    update helix.user_sessions set revoked_at = now()
    where user_id = v_user.id and revoked_at is null and expires_at > now();
    get diagnostics v_count = row_count;
    perform helix.audit('sessions.revoked_all', v_user.id,
                        jsonb_build_object('sessions', v_count), 'user', v_user.id);
    return v_count;
end
$$;
comment on function helix.revoke_all_sessions(uuid) is
    'Signs a user out everywhere; returns how many live sessions were revoked.';

create or replace function helix.purge_expired_sessions() returns integer
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v_count integer;
begin
    -- Revoked sessions are kept until they would have expired, so that validate_session can
    -- still say "revoked" rather than "not known" while the token could have been in use.
    delete from helix.user_sessions where expires_at <= now();
    get diagnostics v_count = row_count;
    if v_count > 0 then
        perform helix.audit('sessions.purged', null, jsonb_build_object('sessions', v_count));
    end if;
    return v_count;
end
$$;
comment on function helix.purge_expired_sessions() is
    'Deletes sign-in sessions whose expiry has passed (revoked ones included); returns how '
    'many. Meant for a periodic job.';

-- ---------------------------------------------------------------------------------------
-- Account state
-- ---------------------------------------------------------------------------------------

create or replace function helix.set_user_active(p_user_id uuid, p_active boolean)
returns void
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v_user helix.users := helix.user_for_update(p_user_id);
begin
    if p_active is null then
        raise exception 'p_active is missing'
            using errcode = 'HX001', hint = 'true reactivates, false deactivates.';
    end if;
    if v_user.is_active = p_active then
        return;
    end if;
    update helix.users set is_active = p_active where id = v_user.id;
    if not p_active then
        -- A deactivated user's tokens are refused anyway; revoking says so in the data too.
        update helix.user_sessions set revoked_at = now()
        where user_id = v_user.id and revoked_at is null and expires_at > now();
    end if;
    perform helix.audit(case when p_active then 'user.activated' else 'user.deactivated' end,
                        v_user.id, '{}', 'user', v_user.id);
end
$$;
comment on function helix.set_user_active(uuid, boolean) is
    'Activates or deactivates a user; deactivating revokes their sessions. Idempotent.';

create or replace function helix.unlock_user(p_user_id uuid) returns void
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v_user helix.users := helix.user_for_update(p_user_id);
    v_state record;
begin
    select * into v_state from helix.login_failures(v_user.id);
    perform helix.login_failure_reset(v_user.id);
    perform helix.audit('account.unlocked', v_user.id,
                        jsonb_build_object('failures', v_state.failures,
                                           'was_locked_until', v_state.locked_until),
                        'user', v_user.id);
end
$$;
comment on function helix.unlock_user(uuid) is
    'Forgets a user''s failed sign-ins, lifting a lock (operators).';

-- ---------------------------------------------------------------------------------------
-- Multi-factor authentication
-- ---------------------------------------------------------------------------------------

create or replace function helix.mfa_enrol(p_user_id uuid)
returns table (secret_base32 text, otpauth_uri text)
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v_user helix.users := helix.user_for_update(p_user_id);
    v_issuer text := helix.setting('totp_issuer') #>> '{}';
begin
    if v_user.mfa_enabled then
        raise exception 'user % has multi-factor authentication on already',
                        quote_literal(v_user.username)
            using errcode = 'HX003', hint = 'Turn it off with helix.mfa_disable first.';
    end if;
    secret_base32 := helix.base32_encode(gen_random_bytes(20));
    otpauth_uri := format('otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=6'
                          '&period=30', helix.url_encode(v_issuer),
                          helix.url_encode(v_user.username), secret_base32,
                          helix.url_encode(v_issuer));
    update helix.users set mfa_pending_secret = secret_base32 where id = v_user.id;
    perform helix.audit('mfa.enrolment_started', v_user.id, '{}', 'user', v_user.id);
    return next;
end
$$;
comment on function helix.mfa_enrol(uuid) is
    'Starts TOTP enrolment: a new secret (base32, 160 bits) and its otpauth:// URI, shown '
    'this once for the authenticator app; MFA is on after mfa_confirm. Enrolling again '
    'replaces an unconfirmed secret. HX003 when MFA is on already.';

create or replace function helix.mfa_confirm(p_user_id uuid, p_code text) returns void
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v_user helix.users := helix.user_for_update(p_user_id);
    v_step bigint;
begin
    if v_user.mfa_pending_secret is null then
        raise exception 'user % has no TOTP enrolment to confirm', quote_literal(v_user.username)
            using errcode = 'HX003', hint = 'Start one with helix.mfa_enrol.';
    end if;
    v_step := helix.totp_match(v_user.mfa_pending_secret, p_code);
    if v_step is null then
        raise exception 'one-time code refused for user %: it is not the current code of '
                        'the new secret', quote_literal(v_user.username)
            using errcode = 'HX010',
                  hint = 'Enter the code the authenticator app shows now; check its clock.';
    end if;
    update helix.users
    set mfa_secret = mfa_pending_secret, mfa_pending_secret = null, mfa_enabled = true,
        mfa_confirmed_at = now(), mfa_last_step = v_step
    where id = v_user.id;
    perform helix.audit('mfa.enabled', v_user.id, '{}', 'user', v_user.id);
end
$$;
comment on function helix.mfa_confirm(uuid, text) is
    'Turns MFA on once a code of the enrolled secret is given (HX010 when wrong, HX003 with no '
    'enrolment).';

create or replace function helix.mfa_disable(p_user_id uuid, p_code text) returns void
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v_user helix.users := helix.user_for_update(p_user_id);
begin
    if not v_user.mfa_enabled then
        raise exception 'user % has multi-factor authentication off already',
                        quote_literal(v_user.username)
            using errcode = 'HX003', hint = 'Nothing to do.';
    end if;
    if helix.totp_match(v_user.mfa_secret, p_code, v_user.mfa_last_step) is null then
        raise exception 'one-time code refused for user %: it is wrong, expired or already '
                        'used', quote_literal(v_user.username)
            using errcode = 'HX010',
                  hint = 'A lost device: an operator clears MFA as the database owner.';
    end if;
    update helix.users
    set mfa_enabled = false, mfa_secret = null, mfa_pending_secret = null,
        mfa_confirmed_at = null, mfa_last_step = null
    where id = v_user.id;
    perform helix.audit('mfa.disabled', v_user.id, '{}', 'user', v_user.id);
end
$$;
comment on function helix.mfa_disable(uuid, text) is
    'Turns MFA off, given a current code (HX010 when wrong; HX003 when off already).';

-- ---------------------------------------------------------------------------------------
-- Views: what the application may read about users (no hash, no token, no secret)
-- ---------------------------------------------------------------------------------------

create or replace view helix.user_accounts as
select u.id, u.username, u.email, u.display_name, u.avatar_url, u.is_active, u.is_verified,
       u.mfa_enabled, u.mfa_pending_secret is not null as mfa_enrolment_pending,
       u.last_login, f.failures as failed_logins_in_a_row, f.locked_until,
       u.created_at, u.updated_at
from helix.users u
cross join lateral helix.login_failures(u.id) f;
comment on view helix.user_accounts is
    'Users without their secrets: no password hash, no TOTP secret. failed_logins_in_a_row '
    'and locked_until come from the per-user failure counters.';

create or replace view helix.user_session_list as
select s.id, s.user_id, u.username, s.client_type, s.ip_address, s.user_agent, s.created_at,
       s.expires_at, s.revoked_at,
       case when s.revoked_at is not null then 'revoked'
            when s.expires_at <= now() then 'expired'
            else 'active' end as state
from helix.user_sessions s
join helix.users u on u.id = s.user_id;
comment on view helix.user_session_list is
    'Sign-in sessions without their token hashes; state is active, expired or revoked.';

-- ---------------------------------------------------------------------------------------
-- Invariants
-- ---------------------------------------------------------------------------------------

create or replace function helix.invariants_auth()
returns table (invariant text, object_id uuid, detail text)
language sql stable security definer set search_path = helix, public, pg_temp as $$
    select 'user has a failed sign-in counter', u.id, u.username::text
    from helix.users u
    where to_regclass('helix.' || helix.login_counter_name(u.id)) is null
    union all
    select 'mfa_enabled iff a confirmed secret', u.id, u.username::text
    from helix.users u
    where u.mfa_enabled <> (u.mfa_secret is not null)
    union all
    select 'security definer function pins search_path', null::uuid, p.oid::regprocedure::text
    from pg_proc p
    where p.pronamespace = 'helix'::regnamespace and p.prosecdef
      and not exists (select from unnest(p.proconfig) c where c like 'search_path=%')
    union all
    select 'no helix role may write a table', null::uuid, format('%s: %s on %s', r.rolname,
           m.privilege, c.oid::regclass)
    from pg_class c
    cross join (values ('helix_app'), ('helix_runner'), ('helix_readonly')) r (rolname)
    cross join (values ('insert'), ('update'), ('delete'), ('truncate')) m (privilege)
    where c.relnamespace = 'helix'::regnamespace and c.relkind in ('r', 'p')
      and has_table_privilege(r.rolname, c.oid, m.privilege)
    union all
    select 'no helix role may read a secret column', null::uuid,
           format('%s: %s.%s', r.rolname, t.tab, t.col)
    from (values ('users', 'password_hash'), ('users', 'mfa_secret'),
                 ('users', 'mfa_pending_secret'), ('user_sessions', 'session_token')) t (tab, col)
    cross join (values ('helix_app'), ('helix_runner'), ('helix_readonly')) r (rolname)
    where has_column_privilege(r.rolname, ('helix.' || t.tab)::regclass, t.col, 'select')
$$;
comment on function helix.invariants_auth() is
    'Violations of the users area''s rules (one row each): counters, MFA state, pinned '
    'search_path on definer functions, no role writing tables or reading secrets.';

-- ---------------------------------------------------------------------------------------
-- Grants (90_privileges.sql revokes everything from PUBLIC afterwards)
-- ---------------------------------------------------------------------------------------

revoke all on function
    helix.client_types(), helix.token_hash(text), helix.password_hash_cost(),
    helix.login_counter_name(uuid), helix.users_login_counter(),
    helix.login_failure_record(uuid), helix.login_failure_reset(uuid),
    helix.base32_encode(bytea), helix.base32_decode(text), helix.hotp(bytea, bigint, integer),
    helix.totp_step(timestamptz), helix.totp_code(bytea, timestamptz, integer),
    helix.totp_match(text, text, bigint, timestamptz), helix.url_encode(text),
    helix.user_for_update(uuid), helix.invariants_auth(),
    helix.login_failures(uuid),
    helix.create_user(text, text, text, text),
    helix.authenticate(text, text, text, text, inet, text),
    helix.validate_session(text), helix.revoke_session(text),
    helix.revoke_all_sessions(uuid), helix.purge_expired_sessions(),
    helix.set_user_active(uuid, boolean), helix.unlock_user(uuid),
    helix.mfa_enrol(uuid), helix.mfa_confirm(uuid, text), helix.mfa_disable(uuid, text)
from public;

grant execute on function
    helix.create_user(text, text, text, text),
    helix.authenticate(text, text, text, text, inet, text),
    helix.validate_session(text), helix.revoke_session(text),
    helix.revoke_all_sessions(uuid), helix.purge_expired_sessions(),
    helix.set_user_active(uuid, boolean), helix.unlock_user(uuid),
    helix.mfa_enrol(uuid), helix.mfa_confirm(uuid, text), helix.mfa_disable(uuid, text)
to helix_app;
-- The daemon purges expired sessions on its housekeeping timer.
grant execute on function helix.purge_expired_sessions() to helix_runner;
-- The user_accounts view calls it as the reader; it exposes only counts and times.
grant execute on function helix.login_failures(uuid) to helix_app, helix_readonly;

grant select on helix.user_accounts, helix.user_session_list to helix_app, helix_readonly;
