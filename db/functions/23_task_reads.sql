-- Task reads for the runner: what it may know of tasks without reading the table.
--
-- A runner finds processes on a worker that carry a task id and attempt in their
-- environment; it kills those whose attempt the database no longer holds (orphans of a lost
-- connection or a crashed runner). This file answers that question for a set of ids.

create or replace function helix.task_attempts(p_task_ids uuid[])
returns table(task_id uuid, live_attempt integer)
language plpgsql stable security definer
set search_path = helix, public, pg_temp as $$
begin
    if p_task_ids is null then
        raise exception 'p_task_ids is null'
            using errcode = 'HX001', hint = 'Pass an array of task ids (it may be empty).';
    end if;
    if cardinality(p_task_ids) > 10000 then
        raise exception 'p_task_ids has % elements: at most 10000 per call',
            cardinality(p_task_ids)
            using errcode = 'HX001', hint = 'Ask in several calls.';
    end if;
    return query
    select t.id, case when t.status in ('assigned', 'running') then t.attempt end
    from helix.distributed_tasks t
    where t.id = any (p_task_ids);
end
$$;
comment on function helix.task_attempts(uuid[]) is
    'For each known id: the attempt that may run now (assigned or running), else null. '
    'Unknown ids are left out, so a runner never touches processes of another installation.';

revoke all on function helix.task_attempts(uuid[]) from public;
grant execute on function helix.task_attempts(uuid[]) to helix_runner;
