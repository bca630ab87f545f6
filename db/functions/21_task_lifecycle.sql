-- Tasks, part 2: the runner's side of a task's life. assign_tasks hands ready tasks to
-- capable workers; start, progress, checkpoint, complete, fail and release report on them,
-- each carrying the attempt it was handed as a fencing token.
--
-- Owned by the task engine (issue 3). Worker counts, dependents and notifications follow
-- from the triggers of 20_tasks.sql.

-- ---------------------------------------------------------------------------------------
-- Common refusals
-- ---------------------------------------------------------------------------------------

create or replace function helix.check_report_args(p_task_id uuid, p_attempt integer)
returns void
language plpgsql immutable as $$
begin
    if p_task_id is null then
        raise exception 'task_id NULL is not a task: p_task_id is required'
            using errcode = 'HX001', hint = 'Pass the task_id assign_tasks returned.';
    end if;
    if p_attempt is null or p_attempt < 1 then
        raise exception 'attempt % is not valid: p_attempt must be the attempt (1 or more) '
            'assign_tasks returned', coalesce(p_attempt::text, 'NULL')
            using errcode = 'HX001', hint = 'Pass the attempt assign_tasks returned.';
    end if;
end
$$;
comment on function helix.check_report_args(uuid, integer) is
    'Refuses (HX001) a null task id or an attempt below 1.';

-- Called when a fenced UPDATE matched no row: says why, in the order a caller needs to know
-- it (unknown task, then a stale attempt, then a status that does not allow the action).
create or replace function helix.refuse_report(
    p_task_id uuid, p_attempt integer, p_statuses text[], p_action text
) returns void
language plpgsql stable as $$
declare
    v_status text;
    v_attempt integer;
begin
    select t.status, t.attempt into v_status, v_attempt
    from helix.distributed_tasks t where t.id = p_task_id;
    if not found then
        raise exception 'task % does not exist (p_task_id)', p_task_id
            using errcode = 'HX002', hint = 'Pass the task_id assign_tasks returned.';
    end if;
    if v_attempt <> p_attempt then
        raise exception 'attempt % of task % is stale: the task is at attempt % (p_attempt)',
            p_attempt, p_task_id, v_attempt
            using errcode = 'HX004',
                  hint = 'The task was reassigned since; stop this run and drop its result.';
    end if;
    raise exception 'task % is %: only a task that is % can be %', p_task_id, v_status,
        array_to_string(p_statuses, ' or '), p_action
        using errcode = 'HX003',
              hint = case when v_status in ('cancelled', 'paused', 'pending')
                          then 'The task was stopped or handed back; stop this run.'
                          else 'Report in order: start, then complete or fail.' end;
end
$$;
comment on function helix.refuse_report(uuid, integer, text[], text) is
    'Raises the refusal for a report that matched no row: HX002, HX004 or HX003.';

-- ---------------------------------------------------------------------------------------
-- assign_tasks
-- ---------------------------------------------------------------------------------------

-- Lock order, which is what keeps concurrent callers free of deadlocks:
--   1. worker rows, FOR NO KEY UPDATE SKIP LOCKED, in id order;
--   2. task rows, FOR UPDATE SKIP LOCKED, in assignment order.
-- Holding the worker rows for the rest of the transaction means no other caller can hand
-- the same worker more tasks than its free slots, and the count trigger then updates rows
-- we already hold. Other writers (complete, fail, sweep) lock a task and then its worker;
-- they may wait for us.
--
-- Only when step 1 locked no worker although some could take work (every one of them is
-- held by another transaction: another caller assigning to it, or a completion updating
-- its count, each a few milliseconds) does assign_tasks wait for them, in id order, at
-- most lock_timeout (set on the function, 100ms, far below deadlock_timeout); it holds no
-- task of its own then. Skipping instead sent a caller sharing a worker with others away
-- empty-handed most of the time: measured with 16 connections cycling tasks through one
-- worker, 1.7 thousand tasks per second completed against 8 thousand with one connection.
-- A wait that would close a lock cycle (a caller's own transaction holding another worker)
-- ends at lock_timeout, and the call returns no task, as a skip would have.
--
-- The ready query repeats the partial index's predicate literally, and the function runs
-- with enable_seqscan, enable_bitmapscan and enable_sort off, so even a generic plan made
-- when the table looked empty reads distributed_tasks_ready_idx in order and stops after
-- what it needs. (Without enable_sort = off, another index with the same predicate, such as
-- sweep's distributed_tasks_pending_run_after_idx on run_after, plus a Sort can look
-- cheaper on a small table, and that plan reads every ready task on a big one.)
create or replace function helix.assign_tasks(
    p_limit integer default 10,
    p_runner_id uuid default null,
    p_worker_ids uuid[] default null
) returns table(task_id uuid, worker_id uuid, task_type text, task_data jsonb,
                checkpoint_data jsonb, attempt integer)
language plpgsql security definer
set search_path = helix, public, pg_temp
set enable_seqscan = off
set enable_bitmapscan = off
set enable_sort = off
set lock_timeout = '100ms' as $$
#variable_conflict use_column
declare
    v_runner_status text;
    v_pass integer;
    v_w_ids uuid[];
    v_w_caps jsonb[];
    v_w_free integer[];
    v_free_total integer;
    v_n_workers integer;
    v_rr integer := 0;          -- round-robin position: spreads tasks over workers
    v_pick integer;
    v_task_ids uuid[] := '{}';
    v_task_workers uuid[] := '{}';
    v_scan_limit integer;
    v_req jsonb;
    v_ready refcursor;
    r record;
    i integer;
    k integer;
begin
    if p_limit is null or p_limit not between 1 and 10000 then
        raise exception 'limit % is out of range: p_limit must be between 1 and 10000',
            coalesce(p_limit::text, 'NULL')
            using errcode = 'HX001', hint = 'Ask for about as many tasks as you can run.';
    end if;
    if p_runner_id is not null then
        select r.status into v_runner_status from helix.runners r where r.id = p_runner_id;
        if not found then
            raise exception 'runner % does not exist (p_runner_id)', p_runner_id
                using errcode = 'HX002', hint = 'Register with helix.register_runner first.';
        end if;
        if v_runner_status <> 'running' then
            raise exception 'runner % is %: only a running runner takes work (p_runner_id)',
                p_runner_id, v_runner_status
                using errcode = 'HX003',
                      hint = 'A lost runner must stop its tasks and register again.';
        end if;
    end if;

    -- Nothing ready (the idle case, when runners poll on their timers): return before
    -- taking any worker lock, which would write to the worker rows for nothing.
    if not exists (select from helix.distributed_tasks t
                   where t.status = 'pending' and t.pending_dependencies = 0
                     and t.run_after <= now()) then
        return;
    end if;

    -- The second pass runs only when the first locked no worker: see the lock order above.
    for v_pass in 1 .. 2 loop
        select array_agg(w.id order by w.id),
               array_agg(to_jsonb(w.capabilities) order by w.id),
               array_agg(w.max_concurrent_tasks - w.current_tasks_count order by w.id)
          into v_w_ids, v_w_caps, v_w_free
        from (select w.id, w.capabilities, w.max_concurrent_tasks, w.current_tasks_count
              from helix.workers w
              where w.status = 'active'
                and w.health_status <> 'unhealthy'
                and w.current_tasks_count < w.max_concurrent_tasks
                and (p_worker_ids is null or w.id = any (p_worker_ids))
              order by w.id
              for no key update skip locked) w;
        exit when v_w_ids is not null or v_pass = 2;
        -- Wait for the candidates others hold (at most lock_timeout); rows that do not
        -- qualify are not waited for, so with no candidate at all this returns at once.
        -- Once we hold them, the pass above returns them (SKIP LOCKED skips only the locks
        -- of other transactions).
        begin
            perform from helix.workers w
            where w.status = 'active' and w.health_status <> 'unhealthy'
              and w.current_tasks_count < w.max_concurrent_tasks
              and (p_worker_ids is null or w.id = any (p_worker_ids))
            order by w.id
            for no key update;
        exception
            when lock_not_available then
                return;
        end;
    end loop;
    v_n_workers := coalesce(cardinality(v_w_ids), 0);
    if v_n_workers = 0 then
        return;
    end if;
    select sum(f) into v_free_total from unnest(v_w_free) f;
    -- Tasks no locked worker can take are passed over; the scan stops after this many.
    v_scan_limit := least(p_limit, v_free_total) * 4 + 100;

    -- An explicit cursor fetched one row at a time: a FOR loop would prefetch (and so lock)
    -- ten rows when one is wanted, and other callers would skip tasks nobody is taking.
    open v_ready for
        select t.id, t.required_capabilities, t.original_worker_id
        from helix.distributed_tasks t
        where t.status = 'pending' and t.pending_dependencies = 0 and t.run_after <= now()
        order by t.criticality_rank, t.priority desc, t.created_at, t.id
        limit v_scan_limit
        for update skip locked;
    loop
        fetch v_ready into r;
        exit when not found;
        v_pick := null;
        v_req := case when cardinality(r.required_capabilities) > 0
                      then to_jsonb(r.required_capabilities) end;
        if r.original_worker_id is not null then
            i := array_position(v_w_ids, r.original_worker_id);
            if i is not null and v_w_free[i] > 0
               and (v_req is null or v_w_caps[i] @> v_req) then
                v_pick := i;
            end if;
        end if;
        if v_pick is null then
            for k in 1 .. v_n_workers loop
                i := (v_rr + k - 1) % v_n_workers + 1;
                if v_w_free[i] > 0 and (v_req is null or v_w_caps[i] @> v_req) then
                    v_pick := i;
                    v_rr := i;
                    exit;
                end if;
            end loop;
        end if;
        if v_pick is not null then
            v_task_ids := v_task_ids || r.id;
            v_task_workers := v_task_workers || v_w_ids[v_pick];
            v_w_free[v_pick] := v_w_free[v_pick] - 1;
            v_free_total := v_free_total - 1;
            exit when cardinality(v_task_ids) >= p_limit or v_free_total = 0;
        end if;
    end loop;
    close v_ready;

    if cardinality(v_task_ids) = 0 then
        return;
    end if;
    -- One UPDATE for all of them: one trigger round (counts, one helix_events).
    return query
    update helix.distributed_tasks t
    set status = 'assigned',
        assigned_worker_id = c.worker_id,
        runner_id = p_runner_id,
        assigned_at = now(),
        attempt = t.attempt + 1,
        started_at = null,
        waiting_since = null,
        progress = null,
        progress_message = null,
        updated_at = now()
    from unnest(v_task_ids, v_task_workers) as c(id, worker_id)
    where t.id = c.id
    returning t.id, c.worker_id, t.task_type::text, t.task_data, t.checkpoint_data, t.attempt;
end
$$;
comment on function helix.assign_tasks(integer, uuid, uuid[]) is
    'Hands up to p_limit ready tasks to capable workers with free slots, in order of '
    'criticality, priority (high first) and age, preferring a task''s original worker; '
    'p_runner_id records the runner that holds them, p_worker_ids limits the workers (null: '
    'all). Increments attempt (the fencing token) and returns checkpoint_data to resume '
    'from. Safe under concurrent callers: never one task twice, never a worker over capacity.';

-- ---------------------------------------------------------------------------------------
-- Reports from the runner, single forms
-- ---------------------------------------------------------------------------------------

-- Every report finds its task by primary key, by construction. The statuses a report
-- accepts come in as the rows of an unnest (x.status), not as constants: a constant
-- t.status = 'running' lets the planner prove the predicate of a partial index on held
-- tasks (distributed_tasks_assigned_worker_idx, status in ('assigned', 'running')) and, in
-- a generic plan made on statistics that saw few held tasks, read that whole index and
-- filter it by id: one report would then cost as much as there are held tasks. Matched in
-- a join, the status proves nothing, and the primary key is the only index left.

create or replace function helix.start_task(p_task_id uuid, p_attempt integer) returns void
language plpgsql security definer
set search_path = helix, public, pg_temp as $$
declare
    v_session uuid;
begin
    perform helix.check_report_args(p_task_id, p_attempt);
    update helix.distributed_tasks t
    set status = 'running', started_at = now(), updated_at = now()
    from unnest('{assigned}'::text[]) as x(status)
    where t.id = p_task_id and t.attempt = p_attempt and t.status = x.status
    returning t.session_id into v_session;
    if not found then
        perform helix.refuse_report(p_task_id, p_attempt, '{assigned}', 'started');
    end if;
    if v_session is not null then
        -- A session that waited for this task's worker runs again with it.
        update helix.sessions s set status = 'active', updated_at = now()
        where s.id = v_session and s.current_task_id = p_task_id
          and s.status = 'waiting_for_worker';
    end if;
end
$$;
comment on function helix.start_task(uuid, integer) is
    'assigned -> running. Refuses HX001 (bad arguments), HX002 (unknown task), HX004 (stale '
    'attempt), HX003 (the task is not assigned).';

create or replace function helix.complete_task(
    p_task_id uuid, p_attempt integer, p_result jsonb default null
) returns void
language plpgsql security definer
set search_path = helix, public, pg_temp as $$
begin
    perform helix.check_report_args(p_task_id, p_attempt);
    update helix.distributed_tasks t
    set status = 'completed', result_data = p_result, completed_at = now(), progress = 1,
        runner_id = null, updated_at = now()
    from unnest('{running}'::text[]) as x(status)
    where t.id = p_task_id and t.attempt = p_attempt and t.status = x.status;
    if not found then
        perform helix.refuse_report(p_task_id, p_attempt, '{running}', 'completed');
    end if;
end
$$;
comment on function helix.complete_task(uuid, integer, jsonb) is
    'running -> completed, storing p_result; dependents whose last dependency this was become '
    'ready. Refuses HX001, HX002, HX004 (stale attempt), HX003 (not running).';

create or replace function helix.retry_delay(p_retry_count integer) returns interval
language sql volatile as $$
    -- Exponential (base * 2^n, capped) with "equal jitter": between half and all of it, so
    -- that tasks failing together do not all come back at the same moment.
    select least(helix.setting_interval('retry_base_delay') * power(2, least(p_retry_count, 40)),
                 helix.setting_interval('retry_max_delay'))
           * (0.5 + random() / 2)
$$;
comment on function helix.retry_delay(integer) is
    'Backoff before retry number p_retry_count + 1: retry_base_delay doubled per retry, at '
    'most retry_max_delay, times a random factor between 0.5 and 1.';

-- p_result came later: the four-argument form would be a second, ambiguous overload.
drop function if exists helix.fail_task(uuid, integer, text, boolean);

create or replace function helix.fail_task(
    p_task_id uuid, p_attempt integer, p_error text, p_retryable boolean default true,
    p_result jsonb default null
) returns text
language plpgsql security definer
set search_path = helix, public, pg_temp as $$
declare
    v_status text;
begin
    perform helix.check_report_args(p_task_id, p_attempt);
    if p_retryable is null then
        raise exception 'retryable NULL is not true or false: p_retryable is required'
            using errcode = 'HX001', hint = 'false fails the task at once, without retries.';
    end if;
    -- "retry" below is (p_retryable and t.retry_count < t.max_retries), read from the row
    -- as this UPDATE locked it, so no concurrent change slips between decision and write.
    update helix.distributed_tasks t
    set status = case when p_retryable and t.retry_count < t.max_retries
                      then 'pending' else 'failed' end,
        retry_count = t.retry_count
                      + (p_retryable and t.retry_count < t.max_retries)::integer,
        run_after = case when p_retryable and t.retry_count < t.max_retries
                         then now() + helix.retry_delay(t.retry_count) else t.run_after end,
        completed_at = case when p_retryable and t.retry_count < t.max_retries
                            then null else now() end,
        error_message = coalesce(nullif(btrim(p_error), ''), 'failed without a message'),
        result_data = coalesce(p_result, t.result_data),
        assigned_worker_id = case when p_retryable and t.retry_count < t.max_retries
                                  then null else t.assigned_worker_id end,
        runner_id = null,
        updated_at = now()
    from unnest('{assigned,running}'::text[]) as x(status)
    where t.id = p_task_id and t.attempt = p_attempt and t.status = x.status
    returning t.status into v_status;
    if not found then
        perform helix.refuse_report(p_task_id, p_attempt, '{assigned,running}', 'failed');
    end if;
    return v_status;
end
$$;
comment on function helix.fail_task(uuid, integer, text, boolean, jsonb) is
    'Reports a failed run. While retries remain and p_retryable, the task goes back to '
    'pending after a backoff (helix.retry_delay) and retry_count grows; otherwise it is '
    'failed and its dependents fail with it. p_result (optional) keeps what the run left, '
    'for example its exit code and output tails, in result_data. Returns the new status. '
    'Refuses HX001, HX002, HX004 (stale attempt), HX003 (not assigned or running).';

create or replace function helix.save_checkpoint(
    p_task_id uuid, p_attempt integer, p_name text, p_data jsonb
) returns uuid
language plpgsql security definer
set search_path = helix, public, pg_temp as $$
declare
    v_worker uuid;
    v_id uuid;
begin
    perform helix.check_report_args(p_task_id, p_attempt);
    if p_name is null or btrim(p_name) = '' or length(p_name) > 255 then
        raise exception 'checkpoint name % is not valid: p_name must be 1 to 255 characters, '
            'not blank', coalesce(quote_literal(left(p_name, 40)), 'NULL')
            using errcode = 'HX001', hint = 'Name the step, for example ''compiled''.';
    end if;
    if p_data is null then
        raise exception 'checkpoint data NULL is not valid: p_data is required'
            using errcode = 'HX001', hint = 'Pass what the next run needs, as JSON.';
    end if;
    update helix.distributed_tasks t
    set checkpoint_data = p_data, updated_at = now()
    from unnest('{assigned,running}'::text[]) as x(status)
    where t.id = p_task_id and t.attempt = p_attempt and t.status = x.status
    returning t.assigned_worker_id into v_worker;
    if not found then
        perform helix.refuse_report(p_task_id, p_attempt, '{assigned,running}',
                                    'checkpointed');
    end if;
    insert into helix.task_checkpoints (task_id, checkpoint_name, checkpoint_data, worker_id)
    values (p_task_id, p_name, p_data, v_worker)
    returning id into v_id;
    return v_id;
end
$$;
comment on function helix.save_checkpoint(uuid, integer, text, jsonb) is
    'Records a checkpoint (history row in task_checkpoints, worker = the assigned worker) and '
    'makes it the task''s checkpoint_data, which the next assignment returns. Refuses HX001, '
    'HX002, HX004, HX003 (not assigned or running).';

create or replace function helix.release_task(p_task_id uuid, p_attempt integer) returns void
language plpgsql security definer
set search_path = helix, public, pg_temp as $$
begin
    perform helix.check_report_args(p_task_id, p_attempt);
    update helix.distributed_tasks t
    set status = 'pending',
        original_worker_id = t.assigned_worker_id,
        assigned_worker_id = null,
        runner_id = null,
        run_after = now(),
        started_at = null,
        updated_at = now()
    from unnest('{assigned,running}'::text[]) as x(status)
    where t.id = p_task_id and t.attempt = p_attempt and t.status = x.status;
    if not found then
        perform helix.refuse_report(p_task_id, p_attempt, '{assigned,running}', 'released');
    end if;
end
$$;
comment on function helix.release_task(uuid, integer) is
    'Hands a task back (runner shutting down): pending again at once, no retry spent, '
    'checkpoint kept, and the worker it ran on preferred next time. Refuses HX001, HX002, '
    'HX004, HX003 (not assigned or running).';

create or replace function helix.report_progress(
    p_task_id uuid, p_attempt integer, p_progress real, p_message text default null
) returns void
language plpgsql security definer
set search_path = helix, public, pg_temp as $$
begin
    perform helix.check_report_args(p_task_id, p_attempt);
    if p_progress is null or p_progress = 'NaN'::real or p_progress not between 0 and 1 then
        raise exception 'progress % is out of range: p_progress must be between 0 and 1',
            coalesce(p_progress::text, 'NULL')
            using errcode = 'HX001', hint = 'Report the fraction done, 0.5 for half.';
    end if;
    update helix.distributed_tasks t
    set progress = p_progress, progress_message = p_message, updated_at = now()
    from unnest('{assigned,running}'::text[]) as x(status)
    where t.id = p_task_id and t.attempt = p_attempt and t.status = x.status;
    if not found then
        perform helix.refuse_report(p_task_id, p_attempt, '{assigned,running}',
                                    'reporting progress');
    end if;
end
$$;
comment on function helix.report_progress(uuid, integer, real, text) is
    'Records how far a task is (0 to 1) and what it is doing. Refuses HX001, HX002, HX004, '
    'HX003 (not assigned or running).';

-- ---------------------------------------------------------------------------------------
-- Batch forms
-- ---------------------------------------------------------------------------------------
-- Semantics: the arguments are checked all or nothing (HX001: null arrays, lengths that
-- differ, a null element, a task twice). Then every report whose attempt is current and
-- whose status allows it is applied in ONE statement, and the others are skipped: one late
-- report must not hold back the rest of a runner's batch. One row per input, in input order,
-- says what happened: refused_with is null when applied, else the SQLSTATE the single form
-- would have raised (HX002 unknown task, HX004 stale attempt, HX003 wrong status).

create or replace function helix.check_batch_args(p_task_ids uuid[], p_attempts integer[])
returns void
language plpgsql immutable as $$
begin
    if p_task_ids is null or p_attempts is null
       or coalesce(cardinality(p_task_ids), 0) <> coalesce(cardinality(p_attempts), 0) then
        raise exception 'p_task_ids (% elements) and p_attempts (% elements) must be arrays '
            'of the same length', cardinality(p_task_ids), cardinality(p_attempts)
            using errcode = 'HX001', hint = 'Pass one attempt per task, in the same order.';
    end if;
    if array_position(p_task_ids, null) is not null then
        raise exception 'p_task_ids holds a null at position %', array_position(p_task_ids, null)
            using errcode = 'HX001', hint = 'Pass the task ids assign_tasks returned.';
    end if;
    if exists (select from unnest(p_attempts) a where a is null or a < 1) then
        raise exception 'p_attempts % holds a null or an attempt below 1', p_attempts
            using errcode = 'HX001', hint = 'Pass the attempts assign_tasks returned.';
    end if;
    if (select count(distinct t) from unnest(p_task_ids) t) <> cardinality(p_task_ids) then
        raise exception 'p_task_ids names a task more than once'
            using errcode = 'HX001', hint = 'Report each task once per call.';
    end if;
end
$$;
comment on function helix.check_batch_args(uuid[], integer[]) is
    'Refuses (HX001) batch arguments that do not pair up one attempt per distinct task.';

-- What each input of a batch report came to, in input order, given the ids the batch's one
-- UPDATE applied. All applied (the usual case): nulls, without reading a task again.
-- Otherwise the others are refused as the single form would refuse them. Called from
-- start_tasks and complete_tasks, whose enable_* settings make the join probe the primary key.
create or replace function helix.batch_outcome(
    p_task_ids uuid[], p_attempts integer[], p_applied uuid[]
) returns table(task_id uuid, refused_with text)
language plpgsql stable as $$
#variable_conflict use_column
begin
    if coalesce(cardinality(p_applied), 0) = cardinality(p_task_ids) then
        return query select x.id, null::text from unnest(p_task_ids) with ordinality x(id, ord)
                     order by x.ord;
        return;
    end if;
    return query
    select x.id,
           case when x.id = any (p_applied) then null
                when t.id is null then 'HX002'
                when t.attempt <> x.attempt then 'HX004'
                else 'HX003' end
    from unnest(p_task_ids, p_attempts) with ordinality as x(id, attempt, ord)
    left join helix.distributed_tasks t on t.id = x.id
    order by x.ord;
end
$$;
comment on function helix.batch_outcome(uuid[], integer[], uuid[]) is
    'One row per input of a batch report: refused_with null when its id is in p_applied, '
    'else HX002, HX004 or HX003; reads the tasks only when some input was not applied.';

create or replace function helix.start_tasks(p_task_ids uuid[], p_attempts integer[])
returns table(task_id uuid, refused_with text)
language plpgsql security definer
set search_path = helix, public, pg_temp
set enable_seqscan = off
set enable_bitmapscan = off
set enable_hashjoin = off
set enable_mergejoin = off as $$
#variable_conflict use_column
declare
    v_done uuid[];
    v_session_ids uuid[];
    v_session_tasks uuid[];
begin
    perform helix.check_batch_args(p_task_ids, p_attempts);
    -- One primary-key probe per input, by construction. The status wanted comes in as a
    -- column of the input (x.status), not as a constant: a constant status = 'assigned'
    -- lets the planner prove the predicate of a partial index (status or assigned_worker)
    -- and, on statistics that saw few assigned tasks, scan that index for every task it
    -- holds, dead entries included, and join the input to it; measured, that costs more
    -- than the update itself. As a join clause it proves nothing, and the settings above
    -- leave the nested loop over the input as the only plan.
    with done as (
        update helix.distributed_tasks t
        set status = 'running', started_at = now(), updated_at = now()
        from unnest(p_task_ids, p_attempts,
                    array_fill('assigned'::text, array[cardinality(p_task_ids)]))
             as x(id, attempt, status)
        where t.id = x.id and t.attempt = x.attempt and t.status = x.status
        returning t.id, t.session_id
    )
    select array_agg(d.id),
           array_agg(d.session_id) filter (where d.session_id is not null),
           array_agg(d.id) filter (where d.session_id is not null)
      into v_done, v_session_ids, v_session_tasks
    from done d;
    if v_session_ids is not null then
        -- A session that waited for its task's worker runs again with it.
        update helix.sessions s set status = 'active', updated_at = now()
        from unnest(v_session_ids, v_session_tasks) as d(session_id, task_id)
        where s.id = d.session_id and s.current_task_id = d.task_id
          and s.status = 'waiting_for_worker';
    end if;
    return query select * from helix.batch_outcome(p_task_ids, p_attempts, v_done);
end
$$;
comment on function helix.start_tasks(uuid[], integer[]) is
    'Batch start_task: applies every report whose attempt is current and whose task is '
    'assigned, in one statement, and skips the others; one row per input says which '
    '(refused_with null) or why not (HX002, HX004, HX003). Bad arguments: HX001, nothing done.';

create or replace function helix.complete_tasks(
    p_task_ids uuid[], p_attempts integer[], p_results jsonb[] default null
) returns table(task_id uuid, refused_with text)
language plpgsql security definer
set search_path = helix, public, pg_temp
set enable_seqscan = off
set enable_bitmapscan = off
set enable_hashjoin = off
set enable_mergejoin = off as $$
#variable_conflict use_column
declare
    v_done uuid[];
begin
    perform helix.check_batch_args(p_task_ids, p_attempts);
    if p_results is not null and cardinality(p_results) <> cardinality(p_task_ids) then
        raise exception 'p_results has % elements for % tasks', cardinality(p_results),
            cardinality(p_task_ids)
            using errcode = 'HX001', hint = 'Pass one result per task, or null for none.';
    end if;
    -- One primary-key probe per input, by construction (see start_tasks).
    with done as (
        update helix.distributed_tasks t
        set status = 'completed', result_data = p_results[x.ord], completed_at = now(),
            progress = 1, runner_id = null, updated_at = now()
        from unnest(p_task_ids, p_attempts,
                    array_fill('running'::text, array[cardinality(p_task_ids)]))
             with ordinality as x(id, attempt, status, ord)
        where t.id = x.id and t.attempt = x.attempt and t.status = x.status
        returning t.id
    )
    select array_agg(d.id) into v_done from done d;
    return query select * from helix.batch_outcome(p_task_ids, p_attempts, v_done);
end
$$;
comment on function helix.complete_tasks(uuid[], integer[], jsonb[]) is
    'Batch complete_task: applies every report whose attempt is current and whose task is '
    'running, in one statement, and skips the others; one row per input says which '
    '(refused_with null) or why not (HX002, HX004, HX003). Bad arguments: HX001, nothing done.';

-- ---------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------

revoke all on function helix.check_report_args(uuid, integer) from public;
revoke all on function helix.refuse_report(uuid, integer, text[], text) from public;
revoke all on function helix.check_batch_args(uuid[], integer[]) from public;
revoke all on function helix.batch_outcome(uuid[], integer[], uuid[]) from public;
revoke all on function helix.retry_delay(integer) from public;
revoke all on function helix.assign_tasks(integer, uuid, uuid[]) from public;
revoke all on function helix.start_task(uuid, integer) from public;
revoke all on function helix.complete_task(uuid, integer, jsonb) from public;
revoke all on function helix.fail_task(uuid, integer, text, boolean, jsonb) from public;
revoke all on function helix.save_checkpoint(uuid, integer, text, jsonb) from public;
revoke all on function helix.release_task(uuid, integer) from public;
revoke all on function helix.report_progress(uuid, integer, real, text) from public;
revoke all on function helix.start_tasks(uuid[], integer[]) from public;
revoke all on function helix.complete_tasks(uuid[], integer[], jsonb[]) from public;
grant execute on function helix.assign_tasks(integer, uuid, uuid[]) to helix_runner;
grant execute on function helix.start_task(uuid, integer) to helix_runner;
grant execute on function helix.complete_task(uuid, integer, jsonb) to helix_runner;
grant execute on function helix.fail_task(uuid, integer, text, boolean, jsonb)
    to helix_runner;
grant execute on function helix.save_checkpoint(uuid, integer, text, jsonb) to helix_runner;
grant execute on function helix.release_task(uuid, integer) to helix_runner;
grant execute on function helix.report_progress(uuid, integer, real, text) to helix_runner;
grant execute on function helix.start_tasks(uuid[], integer[]) to helix_runner;
grant execute on function helix.complete_tasks(uuid[], integer[], jsonb[]) to helix_runner;
