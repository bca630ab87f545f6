-- Development sessions (table helix.sessions): start_session, pause_session, resume_session,
-- complete_session, fail_session, update_session_context, add_session_tokens, and the view
-- helix.session_overview.
--
-- Life cycle:
--   active <-> paused; active <-> waiting_for_worker (set by the workers area's sweep while
--   the session's current task waits for its vanished worker, and back when it runs again);
--   waiting_for_worker -> paused; any of these -> completed or failed (final).
-- resume_session goes back to waiting_for_worker rather than active when the current task
-- still waits, so the sweep's rule holds without waiting for the next sweep.
-- current_task_id is set by submit_task(p_session_id => ...) in the task engine.
-- Completing a session whose current task is unfinished (pending, assigned, running, paused,
-- waiting_for_worker) is refused (HX003): "completed" must mean its work is done. Failing one
-- is allowed, and leaves the task alone: the caller decides whether to cancel_task it.

create or replace function helix.session_for_update(p_session_id uuid) returns helix.sessions
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v helix.sessions;
begin
    if p_session_id is null then
        raise exception 'p_session_id is missing'
            using errcode = 'HX001', hint = 'Pass the id start_session returned.';
    end if;
    select * into v from helix.sessions where id = p_session_id for update;
    if not found then
        raise exception 'session % does not exist', p_session_id
            using errcode = 'HX002', hint = 'select id, name from helix.session_overview';
    end if;
    return v;
end
$$;
comment on function helix.session_for_update(uuid) is
    'The development session row, locked for the rest of the transaction; HX001 / HX002 when '
    'missing.';

create or replace function helix.session_refuse_transition(
    p_session helix.sessions, p_operation text)
returns void
language plpgsql as $$
begin
    raise exception 'session % is %: cannot %', p_session.id, p_session.status, p_operation
        using errcode = 'HX003',
              hint = case when p_session.status in ('completed', 'failed')
                          then 'A completed or failed session is final; start a new one.'
                          else 'select status from helix.session_overview' end;
end
$$;
comment on function helix.session_refuse_transition(helix.sessions, text) is
    'Raises the HX003 refusal naming the session, its status and the operation.';

create or replace function helix.session_context_check(p_context jsonb) returns void
language plpgsql stable as $$
declare
    v_max integer := helix.setting_number('session_context_max_bytes')::integer;
begin
    if p_context is null or jsonb_typeof(p_context) <> 'object' then
        raise exception 'context % is not valid: it must be a JSON object',
                        coalesce(left(p_context::text, 100), 'NULL')
            using errcode = 'HX001', hint = 'Pass ''{}'' for an empty context.';
    end if;
    if octet_length(p_context::text) > v_max then
        raise exception 'context is too large: % bytes, at most % (session_context_max_bytes)',
                        octet_length(p_context::text), v_max
            using errcode = 'HX001', hint = 'Keep large artefacts in the workspace and refer '
                                            'to them.';
    end if;
end
$$;
comment on function helix.session_context_check(jsonb) is
    'Refuses (HX001) a context that is not a JSON object or is over session_context_max_bytes.';

create or replace function helix.start_session(
    p_project_id uuid,
    p_name text,
    p_session_type text,
    p_description text default null,
    p_context_data jsonb default '{}')
returns uuid
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    c_types constant text[] := array['planning', 'building', 'testing', 'refactoring',
                                     'debugging'];
    v_project helix.projects;
    v_id uuid;
begin
    if p_name is null or btrim(p_name) = '' or char_length(p_name) > 255 then
        raise exception 'session name % is not valid: p_name must be 1 to 255 characters, '
                        'not blank', coalesce(quote_literal(p_name), 'NULL')
            using errcode = 'HX001', hint = 'For example: fix flaky login test';
    end if;
    if p_session_type is null or not p_session_type = any (c_types) then
        raise exception 'session type % is not known: p_session_type must be one of %',
                        coalesce(quote_literal(p_session_type), 'NULL'),
                        array_to_string(c_types, ', ')
            using errcode = 'HX001', hint = 'The seed''s list of session types.';
    end if;
    perform helix.session_context_check(coalesce(p_context_data, '{}'));
    if p_project_id is null then
        raise exception 'p_project_id is missing'
            using errcode = 'HX001', hint = 'Pass the id create_project returned.';
    end if;
    -- Share lock: archive_project/delete_project (which take the row for update and count
    -- live sessions) cannot slip in between this check and the insert.
    select * into v_project from helix.projects where id = p_project_id for share;
    if not found then
        raise exception 'project % does not exist', p_project_id
            using errcode = 'HX002', hint = 'select id, name from helix.project_overview';
    end if;
    if v_project.status <> 'active' then
        raise exception 'project % is %: sessions start only in an active project',
                        p_project_id, v_project.status
            using errcode = 'HX003', hint = 'Restore an archived project first.';
    end if;
    insert into helix.sessions (project_id, name, description, session_type, context_data)
    values (p_project_id, btrim(p_name), nullif(p_description, ''), p_session_type,
            coalesce(p_context_data, '{}'))
    returning id into v_id;
    return v_id;
end
$$;
comment on function helix.start_session(uuid, text, text, text, jsonb) is
    'A new active development session in an active project; returns its id.';

create or replace function helix.pause_session(p_session_id uuid) returns void
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v helix.sessions := helix.session_for_update(p_session_id);
begin
    if v.status not in ('active', 'waiting_for_worker') then
        perform helix.session_refuse_transition(v, 'pause it');
    end if;
    update helix.sessions set status = 'paused' where id = v.id;
end
$$;
comment on function helix.pause_session(uuid) is
    'active or waiting_for_worker -> paused (HX003 otherwise). Its tasks are not paused: '
    'that is pause_task.';

create or replace function helix.resume_session(p_session_id uuid) returns void
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v helix.sessions := helix.session_for_update(p_session_id);
    v_project_status text;
    v_task_status text;
begin
    if v.status <> 'paused' then
        perform helix.session_refuse_transition(v, 'resume it');
    end if;
    select status into v_project_status from helix.projects where id = v.project_id;
    if v_project_status <> 'active' then
        raise exception 'session % belongs to a project that is %', v.id, v_project_status
            using errcode = 'HX003', hint = 'Restore the project first.';
    end if;
    select status into v_task_status from helix.distributed_tasks where id = v.current_task_id;
    update helix.sessions
    set status = case when v_task_status = 'waiting_for_worker' then 'waiting_for_worker'
                      else 'active' end
    where id = v.id;
end
$$;
comment on function helix.resume_session(uuid) is
    'paused -> active, or waiting_for_worker when its current task waits for a worker '
    '(HX003 when not paused or the project is not active).';

create or replace function helix.complete_session(p_session_id uuid) returns void
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v helix.sessions := helix.session_for_update(p_session_id);
    v_task_status text;
begin
    if v.status in ('completed', 'failed') then
        perform helix.session_refuse_transition(v, 'complete it');
    end if;
    select status into v_task_status from helix.distributed_tasks where id = v.current_task_id;
    if v_task_status in ('pending', 'assigned', 'running', 'paused', 'waiting_for_worker') then
        raise exception 'session % cannot complete: its current task % is %', v.id,
                        v.current_task_id, v_task_status
            using errcode = 'HX003',
                  hint = 'Wait for the task to finish, cancel it (cancel_task), or fail the '
                         'session.';
    end if;
    update helix.sessions set status = 'completed', ended_at = now() where id = v.id;
end
$$;
comment on function helix.complete_session(uuid) is
    'Any unfinished status -> completed, final; refused (HX003) while the current task is '
    'unfinished.';

create or replace function helix.fail_session(p_session_id uuid, p_reason text default null)
returns void
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v helix.sessions := helix.session_for_update(p_session_id);
begin
    if char_length(p_reason) > 10000 then
        raise exception 'reason is too long: p_reason has % characters, at most 10000',
                        char_length(p_reason)
            using errcode = 'HX001', hint = 'Summarise; keep logs elsewhere.';
    end if;
    if v.status in ('completed', 'failed') then
        perform helix.session_refuse_transition(v, 'fail it');
    end if;
    update helix.sessions
    set status = 'failed', ended_at = now(), failure_reason = nullif(p_reason, '')
    where id = v.id;
end
$$;
comment on function helix.fail_session(uuid, text) is
    'Any unfinished status -> failed, final, with a reason. The current task is left as it '
    'is: cancel it with cancel_task if it must stop.';

create or replace function helix.update_session_context(
    p_session_id uuid, p_context jsonb, p_replace boolean default false)
returns jsonb
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v helix.sessions := helix.session_for_update(p_session_id);
    v_new jsonb;
begin
    if p_context is null or jsonb_typeof(p_context) <> 'object' then
        raise exception 'context % is not valid: p_context must be a JSON object',
                        coalesce(left(p_context::text, 100), 'NULL')
            using errcode = 'HX001', hint = 'Keys set to null are removed when merging.';
    end if;
    if v.status in ('completed', 'failed') then
        perform helix.session_refuse_transition(v, 'change its context');
    end if;
    if coalesce(p_replace, false) then
        v_new := p_context;
    else
        -- Shallow merge: top-level keys of p_context win; a key set to null is removed.
        select coalesce(jsonb_object_agg(key, value), '{}') into v_new
        from jsonb_each(v.context_data || p_context)
        where jsonb_typeof(value) <> 'null';
    end if;
    perform helix.session_context_check(v_new);
    update helix.sessions set context_data = v_new where id = v.id;
    return v_new;
end
$$;
comment on function helix.update_session_context(uuid, jsonb, boolean) is
    'Merges p_context into the session''s context_data (top-level keys; null removes a key), '
    'or replaces it when p_replace; returns the new context. HX003 for a finished session.';

create or replace function helix.add_session_tokens(p_session_id uuid, p_tokens integer)
returns integer
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v helix.sessions;
    v_total integer;
begin
    if p_tokens is null or p_tokens <= 0 then
        raise exception 'token count % is not valid: p_tokens must be positive',
                        coalesce(p_tokens::text, 'NULL')
            using errcode = 'HX001', hint = 'Report the tokens a model call used.';
    end if;
    v := helix.session_for_update(p_session_id);
    -- Tokens spent are counted in any status: a late report of a finished session's last
    -- model call is still spending.
    if v.token_count > 2147483647 - p_tokens then
        raise exception 'token count of session % would overflow: % + % is over 2147483647',
                        v.id, v.token_count, p_tokens
            using errcode = 'HX001', hint = 'Start a new session for further work.';
    end if;
    update helix.sessions set token_count = token_count + p_tokens where id = v.id
    returning token_count into v_total;
    return v_total;
end
$$;
comment on function helix.add_session_tokens(uuid, integer) is
    'Adds model tokens spent to a session''s token_count (in any status); returns the new '
    'total. HX001 for a count that is not positive or a total past 2^31-1.';

create or replace view helix.session_overview as
select s.id, s.name, s.description, s.session_type, s.status, s.project_id,
       p.name as project_name, p.owner_id, s.context_data, s.token_count, s.current_task_id,
       t.status as current_task_status, s.failure_reason, s.created_at, s.updated_at,
       s.ended_at
from helix.sessions s
join helix.projects p on p.id = s.project_id
left join helix.distributed_tasks t on t.id = s.current_task_id;
comment on view helix.session_overview is
    'Development sessions with their project and the status of the task they run now.';

revoke all on function
    helix.session_for_update(uuid), helix.session_refuse_transition(helix.sessions, text),
    helix.session_context_check(jsonb),
    helix.start_session(uuid, text, text, text, jsonb), helix.pause_session(uuid),
    helix.resume_session(uuid), helix.complete_session(uuid), helix.fail_session(uuid, text),
    helix.update_session_context(uuid, jsonb, boolean), helix.add_session_tokens(uuid, integer)
from public;
grant execute on function
    helix.start_session(uuid, text, text, text, jsonb), helix.pause_session(uuid),
    helix.resume_session(uuid), helix.complete_session(uuid), helix.fail_session(uuid, text),
    helix.update_session_context(uuid, jsonb, boolean), helix.add_session_tokens(uuid, integer)
to helix_app;
grant select on helix.session_overview to helix_app, helix_readonly;
