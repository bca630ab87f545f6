-- Task engine, operator controls: cancel_task, pause_task, resume_task, retry_task; each
-- refused transition by SQLSTATE with nothing written; the fencing of a stopped run; the
-- DBA views; check_invariants finding what is wrong.

begin;
select plan(57);

insert into helix.workers (id, hostname, ssh_config, capabilities, max_concurrent_tasks)
values ('00000000-0000-0000-0000-000000000001', 'w1', '{}', '{}', 4);

create temp table ids (name text primary key, id uuid);
create function pg_temp.id(p_name text) returns uuid
language sql as $$ select id from ids where name = p_name $$;
create function pg_temp.status_of(p_name text) returns text
language sql as $$
    select status from helix.distributed_tasks where id = pg_temp.id(p_name)
$$;
create function pg_temp.held() returns int
language sql as $$ select current_tasks_count from helix.workers where hostname = 'w1' $$;

insert into ids select 'run', helix.submit_task('shell', '{}', 10);
insert into ids select 'asg', helix.submit_task('shell', '{}', 9);
insert into ids select 'pend', helix.submit_task('shell', '{}', 1);
insert into ids select 'dep', helix.submit_task('shell', '{}', 1, 'normal',
    array[pg_temp.id('pend')]);
select helix.start_task(task_id, attempt) from helix.assign_tasks(2)
where task_id = pg_temp.id('run');
select is(pg_temp.held(), 2, 'two tasks held before the controls');

-- ------------------------------------------------------------------ refusals common to all
select throws_ok($$ select helix.cancel_task(null) $$, 'HX001',
    'task_id NULL is not a task: p_task_id is required', 'cancel: null id refused');
select throws_ok($$ select helix.pause_task('00000000-0000-0000-0000-00000000dead') $$,
    'HX002', 'task 00000000-0000-0000-0000-00000000dead does not exist (p_task_id)',
    'pause: unknown task refused');
select throws_ok($$ select helix.resume_task('00000000-0000-0000-0000-00000000dead') $$,
    'HX002', 'task 00000000-0000-0000-0000-00000000dead does not exist (p_task_id)',
    'resume: unknown task refused');
select throws_ok($$ select helix.retry_task(null) $$, 'HX001',
    'task_id NULL is not a task: p_task_id is required', 'retry: null id refused');

-- ------------------------------------------------------------------ pause / resume
select throws_ok(format($$ select helix.resume_task('%s') $$, pg_temp.id('pend')), 'HX003',
    format('task %s is pending: only a paused task can be resumed', pg_temp.id('pend')),
    'resume: a pending task refused');
select lives_ok(format($$ select helix.pause_task('%s') $$, pg_temp.id('run')),
    'pause: a running task');
select results_eq(
    $$ select status::text, assigned_worker_id, original_worker_id, runner_id, attempt
       from helix.distributed_tasks where id = pg_temp.id('run') $$,
    $$ values ('paused', null::uuid, '00000000-0000-0000-0000-000000000001'::uuid,
               null::uuid, 1) $$,
    'pause: paused, slot given up, worker remembered, attempt unchanged');
select is(pg_temp.held(), 1, 'pause: the worker''s count drops');
select throws_ok(format($$ select helix.complete_task('%s', 1) $$, pg_temp.id('run')), 'HX003',
    format('task %s is paused: only a task that is running can be completed',
           pg_temp.id('run')), 'the paused run''s late completion is refused');
select throws_ok(format($$ select helix.save_checkpoint('%s', 1, 'x', '{}') $$,
                        pg_temp.id('run')), 'HX003',
    format('task %s is paused: only a task that is assigned or running can be checkpointed',
           pg_temp.id('run')), 'the paused run''s late checkpoint is refused');
select throws_ok(format($$ select helix.pause_task('%s') $$, pg_temp.id('run')), 'HX003',
    format('task %s is paused: only a pending, assigned, running or waiting task can be '
           'paused', pg_temp.id('run')), 'pause: pausing twice refused');
create temp table g1 as select * from helix.assign_tasks(10);
select is_empty($$ select * from g1 where task_id = pg_temp.id('run') $$,
    'a paused task is not assigned');
select helix.release_task(task_id, attempt) from g1;
select lives_ok(format($$ select helix.resume_task('%s') $$, pg_temp.id('run')),
    'resume: good path');
select is(pg_temp.status_of('run'), 'pending', 'resume: pending again');
select lives_ok(format($$ select helix.pause_task('%s') $$, pg_temp.id('pend')),
    'pause: a pending task');
select is(pg_temp.status_of('pend'), 'paused', 'pause: pending -> paused');
select helix.resume_task(pg_temp.id('pend'));

-- ------------------------------------------------------------------ cancel
-- asg is assigned (attempt 1). Cancelling frees the slot; the old run's reports are refused.
select is(pg_temp.status_of('asg'), 'assigned', 'asg is assigned');
select lives_ok(format($$ select helix.cancel_task('%s', 'wrong branch') $$, pg_temp.id('asg')),
    'cancel: an assigned task');
select results_eq(
    $$ select status::text, error_message, completed_at is not null, runner_id
       from helix.distributed_tasks where id = pg_temp.id('asg') $$,
    $$ values ('cancelled', 'cancelled: wrong branch', true, null::uuid) $$,
    'cancel: cancelled with the reason');
select throws_ok(format($$ select helix.start_task('%s', 1) $$, pg_temp.id('asg')), 'HX003',
    format('task %s is cancelled: only a task that is assigned can be started',
           pg_temp.id('asg')), 'the cancelled run''s late start is refused');
select throws_ok(format($$ select helix.fail_task('%s', 1, 'x') $$, pg_temp.id('asg')),
    'HX003', format('task %s is cancelled: only a task that is assigned or running can be '
                    'failed', pg_temp.id('asg')), 'the cancelled run''s late failure is refused');
select throws_ok(format($$ select helix.cancel_task('%s') $$, pg_temp.id('asg')), 'HX003',
    format('task %s is cancelled: only an unfinished task can be cancelled',
           pg_temp.id('asg')), 'cancel: cancelling twice refused');
select is((select error_message from helix.distributed_tasks where id = pg_temp.id('asg')),
    'cancelled: wrong branch', 'the refused cancel wrote nothing');
select lives_ok(format($$ select helix.cancel_task('%s') $$, pg_temp.id('pend')),
    'cancel: a pending task without a reason');
select results_eq(
    $$ select n.name, t.status::text, t.error_message from helix.distributed_tasks t
       join ids n on n.id = t.id where n.name in ('pend', 'dep') order by n.name $$,
    $$ values ('dep', 'cancelled', 'dependency ' || pg_temp.id('pend') || ' was cancelled'),
              ('pend', 'cancelled', 'cancelled') $$,
    'cancel: the dependent is cancelled with it');

-- ------------------------------------------------------------------ retry
select throws_ok(format($$ select helix.retry_task('%s') $$, pg_temp.id('run')), 'HX003',
    format('task %s is pending: only a failed or cancelled task can be retried',
           pg_temp.id('run')), 'retry: a pending task refused');
select throws_ok(format($$ select helix.retry_task('%s') $$, pg_temp.id('dep')), 'HX003',
    format('task %s cannot be retried: its dependency %s is cancelled', pg_temp.id('dep'),
           pg_temp.id('pend')), 'retry: a task whose dependency is cancelled is refused');
select is(pg_temp.status_of('dep'), 'cancelled', 'the refused retry wrote nothing');
update helix.distributed_tasks set retry_count = 2 where id = pg_temp.id('pend');
select lives_ok(format($$ select helix.retry_task('%s') $$, pg_temp.id('pend')),
    'retry: the cancelled dependency');
select results_eq(
    $$ select status::text, retry_count, error_message, completed_at from helix.distributed_tasks
       where id = pg_temp.id('pend') $$,
    $$ values ('pending', 0, null::text, null::timestamptz) $$,
    'retry: pending, retries reset, error cleared');
select lives_ok(format($$ select helix.retry_task('%s') $$, pg_temp.id('dep')),
    'retry: then its dependent');
select results_eq(
    $$ select status::text, pending_dependencies from helix.distributed_tasks
       where id = pg_temp.id('dep') $$,
    $$ values ('pending', 1) $$, 'retry: the dependent waits for its dependency again');

-- Run pend to completion: dep becomes ready.
create temp table g2 as select * from helix.assign_tasks(10);
select helix.start_task(task_id, attempt) from g2 where task_id = pg_temp.id('pend');
select helix.release_task(task_id, attempt) from g2 where task_id <> pg_temp.id('pend');
select helix.complete_task(pg_temp.id('pend'), (select attempt from helix.distributed_tasks
                                                where id = pg_temp.id('pend')));
select is((select pending_dependencies from helix.distributed_tasks
           where id = pg_temp.id('dep')), 0, 'the retried dependent is ready');
select is_empty($$ select * from helix.check_invariants() $$, 'invariants hold');

-- ------------------------------------------------------------------ other areas' updates
-- sweep moves tasks with plain UPDATEs; the triggers keep the counts without its help.
insert into ids select 'swept', helix.submit_task('shell', '{}', 10, 'critical');
create temp table g4 as select * from helix.assign_tasks(10);
select helix.release_task(task_id, attempt) from g4 where task_id <> pg_temp.id('swept');
select is(pg_temp.held(), 1, 'swept is held');
update helix.distributed_tasks
set status = 'waiting_for_worker', waiting_since = now(),
    original_worker_id = assigned_worker_id, assigned_worker_id = null, runner_id = null
where id = pg_temp.id('swept');
select is(pg_temp.held(), 0, 'moved to waiting_for_worker by a plain UPDATE, it frees its slot');
update helix.distributed_tasks set status = 'pending', waiting_since = null
where id = pg_temp.id('swept');
create temp table g5 as select * from helix.assign_tasks(1);
select results_eq($$ select task_id, worker_id, attempt from g5 $$,
    $$ select pg_temp.id('swept'), '00000000-0000-0000-0000-000000000001'::uuid, 2 $$,
    'made pending by a plain UPDATE, it is assigned again with the next attempt');
delete from helix.distributed_tasks where id = pg_temp.id('swept');
select is(pg_temp.held(), 0, 'deleting a held task frees its slot');

-- ------------------------------------------------------------------ views
select has_view('helix', 'task_queue', 'task_queue exists');
select has_view('helix', 'stuck_tasks', 'stuck_tasks exists');
select ok(has_table_privilege('helix_readonly', 'helix.task_queue', 'select'),
    'helix_readonly reads task_queue');
select results_eq(
    $$ select tasks, ready, blocked from helix.task_queue
       where status = 'completed' and criticality = 'normal' $$,
    $$ values (1::bigint, 0::bigint, 0::bigint) $$, 'task_queue counts by status');
select ok((select oldest_ready_age >= interval '0' from helix.task_queue
           where status = 'pending' and criticality = 'normal'),
    'task_queue gives the oldest ready task''s age');
insert into ids select 'slow', helix.submit_task('shell',
    p_estimated_duration => interval '1 minute');
create temp table g3 as select * from helix.assign_tasks(10);
select helix.start_task(task_id, attempt) from g3 where task_id = pg_temp.id('slow');
select helix.release_task(task_id, attempt) from g3 where task_id <> pg_temp.id('slow');
select is_empty($$ select * from helix.stuck_tasks $$, 'nothing stuck yet');
update helix.distributed_tasks set started_at = now() - interval '5 minutes'
where id = pg_temp.id('slow');
select results_eq($$ select task_id, overdue_by from helix.stuck_tasks $$,
    $$ values (pg_temp.id('slow'), interval '4 minutes') $$,
    'stuck_tasks lists a task running past its estimate, and by how much');

-- ------------------------------------------------------------------ invariants find faults
update helix.workers set current_tasks_count = current_tasks_count + 1;
select results_eq($$ select invariant, object_id from helix.check_invariants() $$,
    $$ values ('worker_count_mismatch', '00000000-0000-0000-0000-000000000001'::uuid) $$,
    'a wrong worker count is reported');
update helix.workers set current_tasks_count = current_tasks_count - 1;
update helix.distributed_tasks set pending_dependencies = 3 where id = pg_temp.id('run');
select results_eq($$ select invariant, object_id from helix.check_invariants() $$,
    $$ values ('pending_dependencies_mismatch', pg_temp.id('run')) $$,
    'a wrong pending_dependencies is reported');
update helix.distributed_tasks set pending_dependencies = 0 where id = pg_temp.id('run');
update helix.workers set status = 'offline', last_heartbeat = now() - interval '1 hour';
select results_eq($$ select invariant, object_id from helix.check_invariants()
                     where invariant = 'held_on_offline_worker' $$,
    $$ values ('held_on_offline_worker', pg_temp.id('slow')) $$,
    'a task held on a long-offline worker is reported');
update helix.workers set status = 'active';
alter table helix.distributed_tasks disable trigger distributed_tasks_after_update;
update helix.distributed_tasks set status = 'completed'
where id = pg_temp.id('dep');
update helix.distributed_tasks set status = 'pending' where id = pg_temp.id('pend');
alter table helix.distributed_tasks enable trigger distributed_tasks_after_update;
select results_eq(
    $$ select invariant, object_id from helix.check_invariants()
       where invariant = 'completed_with_unfinished_dependency' $$,
    $$ values ('completed_with_unfinished_dependency', pg_temp.id('dep')) $$,
    'a completed task with an unfinished dependency is reported');
update helix.workers set max_concurrent_tasks = 1, current_tasks_count = 2;
alter table helix.distributed_tasks disable trigger distributed_tasks_after_update;
update helix.distributed_tasks set status = 'running', assigned_worker_id = null, attempt = 1
where id = pg_temp.id('run');
alter table helix.distributed_tasks enable trigger distributed_tasks_after_update;
select results_eq(
    $$ select invariant from helix.check_invariants()
       where invariant in ('held_without_worker', 'worker_over_capacity') order by 1 $$,
    $$ values ('held_without_worker') $$,
    'a held task without a worker is reported');
select is((select count(*) from helix.check_invariants()
           where invariant = 'worker_over_capacity'), 0::bigint,
    'one task on a max-1 worker is not over capacity');

-- ------------------------------------------------------------------ roles
select set_config('helix_test.run_id', pg_temp.id('run')::text, true);
set local role helix_readonly;
select lives_ok($$ select * from helix.check_invariants() $$,
    'helix_readonly may run check_invariants');
select lives_ok($$ select * from helix.task_queue $$, 'helix_readonly may read task_queue');
select throws_ok($$ select helix.cancel_task(gen_random_uuid()) $$, '42501', null,
    'helix_readonly may not cancel');
reset role;
set local role helix_app;
select lives_ok(format($$ select helix.pause_task('%s') $$,
                       current_setting('helix_test.run_id')), 'helix_app may pause');
select throws_ok($$ select * from helix.assign_tasks(1) $$, '42501', null,
    'helix_app may not assign');
reset role;

select * from finish();
rollback;
