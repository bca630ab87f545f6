-- Sweep: the timeouts of the system, and work preservation.
--
-- sweep() is what a runner calls on a timer: workers that are late or silent, runners whose
-- lease ran out, tasks whose grace ended, retries that fell due, development sessions that
-- follow their task. The helpers prefixed sweep_ move tasks; the task engine's statement
-- triggers keep workers.current_tasks_count and send helix_task_ready / helix_events for
-- every task they move, so nothing here counts or announces tasks by hand.
--
-- Lock order: tasks before workers, as in the task engine (its count trigger updates the
-- worker row after the task rows). Runners before tasks (a runner row is only ever taken
-- with FOR NO KEY UPDATE here, which does not conflict with the FOR KEY SHARE that setting
-- distributed_tasks.runner_id takes).

-- ---------------------------------------------------------------------------------------
-- Helpers (no grants)
-- ---------------------------------------------------------------------------------------

create or replace function helix.grace_by_criticality()
returns table (criticality text, grace interval)
language sql stable as $$
    select c, helix.setting_interval('grace_' || c)
    from unnest(array['critical', 'high', 'normal', 'low']) c
$$;
comment on function helix.grace_by_criticality() is
    'How long a task of each criticality waits for its vanished worker (settings grace_*), '
    'read at each call so that a DBA''s UPDATE applies to tasks already waiting.';

create or replace function helix.sweep_preserve_tasks(
    p_worker_id uuid, p_task_ids uuid[], out o_waiting integer, out o_pending integer)
language plpgsql as $$
begin
    -- Each task the worker holds keeps its checkpoint and its retry_count, remembers the
    -- worker, and either waits for it (grace of its criticality > 0) or is pending at once.
    -- The grace is read here and again by sweep() at each call, so a DBA's UPDATE of
    -- grace_* applies to tasks already waiting.
    with moved as (
        update helix.distributed_tasks t
        set status = case when g.grace > interval '0' then 'waiting_for_worker'
                          else 'pending' end,
            waiting_since = case when g.grace > interval '0' then now() end,
            original_worker_id = t.assigned_worker_id,
            assigned_worker_id = null,
            runner_id = null,
            assigned_at = null,
            updated_at = now()
        from helix.grace_by_criticality() g
        where t.assigned_worker_id = p_worker_id
          and t.status in ('assigned', 'running')
          and (p_task_ids is null or t.id = any (p_task_ids))
          and g.criticality = t.criticality
        returning t.status
    )
    select count(*) filter (where status = 'waiting_for_worker'),
           count(*) filter (where status = 'pending')
    into o_waiting, o_pending
    from moved;
end
$$;
comment on function helix.sweep_preserve_tasks(uuid, uuid[]) is
    'Work preservation for one vanished worker: its assigned and running tasks (all, or only '
    'p_task_ids) go to waiting_for_worker when grace_<criticality> > 0, else to pending; '
    'original_worker_id set, checkpoint and retry_count kept. The caller holds the task rows.';

create or replace function helix.sweep_rescue_runner_tasks(p_runner_ids uuid[])
returns integer
language plpgsql as $$
declare
    v_count integer;
begin
    -- A lost runner's tasks are pending again at once, no retry spent. Their worker is not
    -- known to be gone, so they keep preferring it (original_worker_id); another runner
    -- serving it takes them. The lost runner's late reports fail: the task is no longer
    -- running, and its next assignment raises attempt.
    update helix.distributed_tasks
    set status = 'pending',
        original_worker_id = coalesce(assigned_worker_id, original_worker_id),
        assigned_worker_id = null,
        runner_id = null,
        assigned_at = null,
        waiting_since = null,
        updated_at = now()
    where runner_id = any (p_runner_ids) and status in ('assigned', 'running');
    get diagnostics v_count = row_count;
    return v_count;
end
$$;
comment on function helix.sweep_rescue_runner_tasks(uuid[]) is
    'The assigned and running tasks of lost or stopped runners: back to pending without '
    'spending a retry, preferring the worker they were on.';

create or replace function helix.sweep_follow_sessions() returns integer
language plpgsql as $$
declare
    v_waiting integer;
    v_back integer;
begin
    -- A session waits while its current task waits for its worker ...
    update helix.sessions s
    set status = 'waiting_for_worker', updated_at = now()
    from helix.distributed_tasks t
    where s.status = 'active' and t.id = s.current_task_id
      and t.status = 'waiting_for_worker';
    get diagnostics v_waiting = row_count;
    -- ... and is active again when the task runs again (or finished, or was paused or
    -- cancelled meanwhile: it no longer waits for a worker either way). Pending and assigned
    -- are still on the way back to running.
    update helix.sessions s
    set status = 'active', updated_at = now()
    where s.status = 'waiting_for_worker'
      and not exists (
          select from helix.distributed_tasks t
          where t.id = s.current_task_id
            and t.status in ('waiting_for_worker', 'pending', 'assigned'));
    get diagnostics v_back = row_count;
    return v_waiting + v_back;
end
$$;
comment on function helix.sweep_follow_sessions() is
    'Development sessions follow their current task: waiting_for_worker while it waits, '
    'active again once it runs (or ends). Returns how many sessions changed.';

-- ---------------------------------------------------------------------------------------
-- sweep
-- ---------------------------------------------------------------------------------------

create or replace function helix.sweep() returns integer
language plpgsql security definer set search_path = helix, public, pg_temp as $$
declare
    -- Any constant will do, as long as every sweep uses the same one ("helixswp").
    k_sweep_lock constant bigint := 7522529365993238640;
    v_timeout interval := helix.setting_interval('heartbeat_timeout');
    v_late interval := helix.setting_interval('heartbeat_interval')
                       * helix.setting_number('heartbeat_missed_factor');
    v_last timestamptz;
    v_done integer := 0;
    v_count integer;
    v_runners uuid[];
    v_candidates uuid[];
    v_tasks uuid[];
    v_worker helix.workers%rowtype;
    v_preserved record;
begin
    -- One sweep at a time: a second caller returns 0 at once instead of queueing behind
    -- the first and then finding nothing to do. The lock is transaction-level, so it goes
    -- with the commit (or with the session if the caller dies). Call sweep() in its own
    -- READ COMMITTED transaction: each statement then sees what the previous sweep did.
    if not pg_try_advisory_xact_lock(k_sweep_lock) then
        return 0;
    end if;
    select last_swept_at into v_last from helix.sweep_state;

    -- 1. Runners whose lease ran out are lost; their tasks are pending again.
    with lost as (
        update helix.runners
        set status = 'lost', updated_at = now()
        where status in ('running', 'stopping') and lease_expires_at < now()
        returning id
    )
    select array_agg(id) into v_runners from lost;
    if v_runners is not null then
        v_done := v_done + cardinality(v_runners)
                  + helix.sweep_rescue_runner_tasks(v_runners);
    end if;

    -- 2. Workers silent for heartbeat_timeout go offline and their tasks are preserved.
    --    A worker that never sent a heartbeat is silent since it was registered.
    select array_agg(id order by id) into v_candidates
    from helix.workers
    where status in ('active', 'maintenance', 'inactive')
      and coalesce(last_heartbeat, created_at) < now() - v_timeout;
    if v_candidates is not null then
        -- Their tasks first (lock order), then each worker, whose FOR UPDATE re-reads
        -- last_heartbeat: a heartbeat that committed meanwhile takes it out of the loop.
        select array_agg(id) into v_tasks from (
            select id from helix.distributed_tasks
            where assigned_worker_id = any (v_candidates) and status in ('assigned', 'running')
            order by id
            for update
        ) held;
        for v_worker in
            select * from helix.workers
            where id = any (v_candidates)
              and status in ('active', 'maintenance', 'inactive')
              and coalesce(last_heartbeat, created_at) < now() - v_timeout
            order by id
            for update
        loop
            if v_worker.heartbeat_missed_at is null then
                perform helix.worker_event(v_worker.id, 'heartbeat_missed', jsonb_build_object(
                    'last_heartbeat', v_worker.last_heartbeat), v_worker.status);
                v_done := v_done + 1;
            end if;
            -- Only the tasks locked above: one assigned since (a race with assign_tasks)
            -- is picked up by step 3 of the next sweep rather than risk a lock cycle.
            select * into v_preserved
            from helix.sweep_preserve_tasks(v_worker.id, coalesce(v_tasks, '{}'));
            update helix.workers
            set status = 'offline',
                return_status = case when status in ('maintenance', 'inactive') then status
                                     end,
                heartbeat_missed_at = coalesce(heartbeat_missed_at, now()),
                updated_at = now()
            where id = v_worker.id;
            perform helix.worker_event(v_worker.id, 'disconnected', jsonb_build_object(
                'previous_status', v_worker.status, 'last_heartbeat', v_worker.last_heartbeat,
                'tasks_waiting', v_preserved.o_waiting,
                'tasks_pending', v_preserved.o_pending), 'offline');
            v_done := v_done + 1 + v_preserved.o_waiting + v_preserved.o_pending;
        end loop;
    end if;

    -- 3. Tasks still held by a worker that is offline or failed (assigned to it in the
    --    moment it went away) are preserved like the others.
    for v_worker in
        select w.* from helix.workers w
        where w.status in ('offline', 'failed')
          and exists (select from helix.distributed_tasks t
                      where t.assigned_worker_id = w.id and t.status in ('assigned', 'running'))
        order by w.id
    loop
        select array_agg(id) into v_tasks from (
            select id from helix.distributed_tasks
            where assigned_worker_id = v_worker.id and status in ('assigned', 'running')
            order by id
            for update
        ) held;
        select * into v_preserved from helix.sweep_preserve_tasks(v_worker.id, v_tasks);
        v_done := v_done + v_preserved.o_waiting + v_preserved.o_pending;
    end loop;

    -- 4. Waiting tasks whose grace ended are pending for any capable worker. They keep
    --    original_worker_id: should it come back, it is still preferred.
    update helix.distributed_tasks t
    set status = 'pending', waiting_since = null, updated_at = now()
    from helix.grace_by_criticality() g
    where t.status = 'waiting_for_worker' and g.criticality = t.criticality
      and coalesce(t.waiting_since, '-infinity') + g.grace <= now();
    get diagnostics v_count = row_count;
    v_done := v_done + v_count;

    -- 5. Retries that fell due since the last sweep: no row changes, so no trigger speaks
    --    for them. run_after > created_at leaves out tasks that were simply submitted.
    select count(*) into v_count
    from helix.distributed_tasks
    where status = 'pending' and pending_dependencies = 0
      and run_after > coalesce(v_last, '-infinity') and run_after <= now()
      and run_after > created_at;
    if v_count > 0 then
        perform pg_notify('helix_task_ready', '');
        v_done := v_done + v_count;
    end if;

    -- 6. Development sessions follow their current task.
    v_done := v_done + helix.sweep_follow_sessions();

    -- 7. Workers late but not yet timed out: one heartbeat_missed event per silence. Last,
    --    because it locks worker rows and nothing after it locks a task.
    for v_worker in
        update helix.workers
        set heartbeat_missed_at = now(), updated_at = now()
        where status in ('active', 'maintenance', 'inactive')
          and heartbeat_missed_at is null
          and coalesce(last_heartbeat, created_at) < now() - v_late
        returning *
    loop
        perform helix.worker_event(v_worker.id, 'heartbeat_missed', jsonb_build_object(
            'last_heartbeat', v_worker.last_heartbeat), v_worker.status);
        v_done := v_done + 1;
    end loop;

    update helix.sweep_state set last_swept_at = now(), last_result = v_done;
    return v_done;
end
$$;
comment on function helix.sweep() is
    'The timeouts, safe to call often and from several runners (one does the work, the others '
    'return 0): lost runners and their tasks; workers silent for heartbeat_timeout go offline '
    'with their tasks preserved; late workers get one heartbeat_missed event; waiting tasks '
    'whose grace ended become pending; retries that fell due are announced; sessions follow '
    'their task. Returns how many things it did.';

comment on column helix.sweep_state.last_swept_at is
    'When sweep() last did its work (not when it last returned 0 because another sweep '
    'held the lock).';
comment on column helix.sweep_state.last_result is
    'How many things that sweep did.';

revoke all on function helix.grace_by_criticality() from public;
revoke all on function helix.sweep_preserve_tasks(uuid, uuid[]) from public;
revoke all on function helix.sweep_rescue_runner_tasks(uuid[]) from public;
revoke all on function helix.sweep_follow_sessions() from public;
revoke all on function helix.sweep() from public;
grant execute on function helix.sweep() to helix_runner;
