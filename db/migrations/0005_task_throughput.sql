-- depends: 0004_users_roles
-- 0005: fewer index writes per task state change (issue 3, throughput).
--
-- Why: every status change of a task is a non-HOT update (status is indexed), so it writes
-- one entry into every index of distributed_tasks whose predicate the new row version
-- matches. Measured before this migration (bench/queue_throughput.py, EXPLAIN (ANALYZE,
-- BUFFERS)): 32 index entries per task over submit, assign, start and complete, against 4
-- for a bare SKIP LOCKED queue, and ~30 shared buffer hits per updated row. Most of those
-- entries describe finished or running tasks in indexes that only ever serve queries about
-- pending or held ones, and they pile up with the history (DESIGN.md, Scale).
--
-- FLAGGED for review: five SEED indexes become partial. Each keeps its seed name and its
-- seed columns (db/tests/00_seed_structure.sql checks both); only a predicate is added, and
-- every query of the code base that reads one of them repeats or implies its predicate.
-- We argue each is a fix of a weak point of the seed, not a change of its meaning:
--
--   * distributed_tasks_dependencies_idx (GIN on dependencies): an empty array holds no
--     element, so no containment query ever finds a task through it; yet every row version
--     of every task without dependencies (nearly all of them) wrote an entry. Now only
--     tasks that have dependencies are in it. A query must say dependencies <> '{}' to use
--     it (the engine itself reads dependents through helix.task_dependencies).
--   * distributed_tasks_criticality_idx, distributed_tasks_priority_idx,
--     distributed_tasks_created_at_idx: four or eleven distinct values, or the age, over
--     the whole history are never selective for anything but ordering the queue, that is
--     picking among pending tasks (the oldest pending task's age in the queue view is the
--     one query of the code base on created_at). Now: where status = 'pending'.
--   * distributed_tasks_status_idx: completed tasks are the bulk of the table and of this
--     index, and nobody looks them up by status through an index (the views count them
--     with a scan). The held ones (assigned, running) are exactly the rows of
--     distributed_tasks_assigned_worker_idx below, whose predicate any query for a held
--     status implies, so the planner reads that index for them (sweep, the stuck-task
--     view). Failed and cancelled tasks stay in it: they are few, and finding them is what
--     an operator does. Now: every status but assigned, running and completed, so assign,
--     start and complete do not write it.
--   * distributed_tasks_assigned_worker_idx: over the whole history, "which tasks does
--     this worker hold" (sweep, set_worker_status, the count invariant) reads every task
--     the worker ever ran. Now: where status in ('assigned', 'running'), exactly the held
--     tasks, which makes 0002's distributed_tasks_held_idx (same column, same predicate) a
--     duplicate: it is dropped. Cost: a DELETE of a worker row (which no function does)
--     checks its foreign keys with a scan instead of an index probe.
--
-- Net: 12 index entries per task cycle instead of 32 (submit 7, assign 2, start 2,
-- complete 1, plus runner_id's own while a runner holds the task). Measured on the batched
-- cycle (100 tasks per call): about a quarter less time per task.

drop index helix.distributed_tasks_held_idx;

drop index helix.distributed_tasks_dependencies_idx;
create index distributed_tasks_dependencies_idx
    on helix.distributed_tasks using gin (dependencies)
    where dependencies <> '{}';
comment on index helix.distributed_tasks_dependencies_idx is
    'Seed index, partial since 0005: tasks that have dependencies, by dependency. A query '
    'must repeat dependencies <> ''{}''.';

drop index helix.distributed_tasks_criticality_idx;
create index distributed_tasks_criticality_idx on helix.distributed_tasks (criticality)
    where status = 'pending';
comment on index helix.distributed_tasks_criticality_idx is
    'Seed index, partial since 0005: pending tasks by criticality.';

drop index helix.distributed_tasks_priority_idx;
create index distributed_tasks_priority_idx on helix.distributed_tasks (priority)
    where status = 'pending';
comment on index helix.distributed_tasks_priority_idx is
    'Seed index, partial since 0005: pending tasks by priority.';

drop index helix.distributed_tasks_status_idx;
create index distributed_tasks_status_idx on helix.distributed_tasks (status)
    where status not in ('assigned', 'running', 'completed');
comment on index helix.distributed_tasks_status_idx is
    'Seed index, partial since 0005: tasks by status, but for completed ones (the bulk of '
    'the history) and held ones (in distributed_tasks_assigned_worker_idx).';

drop index helix.distributed_tasks_created_at_idx;
create index distributed_tasks_created_at_idx on helix.distributed_tasks (created_at)
    where status = 'pending';
comment on index helix.distributed_tasks_created_at_idx is
    'Seed index, partial since 0005: pending tasks by age.';

drop index helix.distributed_tasks_assigned_worker_idx;
create index distributed_tasks_assigned_worker_idx
    on helix.distributed_tasks (assigned_worker_id)
    where status in ('assigned', 'running');
comment on index helix.distributed_tasks_assigned_worker_idx is
    'Seed index, partial since 0005: the tasks each worker holds now (assigned or running), '
    'which is what current_tasks_count counts; replaces 0002''s distributed_tasks_held_idx.';
