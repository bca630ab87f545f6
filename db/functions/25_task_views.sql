-- Tasks, part 4: views. What the queue looks like now, which tasks run longer than they
-- said they would, and each task as an application may read it back.
--
-- Owned by the task engine (issue 3). Read-only; granted to every role.

create or replace view helix.task_queue as
select t.status,
       t.criticality,
       count(*) as tasks,
       count(*) filter (where t.status = 'pending' and t.pending_dependencies = 0
                          and t.run_after <= now()) as ready,
       count(*) filter (where t.status = 'pending' and t.pending_dependencies > 0) as blocked,
       count(*) filter (where t.status = 'pending' and t.run_after > now()) as in_backoff,
       now() - min(t.created_at) filter (where t.status = 'pending'
                                            and t.pending_dependencies = 0
                                            and t.run_after <= now()) as oldest_ready_age,
       now() - min(t.created_at) as oldest_age
from helix.distributed_tasks t
group by t.status, t.criticality, t.criticality_rank
order by t.status, t.criticality_rank;
comment on view helix.task_queue is
    'The queue at a glance: tasks by status and criticality; among pending ones how many are '
    'ready, blocked by dependencies or waiting out a retry backoff, and the age of the '
    'oldest ready task (a growing age means the workers do not keep up). Scans the whole '
    'table: for humans, not for polling.';

create or replace view helix.stuck_tasks as
select t.id as task_id,
       t.task_type,
       t.status,
       t.criticality,
       t.assigned_worker_id as worker_id,
       w.hostname,
       w.status as worker_status,
       t.runner_id,
       t.attempt,
       t.started_at,
       t.estimated_duration,
       now() - t.started_at as running_for,
       now() - t.started_at - t.estimated_duration as overdue_by,
       t.progress,
       t.progress_message
from helix.distributed_tasks t
left join helix.workers w on w.id = t.assigned_worker_id
where t.status = 'running'
  and t.estimated_duration is not null
  and t.started_at < now() - t.estimated_duration
order by now() - t.started_at - t.estimated_duration desc;
comment on view helix.stuck_tasks is
    'Running tasks that have run longer than their estimated_duration, most overdue first, '
    'with their worker and last progress report: candidates for a look or a cancel_task.';

create or replace view helix.task_overview as
select t.id as task_id,
       t.task_type,
       t.task_data,
       t.status,
       t.priority,
       t.criticality,
       t.attempt,
       t.retry_count,
       t.max_retries,
       t.dependencies,
       t.pending_dependencies,
       t.required_capabilities,
       t.session_id,
       coalesce(w.hostname, o.hostname) as worker,
       t.progress,
       t.progress_message,
       t.error_message,
       t.result_data,
       t.checkpoint_data,
       t.estimated_duration,
       t.run_after,
       t.created_at,
       t.started_at,
       t.completed_at,
       t.updated_at
from helix.distributed_tasks t
left join helix.workers w on w.id = t.assigned_worker_id
left join helix.workers o on o.id = t.original_worker_id;
comment on view helix.task_overview is
    'Each task as an application reads it back: status, progress, result or error, and the '
    'worker it is on (or last ran on). No role may read distributed_tasks itself; select by '
    'task_id (the primary key) to follow one task.';
comment on column helix.task_overview.worker is
    'Hostname of the worker that holds the task, else of the one it last ran on.';

grant select on helix.task_queue to helix_readonly, helix_app, helix_runner;
grant select on helix.stuck_tasks to helix_readonly, helix_app, helix_runner;
grant select on helix.task_overview to helix_readonly, helix_app, helix_runner;
