-- Workers: registration, heartbeats, operator status, and the purge of their history.
--
-- This area owns the rows of helix.workers (but not current_tasks_count, which the task
-- engine's triggers keep), helix.worker_metrics and helix.worker_connectivity_events.
-- What happens to a worker's tasks when it falls silent is in 32_sweep.sql; runners are in
-- 31_runners.sql.
--
-- Lock order, shared with the task engine: a transaction that touches both a task and a
-- worker locks the task first (the engine's count trigger updates the worker row after the
-- task row). heartbeat() is the exception, and safely so: it locks its worker and then only
-- tasks in waiting_for_worker, which hold no worker and are never locked by a transaction
-- that then waits for a worker row.

-- ---------------------------------------------------------------------------------------
-- Internal helpers (no grants)
-- ---------------------------------------------------------------------------------------

create or replace function helix.ssh_config_checked(p_ssh_config jsonb) returns jsonb
language plpgsql immutable as $$
declare
    v_allowed constant text[] :=
        array['host', 'port', 'user', 'identity_file', 'known_hosts', 'transport'];
    v_key text;
    v_value jsonb;
    v_path text;
    v_config jsonb;
    v_transport text;
    v_port numeric;
begin
    if p_ssh_config is null or jsonb_typeof(p_ssh_config) <> 'object' then
        raise exception 'p_ssh_config must be a JSON object, got %',
            coalesce(jsonb_typeof(p_ssh_config), 'NULL')
            using errcode = 'HX001',
                  hint = 'For example {"host": "10.0.0.5", "user": "helix", '
                         '"identity_file": "/etc/helix/id_ed25519"}.';
    end if;

    -- Secrets first, at any depth, so that no later message can echo one. Messages name the
    -- key, never the value.
    for v_path, v_key, v_value in
        with recursive walk(path, key, value) as (
            select e.key, e.key, e.value from jsonb_each(p_ssh_config) e
            union all
            select w.path || '.' || e.key, e.key, e.value
            from walk w
            cross join lateral jsonb_each(w.value) e
            where jsonb_typeof(w.value) = 'object'
        )
        select path, key, value from walk
    loop
        if lower(v_key) ~ '(password|passwd|passphrase|private_?key|secret|token|credential)'
        then
            raise exception 'ssh_config key "%" looks like a secret: p_ssh_config may hold '
                            'only references to secrets, never a secret', v_path
                using errcode = 'HX005',
                      hint = 'Keep the private key in a file on the runner''s host and name '
                             'it in identity_file; give passphrases to an SSH agent.';
        end if;
        if v_value::text ~ '(-----BEGIN|PRIVATE KEY)' then
            raise exception 'ssh_config key "%" holds what looks like a key or certificate: '
                            'p_ssh_config may hold only paths to such files', v_path
                using errcode = 'HX005',
                      hint = 'Write the key to a file on the runner''s host and put its path '
                             'in identity_file.';
        end if;
    end loop;

    for v_key, v_value in select key, value from jsonb_each(p_ssh_config) loop
        if not v_key = any (v_allowed) then
            raise exception 'ssh_config key "%" is unknown: p_ssh_config keys must be among %',
                v_key, array_to_string(v_allowed, ', ')
                using errcode = 'HX001',
                      hint = 'Host keys are checked against the runner''s --known-hosts file '
                             'or the known_hosts path given here.';
        end if;
        if v_key = 'port' then
            if jsonb_typeof(v_value) <> 'number' then
                raise exception 'ssh_config.port must be a whole number, got a %',
                    jsonb_typeof(v_value)
                    using errcode = 'HX001', hint = 'For example "port": 2222.';
            end if;
            v_port := (v_value #>> '{}')::numeric;
            if v_port % 1 <> 0 or v_port < 1 or v_port > 65535 then
                raise exception 'ssh_config.port % is out of range: it must be a whole number '
                                'between 1 and 65535', v_port
                    using errcode = 'HX001', hint = 'Leave it out for the default, 22.';
            end if;
        elsif jsonb_typeof(v_value) <> 'string' or btrim(v_value #>> '{}') = '' then
            raise exception 'ssh_config.% must be a non-blank string, got %', v_key,
                case when jsonb_typeof(v_value) = 'string' then 'a blank one'
                     else 'a ' || jsonb_typeof(v_value) end
                using errcode = 'HX001',
                      hint = 'host, user, identity_file, known_hosts and transport are text.';
        end if;
    end loop;

    v_transport := coalesce(p_ssh_config ->> 'transport', 'ssh');
    if v_transport not in ('ssh', 'local') then
        raise exception 'ssh_config.transport % is unknown: it must be ssh or local',
            quote_literal(v_transport)
            using errcode = 'HX001',
                  hint = 'local runs tasks on the coordinator itself; ssh (the default) on '
                         'the host named.';
    end if;
    if v_transport = 'ssh' and not p_ssh_config ? 'host' then
        raise exception 'ssh_config has no host: p_ssh_config.host is required for the ssh '
                        'transport'
            using errcode = 'HX001',
                  hint = 'Add "host": "name-or-address", or "transport": "local".';
    end if;

    v_config := p_ssh_config || jsonb_build_object('transport', v_transport);
    if v_transport = 'ssh' and not v_config ? 'port' then
        v_config := v_config || jsonb_build_object('port', 22);
    end if;
    return v_config;
end
$$;
comment on function helix.ssh_config_checked(jsonb) is
    'register_worker''s check of ssh_config: refuses secrets (HX005, naming the key, never the '
    'value), unknown keys and bad types (HX001); returns it with transport and port filled in.';

create or replace function helix.worker_health(
    p_cpu numeric, p_memory numeric, p_disk numeric) returns text
language plpgsql stable as $$
begin
    if p_cpu is null and p_memory is null and p_disk is null then
        return 'unknown';
    end if;
    if p_cpu >= helix.setting_number('health_cpu_unhealthy')
        or p_memory >= helix.setting_number('health_memory_unhealthy')
        or p_disk >= helix.setting_number('health_disk_unhealthy') then
        return 'unhealthy';
    end if;
    if p_cpu >= helix.setting_number('health_cpu_degraded')
        or p_memory >= helix.setting_number('health_memory_degraded')
        or p_disk >= helix.setting_number('health_disk_degraded') then
        return 'degraded';
    end if;
    return 'healthy';
end
$$;
comment on function helix.worker_health(numeric, numeric, numeric) is
    'Health from usage percentages and the health_* settings: unhealthy when any reaches its '
    'unhealthy threshold, degraded when any reaches its degraded one, unknown when none was '
    'measured. Missing measures are ignored.';

create or replace function helix.worker_event(
    p_worker_id uuid, p_event_type text, p_event_data jsonb, p_status text) returns void
language plpgsql as $$
begin
    insert into helix.worker_connectivity_events (worker_id, event_type, event_data)
    values (p_worker_id, p_event_type, p_event_data);
    perform pg_notify('helix_events', jsonb_build_object(
        'kind', 'worker', 'worker_id', p_worker_id, 'event', p_event_type,
        'status', p_status)::text);
end
$$;
comment on function helix.worker_event(uuid, text, jsonb, text) is
    'Writes a connectivity event row and tells watchers on helix_events.';

-- ---------------------------------------------------------------------------------------
-- register_worker
-- ---------------------------------------------------------------------------------------

create or replace function helix.register_worker(
    p_hostname text,
    p_ssh_config jsonb,
    p_capabilities text[] default '{}',
    p_resources jsonb default '{}',
    p_max_concurrent_tasks integer default 10,
    p_display_name text default null
) returns uuid
language plpgsql security definer set search_path = helix, public, pg_temp as $$
declare
    v_config jsonb;
    v_capabilities text[];
    v_id uuid;
begin
    if p_hostname is null or btrim(p_hostname) = '' or length(p_hostname) > 255 then
        raise exception 'hostname % is refused: p_hostname must be non-blank text of at most '
                        '255 characters', coalesce(quote_literal(p_hostname), 'NULL')
            using errcode = 'HX001',
                  hint = 'The hostname names the worker; registering it again updates it.';
    end if;
    v_config := helix.ssh_config_checked(p_ssh_config);
    if p_capabilities is null then
        raise exception 'p_capabilities is NULL: it must be an array of capability names'
            using errcode = 'HX001', hint = 'Pass ''{}'' for a worker with no capabilities.';
    end if;
    if exists (select from unnest(p_capabilities) c where c is null or btrim(c) = '') then
        raise exception 'p_capabilities % holds a blank or NULL name: every capability must '
                        'be non-blank text', p_capabilities
            using errcode = 'HX001', hint = 'For example ''{python3, docker}''.';
    end if;
    v_capabilities := array(select distinct c from unnest(p_capabilities) c order by c);
    if p_resources is null or jsonb_typeof(p_resources) <> 'object' then
        raise exception 'p_resources must be a JSON object, got %',
            coalesce(jsonb_typeof(p_resources), 'NULL')
            using errcode = 'HX001', hint = 'For example {"cpus": 8, "memory_gb": 32}.';
    end if;
    if p_max_concurrent_tasks is null or p_max_concurrent_tasks not between 1 and 10000 then
        raise exception 'max_concurrent_tasks % is out of range: p_max_concurrent_tasks must '
                        'be between 1 and 10000', coalesce(p_max_concurrent_tasks::text, 'NULL')
            using errcode = 'HX001', hint = 'How many tasks the worker may run at once.';
    end if;
    if p_display_name is not null
        and (btrim(p_display_name) = '' or length(p_display_name) > 255) then
        raise exception 'display name % is refused: p_display_name must be NULL or non-blank '
                        'text of at most 255 characters', quote_literal(p_display_name)
            using errcode = 'HX001', hint = 'Leave it NULL to keep the present one.';
    end if;

    -- Re-registering updates how to reach the worker and what it can do, and keeps its
    -- status, health, heartbeat and tasks: registration is not a sign of life (an offline
    -- worker comes back by its heartbeat) and must not undo an operator's maintenance.
    -- A lower max_concurrent_tasks than the tasks it holds lets those finish and gives it no
    -- new ones until it is below.
    insert into helix.workers as w (hostname, display_name, ssh_config, capabilities,
                                    resources, max_concurrent_tasks)
    values (p_hostname, p_display_name, v_config, v_capabilities, p_resources,
            p_max_concurrent_tasks)
    on conflict (hostname) do update
        set display_name = coalesce(excluded.display_name, w.display_name),
            ssh_config = excluded.ssh_config,
            capabilities = excluded.capabilities,
            resources = excluded.resources,
            max_concurrent_tasks = excluded.max_concurrent_tasks,
            updated_at = now()
    returning w.id into v_id;

    perform pg_notify('helix_events', jsonb_build_object(
        'kind', 'worker', 'worker_id', v_id, 'event', 'registered')::text);
    -- New capacity or capabilities may make waiting tasks assignable.
    perform pg_notify('helix_task_ready', '');
    return v_id;
end
$$;
comment on function helix.register_worker(text, jsonb, text[], jsonb, integer, text) is
    'Adds a worker, or updates the one with this hostname (status, health and tasks kept). '
    'ssh_config: host (required unless transport is local), port (1..65535, default 22), '
    'user, identity_file and known_hosts (paths), transport (ssh or local); a secret is '
    'refused with HX005. Returns the worker id.';

-- ---------------------------------------------------------------------------------------
-- heartbeat
-- ---------------------------------------------------------------------------------------

create or replace function helix.heartbeat(p_worker_id uuid, p_metrics jsonb default '{}')
returns text
language plpgsql security definer set search_path = helix, public, pg_temp as $$
declare
    v_known constant text[] := array['cpu_usage_percent', 'memory_usage_percent',
        'disk_usage_percent', 'network_rx_bytes', 'network_tx_bytes', 'temperature_celsius',
        'load_average_1m', 'cpu_count'];
    v_metrics jsonb := coalesce(p_metrics, '{}');
    v_key text;
    v_value jsonb;
    v_number numeric;
    v_worker helix.workers%rowtype;
    v_health text;
    v_status text;
    v_event text;
    v_resumed integer;
begin
    if p_worker_id is null then
        raise exception 'p_worker_id is NULL: a heartbeat needs the worker''s id'
            using errcode = 'HX001', hint = 'register_worker returns the id.';
    end if;
    if jsonb_typeof(v_metrics) <> 'object' then
        raise exception 'p_metrics must be a JSON object, got a %', jsonb_typeof(v_metrics)
            using errcode = 'HX001', hint = 'For example {"cpu_usage_percent": 12.5}.';
    end if;
    for v_key, v_value in select key, value from jsonb_each(v_metrics) loop
        if not v_key = any (v_known) then
            raise exception 'metric "%" is unknown: p_metrics keys must be among %',
                v_key, array_to_string(v_known, ', ')
                using errcode = 'HX001', hint = 'Leave out what was not measured.';
        end if;
        continue when jsonb_typeof(v_value) = 'null';
        if jsonb_typeof(v_value) <> 'number' then
            raise exception 'metric % must be a number, got a %', v_key, jsonb_typeof(v_value)
                using errcode = 'HX001', hint = 'Send numbers, or leave the key out.';
        end if;
        v_number := (v_value #>> '{}')::numeric;
        if v_key like '%\_percent' and v_number not between 0 and 100 then
            raise exception 'metric % = % is out of range: a percentage is between 0 and 100',
                v_key, v_number
                using errcode = 'HX001', hint = 'Usage is a percentage of the whole.';
        elsif v_key like '%\_bytes'
            and (v_number < 0 or v_number % 1 <> 0 or v_number > 9223372036854775807) then
            raise exception 'metric % = % is out of range: a byte count is a whole number '
                            '>= 0', v_key, v_number
                using errcode = 'HX001', hint = 'Counters since boot, never negative.';
        elsif v_key = 'temperature_celsius' and v_number not between -100 and 200 then
            raise exception 'metric temperature_celsius = % is out of range: it must be '
                            'between -100 and 200', v_number
                using errcode = 'HX001', hint = 'Degrees Celsius.';
        elsif v_key = 'load_average_1m' and (v_number < 0 or v_number >= 1000000) then
            raise exception 'metric load_average_1m = % is out of range: it must be between '
                            '0 and 999999.99', v_number
                using errcode = 'HX001', hint = 'The one-minute load average.';
        elsif v_key = 'cpu_count'
            and (v_number % 1 <> 0 or v_number not between 1 and 1000000) then
            raise exception 'metric cpu_count = % is out of range: it must be a whole number '
                            'between 1 and 1000000', v_number
                using errcode = 'HX001', hint = 'How many CPUs the worker has.';
        end if;
    end loop;

    -- The row lock orders this heartbeat with sweep(): if sweep took the worker offline
    -- first, this heartbeat sees offline and brings it back; if this one is first, sweep's
    -- FOR UPDATE re-reads last_heartbeat and leaves the worker alone.
    select * into v_worker from helix.workers where id = p_worker_id for update;
    if not found then
        raise exception 'worker % does not exist', p_worker_id
            using errcode = 'HX002', hint = 'Register it with register_worker first.';
    end if;

    v_health := helix.worker_health((v_metrics ->> 'cpu_usage_percent')::numeric,
                                    (v_metrics ->> 'memory_usage_percent')::numeric,
                                    (v_metrics ->> 'disk_usage_percent')::numeric);
    if v_worker.status in ('offline', 'failed') then
        -- Back from silence: an operator's maintenance or inactive holds, else active.
        v_status := coalesce(v_worker.return_status, 'active');
    else
        v_status := v_worker.status;
    end if;
    if v_worker.last_heartbeat is null then
        v_event := 'connected';
    elsif v_worker.status in ('offline', 'failed') then
        v_event := 'reconnected';
    end if;

    -- Tasks that wait for this worker resume: pending with original_worker_id still this
    -- worker, so assign_tasks gives them to it first when it can take them (and to another
    -- capable worker when it cannot, for example when it came back in maintenance). Waiting
    -- is over either way: the worker is back, so nothing is gained by holding them.
    -- Tasks wait only for a worker that is offline or failed, so an ordinary beat skips this.
    v_resumed := 0;
    if v_worker.status in ('offline', 'failed') then
        update helix.distributed_tasks
        set status = 'pending', waiting_since = null, updated_at = now()
        where original_worker_id = p_worker_id and status = 'waiting_for_worker';
        get diagnostics v_resumed = row_count;
    end if;

    update helix.workers
    set last_heartbeat = now(),
        heartbeat_missed_at = null,
        status = v_status,
        return_status = case when v_worker.status in ('offline', 'failed') then null
                             else return_status end,
        health_status = v_health,
        cpu_usage_percent = (v_metrics ->> 'cpu_usage_percent')::numeric,
        memory_usage_percent = (v_metrics ->> 'memory_usage_percent')::numeric,
        disk_usage_percent = (v_metrics ->> 'disk_usage_percent')::numeric,
        updated_at = now()
    where id = p_worker_id;

    insert into helix.worker_metrics (worker_id, cpu_usage_percent, memory_usage_percent,
        disk_usage_percent, network_rx_bytes, network_tx_bytes, current_tasks_count,
        temperature_celsius, load_average_1m, cpu_count)
    values (p_worker_id, (v_metrics ->> 'cpu_usage_percent')::numeric,
        (v_metrics ->> 'memory_usage_percent')::numeric,
        (v_metrics ->> 'disk_usage_percent')::numeric,
        (v_metrics ->> 'network_rx_bytes')::bigint, (v_metrics ->> 'network_tx_bytes')::bigint,
        v_worker.current_tasks_count, (v_metrics ->> 'temperature_celsius')::numeric,
        (v_metrics ->> 'load_average_1m')::numeric, (v_metrics ->> 'cpu_count')::integer);

    if v_event is not null then
        perform helix.worker_event(p_worker_id, v_event, jsonb_build_object(
            'previous_status', v_worker.status, 'status', v_status,
            'last_heartbeat', v_worker.last_heartbeat, 'tasks_resumed', v_resumed), v_status);
    elsif v_health is distinct from v_worker.health_status then
        perform pg_notify('helix_events', jsonb_build_object(
            'kind', 'worker', 'worker_id', p_worker_id, 'event', 'health_changed',
            'health_status', v_health)::text);
    end if;
    -- The worker may take tasks it could not before: it came back, it is no longer
    -- unhealthy, or tasks that waited for it are pending again.
    if v_resumed > 0
        or (v_status = 'active' and v_worker.status <> 'active')
        or (v_health <> 'unhealthy' and v_worker.health_status = 'unhealthy') then
        perform pg_notify('helix_task_ready', '');
    end if;
    return v_health;
end
$$;
comment on function helix.heartbeat(uuid, jsonb) is
    'A sign of life with the worker''s load: records last_heartbeat and usage, writes a '
    'worker_metrics row, derives health_status from the health_* settings and returns it. '
    'The first heartbeat ever writes connected; one after offline or failed writes '
    'reconnected, makes the worker active again (or the maintenance/inactive an operator set) '
    'and puts the tasks waiting for it back to pending, preferring it.';

-- ---------------------------------------------------------------------------------------
-- set_worker_status
-- ---------------------------------------------------------------------------------------

create or replace function helix.set_worker_status(p_worker_id uuid, p_status text)
returns void
language plpgsql security definer set search_path = helix, public, pg_temp as $$
declare
    v_worker helix.workers%rowtype;
    v_preserved record;
begin
    if p_worker_id is null then
        raise exception 'p_worker_id is NULL: say which worker'
            using errcode = 'HX001', hint = 'select id, hostname from helix.workers';
    end if;
    if p_status is null or p_status not in ('active', 'inactive', 'maintenance', 'failed') then
        raise exception 'status % is refused: p_status must be active, inactive, maintenance '
                        'or failed', coalesce(quote_literal(p_status), 'NULL')
            using errcode = 'HX001',
                  hint = 'offline is set by sweep() when heartbeats stop; maintenance lets '
                         'running tasks finish and takes no new ones.';
    end if;
    if p_status = 'failed' then
        -- Tasks before the worker (the engine's lock order): these are the rows that
        -- sweep_preserve_tasks will move.
        perform from helix.distributed_tasks
        where assigned_worker_id = p_worker_id and status in ('assigned', 'running')
        order by id
        for update;
    end if;
    select * into v_worker from helix.workers where id = p_worker_id for update;
    if not found then
        raise exception 'worker % does not exist', p_worker_id
            using errcode = 'HX002', hint = 'select id, hostname from helix.workers';
    end if;

    if v_worker.status = p_status then
        return;
    end if;

    if v_worker.status in ('offline', 'failed') then
        if p_status = 'active' then
            raise exception 'worker % is %: it cannot be made active while it is silent',
                v_worker.hostname, v_worker.status
                using errcode = 'HX003',
                      hint = 'It becomes active at its next heartbeat; set maintenance or '
                             'inactive to keep it out of work when it returns.';
        end if;
        if p_status in ('maintenance', 'inactive') then
            -- Silent still: the status applies when it returns.
            if v_worker.return_status is not distinct from p_status then
                return;
            end if;
            update helix.workers set return_status = p_status, updated_at = now()
            where id = p_worker_id;
            perform helix.worker_event(p_worker_id, 'status_changed', jsonb_build_object(
                'previous_status', v_worker.status, 'status', v_worker.status,
                'return_status', p_status), v_worker.status);
            return;
        end if;
        -- offline -> failed: its tasks were preserved when it went offline.
        update helix.workers set status = 'failed', updated_at = now() where id = p_worker_id;
        perform helix.worker_event(p_worker_id, 'status_changed', jsonb_build_object(
            'previous_status', v_worker.status, 'status', 'failed'), 'failed');
        return;
    end if;

    if p_status = 'failed' then
        -- Known broken: its tasks are preserved now, as if it had gone silent.
        select * into v_preserved from helix.sweep_preserve_tasks(p_worker_id, null);
        update helix.workers
        set status = 'failed',
            return_status = case when status in ('maintenance', 'inactive') then status end,
            updated_at = now()
        where id = p_worker_id;
        perform helix.worker_event(p_worker_id, 'status_changed', jsonb_build_object(
            'previous_status', v_worker.status, 'status', 'failed',
            'tasks_waiting', v_preserved.o_waiting, 'tasks_pending', v_preserved.o_pending),
            'failed');
        return;
    end if;

    update helix.workers set status = p_status, updated_at = now() where id = p_worker_id;
    perform helix.worker_event(p_worker_id, 'status_changed', jsonb_build_object(
        'previous_status', v_worker.status, 'status', p_status), p_status);
    if p_status = 'active' then
        perform pg_notify('helix_task_ready', '');
    end if;
end
$$;
comment on function helix.set_worker_status(uuid, text) is
    'Operator status: active; maintenance (running tasks finish, no new ones); inactive (no '
    'tasks); failed (known broken: its tasks are preserved now, as at a heartbeat timeout). '
    'An offline or failed worker cannot be made active (HX003: its heartbeat does that); '
    'maintenance or inactive given to it apply when it returns. Writes status_changed.';

-- ---------------------------------------------------------------------------------------
-- Retention
-- ---------------------------------------------------------------------------------------

create or replace function helix.purge_history(
    p_older_than interval default null,
    p_limit integer default 10000
) returns table (metrics_deleted bigint, events_deleted bigint)
language plpgsql security definer set search_path = helix, public, pg_temp as $$
declare
    v_metrics_cutoff timestamptz;
    v_events_cutoff timestamptz;
begin
    if p_older_than is not null and p_older_than <= interval '0' then
        raise exception 'p_older_than % is refused: it must be a positive interval',
            p_older_than
            using errcode = 'HX001',
                  hint = 'NULL uses the metrics_retention and events_retention settings.';
    end if;
    if p_limit is null or p_limit not between 1 and 1000000 then
        raise exception 'limit % is out of range: p_limit must be between 1 and 1000000',
            coalesce(p_limit::text, 'NULL')
            using errcode = 'HX001', hint = 'Rows deleted per table and call.';
    end if;
    v_metrics_cutoff := now() - coalesce(p_older_than,
                                         helix.setting_interval('metrics_retention'));
    v_events_cutoff := now() - coalesce(p_older_than,
                                        helix.setting_interval('events_retention'));

    -- At most p_limit rows per table and call keep each transaction short; the caller
    -- calls again while a count comes back equal to p_limit. Both reads are index range
    -- scans on the time columns.
    with doomed as (
        select id from helix.worker_metrics
        where recorded_at < v_metrics_cutoff
        order by recorded_at
        limit p_limit
    ), gone as (
        delete from helix.worker_metrics m using doomed d where m.id = d.id returning 1
    )
    select count(*) into metrics_deleted from gone;

    with doomed as (
        select id from helix.worker_connectivity_events
        where created_at < v_events_cutoff
        order by created_at
        limit p_limit
    ), gone as (
        delete from helix.worker_connectivity_events e using doomed d where e.id = d.id
        returning 1
    )
    select count(*) into events_deleted from gone;
    return next;
end
$$;
comment on function helix.purge_history(interval, integer) is
    'Deletes worker_metrics and worker_connectivity_events older than p_older_than (NULL: '
    'the metrics_retention and events_retention settings), at most p_limit rows of each per '
    'call; call again while a count equals p_limit. Returns the counts.';

-- ---------------------------------------------------------------------------------------
-- Removing a worker
-- ---------------------------------------------------------------------------------------

create or replace function helix.remove_worker(p_worker_id uuid, p_force boolean default false)
returns table(outcome text, handed_back integer, status text)
language plpgsql security definer
set search_path = helix, public, pg_temp as $$
#variable_conflict use_column
declare
    v_host text;
    v_held integer;
    v_referenced boolean;
begin
    if p_worker_id is null then
        raise exception 'worker id NULL is not valid: p_worker_id is required'
            using errcode = 'HX001', hint = 'select id, hostname from helix.worker_fleet.';
    end if;
    if p_force is null then
        raise exception 'force NULL is not true or false: p_force is required'
            using errcode = 'HX001', hint = 'false refuses while the worker holds tasks.';
    end if;
    select w.hostname into v_host from helix.workers w where w.id = p_worker_id;
    if not found then
        raise exception 'worker % does not exist', p_worker_id
            using errcode = 'HX002', hint = 'select id, hostname from helix.worker_fleet.';
    end if;
    select count(*) into v_held from helix.distributed_tasks t
    where t.assigned_worker_id = p_worker_id and t.status in ('assigned', 'running');
    if v_held > 0 and not p_force then
        raise exception 'worker % holds % task(s): it is not removed', v_host, v_held
            using errcode = 'HX003',
                  hint = 'Drain it (set_worker_status maintenance) and remove it when they '
                         'finish, or pass p_force => true to hand them back now.';
    end if;
    if v_held > 0 then
        -- 'failed' preserves what it holds exactly as a heartbeat timeout would (waiting or
        -- pending, checkpoint kept, no retry spent). It locks tasks before the worker, the
        -- order every writer keeps, so it runs before this function locks the worker row.
        perform helix.set_worker_status(p_worker_id, 'failed');
    end if;
    -- The worker row now: assign_tasks locks worker rows too, so no task can be handed to
    -- it between the look below and the delete. No task lock is taken after this one.
    perform 1 from helix.workers w where w.id = p_worker_id for update;
    select exists (select from helix.distributed_tasks t
                   where t.assigned_worker_id = p_worker_id
                      or t.original_worker_id = p_worker_id)
        or exists (select from helix.task_checkpoints c where c.worker_id = p_worker_id)
        into v_referenced;
    if not v_referenced then
        delete from helix.workers w where w.id = p_worker_id;
        perform helix.audit('worker.removed', p_worker_id,
                            jsonb_build_object('hostname', v_host), 'worker');
        return query select 'deleted'::text, v_held, null::text;
        return;
    end if;
    perform helix.set_worker_status(p_worker_id, 'inactive');
    perform helix.audit('worker.retired', p_worker_id,
                        jsonb_build_object('hostname', v_host, 'handed_back', v_held), 'worker');
    return query select 'retired'::text, v_held, w.status::text
                 from helix.workers w where w.id = p_worker_id;
end
$$;
comment on function helix.remove_worker(uuid, boolean) is
    'Removes a worker: refused (HX003) while it holds tasks unless p_force, which first hands '
    'them back as a heartbeat timeout would. A worker no task or checkpoint names is deleted; '
    'one with history is retired (inactive, kept so the history still names it). Returns '
    'what happened, how many tasks were handed back, and the retired worker''s status.';

-- ---------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------

revoke all on function helix.ssh_config_checked(jsonb) from public;
revoke all on function helix.worker_health(numeric, numeric, numeric) from public;
revoke all on function helix.worker_event(uuid, text, jsonb, text) from public;
revoke all on function helix.register_worker(text, jsonb, text[], jsonb, integer, text)
    from public;
revoke all on function helix.heartbeat(uuid, jsonb) from public;
revoke all on function helix.set_worker_status(uuid, text) from public;
revoke all on function helix.purge_history(interval, integer) from public;
grant execute on function helix.register_worker(text, jsonb, text[], jsonb, integer, text)
    to helix_runner;
grant execute on function helix.heartbeat(uuid, jsonb) to helix_runner;
grant execute on function helix.set_worker_status(uuid, text) to helix_runner;
grant execute on function helix.purge_history(interval, integer) to helix_runner;
revoke all on function helix.remove_worker(uuid, boolean) from public;
