-- Invariants: helix.check_invariants() collects every helix.invariants_<area>() function's
-- rows (one per violation), and helix.invariants_tasks() holds the task engine's rules.
--
-- Owned by the task engine (issue 3). Other areas add their own invariants_<area>() with the
-- same result shape; check_invariants finds them by name, nothing to register. The file name
-- sorts late so that every area's functions exist when it is applied.

create or replace function helix.invariants_tasks()
returns table(invariant text, object_id uuid, detail text)
language sql stable
set search_path = helix, public, pg_temp as $$
    with held as (
        select t.assigned_worker_id as worker_id, count(*)::int as n
        from helix.distributed_tasks t
        where t.status in ('assigned', 'running') and t.assigned_worker_id is not null
        group by t.assigned_worker_id
    ), unfinished_deps as (
        select d.task_id, count(*)::int as n
        from helix.task_dependencies d
        join helix.distributed_tasks p on p.id = d.depends_on_id
        where p.status <> 'completed'
        group by d.task_id
    )
    select 'worker_count_mismatch', w.id,
           format('worker %s has current_tasks_count %s but holds %s tasks', w.hostname,
                  w.current_tasks_count, coalesce(h.n, 0))
    from helix.workers w left join held h on h.worker_id = w.id
    where w.current_tasks_count <> coalesce(h.n, 0)
    union all
    select 'worker_over_capacity', w.id,
           format('worker %s holds %s tasks, max_concurrent_tasks is %s', w.hostname, h.n,
                  w.max_concurrent_tasks)
    from helix.workers w join held h on h.worker_id = w.id
    where h.n > w.max_concurrent_tasks
    union all
    select 'held_without_worker', t.id,
           format('task is %s but has no assigned worker', t.status)
    from helix.distributed_tasks t
    where t.status in ('assigned', 'running') and t.assigned_worker_id is null
    union all
    select 'held_without_attempt', t.id,
           format('task is %s with attempt 0', t.status)
    from helix.distributed_tasks t
    where t.status in ('assigned', 'running') and t.attempt < 1
    union all
    select 'completed_with_unfinished_dependency', t.id,
           format('task is completed but %s of its dependencies are not', u.n)
    from helix.distributed_tasks t join unfinished_deps u on u.task_id = t.id
    where t.status = 'completed'
    union all
    select 'pending_dependencies_mismatch', t.id,
           format('pending_dependencies is %s but %s dependencies are unfinished',
                  t.pending_dependencies, coalesce(u.n, 0))
    from helix.distributed_tasks t left join unfinished_deps u on u.task_id = t.id
    where t.pending_dependencies <> coalesce(u.n, 0)
    union all
    select 'dependency_edges_mismatch', t.id,
           'dependencies array and task_dependencies rows disagree'
    from helix.distributed_tasks t
    where coalesce(t.dependencies, '{}') is distinct from
          array(select d.depends_on_id from helix.task_dependencies d
                where d.task_id = t.id order by d.depends_on_id)
      and (cardinality(t.dependencies) > 0
           or exists (select from helix.task_dependencies d where d.task_id = t.id))
    union all
    select 'held_on_offline_worker', t.id,
           format('task is %s on worker %s, offline and silent since %s (heartbeat_timeout %s)',
                  t.status, w.hostname, w.last_heartbeat,
                  helix.setting_interval('heartbeat_timeout'))
    from helix.distributed_tasks t join helix.workers w on w.id = t.assigned_worker_id
    where t.status in ('assigned', 'running') and w.status = 'offline'
      and coalesce(w.last_heartbeat, w.updated_at)
          < now() - 2 * helix.setting_interval('heartbeat_timeout')
    union all
    select 'waiting_without_original_worker', t.id,
           'task waits for its worker but original_worker_id is null'
    from helix.distributed_tasks t
    where t.status = 'waiting_for_worker' and t.original_worker_id is null
    union all
    select 'unfinished_dependent_of_dead_task', t.id,
           format('task is %s but its dependency %s is %s', t.status, p.id, p.status)
    from helix.distributed_tasks t
    join helix.task_dependencies d on d.task_id = t.id
    join helix.distributed_tasks p on p.id = d.depends_on_id
    where p.status in ('failed', 'cancelled')
      and t.status not in ('completed', 'failed', 'cancelled')
$$;
comment on function helix.invariants_tasks() is
    'One row per violated task-engine invariant: worker counts that disagree with the tasks '
    'held, a worker over capacity, a held task with no worker or attempt 0, a completed task '
    'with an unfinished dependency, pending_dependencies or edges that disagree with the '
    'dependencies, a task held on a worker offline for more than twice heartbeat_timeout, a '
    'waiting task with no original worker, an unfinished dependent of a failed or cancelled '
    'task. Scans the tables: for tests and operators, not for hot paths.';

create or replace function helix.check_invariants()
returns table(invariant text, object_id uuid, detail text)
language plpgsql stable security definer
set search_path = helix, public, pg_temp as $$
declare
    f regprocedure;
begin
    -- Every helix.invariants_*() without arguments, in name order. The name comes from the
    -- catalog and goes through format('%s') of a regprocedure, which quotes it.
    for f in
        select p.oid::regprocedure from pg_proc p
        where p.pronamespace = 'helix'::regnamespace
          and p.proname like 'invariants\_%' and p.pronargs = 0
        order by p.proname
    loop
        return query execute format('select * from %s', f);
    end loop;
end
$$;
comment on function helix.check_invariants() is
    'Every violated invariant of every area: the union of all helix.invariants_<area>() '
    'functions (found by name), one row each (invariant, object_id, detail). Empty when '
    'all is well.';

revoke all on function helix.invariants_tasks() from public;
revoke all on function helix.check_invariants() from public;
grant execute on function helix.check_invariants() to helix_runner, helix_readonly;
