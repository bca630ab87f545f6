-- Tasks, part 3: operator controls. cancel, pause, resume and retry, each refusing a
-- transition the task's status does not allow (HX003).
--
-- Owned by the task engine (issue 3). Stopping a task that a runner holds sends
-- helix_task_control with the attempt; the runner's later reports for that attempt are
-- refused, because the task's status no longer allows them (HX003) or, once it has been
-- assigned again, because the attempt moved on (HX004). Nothing here bumps attempt.

create or replace function helix.lock_task_for_control(p_task_id uuid)
returns helix.distributed_tasks
language plpgsql as $$
declare
    v helix.distributed_tasks;
begin
    if p_task_id is null then
        raise exception 'task_id NULL is not a task: p_task_id is required'
            using errcode = 'HX001', hint = 'Pass the id submit_task returned.';
    end if;
    -- The same row lock every report takes: a report waits for us and then sees the new
    -- status, or it went first and we see its result.
    select * into v from helix.distributed_tasks t where t.id = p_task_id for no key update;
    if not found then
        raise exception 'task % does not exist (p_task_id)', p_task_id
            using errcode = 'HX002', hint = 'Check the id; finished tasks may have been purged.';
    end if;
    return v;
end
$$;
comment on function helix.lock_task_for_control(uuid) is
    'Locks a task row for an operator control; refuses a null id (HX001) or an unknown '
    'task (HX002).';

create or replace function helix.send_task_control(p_task helix.distributed_tasks,
                                                   p_action text)
returns void
language sql as $$
    select pg_notify('helix_task_control',
                     json_build_object('task_id', p_task.id, 'attempt', p_task.attempt,
                                       'action', p_action)::text)
    where p_task.status in ('assigned', 'running')
$$;
comment on function helix.send_task_control(helix.distributed_tasks, text) is
    'Tells the runner holding a task (assigned or running) to stop it: helix_task_control '
    '{"task_id", "attempt", "action"}. Does nothing for a task no runner holds.';

create or replace function helix.cancel_task(p_task_id uuid, p_reason text default null)
returns void
language plpgsql security definer
set search_path = helix, public, pg_temp as $$
declare
    v helix.distributed_tasks := helix.lock_task_for_control(p_task_id);
begin
    if v.status in ('completed', 'failed', 'cancelled') then
        raise exception 'task % is %: only an unfinished task can be cancelled', p_task_id,
            v.status
            using errcode = 'HX003', hint = 'It has already finished; nothing to cancel.';
    end if;
    update helix.distributed_tasks t
    set status = 'cancelled',
        error_message = 'cancelled' || coalesce(': ' || nullif(btrim(p_reason), ''), ''),
        completed_at = now(),
        runner_id = null,
        waiting_since = null,
        updated_at = now()
    where t.id = p_task_id;
    perform helix.send_task_control(v, 'cancel');
end
$$;
comment on function helix.cancel_task(uuid, text) is
    'Cancels an unfinished task (its dependents are cancelled with it); a runner holding it '
    'is told through helix_task_control. Refuses HX001, HX002, HX003 (already finished).';

create or replace function helix.pause_task(p_task_id uuid) returns void
language plpgsql security definer
set search_path = helix, public, pg_temp as $$
declare
    v helix.distributed_tasks := helix.lock_task_for_control(p_task_id);
begin
    if v.status not in ('pending', 'assigned', 'running', 'waiting_for_worker') then
        raise exception 'task % is %: only a pending, assigned, running or waiting task can '
            'be paused', p_task_id, v.status
            using errcode = 'HX003',
                  hint = case when v.status = 'paused' then 'It is paused already.'
                              else 'It has finished; retry_task runs it again.' end;
    end if;
    -- A held task's slot is freed (status paused is not held); the worker it ran on stays
    -- preferred, and its checkpoint is kept for the resumed run.
    update helix.distributed_tasks t
    set status = 'paused',
        original_worker_id = coalesce(t.assigned_worker_id, t.original_worker_id),
        assigned_worker_id = null,
        runner_id = null,
        waiting_since = null,
        started_at = null,
        updated_at = now()
    where t.id = p_task_id;
    perform helix.send_task_control(v, 'pause');
end
$$;
comment on function helix.pause_task(uuid) is
    'Pauses a task that has not finished; a runner holding it is told through '
    'helix_task_control and its slot is freed. resume_task makes it pending again. Refuses '
    'HX001, HX002, HX003 (paused already, or finished).';

create or replace function helix.resume_task(p_task_id uuid) returns void
language plpgsql security definer
set search_path = helix, public, pg_temp as $$
declare
    v helix.distributed_tasks := helix.lock_task_for_control(p_task_id);
begin
    if v.status <> 'paused' then
        raise exception 'task % is %: only a paused task can be resumed', p_task_id, v.status
            using errcode = 'HX003', hint = 'pause_task first.';
    end if;
    update helix.distributed_tasks t
    set status = 'pending', run_after = now(), updated_at = now()
    where t.id = p_task_id;
end
$$;
comment on function helix.resume_task(uuid) is
    'paused -> pending (ready once its dependencies are complete), resuming from its '
    'checkpoint. Refuses HX001, HX002, HX003 (not paused).';

create or replace function helix.retry_task(p_task_id uuid) returns void
language plpgsql security definer
set search_path = helix, public, pg_temp as $$
declare
    v helix.distributed_tasks := helix.lock_task_for_control(p_task_id);
    v_dep record;
begin
    if v.status not in ('failed', 'cancelled') then
        raise exception 'task % is %: only a failed or cancelled task can be retried',
            p_task_id, v.status
            using errcode = 'HX003', hint = 'A task that has not finished needs no retry.';
    end if;
    select t.id, t.status into v_dep
    from helix.task_dependencies d
    join helix.distributed_tasks t on t.id = d.depends_on_id
    where d.task_id = p_task_id and t.status in ('failed', 'cancelled')
    order by t.id limit 1;
    if found then
        raise exception 'task % cannot be retried: its dependency % is %', p_task_id,
            v_dep.id, v_dep.status
            using errcode = 'HX003', hint = 'Retry the dependency first.';
    end if;
    update helix.distributed_tasks t
    set status = 'pending',
        retry_count = 0,
        run_after = now(),
        error_message = null,
        result_data = null,
        completed_at = null,
        started_at = null,
        assigned_worker_id = null,
        runner_id = null,
        updated_at = now()
    where t.id = p_task_id;
end
$$;
comment on function helix.retry_task(uuid) is
    'A failed or cancelled task back to pending with retry_count 0 and its error cleared; '
    'checkpoint_data and attempt are kept (attempt only grows). Its dependents that failed '
    'with it stay failed: retry each of them after it. Refuses HX001, HX002, HX003 (not '
    'failed or cancelled, or a dependency is itself failed or cancelled).';

revoke all on function helix.lock_task_for_control(uuid) from public;
revoke all on function helix.send_task_control(helix.distributed_tasks, text) from public;
revoke all on function helix.cancel_task(uuid, text) from public;
revoke all on function helix.pause_task(uuid) from public;
revoke all on function helix.resume_task(uuid) from public;
revoke all on function helix.retry_task(uuid) from public;
grant execute on function helix.cancel_task(uuid, text) to helix_app;
grant execute on function helix.pause_task(uuid) to helix_app;
grant execute on function helix.resume_task(uuid) to helix_app;
grant execute on function helix.retry_task(uuid) to helix_app;
