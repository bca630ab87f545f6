-- Invariants of workers, runners and work preservation: helix.check_invariants() calls
-- helix.invariants_workers() and unions its rows with the other areas'. Each row is one
-- violation. Rules about timeouts hold "as of the last sweep", so a check between two
-- sweeps does not report what the next sweep will do anyway.

create or replace function helix.invariants_workers()
returns table (invariant text, object_id uuid, detail text)
language sql stable security definer set search_path = helix, public, pg_temp as $$
    with s as (
        select last_swept_at,
               helix.setting_interval('heartbeat_timeout') as timeout
        from helix.sweep_state
    )
    select 'offline_worker_holds_tasks', w.id,
           format('worker %s is %s and holds %s assigned/running task(s)',
                  w.hostname, w.status, count(*))
    from helix.workers w
    join helix.distributed_tasks t
      on t.assigned_worker_id = w.id and t.status in ('assigned', 'running')
    where w.status in ('offline', 'failed')
    group by w.id, w.hostname, w.status
    union all
    select 'silent_worker_not_offline', w.id,
           format('worker %s is %s, last heartbeat %s, yet sweep ran at %s',
                  w.hostname, w.status, coalesce(w.last_heartbeat::text, 'never'),
                  s.last_swept_at)
    from helix.workers w, s
    where w.status in ('active', 'maintenance', 'inactive')
      and coalesce(w.last_heartbeat, w.created_at) + s.timeout < s.last_swept_at
    union all
    select 'return_status_on_present_worker', w.id,
           format('worker %s is %s but has return_status %s', w.hostname, w.status,
                  w.return_status)
    from helix.workers w
    where w.return_status is not null and w.status not in ('offline', 'failed')
    union all
    select 'missed_mark_older_than_heartbeat', w.id,
           format('worker %s missed at %s, heartbeat at %s', w.hostname,
                  w.heartbeat_missed_at, w.last_heartbeat)
    from helix.workers w
    where w.heartbeat_missed_at < w.last_heartbeat
    union all
    select 'gone_runner_holds_tasks', r.id,
           format('runner %s is %s and holds %s assigned/running task(s)', r.name, r.status,
                  count(*))
    from helix.runners r
    join helix.distributed_tasks t
      on t.runner_id = r.id and t.status in ('assigned', 'running')
    where r.status in ('lost', 'stopped')
    group by r.id, r.name, r.status
    union all
    select 'expired_runner_not_lost', r.id,
           format('runner %s lease expired at %s, yet sweep ran at %s', r.name,
                  r.lease_expires_at, s.last_swept_at)
    from helix.runners r, s
    where r.status in ('running', 'stopping') and r.lease_expires_at < s.last_swept_at
    union all
    select 'waiting_task_malformed', t.id,
           format('task in waiting_for_worker with waiting_since %s, assigned_worker_id %s, '
                  'runner_id %s', t.waiting_since, t.assigned_worker_id, t.runner_id)
    from helix.distributed_tasks t
    -- (a missing original_worker_id is reported by invariants_tasks)
    where t.status = 'waiting_for_worker'
      and (t.waiting_since is null or t.assigned_worker_id is not null
           or t.runner_id is not null)
    union all
    select 'waiting_past_grace', t.id,
           format('%s task waiting since %s, grace %s, yet sweep ran at %s', t.criticality,
                  t.waiting_since, g.grace, s.last_swept_at)
    from helix.distributed_tasks t
    join helix.grace_by_criticality() g on g.criticality = t.criticality
    cross join s
    where t.status = 'waiting_for_worker' and t.waiting_since + g.grace <= s.last_swept_at
    union all
    select 'waiting_since_outside_waiting', t.id,
           format('task in %s has waiting_since %s', t.status, t.waiting_since)
    from helix.distributed_tasks t
    where t.waiting_since is not null and t.status <> 'waiting_for_worker'
$$;
comment on function helix.invariants_workers() is
    'Violations of the worker rules, one row each: offline workers or gone runners holding '
    'tasks, silent workers or expired runners a sweep left alone, malformed or overdue '
    'waiting tasks. Empty when all is well; part of helix.check_invariants().';

revoke all on function helix.invariants_workers() from public;
-- check_invariants() runs with its caller's rights and calls this one.
grant execute on function helix.invariants_workers() to helix_runner, helix_readonly;
