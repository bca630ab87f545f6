-- depends: 0001_schema
-- 0002: what the task engine needs beside the seed schema.
--
--   * criticality_rank: criticality as a number (critical 0 .. low 3), generated, so that the
--     ready index can be in exactly the order assign_tasks reads it.
--   * distributed_tasks_ready_idx: a partial index holding only pending tasks whose
--     dependencies are all completed, in assignment order. Finished and blocked tasks are not
--     in it at all, so assignment does not slow down as they pile up.
--   * distributed_tasks_held_idx: the tasks a worker holds (assigned, running), for the count
--     recomputation of check_invariants and for rescuing a worker's tasks.
--   * task_dependencies: one row per dependency edge, keyed by the task depended on, so that
--     completing (or failing) a task finds its dependents by a B-tree probe.

alter table helix.distributed_tasks
    add column criticality_rank smallint not null generated always as (
        case criticality
            when 'critical' then 0
            when 'high' then 1
            when 'normal' then 2
            else 3
        end) stored;
comment on column helix.distributed_tasks.criticality_rank is
    'criticality as a sort key (critical 0, high 1, normal 2, low 3), generated: the ready '
    'index is ordered by it so assignment reads tasks in index order.';

-- assign_tasks repeats this predicate literally (status = 'pending' and
-- pending_dependencies = 0), so the planner can always use this index, even with a generic
-- plan made when the table looked empty. run_after cannot be in a predicate (now() is not
-- immutable): tasks waiting for a retry stay in the index and are filtered, which costs as
-- many rows as tasks are in backoff, never the finished ones.
create index distributed_tasks_ready_idx on helix.distributed_tasks
    (criticality_rank, priority desc, created_at, id)
    where status = 'pending' and pending_dependencies = 0;
comment on index helix.distributed_tasks_ready_idx is
    'Ready-task path of assign_tasks: pending tasks with no unfinished dependency, in '
    'assignment order (criticality, priority desc, age).';

create index distributed_tasks_held_idx on helix.distributed_tasks (assigned_worker_id)
    where status in ('assigned', 'running');
comment on index helix.distributed_tasks_held_idx is
    'Tasks each worker holds now (assigned or running): what current_tasks_count counts.';

create table helix.task_dependencies (
    depends_on_id uuid not null references helix.distributed_tasks (id) on delete cascade,
    task_id uuid not null references helix.distributed_tasks (id) on delete cascade,
    primary key (depends_on_id, task_id),
    constraint task_dependencies_not_self check (depends_on_id <> task_id)
);
create index task_dependencies_task_id_idx on helix.task_dependencies (task_id);
comment on table helix.task_dependencies is
    'Dependency edges: task_id waits for depends_on_id. The same facts as '
    'distributed_tasks.dependencies, keyed the other way round, so that finishing a task '
    'touches only its own dependents. Written by submit_task, never changed afterwards.';
comment on column helix.task_dependencies.depends_on_id is
    'The task that must complete first.';
comment on column helix.task_dependencies.task_id is 'The task that waits for it.';
