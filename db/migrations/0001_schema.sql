-- 0001: the seed schema on real PostgreSQL, and what the engine needs beside it.
--
-- Every table, column, type, default, NOT NULL, CHECK list, foreign key, unique constraint
-- and index of shared/seeds/000_23ad818b0e2c1609.txt is here, in schema helix, so the seed
-- reads as a subset of this file. What changed, and why:
--   * gen_random_uuid() (core since PostgreSQL 13) replaces uuid_generate_v4(); pgcrypto is
--     still required, for password hashing and TOTP.
--   * The seed's inline INDEX clauses are CREATE INDEX statements with the seed's names.
--   * Where the seed had both UNIQUE and an index on the same column, the unique constraint
--     is named after the seed's index, so the name stays and no index is kept twice.
--   * Numbers with a range have a check; checks are named for the rule they hold, so the
--     error names the rule.
--   * Additions (settings, runners, the engine's columns on distributed_tasks) carry a
--     COMMENT ON saying what they are for.
--
-- Functions, triggers and views live in db/functions/, re-applied after every migration run.

create extension if not exists pgcrypto with schema public;

create schema if not exists helix;
comment on schema helix is
    'HelixCode coordination core: tasks, workers, users, projects and development sessions. '
    'Applications call the functions; DBAs read the views and tune helix.settings.';

-- The three roles the functions are granted to. Roles are cluster-wide, so creating them must
-- not fail when another database of the same cluster already did.
do $$
declare
    r text;
begin
    foreach r in array array['helix_app', 'helix_runner', 'helix_readonly'] loop
        if not exists (select from pg_roles where rolname = r) then
            execute format('create role %I nologin', r);
        end if;
    end loop;
end
$$;

revoke all on schema helix from public;
grant usage on schema helix to helix_app, helix_runner, helix_readonly;

-- =============================================
-- Errors
-- =============================================

create table helix.error_codes (
    sqlstate text primary key,
    name text not null unique,
    meaning text not null,
    constraint error_codes_sqlstate_in_family check (sqlstate ~ '^HX[0-9]{3}$')
);
comment on table helix.error_codes is
    'The SQLSTATEs the functions raise, one row each (class HX). Rows are kept by '
    'db/functions/00_errors.sql; the runner and CLI map them to readable messages.';

-- =============================================
-- Settings
-- =============================================

create table helix.settings (
    key text primary key,
    value jsonb not null,
    value_type text not null,
    description text not null,
    updated_at timestamptz not null default now(),
    constraint settings_key_is_identifier check (key ~ '^[a-z][a-z0-9_]*$'),
    constraint settings_value_type_known
        check (value_type in ('interval', 'integer', 'number', 'boolean', 'text'))
);
comment on table helix.settings is
    'Tunables read by the functions at each call: a DBA changes behaviour with an UPDATE. '
    'Values are JSON; an interval is written as text, for example ''"30 seconds"''.';
comment on column helix.settings.value_type is
    'How value is read and checked: an UPDATE whose value does not parse as this type is '
    'refused.';

insert into helix.settings (key, value, value_type, description) values
    ('heartbeat_interval', '"10 seconds"', 'interval',
     'How often a runner probes each worker and records its heartbeat.'),
    ('heartbeat_timeout', '"30 seconds"', 'interval',
     'Silence after which a worker is offline and the tasks it held are preserved.'),
    ('grace_critical', '"10 minutes"', 'interval',
     'How long critical tasks of a vanished worker wait for that worker to come back.'),
    ('grace_high', '"2 minutes"', 'interval',
     'How long high-criticality tasks of a vanished worker wait for it.'),
    ('grace_normal', '"0 seconds"', 'interval',
     'How long normal tasks of a vanished worker wait for it (0: move on at once).'),
    ('grace_low', '"0 seconds"', 'interval',
     'How long low-criticality tasks of a vanished worker wait for it (0: move on at once).'),
    ('retry_base_delay', '"5 seconds"', 'interval',
     'First retry delay; it doubles at each further retry, with jitter.'),
    ('retry_max_delay', '"10 minutes"', 'interval',
     'Upper bound of the retry delay.'),
    ('runner_timeout', '"30 seconds"', 'interval',
     'Lease of a runner: one that has not renewed it for this long is lost, and its tasks '
     'are rescued.');

-- =============================================
-- 1. USERS & AUTHENTICATION
-- =============================================

create table helix.users (
    id uuid primary key default gen_random_uuid(),
    username varchar(255) not null,
    email varchar(255) not null,
    password_hash varchar(255) not null,
    display_name varchar(255),
    avatar_url text,
    is_active boolean not null default true,
    is_verified boolean not null default false,
    mfa_enabled boolean not null default false,
    mfa_secret varchar(255),
    last_login timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint users_username_idx unique (username),
    constraint users_email_idx unique (email)
);
create index users_created_at_idx on helix.users (created_at);
comment on table helix.users is 'People who sign in to HelixCode.';
comment on column helix.users.password_hash is 'bcrypt hash from pgcrypto crypt(); never the '
    'password.';
comment on column helix.users.mfa_secret is 'TOTP secret (RFC 6238); unreadable by the '
    'application role.';

create table helix.user_sessions (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references helix.users (id) on delete cascade,
    session_token varchar(512) not null,
    client_type varchar(50) not null,
    ip_address inet,
    user_agent text,
    expires_at timestamptz not null,
    created_at timestamptz not null default now(),
    constraint user_sessions_token_idx unique (session_token),
    constraint user_sessions_client_type_known check (client_type in
        ('terminal_ui', 'cli', 'rest_api', 'mobile_ios', 'mobile_android'))
);
create index user_sessions_user_id_idx on helix.user_sessions (user_id);
create index user_sessions_expires_at_idx on helix.user_sessions (expires_at);
comment on table helix.user_sessions is 'Sign-in sessions; a token is valid until it expires '
    'or is revoked.';
comment on column helix.user_sessions.session_token is 'Hash of the token handed to the '
    'client; the token itself is shown once and never stored.';

-- =============================================
-- 2. WORKERS & DISTRIBUTED COMPUTING
-- =============================================

create table helix.workers (
    id uuid primary key default gen_random_uuid(),
    hostname varchar(255) not null,
    display_name varchar(255),
    ssh_config jsonb not null,
    capabilities text[] not null default '{}',
    resources jsonb not null default '{}',
    status varchar(50) not null default 'active',
    health_status varchar(50) not null default 'healthy',
    last_heartbeat timestamptz,
    cpu_usage_percent decimal(5, 2),
    memory_usage_percent decimal(5, 2),
    disk_usage_percent decimal(5, 2),
    current_tasks_count integer not null default 0,
    max_concurrent_tasks integer not null default 10,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint workers_hostname_unique unique (hostname),
    constraint workers_status_known
        check (status in ('active', 'inactive', 'maintenance', 'failed', 'offline')),
    constraint workers_health_status_known
        check (health_status in ('healthy', 'degraded', 'unhealthy', 'unknown')),
    constraint workers_cpu_usage_is_percent check (cpu_usage_percent between 0 and 100),
    constraint workers_memory_usage_is_percent check (memory_usage_percent between 0 and 100),
    constraint workers_disk_usage_is_percent check (disk_usage_percent between 0 and 100),
    constraint workers_current_tasks_count_not_negative check (current_tasks_count >= 0),
    constraint workers_max_concurrent_tasks_in_range
        check (max_concurrent_tasks between 1 and 10000)
);
create index workers_status_idx on helix.workers (status);
create index workers_health_status_idx on helix.workers (health_status);
create index workers_last_heartbeat_idx on helix.workers (last_heartbeat);
create index workers_capabilities_idx on helix.workers using gin (capabilities);
comment on table helix.workers is 'Machines that run tasks, reached over SSH (or locally).';
comment on column helix.workers.ssh_config is 'How to reach the worker: host, port, user, '
    'identity_file (a path on the runner''s host), transport. Never a secret.';
comment on column helix.workers.current_tasks_count is 'Tasks the worker holds now (assigned, '
    'running); kept equal to them by the task engine.';

create table helix.worker_metrics (
    id uuid primary key default gen_random_uuid(),
    worker_id uuid not null references helix.workers (id) on delete cascade,
    cpu_usage_percent decimal(5, 2),
    memory_usage_percent decimal(5, 2),
    disk_usage_percent decimal(5, 2),
    network_rx_bytes bigint,
    network_tx_bytes bigint,
    current_tasks_count integer,
    temperature_celsius decimal(5, 2),
    recorded_at timestamptz not null default now(),
    constraint worker_metrics_cpu_usage_is_percent check (cpu_usage_percent between 0 and 100),
    constraint worker_metrics_memory_usage_is_percent
        check (memory_usage_percent between 0 and 100),
    constraint worker_metrics_disk_usage_is_percent check (disk_usage_percent between 0 and 100),
    constraint worker_metrics_network_rx_not_negative check (network_rx_bytes >= 0),
    constraint worker_metrics_network_tx_not_negative check (network_tx_bytes >= 0),
    constraint worker_metrics_current_tasks_count_not_negative check (current_tasks_count >= 0),
    constraint worker_metrics_temperature_plausible
        check (temperature_celsius between -100 and 200)
);
create index worker_metrics_worker_id_idx on helix.worker_metrics (worker_id);
create index worker_metrics_recorded_at_idx on helix.worker_metrics (recorded_at);
comment on table helix.worker_metrics is 'One row per heartbeat: a worker''s load over time.';

-- =============================================
-- 3. WORK PRESERVATION & DISTRIBUTED TASKS
-- =============================================

create table helix.runners (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    hostname text not null,
    pid integer,
    version text,
    status text not null default 'running',
    lease_expires_at timestamptz not null,
    started_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    stopped_at timestamptz,
    updated_at timestamptz not null default now(),
    constraint runners_status_known check (status in ('running', 'stopping', 'stopped', 'lost')),
    constraint runners_pid_positive check (pid > 0)
);
create index runners_lease_expires_at_idx on helix.runners (lease_expires_at)
    where status in ('running', 'stopping');
comment on table helix.runners is 'Runner daemons, each holding a lease it renews; the tasks '
    'of a runner whose lease ran out are rescued by sweep(), like a lost worker''s.';
comment on column helix.runners.lease_expires_at is 'The runner is presumed lost after this '
    'moment unless it renews (settings.runner_timeout ahead of its last renewal).';

create table helix.distributed_tasks (
    id uuid primary key default gen_random_uuid(),
    task_type varchar(100) not null,
    task_data jsonb not null,
    status varchar(50) not null default 'pending',
    priority integer not null default 5,
    criticality varchar(20) not null default 'normal',
    assigned_worker_id uuid references helix.workers (id),
    original_worker_id uuid references helix.workers (id),
    dependencies uuid[] default '{}',
    retry_count integer not null default 0,
    max_retries integer not null default 3,
    error_message text,
    result_data jsonb,
    checkpoint_data jsonb,
    estimated_duration interval,
    started_at timestamptz,
    completed_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    -- additions
    attempt integer not null default 0,
    run_after timestamptz not null default now(),
    required_capabilities text[] not null default '{}',
    session_id uuid,
    pending_dependencies integer not null default 0,
    runner_id uuid references helix.runners (id) on delete set null,
    assigned_at timestamptz,
    waiting_since timestamptz,
    progress real,
    progress_message text,
    constraint distributed_tasks_status_known check (status in
        ('pending', 'assigned', 'running', 'completed', 'failed', 'paused',
         'waiting_for_worker', 'cancelled')),
    constraint distributed_tasks_criticality_known
        check (criticality in ('low', 'normal', 'high', 'critical')),
    constraint distributed_tasks_priority_in_range check (priority between 0 and 10),
    constraint distributed_tasks_retry_count_not_negative check (retry_count >= 0),
    constraint distributed_tasks_max_retries_in_range check (max_retries between 0 and 100),
    constraint distributed_tasks_attempt_not_negative check (attempt >= 0),
    constraint distributed_tasks_pending_dependencies_not_negative
        check (pending_dependencies >= 0),
    constraint distributed_tasks_estimated_duration_positive
        check (estimated_duration > interval '0'),
    constraint distributed_tasks_progress_is_fraction check (progress between 0 and 1),
    constraint distributed_tasks_task_type_not_blank check (btrim(task_type) <> ''),
    constraint distributed_tasks_task_data_is_object check (jsonb_typeof(task_data) = 'object')
);
create index distributed_tasks_status_idx on helix.distributed_tasks (status);
create index distributed_tasks_criticality_idx on helix.distributed_tasks (criticality);
create index distributed_tasks_assigned_worker_idx
    on helix.distributed_tasks (assigned_worker_id);
create index distributed_tasks_priority_idx on helix.distributed_tasks (priority);
create index distributed_tasks_dependencies_idx
    on helix.distributed_tasks using gin (dependencies);
create index distributed_tasks_created_at_idx on helix.distributed_tasks (created_at);
create index distributed_tasks_original_worker_idx
    on helix.distributed_tasks (original_worker_id) where original_worker_id is not null;
create index distributed_tasks_runner_idx on helix.distributed_tasks (runner_id)
    where runner_id is not null;
create index distributed_tasks_session_idx on helix.distributed_tasks (session_id)
    where session_id is not null;

comment on table helix.distributed_tasks is 'Units of work and their whole life: pending, '
    'assigned, running, then completed, failed or cancelled; paused and waiting_for_worker '
    'on the way.';
comment on column helix.distributed_tasks.dependencies is 'Tasks that must complete before '
    'this one is ready; each existed when this task was submitted, so no cycle can form.';
comment on column helix.distributed_tasks.original_worker_id is 'The worker this task ran on '
    'before it was preserved; assignment prefers it when it can take the task.';
comment on column helix.distributed_tasks.checkpoint_data is 'The latest checkpoint, handed '
    'to the next run so it resumes where the last one stopped.';
comment on column helix.distributed_tasks.attempt is 'Fencing token: grows at every '
    'assignment; a report carrying an older attempt is refused.';
comment on column helix.distributed_tasks.run_after is 'Not ready before this moment '
    '(retry backoff).';
comment on column helix.distributed_tasks.required_capabilities is 'Capabilities a worker '
    'must all have to take this task.';
comment on column helix.distributed_tasks.session_id is 'The development session this task '
    'belongs to, if any.';
comment on column helix.distributed_tasks.pending_dependencies is 'How many dependencies are '
    'not completed yet; the task is ready at 0. Kept so completing a task touches only its '
    'dependents.';
comment on column helix.distributed_tasks.runner_id is 'The runner that holds the task while '
    'assigned or running; rescued when its lease runs out.';
comment on column helix.distributed_tasks.assigned_at is 'When the current attempt was '
    'assigned.';
comment on column helix.distributed_tasks.waiting_since is 'When the task began waiting for '
    'its vanished worker; its grace is counted from here.';
comment on column helix.distributed_tasks.progress is 'Fraction done (0 to 1) as last '
    'reported by the running task.';
comment on column helix.distributed_tasks.progress_message is 'What the running task last '
    'said it was doing.';

create table helix.task_checkpoints (
    id uuid primary key default gen_random_uuid(),
    task_id uuid not null references helix.distributed_tasks (id) on delete cascade,
    checkpoint_name varchar(255) not null,
    checkpoint_data jsonb not null,
    worker_id uuid not null references helix.workers (id),
    created_at timestamptz not null default now(),
    constraint task_checkpoints_name_not_blank check (btrim(checkpoint_name) <> '')
);
create index task_checkpoints_task_id_idx on helix.task_checkpoints (task_id);
create index task_checkpoints_worker_id_idx on helix.task_checkpoints (worker_id);
create index task_checkpoints_created_at_idx on helix.task_checkpoints (created_at);
comment on table helix.task_checkpoints is 'Every checkpoint a task saved, in order; the latest '
    'is also the task''s checkpoint_data.';

create table helix.worker_connectivity_events (
    id uuid primary key default gen_random_uuid(),
    worker_id uuid not null references helix.workers (id) on delete cascade,
    event_type varchar(50) not null,
    event_data jsonb,
    created_at timestamptz not null default now(),
    constraint worker_connectivity_events_event_type_known check (event_type in
        ('connected', 'disconnected', 'reconnected', 'heartbeat_missed'))
);
create index worker_connectivity_events_worker_id_idx
    on helix.worker_connectivity_events (worker_id);
create index worker_connectivity_events_event_type_idx
    on helix.worker_connectivity_events (event_type);
create index worker_connectivity_events_created_at_idx
    on helix.worker_connectivity_events (created_at);
comment on table helix.worker_connectivity_events is 'What happened to each worker''s '
    'connection, for DBAs reading a worker''s history.';

-- =============================================
-- 4. PROJECTS & SESSIONS
-- =============================================

create table helix.projects (
    id uuid primary key default gen_random_uuid(),
    name varchar(255) not null,
    description text,
    owner_id uuid not null references helix.users (id),
    workspace_path text,
    git_repository_url text,
    config jsonb not null default '{}',
    status varchar(50) not null default 'active',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint projects_status_known check (status in ('active', 'archived', 'deleted')),
    constraint projects_name_not_blank check (btrim(name) <> '')
);
create index projects_owner_id_idx on helix.projects (owner_id);
create index projects_status_idx on helix.projects (status);
create index projects_created_at_idx on helix.projects (created_at);
comment on table helix.projects is 'Code bases users work on; deleting is soft (status).';

create table helix.sessions (
    id uuid primary key default gen_random_uuid(),
    project_id uuid not null references helix.projects (id),
    name varchar(255) not null,
    description text,
    session_type varchar(50) not null,
    status varchar(50) not null default 'active',
    context_data jsonb not null default '{}',
    token_count integer not null default 0,
    current_task_id uuid references helix.distributed_tasks (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint sessions_session_type_known check (session_type in
        ('planning', 'building', 'testing', 'refactoring', 'debugging')),
    constraint sessions_status_known check (status in
        ('active', 'paused', 'completed', 'failed', 'waiting_for_worker')),
    constraint sessions_token_count_not_negative check (token_count >= 0)
);
create index sessions_project_id_idx on helix.sessions (project_id);
create index sessions_status_idx on helix.sessions (status);
create index sessions_session_type_idx on helix.sessions (session_type);
create index sessions_current_task_id_idx on helix.sessions (current_task_id);
comment on table helix.sessions is 'Development sessions (planning, building, testing, ...) '
    'in a project; a session whose current task waits for a worker waits with it.';
comment on column helix.sessions.current_task_id is 'The task the session is running now.';

alter table helix.distributed_tasks
    add constraint distributed_tasks_session_id_fkey
    foreign key (session_id) references helix.sessions (id) on delete set null;

-- =============================================
-- Bookkeeping of db/functions
-- =============================================

create table helix.function_files (
    filename text primary key,
    sha256 text not null,
    applied_at timestamptz not null default now()
);
comment on table helix.function_files is 'Which db/functions files were last applied, and '
    'their content hash: helix db migrate re-applies them only when something changed.';
