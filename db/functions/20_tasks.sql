-- Tasks, part 1: submission (single and batch), dependency bookkeeping, and the
-- statement-level triggers on helix.distributed_tasks that keep workers.current_tasks_count
-- true, resolve dependents, and send helix_task_ready / helix_events.
--
-- Owned by the task engine (issue 3). Any function of any area that updates tasks gets the
-- counts, the dependency resolution and the notifications from these triggers for free:
--   * a task holds a slot of assigned_worker_id while its status is assigned or running;
--     moving it out (waiting_for_worker, pending, ...) with assigned_worker_id = null, or
--     deleting it, gives the slot back, in the same statement;
--   * a task is ready when status = 'pending', pending_dependencies = 0 and run_after has
--     passed; an UPDATE that makes it so sends helix_task_ready (one per transaction);
--   * lock order for writers: task rows first, then worker rows (the triggers lock workers
--     in id order); assign_tasks never waits, so it cannot close a cycle with them.

-- ---------------------------------------------------------------------------------------
-- Validation shared by submit_task and submit_tasks
-- ---------------------------------------------------------------------------------------

-- p_where is null for the single form (parameters are named p_<field>) and 'p_tasks[i].' for
-- the batch form, so each message names the parameter exactly as the caller wrote it.
create or replace function helix.check_task_spec(
    p_where text,
    p_task_type text,
    p_task_data jsonb,
    p_priority integer,
    p_criticality text,
    p_max_retries integer,
    p_required_capabilities text[],
    p_estimated_duration interval
) returns void
language plpgsql immutable as $$
declare
    v_prefix text := coalesce(p_where, 'p_');
begin
    if p_task_type is null or btrim(p_task_type) = '' then
        raise exception 'task_type % is blank: %task_type is required',
            coalesce(quote_literal(p_task_type), 'NULL'), v_prefix
            using errcode = 'HX001', hint = 'Name the kind of task, for example ''shell''.';
    end if;
    if length(p_task_type) > 100 then
        raise exception 'task_type % is too long: %task_type must be at most 100 characters',
            quote_literal(left(p_task_type, 40) || '...'), v_prefix
            using errcode = 'HX001', hint = 'Use a short name for the kind of task.';
    end if;
    if p_task_data is null or jsonb_typeof(p_task_data) <> 'object' then
        raise exception 'task_data % is not a JSON object: %task_data must be an object',
            coalesce(left(p_task_data::text, 60), 'NULL'), v_prefix
            using errcode = 'HX001',
                  hint = 'Pass the task''s input as an object, for example '
                         '''{"command": "make"}''.';
    end if;
    if p_priority is null or p_priority not between 0 and 10 then
        raise exception 'priority % is out of range: %priority must be between 0 and 10',
            coalesce(p_priority::text, 'NULL'), v_prefix
            using errcode = 'HX001', hint = 'Higher runs first; the default is 5.';
    end if;
    if p_criticality is null or p_criticality not in ('low', 'normal', 'high', 'critical') then
        raise exception 'criticality % is unknown: %criticality must be one of low, normal, '
            'high, critical', coalesce(quote_literal(p_criticality), 'NULL'), v_prefix
            using errcode = 'HX001', hint = 'The default is normal.';
    end if;
    if p_max_retries is null or p_max_retries not between 0 and 100 then
        raise exception 'max_retries % is out of range: %max_retries must be between 0 and 100',
            coalesce(p_max_retries::text, 'NULL'), v_prefix
            using errcode = 'HX001', hint = 'The default is 3; 0 fails at the first error.';
    end if;
    if p_required_capabilities is null
       or exists (select from unnest(p_required_capabilities) c
                  where c is null or btrim(c) = '') then
        raise exception 'required_capabilities % holds a blank or null name: '
            '%required_capabilities must be an array of non-blank strings',
            coalesce(p_required_capabilities::text, 'NULL'), v_prefix
            using errcode = 'HX001', hint = 'Pass ''{}'' when any worker will do.';
    end if;
    if p_estimated_duration <= interval '0' then
        raise exception 'estimated_duration % is not positive: %estimated_duration must be '
            'greater than zero', p_estimated_duration, v_prefix
            using errcode = 'HX001', hint = 'Leave it null when unknown.';
    end if;
end
$$;
comment on function helix.check_task_spec(text, text, jsonb, integer, text, integer, text[],
                                          interval) is
    'Refuses (HX001) a task description that submit_task would not accept; p_where names '
    'the parameter in the message (null: p_<field>, or ''p_tasks[i].'').';

-- Locks the dependencies FOR SHARE and checks them. The lock is what makes the count right:
-- completing or failing a dependency updates its row (FOR NO KEY UPDATE), which conflicts
-- with FOR SHARE. Either the dependency finished first, and we see its final status after
-- the lock wait, or we commit first, and its trigger (a new snapshot per statement) sees our
-- edge rows and decrements or cascades to us. No interleaving loses a dependent.
create or replace function helix.lock_dependencies(p_deps uuid[], p_where text)
returns table(id uuid, status text)
language plpgsql as $$
declare
    v_missing uuid;
    v_bad record;
begin
    return query
        select t.id, t.status::text from helix.distributed_tasks t
        where t.id = any (p_deps)
        order by t.id
        for share;
    if (select count(*) from helix.distributed_tasks t where t.id = any (p_deps))
       < cardinality(p_deps) then
        select d into v_missing from unnest(p_deps) d
        where not exists (select from helix.distributed_tasks t where t.id = d) limit 1;
        raise exception 'dependency % does not exist: every element of %dependencies must '
            'be an existing task', v_missing, coalesce(p_where, 'p_')
            using errcode = 'HX002',
                  hint = 'Submit the dependency first and pass the id submit_task returned.';
    end if;
    select t.id, t.status into v_bad from helix.distributed_tasks t
    where t.id = any (p_deps) and t.status in ('failed', 'cancelled')
    order by t.id limit 1;
    if found then
        raise exception 'dependency % is %: a task cannot wait for a task that will never '
            'complete (%dependencies)', v_bad.id, v_bad.status, coalesce(p_where, 'p_')
            using errcode = 'HX003',
                  hint = 'Retry the dependency with helix.retry_task first, or leave it out.';
    end if;
end
$$;
comment on function helix.lock_dependencies(uuid[], text) is
    'Locks the given tasks FOR SHARE and returns their status; refuses an unknown one (HX002) '
    'and a failed or cancelled one (HX003).';

create or replace function helix.check_session_open(p_session_id uuid, p_where text)
returns void
language plpgsql as $$
declare
    v_status text;
begin
    select s.status into v_status from helix.sessions s where s.id = p_session_id
    for no key update;
    if not found then
        raise exception 'session % does not exist (%session_id)', p_session_id,
            coalesce(p_where, 'p_')
            using errcode = 'HX002', hint = 'Start a session with helix.start_session first.';
    end if;
    if v_status <> 'active' then
        raise exception 'session % is %: only an active session takes new tasks '
            '(%session_id)', p_session_id, v_status, coalesce(p_where, 'p_')
            using errcode = 'HX003', hint = 'Resume the session, or submit without it.';
    end if;
end
$$;
comment on function helix.check_session_open(uuid, text) is
    'Locks a development session and refuses an unknown one (HX002) or one that is not '
    'active (HX003).';

-- ---------------------------------------------------------------------------------------
-- submit_task
-- ---------------------------------------------------------------------------------------

create or replace function helix.submit_task(
    p_task_type text,
    p_task_data jsonb default '{}',
    p_priority integer default 5,
    p_criticality text default 'normal',
    p_dependencies uuid[] default '{}',
    p_max_retries integer default 3,
    p_required_capabilities text[] default '{}',
    p_estimated_duration interval default null,
    p_session_id uuid default null
) returns uuid
language plpgsql security definer
set search_path = helix, public, pg_temp as $$
declare
    v_id uuid := gen_random_uuid();
    v_deps uuid[] := '{}';
    v_pending integer := 0;
begin
    perform helix.check_task_spec(null, p_task_type, p_task_data, p_priority, p_criticality,
                                  p_max_retries, p_required_capabilities,
                                  p_estimated_duration);
    if cardinality(p_dependencies) > 0 then
        if array_position(p_dependencies, null) is not null then
            raise exception 'dependencies % holds a null: p_dependencies must be task ids',
                p_dependencies
                using errcode = 'HX001', hint = 'Leave out the null.';
        end if;
        v_deps := array(select distinct d from unnest(p_dependencies) d order by d);
        select count(*) filter (where l.status <> 'completed') into v_pending
        from helix.lock_dependencies(v_deps, null) l;
    end if;
    if p_session_id is not null then
        perform helix.check_session_open(p_session_id, null);
    end if;

    insert into helix.distributed_tasks
        (id, task_type, task_data, priority, criticality, dependencies, max_retries,
         required_capabilities, estimated_duration, session_id, pending_dependencies)
    values
        (v_id, p_task_type, p_task_data, p_priority, p_criticality, v_deps, p_max_retries,
         p_required_capabilities, p_estimated_duration, p_session_id, v_pending);

    if cardinality(v_deps) > 0 then
        insert into helix.task_dependencies (depends_on_id, task_id)
        select d, v_id from unnest(v_deps) d;
    end if;
    if p_session_id is not null then
        update helix.sessions set current_task_id = v_id, updated_at = now()
        where id = p_session_id;
    end if;
    return v_id;
end
$$;
comment on function helix.submit_task(text, jsonb, integer, text, uuid[], integer, text[],
                                      interval, uuid) is
    'Submits a task and returns its id. Refuses bad input (HX001), an unknown dependency or '
    'session (HX002), a failed or cancelled dependency or a session that is not active '
    '(HX003). A task with unfinished dependencies waits (pending_dependencies > 0); '
    'duplicate dependencies are folded, a null p_dependencies means none. With a session, '
    'the task becomes the session''s current task.';

-- ---------------------------------------------------------------------------------------
-- submit_tasks: the batch form
-- ---------------------------------------------------------------------------------------

-- The per-element check, run only when the set-based check of submit_tasks found something
-- wrong: it walks the elements in order and raises the refusal for the first bad one, with
-- the message naming p_tasks[i].
create or replace function helix.check_task_batch(p_tasks jsonb) returns void
language plpgsql immutable as $$
declare
    v_elem jsonb;
    v_key text;
    v_caps text[];
    v_deps uuid[];
    v_priority integer;
    v_retries integer;
    v_duration interval;
    v_session uuid;
    i integer;
begin
    for i in 1 .. jsonb_array_length(p_tasks) loop
        v_elem := p_tasks -> (i - 1);
        if jsonb_typeof(v_elem) <> 'object' then
            raise exception 'p_tasks[%] % is not an object', i, left(v_elem::text, 60)
                using errcode = 'HX001', hint = 'Each element describes one task.';
        end if;
        select k into v_key from jsonb_object_keys(v_elem) k
        where k not in ('task_type', 'task_data', 'priority', 'criticality', 'dependencies',
                        'max_retries', 'required_capabilities', 'estimated_duration',
                        'session_id')
        limit 1;
        if found then
            raise exception 'p_tasks[%] has the unknown key %', i, quote_literal(v_key)
                using errcode = 'HX001',
                      hint = 'Keys are submit_task''s parameter names without p_: task_type, '
                             'task_data, priority, criticality, dependencies, max_retries, '
                             'required_capabilities, estimated_duration, session_id.';
        end if;
        begin
            v_caps := coalesce(
                array(select jsonb_array_elements_text(v_elem -> 'required_capabilities')),
                '{}');
            v_deps := coalesce(
                array(select jsonb_array_elements_text(v_elem -> 'dependencies')::uuid),
                '{}');
            v_priority := coalesce((v_elem ->> 'priority')::integer, 5);
            v_retries := coalesce((v_elem ->> 'max_retries')::integer, 3);
            v_duration := (v_elem ->> 'estimated_duration')::interval;
            v_session := (v_elem ->> 'session_id')::uuid;
        exception
            when invalid_text_representation or invalid_parameter_value
                or numeric_value_out_of_range or invalid_datetime_format
                or datetime_field_overflow or interval_field_overflow then
                raise exception 'p_tasks[%] % has a value of the wrong type: %', i,
                    left(v_elem::text, 80), sqlerrm
                    using errcode = 'HX001',
                          hint = 'priority and max_retries are integers, dependencies an '
                                 'array of uuids, required_capabilities an array of strings, '
                                 'estimated_duration an interval as text.';
        end;
        perform helix.check_task_spec(format('p_tasks[%s].', i), v_elem ->> 'task_type',
                                      coalesce(v_elem -> 'task_data', '{}'), v_priority,
                                      coalesce(v_elem ->> 'criticality', 'normal'), v_retries,
                                      v_caps, v_duration);
        if array_position(v_deps, null) is not null then
            raise exception 'p_tasks[%].dependencies holds a null', i
                using errcode = 'HX001', hint = 'Leave out the null.';
        end if;
    end loop;
end
$$;
comment on function helix.check_task_batch(jsonb) is
    'Refuses (HX001) the first element of a submit_tasks batch that submit_task would not '
    'accept, naming it p_tasks[i]; does nothing when all are fine.';

create or replace function helix.submit_tasks(p_tasks jsonb) returns uuid[]
language plpgsql security definer
set search_path = helix, public, pg_temp as $$
declare
    v_valid boolean;
    v_ids uuid[];
    v_type text[];
    v_data jsonb[];
    v_priority integer[];
    v_crit text[];
    v_retries integer[];
    v_caps text[];       -- each element an array literal, cast back on insert
    v_duration interval[];
    v_session uuid[];
    v_deps text[];       -- each element a sorted, distinct array literal of uuids
    v_edge_task uuid[];
    v_edge_dep uuid[];
    v_all_deps uuid[];
    v_unfinished uuid[] := '{}';
    v_sessions uuid[];
    i integer;
begin
    if p_tasks is null or jsonb_typeof(p_tasks) <> 'array' then
        raise exception 'p_tasks % is not a JSON array of task objects',
            coalesce(left(p_tasks::text, 60), 'NULL')
            using errcode = 'HX001',
                  hint = 'Pass ''[{"task_type": "shell", "task_data": {...}}, ...]''.';
    end if;
    if jsonb_array_length(p_tasks) = 0 then
        return '{}';
    end if;

    -- One statement reads and checks every element. The rules are those of check_task_spec
    -- (a rule that yields null, such as a missing task_type, counts as broken); when any
    -- element breaks one, or a value does not even cast, check_task_batch walks the
    -- elements and raises the exact refusal. A valid batch never loops. The per-element
    -- subqueries (capabilities, dependencies) run only for elements that have the key: the
    -- common task has neither, and four subqueries per element were a quarter of the call.
    begin
        select bool_and(coalesce(case when jsonb_typeof(e.elem) = 'object' then
                   (e.elem - '{task_type,task_data,priority,criticality,dependencies,'
                             'max_retries,required_capabilities,estimated_duration,'
                             'session_id}'::text[]) = '{}'::jsonb
                   and btrim(e.elem ->> 'task_type') <> ''
                   and length(e.elem ->> 'task_type') <= 100
                   and jsonb_typeof(coalesce(e.elem -> 'task_data', '{}')) = 'object'
                   and coalesce((e.elem ->> 'priority')::integer, 5) between 0 and 10
                   and coalesce(e.elem ->> 'criticality', 'normal')
                       in ('low', 'normal', 'high', 'critical')
                   and coalesce((e.elem ->> 'max_retries')::integer, 3) between 0 and 100
                   and coalesce((e.elem ->> 'estimated_duration')::interval > interval '0',
                                true)
                   and (not (e.elem ? 'required_capabilities') or not exists (
                       select from jsonb_array_elements_text(
                                e.elem -> 'required_capabilities') c
                       where c is null or btrim(c) = ''))
                   and (not (e.elem ? 'dependencies') or not exists (
                       select from jsonb_array_elements_text(e.elem -> 'dependencies') d
                       where d::uuid is null))
                 else false end, false)),
               array_agg(gen_random_uuid() order by e.ord),
               array_agg(e.elem ->> 'task_type' order by e.ord),
               array_agg(coalesce(e.elem -> 'task_data', '{}') order by e.ord),
               array_agg(coalesce((e.elem ->> 'priority')::integer, 5) order by e.ord),
               array_agg(coalesce(e.elem ->> 'criticality', 'normal') order by e.ord),
               array_agg(coalesce((e.elem ->> 'max_retries')::integer, 3) order by e.ord),
               array_agg(case when e.elem ? 'required_capabilities' then coalesce(array(
                   select jsonb_array_elements_text(e.elem -> 'required_capabilities')),
                   '{}')::text else '{}' end order by e.ord),
               array_agg((e.elem ->> 'estimated_duration')::interval order by e.ord),
               array_agg((e.elem ->> 'session_id')::uuid order by e.ord),
               array_agg(case when e.elem ? 'dependencies' then coalesce(array(
                   select distinct d::uuid
                   from jsonb_array_elements_text(e.elem -> 'dependencies') d
                   order by 1), '{}')::text else '{}' end order by e.ord)
          into v_valid, v_ids, v_type, v_data, v_priority, v_crit, v_retries, v_caps,
               v_duration, v_session, v_deps
        from jsonb_array_elements(p_tasks) with ordinality as e(elem, ord);
    exception
        when invalid_text_representation or invalid_parameter_value
            or numeric_value_out_of_range or invalid_datetime_format
            or datetime_field_overflow or interval_field_overflow then
            v_valid := false;
    end;
    if not coalesce(v_valid, false) then
        perform helix.check_task_batch(p_tasks);
        raise exception 'p_tasks holds an element submit_task would not accept'
            using errcode = 'HX001', hint = 'Check each element against submit_task.';
    end if;

    select array_agg(d), array_agg(x.id)
      into v_edge_dep, v_edge_task
    from unnest(v_ids, v_deps) as x(id, deps)
    cross join lateral unnest(x.deps::uuid[]) as d;

    -- One lock round for every dependency of the batch (see lock_dependencies).
    if v_edge_dep is not null then
        v_all_deps := array(select distinct d from unnest(v_edge_dep) d order by d);
        v_unfinished := array(
            select l.id from helix.lock_dependencies(v_all_deps, 'p_tasks[*].') l
            where l.status <> 'completed');
    end if;
    v_sessions := array(select distinct s from unnest(v_session) s where s is not null
                        order by s);
    for i in 1 .. coalesce(cardinality(v_sessions), 0) loop
        perform helix.check_session_open(v_sessions[i], 'p_tasks[*].');
    end loop;

    insert into helix.distributed_tasks
        (id, task_type, task_data, priority, criticality, dependencies, max_retries,
         required_capabilities, estimated_duration, session_id, pending_dependencies)
    select x.id, x.task_type, x.task_data, x.priority, x.criticality, x.deps::uuid[],
           x.retries, x.caps::text[], x.duration, x.session_id,
           case when x.deps = '{}' then 0
                else (select count(*) from unnest(x.deps::uuid[]) d
                      where d = any (v_unfinished)) end
    from unnest(v_ids, v_type, v_data, v_priority, v_crit, v_deps, v_retries, v_caps,
                v_duration, v_session)
         as x(id, task_type, task_data, priority, criticality, deps, retries, caps, duration,
              session_id);

    if v_edge_dep is not null then
        insert into helix.task_dependencies (depends_on_id, task_id)
        select e.dep, e.task from unnest(v_edge_dep, v_edge_task) as e(dep, task);
    end if;
    if cardinality(v_sessions) > 0 then
        -- The last task of the batch in each session becomes its current task.
        update helix.sessions s set current_task_id = l.task_id, updated_at = now()
        from (select distinct on (x.session_id) x.session_id, x.task_id
              from unnest(v_session, v_ids) with ordinality as x(session_id, task_id, ord)
              where x.session_id is not null
              order by x.session_id, x.ord desc) l
        where s.id = l.session_id;
    end if;
    return v_ids;
end
$$;
comment on function helix.submit_tasks(jsonb) is
    'Batch submit: p_tasks is a JSON array of objects whose keys are submit_task''s '
    'parameters without p_ (task_type, task_data, priority, ...). Same validation as '
    'submit_task, all or nothing (the message names p_tasks[i]); returns the ids in the '
    'order given. One INSERT, so one trigger round and one helix_task_ready for the batch.';

-- ---------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------

-- Adds p_deltas[i] to workers p_worker_ids[i].current_tasks_count. Deltas, not a recount:
-- under READ COMMITTED a recount would miss a concurrent transaction's uncommitted tasks,
-- while "count + delta" is re-evaluated on the newest row version after a lock wait.
-- Several workers are locked in id order first, so two statements touching the same
-- workers never wait for each other in a cycle.
create or replace function helix.apply_worker_deltas(p_worker_ids uuid[], p_deltas integer[])
returns void
language plpgsql as $$
begin
    if cardinality(p_worker_ids) > 1 then
        perform 1 from helix.workers w where w.id = any (p_worker_ids)
        order by w.id for no key update;
    end if;
    update helix.workers w
    set current_tasks_count = w.current_tasks_count + d.delta, updated_at = now()
    from unnest(p_worker_ids, p_deltas) as d(id, delta)
    where w.id = d.id;
end
$$;
comment on function helix.apply_worker_deltas(uuid[], integer[]) is
    'Adds deltas to workers.current_tasks_count, locking several workers in id order.';

create or replace function helix.tasks_after_insert() returns trigger
language plpgsql as $$
declare
    v_n integer;
    v_ready boolean;
    v_held boolean;
    v_one uuid;
    v_w uuid[];
    v_d integer[];
begin
    select count(*),
           coalesce(bool_or(n.status = 'pending' and n.pending_dependencies = 0
                            and n.run_after <= now()), false),
           coalesce(bool_or(n.status in ('assigned', 'running')), false),
           min(n.id::text)::uuid
      into v_n, v_ready, v_held, v_one
    from new_rows n;
    if v_n = 0 then
        return null;
    end if;
    if v_held then
        select array_agg(n.assigned_worker_id order by n.assigned_worker_id),
               array_agg(n.c order by n.assigned_worker_id)
          into v_w, v_d
        from (select r.assigned_worker_id, count(*)::int c from new_rows r
              where r.status in ('assigned', 'running') and r.assigned_worker_id is not null
              group by r.assigned_worker_id) n;
        perform helix.apply_worker_deltas(v_w, v_d);
    end if;
    if v_ready then
        perform pg_notify('helix_task_ready', '');
    end if;
    perform pg_notify('helix_events', case when v_n = 1
        then json_build_object('kind', 'task', 'event', 'submitted', 'task_id', v_one)::text
        else json_build_object('kind', 'task', 'event', 'submitted', 'tasks', v_n)::text end);
    return null;
end
$$;
comment on function helix.tasks_after_insert() is
    'Statement trigger: after tasks are inserted, one helix_task_ready if any is ready, one '
    'helix_events, and worker counts if any was inserted as held.';

create or replace function helix.tasks_after_update() returns trigger
language plpgsql as $$
declare
    v_completed uuid[];
    v_dead uuid[];
    v_ready boolean;
    v_freed boolean;
    v_held_changed boolean;
    v_changed integer;
    v_w uuid[];
    v_d integer[];
    v_dep_ids uuid[];
    v_dep_n integer[];
    v_event json;
    v_first_status text;
    v_last_status text;
    v_old_status text;
    v_one uuid;
    v_attempt integer;
begin
    -- One pass over the statement's rows says what work is needed at all, and holds what
    -- the helix_events payload needs in the usual cases (one task changed, or all changed
    -- to the same status); most statements (a start, a progress report) need nothing else.
    select array_agg(n.id) filter (where n.status = 'completed' and o.status <> 'completed'),
           array_agg(n.id) filter (where n.status in ('failed', 'cancelled')
                                     and o.status not in ('failed', 'cancelled')),
           coalesce(bool_or(n.status = 'pending' and n.pending_dependencies = 0
                            and n.run_after <= now()
                            and (o.status <> 'pending' or o.pending_dependencies <> 0)), false),
           coalesce(bool_or(o.status in ('assigned', 'running')
                            and n.status not in ('assigned', 'running')), false),
           coalesce(bool_or((o.status in ('assigned', 'running'))
                                <> (n.status in ('assigned', 'running'))
                            or (n.status in ('assigned', 'running')
                                and o.assigned_worker_id is distinct from
                                    n.assigned_worker_id)), false),
           count(*) filter (where o.status <> n.status),
           min(n.status) filter (where o.status <> n.status),
           max(n.status) filter (where o.status <> n.status),
           min(o.status) filter (where o.status <> n.status),
           min(n.id::text) filter (where o.status <> n.status)::uuid,
           min(n.attempt) filter (where o.status <> n.status)
      into v_completed, v_dead, v_ready, v_freed, v_held_changed, v_changed,
           v_first_status, v_last_status, v_old_status, v_one, v_attempt
    from old_rows o join new_rows n on n.id = o.id;

    if v_held_changed then
        select array_agg(d.worker_id order by d.worker_id), array_agg(d.delta order by d.worker_id)
          into v_w, v_d
        from (select x.worker_id, sum(x.delta)::int delta
              from (select o.assigned_worker_id worker_id, -1 delta from old_rows o
                    where o.status in ('assigned', 'running')
                    union all
                    select n.assigned_worker_id, 1 from new_rows n
                    where n.status in ('assigned', 'running')) x
              where x.worker_id is not null
              group by x.worker_id
              having sum(x.delta) <> 0) d;
        if cardinality(v_w) = 1 then
            -- One worker (an assignment or completion of one runner's batch, a single
            -- report): nothing to order, and no nested function call on the hot path.
            update helix.workers w
            set current_tasks_count = w.current_tasks_count + v_d[1], updated_at = now()
            where w.id = v_w[1];
        elsif v_w is not null then
            perform helix.apply_worker_deltas(v_w, v_d);
        end if;
    end if;

    if v_completed is not null then
        -- Only the dependents of what just completed; a dependent that reaches 0 enters the
        -- ready index, and the nested statement's trigger sends helix_task_ready. Several
        -- dependents are locked in id order first, so that two completions sharing
        -- dependents never wait for each other in a cycle.
        select array_agg(e.task_id order by e.task_id), array_agg(e.n order by e.task_id)
          into v_dep_ids, v_dep_n
        from (select d.task_id, count(*)::int n from helix.task_dependencies d
              where d.depends_on_id = any (v_completed)
              group by d.task_id) e;
        if cardinality(v_dep_ids) > 1 then
            perform 1 from helix.distributed_tasks t where t.id = any (v_dep_ids)
            order by t.id for no key update;
        end if;
        if v_dep_ids is not null then
            update helix.distributed_tasks t
            set pending_dependencies = t.pending_dependencies - e.n, updated_at = now()
            from unnest(v_dep_ids, v_dep_n) as e(task_id, n)
            where t.id = e.task_id;
        end if;
    end if;

    if v_dead is not null then
        -- Every unfinished task downstream, in one statement, named after the task at the
        -- root of its failure; the nested trigger finds nothing unfinished left to cascade.
        with recursive down (id, root, root_status) as (
            select d.task_id, d.depends_on_id, n.status::text
            from helix.task_dependencies d
            join new_rows n on n.id = d.depends_on_id
            where d.depends_on_id = any (v_dead)
            union
            select d.task_id, x.root, x.root_status
            from down x
            join helix.task_dependencies d on d.depends_on_id = x.id
        )
        update helix.distributed_tasks t
        set status = x.root_status,
            error_message = format('dependency %s %s', x.root,
                                   case x.root_status when 'failed' then 'failed'
                                                      else 'was cancelled' end),
            completed_at = now(),
            runner_id = null,
            updated_at = now()
        from (select distinct on (y.id) y.id, y.root, y.root_status
              from down y order by y.id, y.root) x
        where t.id = x.id and t.status not in ('completed', 'failed', 'cancelled');
    end if;

    if v_ready or v_freed then
        perform pg_notify('helix_task_ready', '');
    end if;
    if v_changed = 1 then
        -- The minimums over one changed row are that row's values.
        perform pg_notify('helix_events', json_build_object(
            'kind', 'task', 'task_id', v_one, 'status', v_first_status,
            'old_status', v_old_status, 'attempt', v_attempt)::text);
    elsif v_changed > 1 and v_first_status = v_last_status then
        perform pg_notify('helix_events', json_build_object(
            'kind', 'task', 'tasks', v_changed,
            'status', json_build_object(v_first_status, v_changed))::text);
    elsif v_changed > 1 then
        select json_build_object('kind', 'task', 'tasks', v_changed,
                                 'status', json_object_agg(s.status, s.c))
          into v_event
        from (select n.status, count(*) c from old_rows o join new_rows n on n.id = o.id
              where o.status <> n.status group by n.status) s;
        perform pg_notify('helix_events', v_event::text);
    end if;
    return null;
end
$$;
comment on function helix.tasks_after_update() is
    'Statement trigger: keeps workers.current_tasks_count (deltas of held tasks), '
    'decrements the dependents of completed tasks, fails or cancels the dependents of '
    'failed or cancelled ones (transitively), sends helix_task_ready when a task became '
    'ready or a slot freed, and one helix_events per statement with status changes. A task '
    'put back with a future run_after (retry backoff) sends no helix_task_ready: sweep '
    'announces it when it falls due.';

create or replace function helix.tasks_after_delete() returns trigger
language plpgsql as $$
declare
    v_w uuid[];
    v_d integer[];
begin
    select array_agg(d.worker_id order by d.worker_id), array_agg(d.delta order by d.worker_id)
      into v_w, v_d
    from (select o.assigned_worker_id worker_id, -count(*)::int delta from old_rows o
          where o.status in ('assigned', 'running') and o.assigned_worker_id is not null
          group by o.assigned_worker_id) d;
    if v_w is not null then
        perform helix.apply_worker_deltas(v_w, v_d);
        perform pg_notify('helix_task_ready', '');
    end if;
    return null;
end
$$;
comment on function helix.tasks_after_delete() is
    'Statement trigger: a deleted task that was held frees its worker''s slot.';

create or replace trigger distributed_tasks_after_insert
    after insert on helix.distributed_tasks
    referencing new table as new_rows
    for each statement execute function helix.tasks_after_insert();
comment on trigger distributed_tasks_after_insert on helix.distributed_tasks is
    'Once per INSERT statement: notifications and worker counts (see the function).';

create or replace trigger distributed_tasks_after_update
    after update on helix.distributed_tasks
    referencing old table as old_rows new table as new_rows
    for each statement execute function helix.tasks_after_update();
comment on trigger distributed_tasks_after_update on helix.distributed_tasks is
    'Once per UPDATE statement: worker counts, dependents, notifications (see the function).';

create or replace trigger distributed_tasks_after_delete
    after delete on helix.distributed_tasks
    referencing old table as old_rows
    for each statement execute function helix.tasks_after_delete();
comment on trigger distributed_tasks_after_delete on helix.distributed_tasks is
    'Once per DELETE statement: frees the slots of deleted held tasks.';

-- ---------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------

revoke all on function helix.submit_task(text, jsonb, integer, text, uuid[], integer, text[],
                                         interval, uuid) from public;
revoke all on function helix.submit_tasks(jsonb) from public;
revoke all on function helix.check_task_batch(jsonb) from public;
revoke all on function helix.check_task_spec(text, text, jsonb, integer, text, integer,
                                             text[], interval) from public;
revoke all on function helix.lock_dependencies(uuid[], text) from public;
revoke all on function helix.check_session_open(uuid, text) from public;
revoke all on function helix.apply_worker_deltas(uuid[], integer[]) from public;
grant execute on function helix.submit_task(text, jsonb, integer, text, uuid[], integer,
                                            text[], interval, uuid) to helix_app;
grant execute on function helix.submit_tasks(jsonb) to helix_app;
