-- 0004: what the functions of users, sign-in sessions, projects and development sessions
-- (db/functions/40_*.sql) need beside the seed's columns; the owner role; the audit trail.
--
--   * helix_owner (nologin) will own every object of schema helix (90_privileges.sql hands
--     them over), so that SECURITY DEFINER functions run as a role that can do exactly
--     what the schema's owner can, and never as a superuser.
--   * Case-insensitive uniqueness of usernames and e-mail addresses.
--   * MFA enrolment in two steps: a pending secret until the first code confirms it.
--   * Revocation of sign-in sessions (kept, not deleted, so that a revoked token is told apart
--     from an unknown one until the purge).
--   * An end time and a failure reason on development sessions.
--   * helix.audit_log, the trail of security and operator actions.
--   * The settings these functions read.

-- Roles are cluster-wide: another database of the same cluster may have made it already.
do $$
begin
    if not exists (select from pg_roles where rolname = 'helix_owner') then
        create role helix_owner nologin;
    end if;
end
$$;
comment on role helix_owner is
    'Owns the objects of schema helix; SECURITY DEFINER functions run as this role. '
    'Nobody logs in as it; the migrating role is a member (or a superuser).';

-- A migrating role that is not a superuser must be able to hand objects to helix_owner and
-- to replace the functions it owns afterwards: both need membership.
do $$
begin
    if not (select rolsuper from pg_roles where rolname = current_user)
       and not pg_has_role(current_user, 'helix_owner', 'member') then
        execute format('grant helix_owner to %I', current_user);
    end if;
end
$$;

-- =============================================
-- Users
-- =============================================

create unique index users_username_lower_key on helix.users (lower(username));
create unique index users_email_lower_key on helix.users (lower(email));
comment on index helix.users_username_lower_key is
    'Usernames are unique whatever their case: Alice and alice are one account.';
comment on index helix.users_email_lower_key is
    'E-mail addresses are unique whatever their case.';

alter table helix.users
    add column mfa_pending_secret text,
    add column mfa_confirmed_at timestamptz,
    add column mfa_last_step bigint;
comment on column helix.users.mfa_pending_secret is
    'TOTP secret (base32) handed out by mfa_enrol and not yet confirmed by a code; becomes '
    'mfa_secret at mfa_confirm. Unreadable by the application role.';
comment on column helix.users.mfa_confirmed_at is 'When the current TOTP secret was confirmed.';
comment on column helix.users.mfa_last_step is
    'The TOTP time step (unix time / 30) of the last code accepted: a code is accepted once '
    'only, so one seen over a shoulder cannot be replayed.';

-- =============================================
-- Sign-in sessions
-- =============================================

alter table helix.user_sessions
    add column revoked_at timestamptz;
comment on column helix.user_sessions.revoked_at is
    'When the session was revoked (signed out); null while it may still be used.';

-- =============================================
-- Projects and development sessions
-- =============================================

create unique index projects_owner_name_key on helix.projects (owner_id, lower(name))
    where status <> 'deleted';
comment on index helix.projects_owner_name_key is
    'One live project of a name per owner; a deleted project frees its name.';

alter table helix.sessions
    add column ended_at timestamptz,
    add column failure_reason text,
    add constraint sessions_end_matches_status check (
        (status in ('completed', 'failed')) = (ended_at is not null));
comment on column helix.sessions.ended_at is 'When the session was completed or failed.';
comment on column helix.sessions.failure_reason is 'Why the session failed, as told to '
    'fail_session.';

-- =============================================
-- Audit trail
-- =============================================

create table helix.audit_log (
    id bigint generated always as identity primary key,
    occurred_at timestamptz not null default clock_timestamp(),
    action text not null,
    user_id uuid,
    object_type text,
    object_id uuid,
    detail jsonb not null default '{}',
    database_role text not null default session_user,
    client_addr inet default inet_client_addr(),
    constraint audit_log_action_is_dotted_name
        check (action ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'),
    constraint audit_log_detail_is_object check (jsonb_typeof(detail) = 'object')
);
create index audit_log_occurred_at_idx on helix.audit_log (occurred_at);
create index audit_log_user_id_idx on helix.audit_log (user_id) where user_id is not null;
create index audit_log_object_id_idx on helix.audit_log (object_id) where object_id is not null;
create index audit_log_action_idx on helix.audit_log (action, occurred_at);
comment on table helix.audit_log is
    'Security and operator actions: sign-ins, revocations, MFA changes, project deletions, '
    'and whatever other areas record with helix.audit(). Append-only: no role may change it. '
    'Rows written by a statement that then fails vanish with it (see helix.authenticate for '
    'how failed sign-ins are still recorded).';
comment on column helix.audit_log.action is 'What happened, as a dotted name: login.succeeded, '
    'session.revoked, project.deleted, ...';
comment on column helix.audit_log.user_id is 'The HelixCode user the action concerns, if any. '
    'No foreign key: the trail outlives what it mentions.';
comment on column helix.audit_log.object_type is 'Kind of object_id: user, user_session, '
    'project, session, task, worker, ...';
comment on column helix.audit_log.database_role is 'The login role of the connection that '
    'acted (session_user, not the function owner).';
comment on column helix.audit_log.client_addr is 'Address of the database client, null over '
    'a Unix socket.';

-- =============================================
-- Settings
-- =============================================

insert into helix.settings (key, value, value_type, description) values
    ('session_ttl', '"12 hours"', 'interval',
     'How long a sign-in session token stays valid after authenticate.'),
    ('login_max_failures', '5', 'integer',
     'Failed sign-ins in a row (each within login_lockout of the one before) that lock an '
     'account.'),
    ('login_lockout', '"15 minutes"', 'interval',
     'How long a locked account stays locked, counted from the last failure; also how far '
     'apart failures may be and still count as in a row.'),
    ('password_min_length', '12', 'integer',
     'Shortest password create_user accepts, in characters.'),
    ('password_hash_cost', '10', 'integer',
     'bcrypt cost (log2 of rounds, 4..15) of new password hashes; existing hashes keep theirs.'),
    ('totp_issuer', '"HelixCode"', 'text',
     'Issuer shown by authenticator apps for the otpauth:// URI of mfa_enrol.'),
    ('totp_window_steps', '1', 'integer',
     'TOTP codes of this many 30-second steps before and after now are accepted (clock '
     'drift), 0..10.'),
    ('session_context_max_bytes', '1048576', 'integer',
     'Largest context_data a development session may hold, in bytes of JSON text.')
on conflict (key) do nothing;
