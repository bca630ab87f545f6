-- Structure of the seed schema (shared/seeds/000_23ad818b0e2c1609.txt): every table, column,
-- type, NOT NULL, default, check list, key and index the seed declares exists in schema helix.
-- The assertions were written from the seed's text, so they check the schema against the
-- seed, not against itself. Additions are checked in the files of their areas.

begin;
select plan(481);

-- The values a column's CHECK (col IN (...)) constraint allows.
create function pg_temp.check_values(p_table regclass, p_column text) returns text[]
language sql stable as $$
    select coalesce(array_agg(m[1] order by m[1]), '{}')
    from pg_constraint c
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
    cross join lateral regexp_matches(pg_get_constraintdef(c.oid), '''([^'']*)''', 'g') m
    where c.conrelid = p_table and c.contype = 'c' and a.attname = p_column
$$;

create function pg_temp.columns_of(p_table regclass) returns text[]
language sql stable as $$
    select array_agg(attname::text) from pg_attribute
    where attrelid = p_table and attnum > 0 and not attisdropped
$$;

create function pg_temp.default_of(p_table regclass, p_column text) returns text
language sql stable as $$
    select pg_get_expr(d.adbin, d.adrelid)
    from pg_attrdef d
    join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
    where d.adrelid = p_table and a.attname = p_column
$$;

create function pg_temp.fk_delete_rule(p_table regclass, p_column text) returns text
language sql stable as $$
    select c.confdeltype::text
    from pg_constraint c
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
    where c.conrelid = p_table and c.contype = 'f' and a.attname = p_column
$$;

create function pg_temp.has_unique_named(p_table regclass, p_name text) returns boolean
language sql stable as $$
    select exists (select from pg_constraint
                   where conrelid = p_table and conname = p_name and contype = 'u')
$$;

select has_schema('helix', 'schema helix exists');
select has_extension('pgcrypto', 'pgcrypto is installed');
select hasnt_extension('uuid-ossp', 'uuid-ossp is not needed');
select is((select count(*)::int from pg_tables where schemaname = 'helix' and tablename in
    ('users', 'user_sessions', 'workers', 'worker_metrics', 'distributed_tasks',
     'task_checkpoints', 'worker_connectivity_events', 'projects', 'sessions')), 9,
    'all nine seed tables exist');
select has_table('helix', 'users', 'table helix.users exists');
select has_column('helix', 'users', 'id', 'users.id exists');
select col_type_is('helix', 'users', 'id', 'uuid', 'users.id is uuid');
select col_is_pk('helix', 'users', 'id', 'users.id is the primary key');
select col_default_is('helix', 'users', 'id', 'gen_random_uuid()',
    'users.id defaults to gen_random_uuid()');
select has_column('helix', 'users', 'username', 'users.username exists');
select col_type_is('helix', 'users', 'username', 'character varying(255)',
    'users.username is character varying(255)');
select col_not_null('helix', 'users', 'username', 'users.username is NOT NULL');
select col_hasnt_default('helix', 'users', 'username', 'users.username has no default');
select col_is_unique('helix', 'users', array['username'], 'users.username is unique');
select has_column('helix', 'users', 'email', 'users.email exists');
select col_type_is('helix', 'users', 'email', 'character varying(255)',
    'users.email is character varying(255)');
select col_not_null('helix', 'users', 'email', 'users.email is NOT NULL');
select col_hasnt_default('helix', 'users', 'email', 'users.email has no default');
select col_is_unique('helix', 'users', array['email'], 'users.email is unique');
select has_column('helix', 'users', 'password_hash', 'users.password_hash exists');
select col_type_is('helix', 'users', 'password_hash', 'character varying(255)',
    'users.password_hash is character varying(255)');
select col_not_null('helix', 'users', 'password_hash', 'users.password_hash is NOT NULL');
select col_hasnt_default('helix', 'users', 'password_hash', 'users.password_hash has no default');
select has_column('helix', 'users', 'display_name', 'users.display_name exists');
select col_type_is('helix', 'users', 'display_name', 'character varying(255)',
    'users.display_name is character varying(255)');
select col_is_null('helix', 'users', 'display_name', 'users.display_name may be NULL');
select col_hasnt_default('helix', 'users', 'display_name', 'users.display_name has no default');
select has_column('helix', 'users', 'avatar_url', 'users.avatar_url exists');
select col_type_is('helix', 'users', 'avatar_url', 'text', 'users.avatar_url is text');
select col_is_null('helix', 'users', 'avatar_url', 'users.avatar_url may be NULL');
select col_hasnt_default('helix', 'users', 'avatar_url', 'users.avatar_url has no default');
select has_column('helix', 'users', 'is_active', 'users.is_active exists');
select col_type_is('helix', 'users', 'is_active', 'boolean', 'users.is_active is boolean');
select col_not_null('helix', 'users', 'is_active', 'users.is_active is NOT NULL');
select col_default_is('helix', 'users', 'is_active', 'true', 'users.is_active defaults to true');
select has_column('helix', 'users', 'is_verified', 'users.is_verified exists');
select col_type_is('helix', 'users', 'is_verified', 'boolean', 'users.is_verified is boolean');
select col_not_null('helix', 'users', 'is_verified', 'users.is_verified is NOT NULL');
select col_default_is('helix', 'users', 'is_verified', 'false',
    'users.is_verified defaults to false');
select has_column('helix', 'users', 'mfa_enabled', 'users.mfa_enabled exists');
select col_type_is('helix', 'users', 'mfa_enabled', 'boolean', 'users.mfa_enabled is boolean');
select col_not_null('helix', 'users', 'mfa_enabled', 'users.mfa_enabled is NOT NULL');
select col_default_is('helix', 'users', 'mfa_enabled', 'false',
    'users.mfa_enabled defaults to false');
select has_column('helix', 'users', 'mfa_secret', 'users.mfa_secret exists');
select col_type_is('helix', 'users', 'mfa_secret', 'character varying(255)',
    'users.mfa_secret is character varying(255)');
select col_is_null('helix', 'users', 'mfa_secret', 'users.mfa_secret may be NULL');
select col_hasnt_default('helix', 'users', 'mfa_secret', 'users.mfa_secret has no default');
select has_column('helix', 'users', 'last_login', 'users.last_login exists');
select col_type_is('helix', 'users', 'last_login', 'timestamp with time zone',
    'users.last_login is timestamp with time zone');
select col_is_null('helix', 'users', 'last_login', 'users.last_login may be NULL');
select col_hasnt_default('helix', 'users', 'last_login', 'users.last_login has no default');
select has_column('helix', 'users', 'created_at', 'users.created_at exists');
select col_type_is('helix', 'users', 'created_at', 'timestamp with time zone',
    'users.created_at is timestamp with time zone');
select col_not_null('helix', 'users', 'created_at', 'users.created_at is NOT NULL');
select col_default_is('helix', 'users', 'created_at', 'now()',
    'users.created_at defaults to now()');
select has_column('helix', 'users', 'updated_at', 'users.updated_at exists');
select col_type_is('helix', 'users', 'updated_at', 'timestamp with time zone',
    'users.updated_at is timestamp with time zone');
select col_not_null('helix', 'users', 'updated_at', 'users.updated_at is NOT NULL');
select col_default_is('helix', 'users', 'updated_at', 'now()',
    'users.updated_at defaults to now()');
select has_index('helix', 'users', 'users_email_idx', array['email'],
    'index users_email_idx on users (email)');
select has_index('helix', 'users', 'users_username_idx', array['username'],
    'index users_username_idx on users (username)');
select has_index('helix', 'users', 'users_created_at_idx', array['created_at'],
    'index users_created_at_idx on users (created_at)');
select ok(pg_temp.columns_of('helix.users') @> array['id', 'username', 'email', 'password_hash',
    'display_name', 'avatar_url', 'is_active', 'is_verified', 'mfa_enabled', 'mfa_secret',
    'last_login', 'created_at', 'updated_at'], 'helix.users has every seed column');
select has_table('helix', 'user_sessions', 'table helix.user_sessions exists');
select has_column('helix', 'user_sessions', 'id', 'user_sessions.id exists');
select col_type_is('helix', 'user_sessions', 'id', 'uuid', 'user_sessions.id is uuid');
select col_is_pk('helix', 'user_sessions', 'id', 'user_sessions.id is the primary key');
select col_default_is('helix', 'user_sessions', 'id', 'gen_random_uuid()',
    'user_sessions.id defaults to gen_random_uuid()');
select has_column('helix', 'user_sessions', 'user_id', 'user_sessions.user_id exists');
select col_type_is('helix', 'user_sessions', 'user_id', 'uuid', 'user_sessions.user_id is uuid');
select col_not_null('helix', 'user_sessions', 'user_id', 'user_sessions.user_id is NOT NULL');
select col_hasnt_default('helix', 'user_sessions', 'user_id',
    'user_sessions.user_id has no default');
select fk_ok('helix', 'user_sessions', 'user_id', 'helix', 'users', 'id',
    'user_sessions.user_id references users.id');
select is(pg_temp.fk_delete_rule('helix.user_sessions', 'user_id'), 'c',
    'user_sessions.user_id cascades on delete');
select has_column('helix', 'user_sessions', 'session_token', 'user_sessions.session_token exists');
select col_type_is('helix', 'user_sessions', 'session_token', 'character varying(512)',
    'user_sessions.session_token is character varying(512)');
select col_not_null('helix', 'user_sessions', 'session_token',
    'user_sessions.session_token is NOT NULL');
select col_hasnt_default('helix', 'user_sessions', 'session_token',
    'user_sessions.session_token has no default');
select col_is_unique('helix', 'user_sessions', array['session_token'],
    'user_sessions.session_token is unique');
select has_column('helix', 'user_sessions', 'client_type', 'user_sessions.client_type exists');
select col_type_is('helix', 'user_sessions', 'client_type', 'character varying(50)',
    'user_sessions.client_type is character varying(50)');
select col_not_null('helix', 'user_sessions', 'client_type',
    'user_sessions.client_type is NOT NULL');
select col_hasnt_default('helix', 'user_sessions', 'client_type',
    'user_sessions.client_type has no default');
select ok(pg_temp.check_values('helix.user_sessions', 'client_type') @> array['terminal_ui', 'cli',
    'rest_api', 'mobile_ios', 'mobile_android'],
    'user_sessions.client_type allows the seed values');
select has_column('helix', 'user_sessions', 'ip_address', 'user_sessions.ip_address exists');
select col_type_is('helix', 'user_sessions', 'ip_address', 'inet',
    'user_sessions.ip_address is inet');
select col_is_null('helix', 'user_sessions', 'ip_address', 'user_sessions.ip_address may be NULL');
select col_hasnt_default('helix', 'user_sessions', 'ip_address',
    'user_sessions.ip_address has no default');
select has_column('helix', 'user_sessions', 'user_agent', 'user_sessions.user_agent exists');
select col_type_is('helix', 'user_sessions', 'user_agent', 'text',
    'user_sessions.user_agent is text');
select col_is_null('helix', 'user_sessions', 'user_agent', 'user_sessions.user_agent may be NULL');
select col_hasnt_default('helix', 'user_sessions', 'user_agent',
    'user_sessions.user_agent has no default');
select has_column('helix', 'user_sessions', 'expires_at', 'user_sessions.expires_at exists');
select col_type_is('helix', 'user_sessions', 'expires_at', 'timestamp with time zone',
    'user_sessions.expires_at is timestamp with time zone');
select col_not_null('helix', 'user_sessions', 'expires_at',
    'user_sessions.expires_at is NOT NULL');
select col_hasnt_default('helix', 'user_sessions', 'expires_at',
    'user_sessions.expires_at has no default');
select has_column('helix', 'user_sessions', 'created_at', 'user_sessions.created_at exists');
select col_type_is('helix', 'user_sessions', 'created_at', 'timestamp with time zone',
    'user_sessions.created_at is timestamp with time zone');
select col_not_null('helix', 'user_sessions', 'created_at',
    'user_sessions.created_at is NOT NULL');
select col_default_is('helix', 'user_sessions', 'created_at', 'now()',
    'user_sessions.created_at defaults to now()');
select has_index('helix', 'user_sessions', 'user_sessions_token_idx', array['session_token'],
    'index user_sessions_token_idx on user_sessions (session_token)');
select has_index('helix', 'user_sessions', 'user_sessions_user_id_idx', array['user_id'],
    'index user_sessions_user_id_idx on user_sessions (user_id)');
select has_index('helix', 'user_sessions', 'user_sessions_expires_at_idx', array['expires_at'],
    'index user_sessions_expires_at_idx on user_sessions (expires_at)');
select ok(pg_temp.columns_of('helix.user_sessions') @> array['id', 'user_id', 'session_token',
    'client_type', 'ip_address', 'user_agent', 'expires_at', 'created_at'],
    'helix.user_sessions has every seed column');
select has_table('helix', 'workers', 'table helix.workers exists');
select has_column('helix', 'workers', 'id', 'workers.id exists');
select col_type_is('helix', 'workers', 'id', 'uuid', 'workers.id is uuid');
select col_is_pk('helix', 'workers', 'id', 'workers.id is the primary key');
select col_default_is('helix', 'workers', 'id', 'gen_random_uuid()',
    'workers.id defaults to gen_random_uuid()');
select has_column('helix', 'workers', 'hostname', 'workers.hostname exists');
select col_type_is('helix', 'workers', 'hostname', 'character varying(255)',
    'workers.hostname is character varying(255)');
select col_not_null('helix', 'workers', 'hostname', 'workers.hostname is NOT NULL');
select col_hasnt_default('helix', 'workers', 'hostname', 'workers.hostname has no default');
select has_column('helix', 'workers', 'display_name', 'workers.display_name exists');
select col_type_is('helix', 'workers', 'display_name', 'character varying(255)',
    'workers.display_name is character varying(255)');
select col_is_null('helix', 'workers', 'display_name', 'workers.display_name may be NULL');
select col_hasnt_default('helix', 'workers', 'display_name',
    'workers.display_name has no default');
select has_column('helix', 'workers', 'ssh_config', 'workers.ssh_config exists');
select col_type_is('helix', 'workers', 'ssh_config', 'jsonb', 'workers.ssh_config is jsonb');
select col_not_null('helix', 'workers', 'ssh_config', 'workers.ssh_config is NOT NULL');
select col_hasnt_default('helix', 'workers', 'ssh_config', 'workers.ssh_config has no default');
select has_column('helix', 'workers', 'capabilities', 'workers.capabilities exists');
select col_type_is('helix', 'workers', 'capabilities', 'text[]', 'workers.capabilities is text[]');
select col_not_null('helix', 'workers', 'capabilities', 'workers.capabilities is NOT NULL');
select col_has_default('helix', 'workers', 'capabilities', 'workers.capabilities has a default');
select ok(pg_temp.default_of('helix.workers', 'capabilities') like '''{}''%',
    'workers.capabilities defaults to empty');
select has_column('helix', 'workers', 'resources', 'workers.resources exists');
select col_type_is('helix', 'workers', 'resources', 'jsonb', 'workers.resources is jsonb');
select col_not_null('helix', 'workers', 'resources', 'workers.resources is NOT NULL');
select col_has_default('helix', 'workers', 'resources', 'workers.resources has a default');
select ok(pg_temp.default_of('helix.workers', 'resources') like '''{}''%',
    'workers.resources defaults to empty');
select has_column('helix', 'workers', 'status', 'workers.status exists');
select col_type_is('helix', 'workers', 'status', 'character varying(50)',
    'workers.status is character varying(50)');
select col_not_null('helix', 'workers', 'status', 'workers.status is NOT NULL');
select col_default_is('helix', 'workers', 'status', 'active', 'workers.status defaults to active');
select ok(pg_temp.check_values('helix.workers', 'status') @> array['active', 'inactive',
    'maintenance', 'failed', 'offline'], 'workers.status allows the seed values');
select has_column('helix', 'workers', 'health_status', 'workers.health_status exists');
select col_type_is('helix', 'workers', 'health_status', 'character varying(50)',
    'workers.health_status is character varying(50)');
select col_not_null('helix', 'workers', 'health_status', 'workers.health_status is NOT NULL');
select col_default_is('helix', 'workers', 'health_status', 'healthy',
    'workers.health_status defaults to healthy');
select ok(pg_temp.check_values('helix.workers', 'health_status') @> array['healthy', 'degraded',
    'unhealthy', 'unknown'], 'workers.health_status allows the seed values');
select has_column('helix', 'workers', 'last_heartbeat', 'workers.last_heartbeat exists');
select col_type_is('helix', 'workers', 'last_heartbeat', 'timestamp with time zone',
    'workers.last_heartbeat is timestamp with time zone');
select col_is_null('helix', 'workers', 'last_heartbeat', 'workers.last_heartbeat may be NULL');
select col_hasnt_default('helix', 'workers', 'last_heartbeat',
    'workers.last_heartbeat has no default');
select has_column('helix', 'workers', 'cpu_usage_percent', 'workers.cpu_usage_percent exists');
select col_type_is('helix', 'workers', 'cpu_usage_percent', 'numeric(5,2)',
    'workers.cpu_usage_percent is numeric(5,2)');
select col_is_null('helix', 'workers', 'cpu_usage_percent',
    'workers.cpu_usage_percent may be NULL');
select col_hasnt_default('helix', 'workers', 'cpu_usage_percent',
    'workers.cpu_usage_percent has no default');
select has_column('helix', 'workers', 'memory_usage_percent',
    'workers.memory_usage_percent exists');
select col_type_is('helix', 'workers', 'memory_usage_percent', 'numeric(5,2)',
    'workers.memory_usage_percent is numeric(5,2)');
select col_is_null('helix', 'workers', 'memory_usage_percent',
    'workers.memory_usage_percent may be NULL');
select col_hasnt_default('helix', 'workers', 'memory_usage_percent',
    'workers.memory_usage_percent has no default');
select has_column('helix', 'workers', 'disk_usage_percent', 'workers.disk_usage_percent exists');
select col_type_is('helix', 'workers', 'disk_usage_percent', 'numeric(5,2)',
    'workers.disk_usage_percent is numeric(5,2)');
select col_is_null('helix', 'workers', 'disk_usage_percent',
    'workers.disk_usage_percent may be NULL');
select col_hasnt_default('helix', 'workers', 'disk_usage_percent',
    'workers.disk_usage_percent has no default');
select has_column('helix', 'workers', 'current_tasks_count', 'workers.current_tasks_count exists');
select col_type_is('helix', 'workers', 'current_tasks_count', 'integer',
    'workers.current_tasks_count is integer');
select col_not_null('helix', 'workers', 'current_tasks_count',
    'workers.current_tasks_count is NOT NULL');
select col_default_is('helix', 'workers', 'current_tasks_count', '0',
    'workers.current_tasks_count defaults to 0');
select has_column('helix', 'workers', 'max_concurrent_tasks',
    'workers.max_concurrent_tasks exists');
select col_type_is('helix', 'workers', 'max_concurrent_tasks', 'integer',
    'workers.max_concurrent_tasks is integer');
select col_not_null('helix', 'workers', 'max_concurrent_tasks',
    'workers.max_concurrent_tasks is NOT NULL');
select col_default_is('helix', 'workers', 'max_concurrent_tasks', '10',
    'workers.max_concurrent_tasks defaults to 10');
select has_column('helix', 'workers', 'created_at', 'workers.created_at exists');
select col_type_is('helix', 'workers', 'created_at', 'timestamp with time zone',
    'workers.created_at is timestamp with time zone');
select col_not_null('helix', 'workers', 'created_at', 'workers.created_at is NOT NULL');
select col_default_is('helix', 'workers', 'created_at', 'now()',
    'workers.created_at defaults to now()');
select has_column('helix', 'workers', 'updated_at', 'workers.updated_at exists');
select col_type_is('helix', 'workers', 'updated_at', 'timestamp with time zone',
    'workers.updated_at is timestamp with time zone');
select col_not_null('helix', 'workers', 'updated_at', 'workers.updated_at is NOT NULL');
select col_default_is('helix', 'workers', 'updated_at', 'now()',
    'workers.updated_at defaults to now()');
select col_is_unique('helix', 'workers', array['hostname'],
    'workers.hostname is unique (workers_hostname_unique)');
select has_unique('helix', 'workers', 'workers has a unique constraint');
select ok(pg_temp.has_unique_named('helix.workers', 'workers_hostname_unique'),
    'unique constraint workers_hostname_unique is named as in the seed');
select has_index('helix', 'workers', 'workers_status_idx', array['status'],
    'index workers_status_idx on workers (status)');
select has_index('helix', 'workers', 'workers_health_status_idx', array['health_status'],
    'index workers_health_status_idx on workers (health_status)');
select has_index('helix', 'workers', 'workers_last_heartbeat_idx', array['last_heartbeat'],
    'index workers_last_heartbeat_idx on workers (last_heartbeat)');
select has_index('helix', 'workers', 'workers_capabilities_idx', array['capabilities'],
    'index workers_capabilities_idx on workers (capabilities)');
select index_is_type('helix', 'workers', 'workers_capabilities_idx', 'gin',
    'index workers_capabilities_idx is a GIN index');
select ok(pg_temp.columns_of('helix.workers') @> array['id', 'hostname', 'display_name',
    'ssh_config', 'capabilities', 'resources', 'status', 'health_status', 'last_heartbeat',
    'cpu_usage_percent', 'memory_usage_percent', 'disk_usage_percent', 'current_tasks_count',
    'max_concurrent_tasks', 'created_at', 'updated_at'], 'helix.workers has every seed column');
select has_table('helix', 'worker_metrics', 'table helix.worker_metrics exists');
select has_column('helix', 'worker_metrics', 'id', 'worker_metrics.id exists');
select col_type_is('helix', 'worker_metrics', 'id', 'uuid', 'worker_metrics.id is uuid');
select col_is_pk('helix', 'worker_metrics', 'id', 'worker_metrics.id is the primary key');
select col_default_is('helix', 'worker_metrics', 'id', 'gen_random_uuid()',
    'worker_metrics.id defaults to gen_random_uuid()');
select has_column('helix', 'worker_metrics', 'worker_id', 'worker_metrics.worker_id exists');
select col_type_is('helix', 'worker_metrics', 'worker_id', 'uuid',
    'worker_metrics.worker_id is uuid');
select col_not_null('helix', 'worker_metrics', 'worker_id',
    'worker_metrics.worker_id is NOT NULL');
select col_hasnt_default('helix', 'worker_metrics', 'worker_id',
    'worker_metrics.worker_id has no default');
select fk_ok('helix', 'worker_metrics', 'worker_id', 'helix', 'workers', 'id',
    'worker_metrics.worker_id references workers.id');
select is(pg_temp.fk_delete_rule('helix.worker_metrics', 'worker_id'), 'c',
    'worker_metrics.worker_id cascades on delete');
select has_column('helix', 'worker_metrics', 'cpu_usage_percent',
    'worker_metrics.cpu_usage_percent exists');
select col_type_is('helix', 'worker_metrics', 'cpu_usage_percent', 'numeric(5,2)',
    'worker_metrics.cpu_usage_percent is numeric(5,2)');
select col_is_null('helix', 'worker_metrics', 'cpu_usage_percent',
    'worker_metrics.cpu_usage_percent may be NULL');
select col_hasnt_default('helix', 'worker_metrics', 'cpu_usage_percent',
    'worker_metrics.cpu_usage_percent has no default');
select has_column('helix', 'worker_metrics', 'memory_usage_percent',
    'worker_metrics.memory_usage_percent exists');
select col_type_is('helix', 'worker_metrics', 'memory_usage_percent', 'numeric(5,2)',
    'worker_metrics.memory_usage_percent is numeric(5,2)');
select col_is_null('helix', 'worker_metrics', 'memory_usage_percent',
    'worker_metrics.memory_usage_percent may be NULL');
select col_hasnt_default('helix', 'worker_metrics', 'memory_usage_percent',
    'worker_metrics.memory_usage_percent has no default');
select has_column('helix', 'worker_metrics', 'disk_usage_percent',
    'worker_metrics.disk_usage_percent exists');
select col_type_is('helix', 'worker_metrics', 'disk_usage_percent', 'numeric(5,2)',
    'worker_metrics.disk_usage_percent is numeric(5,2)');
select col_is_null('helix', 'worker_metrics', 'disk_usage_percent',
    'worker_metrics.disk_usage_percent may be NULL');
select col_hasnt_default('helix', 'worker_metrics', 'disk_usage_percent',
    'worker_metrics.disk_usage_percent has no default');
select has_column('helix', 'worker_metrics', 'network_rx_bytes',
    'worker_metrics.network_rx_bytes exists');
select col_type_is('helix', 'worker_metrics', 'network_rx_bytes', 'bigint',
    'worker_metrics.network_rx_bytes is bigint');
select col_is_null('helix', 'worker_metrics', 'network_rx_bytes',
    'worker_metrics.network_rx_bytes may be NULL');
select col_hasnt_default('helix', 'worker_metrics', 'network_rx_bytes',
    'worker_metrics.network_rx_bytes has no default');
select has_column('helix', 'worker_metrics', 'network_tx_bytes',
    'worker_metrics.network_tx_bytes exists');
select col_type_is('helix', 'worker_metrics', 'network_tx_bytes', 'bigint',
    'worker_metrics.network_tx_bytes is bigint');
select col_is_null('helix', 'worker_metrics', 'network_tx_bytes',
    'worker_metrics.network_tx_bytes may be NULL');
select col_hasnt_default('helix', 'worker_metrics', 'network_tx_bytes',
    'worker_metrics.network_tx_bytes has no default');
select has_column('helix', 'worker_metrics', 'current_tasks_count',
    'worker_metrics.current_tasks_count exists');
select col_type_is('helix', 'worker_metrics', 'current_tasks_count', 'integer',
    'worker_metrics.current_tasks_count is integer');
select col_is_null('helix', 'worker_metrics', 'current_tasks_count',
    'worker_metrics.current_tasks_count may be NULL');
select col_hasnt_default('helix', 'worker_metrics', 'current_tasks_count',
    'worker_metrics.current_tasks_count has no default');
select has_column('helix', 'worker_metrics', 'temperature_celsius',
    'worker_metrics.temperature_celsius exists');
select col_type_is('helix', 'worker_metrics', 'temperature_celsius', 'numeric(5,2)',
    'worker_metrics.temperature_celsius is numeric(5,2)');
select col_is_null('helix', 'worker_metrics', 'temperature_celsius',
    'worker_metrics.temperature_celsius may be NULL');
select col_hasnt_default('helix', 'worker_metrics', 'temperature_celsius',
    'worker_metrics.temperature_celsius has no default');
select has_column('helix', 'worker_metrics', 'recorded_at', 'worker_metrics.recorded_at exists');
select col_type_is('helix', 'worker_metrics', 'recorded_at', 'timestamp with time zone',
    'worker_metrics.recorded_at is timestamp with time zone');
select col_not_null('helix', 'worker_metrics', 'recorded_at',
    'worker_metrics.recorded_at is NOT NULL');
select col_default_is('helix', 'worker_metrics', 'recorded_at', 'now()',
    'worker_metrics.recorded_at defaults to now()');
select has_index('helix', 'worker_metrics', 'worker_metrics_worker_id_idx', array['worker_id'],
    'index worker_metrics_worker_id_idx on worker_metrics (worker_id)');
select has_index('helix', 'worker_metrics', 'worker_metrics_recorded_at_idx', array['recorded_at'],
    'index worker_metrics_recorded_at_idx on worker_metrics (recorded_at)');
select ok(pg_temp.columns_of('helix.worker_metrics') @> array['id', 'worker_id',
    'cpu_usage_percent', 'memory_usage_percent', 'disk_usage_percent', 'network_rx_bytes',
    'network_tx_bytes', 'current_tasks_count', 'temperature_celsius', 'recorded_at'],
    'helix.worker_metrics has every seed column');
select has_table('helix', 'distributed_tasks', 'table helix.distributed_tasks exists');
select has_column('helix', 'distributed_tasks', 'id', 'distributed_tasks.id exists');
select col_type_is('helix', 'distributed_tasks', 'id', 'uuid', 'distributed_tasks.id is uuid');
select col_is_pk('helix', 'distributed_tasks', 'id', 'distributed_tasks.id is the primary key');
select col_default_is('helix', 'distributed_tasks', 'id', 'gen_random_uuid()',
    'distributed_tasks.id defaults to gen_random_uuid()');
select has_column('helix', 'distributed_tasks', 'task_type', 'distributed_tasks.task_type exists');
select col_type_is('helix', 'distributed_tasks', 'task_type', 'character varying(100)',
    'distributed_tasks.task_type is character varying(100)');
select col_not_null('helix', 'distributed_tasks', 'task_type',
    'distributed_tasks.task_type is NOT NULL');
select col_hasnt_default('helix', 'distributed_tasks', 'task_type',
    'distributed_tasks.task_type has no default');
select has_column('helix', 'distributed_tasks', 'task_data', 'distributed_tasks.task_data exists');
select col_type_is('helix', 'distributed_tasks', 'task_data', 'jsonb',
    'distributed_tasks.task_data is jsonb');
select col_not_null('helix', 'distributed_tasks', 'task_data',
    'distributed_tasks.task_data is NOT NULL');
select col_hasnt_default('helix', 'distributed_tasks', 'task_data',
    'distributed_tasks.task_data has no default');
select has_column('helix', 'distributed_tasks', 'status', 'distributed_tasks.status exists');
select col_type_is('helix', 'distributed_tasks', 'status', 'character varying(50)',
    'distributed_tasks.status is character varying(50)');
select col_not_null('helix', 'distributed_tasks', 'status',
    'distributed_tasks.status is NOT NULL');
select col_default_is('helix', 'distributed_tasks', 'status', 'pending',
    'distributed_tasks.status defaults to pending');
select ok(pg_temp.check_values('helix.distributed_tasks', 'status') @> array['pending', 'assigned',
    'running', 'completed', 'failed', 'paused', 'waiting_for_worker'],
    'distributed_tasks.status allows the seed values');
select has_column('helix', 'distributed_tasks', 'priority', 'distributed_tasks.priority exists');
select col_type_is('helix', 'distributed_tasks', 'priority', 'integer',
    'distributed_tasks.priority is integer');
select col_not_null('helix', 'distributed_tasks', 'priority',
    'distributed_tasks.priority is NOT NULL');
select col_default_is('helix', 'distributed_tasks', 'priority', '5',
    'distributed_tasks.priority defaults to 5');
select has_column('helix', 'distributed_tasks', 'criticality',
    'distributed_tasks.criticality exists');
select col_type_is('helix', 'distributed_tasks', 'criticality', 'character varying(20)',
    'distributed_tasks.criticality is character varying(20)');
select col_not_null('helix', 'distributed_tasks', 'criticality',
    'distributed_tasks.criticality is NOT NULL');
select col_default_is('helix', 'distributed_tasks', 'criticality', 'normal',
    'distributed_tasks.criticality defaults to normal');
select ok(pg_temp.check_values('helix.distributed_tasks', 'criticality') @> array['low', 'normal',
    'high', 'critical'], 'distributed_tasks.criticality allows the seed values');
select has_column('helix', 'distributed_tasks', 'assigned_worker_id',
    'distributed_tasks.assigned_worker_id exists');
select col_type_is('helix', 'distributed_tasks', 'assigned_worker_id', 'uuid',
    'distributed_tasks.assigned_worker_id is uuid');
select col_is_null('helix', 'distributed_tasks', 'assigned_worker_id',
    'distributed_tasks.assigned_worker_id may be NULL');
select col_hasnt_default('helix', 'distributed_tasks', 'assigned_worker_id',
    'distributed_tasks.assigned_worker_id has no default');
select fk_ok('helix', 'distributed_tasks', 'assigned_worker_id', 'helix', 'workers', 'id',
    'distributed_tasks.assigned_worker_id references workers.id');
select has_column('helix', 'distributed_tasks', 'original_worker_id',
    'distributed_tasks.original_worker_id exists');
select col_type_is('helix', 'distributed_tasks', 'original_worker_id', 'uuid',
    'distributed_tasks.original_worker_id is uuid');
select col_is_null('helix', 'distributed_tasks', 'original_worker_id',
    'distributed_tasks.original_worker_id may be NULL');
select col_hasnt_default('helix', 'distributed_tasks', 'original_worker_id',
    'distributed_tasks.original_worker_id has no default');
select fk_ok('helix', 'distributed_tasks', 'original_worker_id', 'helix', 'workers', 'id',
    'distributed_tasks.original_worker_id references workers.id');
select has_column('helix', 'distributed_tasks', 'dependencies',
    'distributed_tasks.dependencies exists');
select col_type_is('helix', 'distributed_tasks', 'dependencies', 'uuid[]',
    'distributed_tasks.dependencies is uuid[]');
select col_is_null('helix', 'distributed_tasks', 'dependencies',
    'distributed_tasks.dependencies may be NULL');
select col_has_default('helix', 'distributed_tasks', 'dependencies',
    'distributed_tasks.dependencies has a default');
select ok(pg_temp.default_of('helix.distributed_tasks', 'dependencies') like '''{}''%',
    'distributed_tasks.dependencies defaults to empty');
select has_column('helix', 'distributed_tasks', 'retry_count',
    'distributed_tasks.retry_count exists');
select col_type_is('helix', 'distributed_tasks', 'retry_count', 'integer',
    'distributed_tasks.retry_count is integer');
select col_not_null('helix', 'distributed_tasks', 'retry_count',
    'distributed_tasks.retry_count is NOT NULL');
select col_default_is('helix', 'distributed_tasks', 'retry_count', '0',
    'distributed_tasks.retry_count defaults to 0');
select has_column('helix', 'distributed_tasks', 'max_retries',
    'distributed_tasks.max_retries exists');
select col_type_is('helix', 'distributed_tasks', 'max_retries', 'integer',
    'distributed_tasks.max_retries is integer');
select col_not_null('helix', 'distributed_tasks', 'max_retries',
    'distributed_tasks.max_retries is NOT NULL');
select col_default_is('helix', 'distributed_tasks', 'max_retries', '3',
    'distributed_tasks.max_retries defaults to 3');
select has_column('helix', 'distributed_tasks', 'error_message',
    'distributed_tasks.error_message exists');
select col_type_is('helix', 'distributed_tasks', 'error_message', 'text',
    'distributed_tasks.error_message is text');
select col_is_null('helix', 'distributed_tasks', 'error_message',
    'distributed_tasks.error_message may be NULL');
select col_hasnt_default('helix', 'distributed_tasks', 'error_message',
    'distributed_tasks.error_message has no default');
select has_column('helix', 'distributed_tasks', 'result_data',
    'distributed_tasks.result_data exists');
select col_type_is('helix', 'distributed_tasks', 'result_data', 'jsonb',
    'distributed_tasks.result_data is jsonb');
select col_is_null('helix', 'distributed_tasks', 'result_data',
    'distributed_tasks.result_data may be NULL');
select col_hasnt_default('helix', 'distributed_tasks', 'result_data',
    'distributed_tasks.result_data has no default');
select has_column('helix', 'distributed_tasks', 'checkpoint_data',
    'distributed_tasks.checkpoint_data exists');
select col_type_is('helix', 'distributed_tasks', 'checkpoint_data', 'jsonb',
    'distributed_tasks.checkpoint_data is jsonb');
select col_is_null('helix', 'distributed_tasks', 'checkpoint_data',
    'distributed_tasks.checkpoint_data may be NULL');
select col_hasnt_default('helix', 'distributed_tasks', 'checkpoint_data',
    'distributed_tasks.checkpoint_data has no default');
select has_column('helix', 'distributed_tasks', 'estimated_duration',
    'distributed_tasks.estimated_duration exists');
select col_type_is('helix', 'distributed_tasks', 'estimated_duration', 'interval',
    'distributed_tasks.estimated_duration is interval');
select col_is_null('helix', 'distributed_tasks', 'estimated_duration',
    'distributed_tasks.estimated_duration may be NULL');
select col_hasnt_default('helix', 'distributed_tasks', 'estimated_duration',
    'distributed_tasks.estimated_duration has no default');
select has_column('helix', 'distributed_tasks', 'started_at',
    'distributed_tasks.started_at exists');
select col_type_is('helix', 'distributed_tasks', 'started_at', 'timestamp with time zone',
    'distributed_tasks.started_at is timestamp with time zone');
select col_is_null('helix', 'distributed_tasks', 'started_at',
    'distributed_tasks.started_at may be NULL');
select col_hasnt_default('helix', 'distributed_tasks', 'started_at',
    'distributed_tasks.started_at has no default');
select has_column('helix', 'distributed_tasks', 'completed_at',
    'distributed_tasks.completed_at exists');
select col_type_is('helix', 'distributed_tasks', 'completed_at', 'timestamp with time zone',
    'distributed_tasks.completed_at is timestamp with time zone');
select col_is_null('helix', 'distributed_tasks', 'completed_at',
    'distributed_tasks.completed_at may be NULL');
select col_hasnt_default('helix', 'distributed_tasks', 'completed_at',
    'distributed_tasks.completed_at has no default');
select has_column('helix', 'distributed_tasks', 'created_at',
    'distributed_tasks.created_at exists');
select col_type_is('helix', 'distributed_tasks', 'created_at', 'timestamp with time zone',
    'distributed_tasks.created_at is timestamp with time zone');
select col_not_null('helix', 'distributed_tasks', 'created_at',
    'distributed_tasks.created_at is NOT NULL');
select col_default_is('helix', 'distributed_tasks', 'created_at', 'now()',
    'distributed_tasks.created_at defaults to now()');
select has_column('helix', 'distributed_tasks', 'updated_at',
    'distributed_tasks.updated_at exists');
select col_type_is('helix', 'distributed_tasks', 'updated_at', 'timestamp with time zone',
    'distributed_tasks.updated_at is timestamp with time zone');
select col_not_null('helix', 'distributed_tasks', 'updated_at',
    'distributed_tasks.updated_at is NOT NULL');
select col_default_is('helix', 'distributed_tasks', 'updated_at', 'now()',
    'distributed_tasks.updated_at defaults to now()');
select has_index('helix', 'distributed_tasks', 'distributed_tasks_status_idx', array['status'],
    'index distributed_tasks_status_idx on distributed_tasks (status)');
select has_index('helix', 'distributed_tasks', 'distributed_tasks_criticality_idx',
    array['criticality'],
    'index distributed_tasks_criticality_idx on distributed_tasks (criticality)');
select has_index('helix', 'distributed_tasks', 'distributed_tasks_assigned_worker_idx',
    array['assigned_worker_id'],
    'index distributed_tasks_assigned_worker_idx on distributed_tasks (assigned_worker_id)');
select has_index('helix', 'distributed_tasks', 'distributed_tasks_priority_idx', array['priority'],
    'index distributed_tasks_priority_idx on distributed_tasks (priority)');
select has_index('helix', 'distributed_tasks', 'distributed_tasks_dependencies_idx',
    array['dependencies'],
    'index distributed_tasks_dependencies_idx on distributed_tasks (dependencies)');
select index_is_type('helix', 'distributed_tasks', 'distributed_tasks_dependencies_idx', 'gin',
    'index distributed_tasks_dependencies_idx is a GIN index');
select has_index('helix', 'distributed_tasks', 'distributed_tasks_created_at_idx',
    array['created_at'],
    'index distributed_tasks_created_at_idx on distributed_tasks (created_at)');
select ok(pg_temp.columns_of('helix.distributed_tasks') @> array['id', 'task_type', 'task_data',
    'status', 'priority', 'criticality', 'assigned_worker_id', 'original_worker_id',
    'dependencies', 'retry_count', 'max_retries', 'error_message', 'result_data',
    'checkpoint_data', 'estimated_duration', 'started_at', 'completed_at', 'created_at',
    'updated_at'], 'helix.distributed_tasks has every seed column');
select has_table('helix', 'task_checkpoints', 'table helix.task_checkpoints exists');
select has_column('helix', 'task_checkpoints', 'id', 'task_checkpoints.id exists');
select col_type_is('helix', 'task_checkpoints', 'id', 'uuid', 'task_checkpoints.id is uuid');
select col_is_pk('helix', 'task_checkpoints', 'id', 'task_checkpoints.id is the primary key');
select col_default_is('helix', 'task_checkpoints', 'id', 'gen_random_uuid()',
    'task_checkpoints.id defaults to gen_random_uuid()');
select has_column('helix', 'task_checkpoints', 'task_id', 'task_checkpoints.task_id exists');
select col_type_is('helix', 'task_checkpoints', 'task_id', 'uuid',
    'task_checkpoints.task_id is uuid');
select col_not_null('helix', 'task_checkpoints', 'task_id',
    'task_checkpoints.task_id is NOT NULL');
select col_hasnt_default('helix', 'task_checkpoints', 'task_id',
    'task_checkpoints.task_id has no default');
select fk_ok('helix', 'task_checkpoints', 'task_id', 'helix', 'distributed_tasks', 'id',
    'task_checkpoints.task_id references distributed_tasks.id');
select is(pg_temp.fk_delete_rule('helix.task_checkpoints', 'task_id'), 'c',
    'task_checkpoints.task_id cascades on delete');
select has_column('helix', 'task_checkpoints', 'checkpoint_name',
    'task_checkpoints.checkpoint_name exists');
select col_type_is('helix', 'task_checkpoints', 'checkpoint_name', 'character varying(255)',
    'task_checkpoints.checkpoint_name is character varying(255)');
select col_not_null('helix', 'task_checkpoints', 'checkpoint_name',
    'task_checkpoints.checkpoint_name is NOT NULL');
select col_hasnt_default('helix', 'task_checkpoints', 'checkpoint_name',
    'task_checkpoints.checkpoint_name has no default');
select has_column('helix', 'task_checkpoints', 'checkpoint_data',
    'task_checkpoints.checkpoint_data exists');
select col_type_is('helix', 'task_checkpoints', 'checkpoint_data', 'jsonb',
    'task_checkpoints.checkpoint_data is jsonb');
select col_not_null('helix', 'task_checkpoints', 'checkpoint_data',
    'task_checkpoints.checkpoint_data is NOT NULL');
select col_hasnt_default('helix', 'task_checkpoints', 'checkpoint_data',
    'task_checkpoints.checkpoint_data has no default');
select has_column('helix', 'task_checkpoints', 'worker_id', 'task_checkpoints.worker_id exists');
select col_type_is('helix', 'task_checkpoints', 'worker_id', 'uuid',
    'task_checkpoints.worker_id is uuid');
select col_not_null('helix', 'task_checkpoints', 'worker_id',
    'task_checkpoints.worker_id is NOT NULL');
select col_hasnt_default('helix', 'task_checkpoints', 'worker_id',
    'task_checkpoints.worker_id has no default');
select fk_ok('helix', 'task_checkpoints', 'worker_id', 'helix', 'workers', 'id',
    'task_checkpoints.worker_id references workers.id');
select has_column('helix', 'task_checkpoints', 'created_at', 'task_checkpoints.created_at exists');
select col_type_is('helix', 'task_checkpoints', 'created_at', 'timestamp with time zone',
    'task_checkpoints.created_at is timestamp with time zone');
select col_not_null('helix', 'task_checkpoints', 'created_at',
    'task_checkpoints.created_at is NOT NULL');
select col_default_is('helix', 'task_checkpoints', 'created_at', 'now()',
    'task_checkpoints.created_at defaults to now()');
select has_index('helix', 'task_checkpoints', 'task_checkpoints_task_id_idx', array['task_id'],
    'index task_checkpoints_task_id_idx on task_checkpoints (task_id)');
select has_index('helix', 'task_checkpoints', 'task_checkpoints_worker_id_idx', array['worker_id'],
    'index task_checkpoints_worker_id_idx on task_checkpoints (worker_id)');
select has_index('helix', 'task_checkpoints', 'task_checkpoints_created_at_idx',
    array['created_at'], 'index task_checkpoints_created_at_idx on task_checkpoints (created_at)');
select ok(pg_temp.columns_of('helix.task_checkpoints') @> array['id', 'task_id', 'checkpoint_name',
    'checkpoint_data', 'worker_id', 'created_at'], 'helix.task_checkpoints has every seed column');
select has_table('helix', 'worker_connectivity_events',
    'table helix.worker_connectivity_events exists');
select has_column('helix', 'worker_connectivity_events', 'id',
    'worker_connectivity_events.id exists');
select col_type_is('helix', 'worker_connectivity_events', 'id', 'uuid',
    'worker_connectivity_events.id is uuid');
select col_is_pk('helix', 'worker_connectivity_events', 'id',
    'worker_connectivity_events.id is the primary key');
select col_default_is('helix', 'worker_connectivity_events', 'id', 'gen_random_uuid()',
    'worker_connectivity_events.id defaults to gen_random_uuid()');
select has_column('helix', 'worker_connectivity_events', 'worker_id',
    'worker_connectivity_events.worker_id exists');
select col_type_is('helix', 'worker_connectivity_events', 'worker_id', 'uuid',
    'worker_connectivity_events.worker_id is uuid');
select col_not_null('helix', 'worker_connectivity_events', 'worker_id',
    'worker_connectivity_events.worker_id is NOT NULL');
select col_hasnt_default('helix', 'worker_connectivity_events', 'worker_id',
    'worker_connectivity_events.worker_id has no default');
select fk_ok('helix', 'worker_connectivity_events', 'worker_id', 'helix', 'workers', 'id',
    'worker_connectivity_events.worker_id references workers.id');
select is(pg_temp.fk_delete_rule('helix.worker_connectivity_events', 'worker_id'), 'c',
    'worker_connectivity_events.worker_id cascades on delete');
select has_column('helix', 'worker_connectivity_events', 'event_type',
    'worker_connectivity_events.event_type exists');
select col_type_is('helix', 'worker_connectivity_events', 'event_type', 'character varying(50)',
    'worker_connectivity_events.event_type is character varying(50)');
select col_not_null('helix', 'worker_connectivity_events', 'event_type',
    'worker_connectivity_events.event_type is NOT NULL');
select col_hasnt_default('helix', 'worker_connectivity_events', 'event_type',
    'worker_connectivity_events.event_type has no default');
select ok(pg_temp.check_values('helix.worker_connectivity_events',
    'event_type') @> array['connected', 'disconnected', 'reconnected', 'heartbeat_missed'],
    'worker_connectivity_events.event_type allows the seed values');
select has_column('helix', 'worker_connectivity_events', 'event_data',
    'worker_connectivity_events.event_data exists');
select col_type_is('helix', 'worker_connectivity_events', 'event_data', 'jsonb',
    'worker_connectivity_events.event_data is jsonb');
select col_is_null('helix', 'worker_connectivity_events', 'event_data',
    'worker_connectivity_events.event_data may be NULL');
select col_hasnt_default('helix', 'worker_connectivity_events', 'event_data',
    'worker_connectivity_events.event_data has no default');
select has_column('helix', 'worker_connectivity_events', 'created_at',
    'worker_connectivity_events.created_at exists');
select col_type_is('helix', 'worker_connectivity_events', 'created_at', 'timestamp with time zone',
    'worker_connectivity_events.created_at is timestamp with time zone');
select col_not_null('helix', 'worker_connectivity_events', 'created_at',
    'worker_connectivity_events.created_at is NOT NULL');
select col_default_is('helix', 'worker_connectivity_events', 'created_at', 'now()',
    'worker_connectivity_events.created_at defaults to now()');
select has_index('helix', 'worker_connectivity_events', 'worker_connectivity_events_worker_id_idx',
    array['worker_id'],
    'index worker_connectivity_events_worker_id_idx on worker_connectivity_events (worker_id)');
select has_index('helix', 'worker_connectivity_events',
    'worker_connectivity_events_event_type_idx', array['event_type'],
    'index worker_connectivity_events_event_type_idx on worker_connectivity_events (event_type)');
select has_index('helix', 'worker_connectivity_events',
    'worker_connectivity_events_created_at_idx', array['created_at'],
    'index worker_connectivity_events_created_at_idx on worker_connectivity_events (created_at)');
select ok(pg_temp.columns_of('helix.worker_connectivity_events') @> array['id', 'worker_id',
    'event_type', 'event_data', 'created_at'],
    'helix.worker_connectivity_events has every seed column');
select has_table('helix', 'projects', 'table helix.projects exists');
select has_column('helix', 'projects', 'id', 'projects.id exists');
select col_type_is('helix', 'projects', 'id', 'uuid', 'projects.id is uuid');
select col_is_pk('helix', 'projects', 'id', 'projects.id is the primary key');
select col_default_is('helix', 'projects', 'id', 'gen_random_uuid()',
    'projects.id defaults to gen_random_uuid()');
select has_column('helix', 'projects', 'name', 'projects.name exists');
select col_type_is('helix', 'projects', 'name', 'character varying(255)',
    'projects.name is character varying(255)');
select col_not_null('helix', 'projects', 'name', 'projects.name is NOT NULL');
select col_hasnt_default('helix', 'projects', 'name', 'projects.name has no default');
select has_column('helix', 'projects', 'description', 'projects.description exists');
select col_type_is('helix', 'projects', 'description', 'text', 'projects.description is text');
select col_is_null('helix', 'projects', 'description', 'projects.description may be NULL');
select col_hasnt_default('helix', 'projects', 'description',
    'projects.description has no default');
select has_column('helix', 'projects', 'owner_id', 'projects.owner_id exists');
select col_type_is('helix', 'projects', 'owner_id', 'uuid', 'projects.owner_id is uuid');
select col_not_null('helix', 'projects', 'owner_id', 'projects.owner_id is NOT NULL');
select col_hasnt_default('helix', 'projects', 'owner_id', 'projects.owner_id has no default');
select fk_ok('helix', 'projects', 'owner_id', 'helix', 'users', 'id',
    'projects.owner_id references users.id');
select has_column('helix', 'projects', 'workspace_path', 'projects.workspace_path exists');
select col_type_is('helix', 'projects', 'workspace_path', 'text',
    'projects.workspace_path is text');
select col_is_null('helix', 'projects', 'workspace_path', 'projects.workspace_path may be NULL');
select col_hasnt_default('helix', 'projects', 'workspace_path',
    'projects.workspace_path has no default');
select has_column('helix', 'projects', 'git_repository_url', 'projects.git_repository_url exists');
select col_type_is('helix', 'projects', 'git_repository_url', 'text',
    'projects.git_repository_url is text');
select col_is_null('helix', 'projects', 'git_repository_url',
    'projects.git_repository_url may be NULL');
select col_hasnt_default('helix', 'projects', 'git_repository_url',
    'projects.git_repository_url has no default');
select has_column('helix', 'projects', 'config', 'projects.config exists');
select col_type_is('helix', 'projects', 'config', 'jsonb', 'projects.config is jsonb');
select col_not_null('helix', 'projects', 'config', 'projects.config is NOT NULL');
select col_has_default('helix', 'projects', 'config', 'projects.config has a default');
select ok(pg_temp.default_of('helix.projects', 'config') like '''{}''%',
    'projects.config defaults to empty');
select has_column('helix', 'projects', 'status', 'projects.status exists');
select col_type_is('helix', 'projects', 'status', 'character varying(50)',
    'projects.status is character varying(50)');
select col_not_null('helix', 'projects', 'status', 'projects.status is NOT NULL');
select col_default_is('helix', 'projects', 'status', 'active',
    'projects.status defaults to active');
select ok(pg_temp.check_values('helix.projects', 'status') @> array['active', 'archived',
    'deleted'], 'projects.status allows the seed values');
select has_column('helix', 'projects', 'created_at', 'projects.created_at exists');
select col_type_is('helix', 'projects', 'created_at', 'timestamp with time zone',
    'projects.created_at is timestamp with time zone');
select col_not_null('helix', 'projects', 'created_at', 'projects.created_at is NOT NULL');
select col_default_is('helix', 'projects', 'created_at', 'now()',
    'projects.created_at defaults to now()');
select has_column('helix', 'projects', 'updated_at', 'projects.updated_at exists');
select col_type_is('helix', 'projects', 'updated_at', 'timestamp with time zone',
    'projects.updated_at is timestamp with time zone');
select col_not_null('helix', 'projects', 'updated_at', 'projects.updated_at is NOT NULL');
select col_default_is('helix', 'projects', 'updated_at', 'now()',
    'projects.updated_at defaults to now()');
select has_index('helix', 'projects', 'projects_owner_id_idx', array['owner_id'],
    'index projects_owner_id_idx on projects (owner_id)');
select has_index('helix', 'projects', 'projects_status_idx', array['status'],
    'index projects_status_idx on projects (status)');
select has_index('helix', 'projects', 'projects_created_at_idx', array['created_at'],
    'index projects_created_at_idx on projects (created_at)');
select ok(pg_temp.columns_of('helix.projects') @> array['id', 'name', 'description', 'owner_id',
    'workspace_path', 'git_repository_url', 'config', 'status', 'created_at', 'updated_at'],
    'helix.projects has every seed column');
select has_table('helix', 'sessions', 'table helix.sessions exists');
select has_column('helix', 'sessions', 'id', 'sessions.id exists');
select col_type_is('helix', 'sessions', 'id', 'uuid', 'sessions.id is uuid');
select col_is_pk('helix', 'sessions', 'id', 'sessions.id is the primary key');
select col_default_is('helix', 'sessions', 'id', 'gen_random_uuid()',
    'sessions.id defaults to gen_random_uuid()');
select has_column('helix', 'sessions', 'project_id', 'sessions.project_id exists');
select col_type_is('helix', 'sessions', 'project_id', 'uuid', 'sessions.project_id is uuid');
select col_not_null('helix', 'sessions', 'project_id', 'sessions.project_id is NOT NULL');
select col_hasnt_default('helix', 'sessions', 'project_id', 'sessions.project_id has no default');
select fk_ok('helix', 'sessions', 'project_id', 'helix', 'projects', 'id',
    'sessions.project_id references projects.id');
select has_column('helix', 'sessions', 'name', 'sessions.name exists');
select col_type_is('helix', 'sessions', 'name', 'character varying(255)',
    'sessions.name is character varying(255)');
select col_not_null('helix', 'sessions', 'name', 'sessions.name is NOT NULL');
select col_hasnt_default('helix', 'sessions', 'name', 'sessions.name has no default');
select has_column('helix', 'sessions', 'description', 'sessions.description exists');
select col_type_is('helix', 'sessions', 'description', 'text', 'sessions.description is text');
select col_is_null('helix', 'sessions', 'description', 'sessions.description may be NULL');
select col_hasnt_default('helix', 'sessions', 'description',
    'sessions.description has no default');
select has_column('helix', 'sessions', 'session_type', 'sessions.session_type exists');
select col_type_is('helix', 'sessions', 'session_type', 'character varying(50)',
    'sessions.session_type is character varying(50)');
select col_not_null('helix', 'sessions', 'session_type', 'sessions.session_type is NOT NULL');
select col_hasnt_default('helix', 'sessions', 'session_type',
    'sessions.session_type has no default');
select ok(pg_temp.check_values('helix.sessions', 'session_type') @> array['planning', 'building',
    'testing', 'refactoring', 'debugging'], 'sessions.session_type allows the seed values');
select has_column('helix', 'sessions', 'status', 'sessions.status exists');
select col_type_is('helix', 'sessions', 'status', 'character varying(50)',
    'sessions.status is character varying(50)');
select col_not_null('helix', 'sessions', 'status', 'sessions.status is NOT NULL');
select col_default_is('helix', 'sessions', 'status', 'active',
    'sessions.status defaults to active');
select ok(pg_temp.check_values('helix.sessions', 'status') @> array['active', 'paused',
    'completed', 'failed', 'waiting_for_worker'], 'sessions.status allows the seed values');
select has_column('helix', 'sessions', 'context_data', 'sessions.context_data exists');
select col_type_is('helix', 'sessions', 'context_data', 'jsonb', 'sessions.context_data is jsonb');
select col_not_null('helix', 'sessions', 'context_data', 'sessions.context_data is NOT NULL');
select col_has_default('helix', 'sessions', 'context_data', 'sessions.context_data has a default');
select ok(pg_temp.default_of('helix.sessions', 'context_data') like '''{}''%',
    'sessions.context_data defaults to empty');
select has_column('helix', 'sessions', 'token_count', 'sessions.token_count exists');
select col_type_is('helix', 'sessions', 'token_count', 'integer',
    'sessions.token_count is integer');
select col_not_null('helix', 'sessions', 'token_count', 'sessions.token_count is NOT NULL');
select col_default_is('helix', 'sessions', 'token_count', '0',
    'sessions.token_count defaults to 0');
select has_column('helix', 'sessions', 'current_task_id', 'sessions.current_task_id exists');
select col_type_is('helix', 'sessions', 'current_task_id', 'uuid',
    'sessions.current_task_id is uuid');
select col_is_null('helix', 'sessions', 'current_task_id', 'sessions.current_task_id may be NULL');
select col_hasnt_default('helix', 'sessions', 'current_task_id',
    'sessions.current_task_id has no default');
select fk_ok('helix', 'sessions', 'current_task_id', 'helix', 'distributed_tasks', 'id',
    'sessions.current_task_id references distributed_tasks.id');
select has_column('helix', 'sessions', 'created_at', 'sessions.created_at exists');
select col_type_is('helix', 'sessions', 'created_at', 'timestamp with time zone',
    'sessions.created_at is timestamp with time zone');
select col_not_null('helix', 'sessions', 'created_at', 'sessions.created_at is NOT NULL');
select col_default_is('helix', 'sessions', 'created_at', 'now()',
    'sessions.created_at defaults to now()');
select has_column('helix', 'sessions', 'updated_at', 'sessions.updated_at exists');
select col_type_is('helix', 'sessions', 'updated_at', 'timestamp with time zone',
    'sessions.updated_at is timestamp with time zone');
select col_not_null('helix', 'sessions', 'updated_at', 'sessions.updated_at is NOT NULL');
select col_default_is('helix', 'sessions', 'updated_at', 'now()',
    'sessions.updated_at defaults to now()');
select has_index('helix', 'sessions', 'sessions_project_id_idx', array['project_id'],
    'index sessions_project_id_idx on sessions (project_id)');
select has_index('helix', 'sessions', 'sessions_status_idx', array['status'],
    'index sessions_status_idx on sessions (status)');
select has_index('helix', 'sessions', 'sessions_session_type_idx', array['session_type'],
    'index sessions_session_type_idx on sessions (session_type)');
select has_index('helix', 'sessions', 'sessions_current_task_id_idx', array['current_task_id'],
    'index sessions_current_task_id_idx on sessions (current_task_id)');
select ok(pg_temp.columns_of('helix.sessions') @> array['id', 'project_id', 'name', 'description',
    'session_type', 'status', 'context_data', 'token_count', 'current_task_id', 'created_at',
    'updated_at'], 'helix.sessions has every seed column');

select * from finish();
rollback;
