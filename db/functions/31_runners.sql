-- Runners: the daemons that run tasks, as rows with a lease.
--
-- A runner registers at start, renews its lease well within runner_timeout (every third of
-- it, say), and stops cleanly at shutdown. One whose lease runs out is lost: sweep() rescues
-- the tasks it held (32_sweep.sql), and it must register anew to work again.

create or replace function helix.register_runner(
    p_name text,
    p_hostname text,
    p_pid integer default null,
    p_version text default null
) returns uuid
language plpgsql security definer set search_path = helix, public, pg_temp as $$
declare
    v_id uuid;
begin
    if p_name is null or btrim(p_name) = '' then
        raise exception 'runner name % is refused: p_name must be non-blank text',
            coalesce(quote_literal(p_name), 'NULL')
            using errcode = 'HX001', hint = 'For example the coordinator''s hostname and pid.';
    end if;
    if p_hostname is null or btrim(p_hostname) = '' then
        raise exception 'hostname % is refused: p_hostname must be non-blank text',
            coalesce(quote_literal(p_hostname), 'NULL')
            using errcode = 'HX001', hint = 'The host the runner runs on.';
    end if;
    if p_pid is not null and p_pid <= 0 then
        raise exception 'pid % is refused: p_pid must be positive or NULL', p_pid
            using errcode = 'HX001', hint = 'The runner''s process id.';
    end if;
    if p_version is not null and btrim(p_version) = '' then
        raise exception 'version is blank: p_version must be NULL or non-blank text'
            using errcode = 'HX001', hint = 'The helixcode package version.';
    end if;
    -- Every start is a new row: a restarted runner holds none of its predecessor's tasks.
    insert into helix.runners (name, hostname, pid, version, lease_expires_at)
    values (p_name, p_hostname, p_pid, p_version,
            now() + helix.setting_interval('runner_timeout'))
    returning id into v_id;
    return v_id;
end
$$;
comment on function helix.register_runner(text, text, integer, text) is
    'A runner starting: a new row, status running, lease runner_timeout long. Returns its id.';

create or replace function helix.renew_runner_lease(
    p_runner_id uuid, p_stopping boolean default false) returns timestamptz
language plpgsql security definer set search_path = helix, public, pg_temp as $$
declare
    v_runner helix.runners%rowtype;
    v_expires timestamptz := now() + helix.setting_interval('runner_timeout');
begin
    if p_runner_id is null then
        raise exception 'p_runner_id is NULL: say which runner'
            using errcode = 'HX001', hint = 'register_runner returns the id.';
    end if;
    if p_stopping is null then
        raise exception 'p_stopping is NULL: it must be true or false'
            using errcode = 'HX001', hint = 'true while the runner drains for shutdown.';
    end if;
    -- The row lock orders a renewal with sweep(): either the lease is renewed first and
    -- sweep leaves the runner alone, or sweep declared it lost first and this is refused.
    select * into v_runner from helix.runners where id = p_runner_id for update;
    if not found then
        raise exception 'runner % does not exist', p_runner_id
            using errcode = 'HX002', hint = 'Register with register_runner.';
    end if;
    if v_runner.status in ('lost', 'stopped') then
        raise exception 'runner % is %: its lease cannot be renewed', p_runner_id,
            v_runner.status
            using errcode = 'HX003',
                  hint = case when v_runner.status = 'lost'
                         then 'Its tasks were rescued: stop every task it runs, then '
                              'register again with register_runner.'
                         else 'Register again with register_runner.' end;
    end if;
    update helix.runners
    set lease_expires_at = v_expires,
        last_seen_at = now(),
        status = case when p_stopping then 'stopping' else status end,
        updated_at = now()
    where id = p_runner_id;
    return v_expires;
end
$$;
comment on function helix.renew_runner_lease(uuid, boolean) is
    'A runner''s sign of life: the lease runs runner_timeout from now; returns the new '
    'expiry. p_stopping marks it stopping (draining for shutdown; never undone). Refused for '
    'an unknown runner (HX002) and one already lost or stopped (HX003).';

create or replace function helix.stop_runner(p_runner_id uuid) returns void
language plpgsql security definer set search_path = helix, public, pg_temp as $$
declare
    v_runner helix.runners%rowtype;
begin
    if p_runner_id is null then
        raise exception 'p_runner_id is NULL: say which runner'
            using errcode = 'HX001', hint = 'register_runner returns the id.';
    end if;
    select * into v_runner from helix.runners where id = p_runner_id for update;
    if not found then
        raise exception 'runner % does not exist', p_runner_id
            using errcode = 'HX002', hint = 'select id, name from helix.runners';
    end if;
    -- Stopping twice is harmless; a lost runner stays recorded as lost.
    if v_runner.status in ('stopped', 'lost') then
        return;
    end if;
    -- A clean shutdown releases its tasks first; any it still holds go back to pending
    -- now rather than wait for a lease that will never be renewed.
    perform helix.sweep_rescue_runner_tasks(array[p_runner_id]);
    update helix.runners
    set status = 'stopped', stopped_at = now(), last_seen_at = now(), updated_at = now()
    where id = p_runner_id;
end
$$;
comment on function helix.stop_runner(uuid) is
    'A runner''s clean shutdown: status stopped; tasks it still held go back to pending (no '
    'retry spent). Stopping a stopped or lost runner does nothing.';

revoke all on function helix.register_runner(text, text, integer, text) from public;
revoke all on function helix.renew_runner_lease(uuid, boolean) from public;
revoke all on function helix.stop_runner(uuid) from public;
grant execute on function helix.register_runner(text, text, integer, text) to helix_runner;
grant execute on function helix.renew_runner_lease(uuid, boolean) to helix_runner;
grant execute on function helix.stop_runner(uuid) to helix_runner;

-- ---------------------------------------------------------------------------------------
-- What a runner reads: the workers to reach, and its pacing
-- ---------------------------------------------------------------------------------------

create or replace function helix.runner_workers()
returns table(id uuid, hostname text, ssh_config jsonb, status text, health_status text)
language sql stable security definer
set search_path = helix, public, pg_temp as $$
    select w.id, w.hostname::text, w.ssh_config, w.status::text, w.health_status::text
    from helix.workers w
    where w.status in ('active', 'maintenance', 'offline')
    order by w.hostname
$$;
comment on function helix.runner_workers() is
    'Workers a runner should reach and probe: active, maintenance and offline ones (an '
    'offline worker is probed so its return is noticed), with their ssh_config. Lets the '
    'runner role work without reading helix.workers.';

create or replace function helix.runner_timings()
returns table(heartbeat_interval_s double precision, heartbeat_timeout_s double precision,
              runner_timeout_s double precision)
language sql stable security definer
set search_path = helix, public, pg_temp as $$
    select extract(epoch from helix.setting_interval('heartbeat_interval'))::float8,
           extract(epoch from helix.setting_interval('heartbeat_timeout'))::float8,
           extract(epoch from helix.setting_interval('runner_timeout'))::float8
$$;
comment on function helix.runner_timings() is
    'The settings that pace a runner, in seconds: how often to probe workers, when they '
    'count as gone, and the lease a runner must renew within.';

revoke all on function helix.runner_workers() from public;
revoke all on function helix.runner_timings() from public;
grant execute on function helix.runner_workers() to helix_runner;
grant execute on function helix.runner_timings() to helix_runner;
