-- Task engine, the runner's side: assign_tasks (order, matching, capacity, preference,
-- fencing), start/complete/fail/checkpoint/release/progress and the batch forms, each
-- refusal by SQLSTATE with nothing written, and worker counts afterwards.

begin;
select plan(86);

-- Fixed ids so that the workers' order (by id) is known.
insert into helix.workers (id, hostname, ssh_config, capabilities, max_concurrent_tasks,
                           status, health_status) values
    ('00000000-0000-0000-0000-000000000001', 'w1', '{}', '{linux}', 2, 'active', 'healthy'),
    ('00000000-0000-0000-0000-000000000002', 'w2', '{}', '{linux,gpu}', 1, 'active',
     'degraded'),
    ('00000000-0000-0000-0000-000000000003', 'w3', '{}', '{linux,gpu}', 5, 'active',
     'unhealthy'),
    ('00000000-0000-0000-0000-000000000004', 'w4', '{}', '{linux,gpu}', 5, 'maintenance',
     'healthy');
insert into helix.runners (id, name, hostname, status, lease_expires_at) values
    ('00000000-0000-0000-0000-0000000000f1', 'r1', 'h', 'running', now() + interval '1 hour'),
    ('00000000-0000-0000-0000-0000000000f2', 'r2', 'h', 'lost', now() - interval '1 hour');

create temp table ids (name text primary key, id uuid);
insert into ids select 'low', helix.submit_task('shell', '{}', 9, 'low');
insert into ids select 'crit', helix.submit_task('shell', '{}', 1, 'critical');
insert into ids select 'high5', helix.submit_task('shell', '{}', 5, 'high');
insert into ids select 'high8', helix.submit_task('shell', '{}', 8, 'high');
insert into ids select 'gpu', helix.submit_task('shell', '{}', 5, 'normal',
    p_required_capabilities => '{gpu}');
insert into ids select 'later', helix.submit_task('shell', '{}', 10, 'critical');
update helix.distributed_tasks set run_after = now() + interval '1 hour'
where id = (select id from ids where name = 'later');
insert into ids select 'blocked', helix.submit_task('shell', '{}', 10, 'critical',
    array[(select id from ids where name = 'low')]);
insert into ids select 'norun', helix.submit_task('shell', '{}', 10, 'critical', '{}', 0,
    '{arm}');

create function pg_temp.id(p_name text) returns uuid
language sql as $$ select id from ids where name = p_name $$;
create function pg_temp.count_of(p_worker text) returns int
language sql as $$ select current_tasks_count from helix.workers where hostname = p_worker $$;
create function pg_temp.status_of(p_name text) returns text
language sql as $$
    select status from helix.distributed_tasks where id = pg_temp.id(p_name)
$$;
create function pg_temp.attempt_of(p_name text) returns int
language sql as $$
    select attempt from helix.distributed_tasks where id = pg_temp.id(p_name)
$$;

-- ------------------------------------------------------------------ assign_tasks refusals
select throws_ok($$ select * from helix.assign_tasks(0) $$, 'HX001',
    'limit 0 is out of range: p_limit must be between 1 and 10000', 'limit 0 refused');
select throws_ok($$ select * from helix.assign_tasks(null) $$, 'HX001',
    'limit NULL is out of range: p_limit must be between 1 and 10000', 'null limit refused');
select throws_ok($$ select * from helix.assign_tasks(1,
                      '00000000-0000-0000-0000-0000000000f9') $$,
    'HX002', 'runner 00000000-0000-0000-0000-0000000000f9 does not exist (p_runner_id)',
    'unknown runner refused');
select throws_ok($$ select * from helix.assign_tasks(1,
                      '00000000-0000-0000-0000-0000000000f2') $$,
    'HX003', 'runner 00000000-0000-0000-0000-0000000000f2 is lost: only a running runner '
    'takes work (p_runner_id)', 'lost runner refused');
select is((select count(*) from helix.distributed_tasks where status <> 'pending'), 0::bigint,
    'refused assignments assigned nothing');

-- ------------------------------------------------------------------ assignment order
create temp table got as
select * from helix.assign_tasks(10, '00000000-0000-0000-0000-0000000000f1');
select results_eq(
    $$ select n.name, w.hostname::text, g.attempt from got g join ids n on n.id = g.task_id
       join helix.workers w on w.id = g.worker_id order by n.name $$,
    $$ values ('crit', 'w1', 1), ('high5', 'w1', 1), ('high8', 'w2', 1) $$,
    'critical first, then high by priority; three slots, spread over w1 and w2');
select results_eq(
    $$ select count(*)::int,
              count(*) filter (where runner_id = '00000000-0000-0000-0000-0000000000f1'
                                 and assigned_at is not null)::int
       from helix.distributed_tasks where status = 'assigned' $$,
    $$ values (3, 3) $$, 'the three are assigned, with runner and assigned_at');
select results_eq($$ select pg_temp.count_of('w1'), pg_temp.count_of('w2'),
                            pg_temp.count_of('w3'), pg_temp.count_of('w4') $$,
    $$ values (2, 1, 0, 0) $$,
    'current_tasks_count follows; the unhealthy and maintenance workers get nothing');
select is_empty($$ select * from helix.assign_tasks(10) $$,
    'no free slot: nothing more is assigned');
select is(pg_temp.status_of('later'), 'pending', 'a task in backoff is not assigned');
select is(pg_temp.status_of('blocked'), 'pending', 'a blocked task is not assigned');

-- ------------------------------------------------------------------ start_task
select throws_ok($$ select helix.start_task(null, 1) $$, 'HX001',
    'task_id NULL is not a task: p_task_id is required', 'start: null task refused');
select throws_ok(format($$ select helix.start_task('%s', 0) $$, pg_temp.id('crit')), 'HX001',
    'attempt 0 is not valid: p_attempt must be the attempt (1 or more) assign_tasks returned',
    'start: attempt 0 refused');
select throws_ok($$ select helix.start_task('00000000-0000-0000-0000-00000000dead', 1) $$,
    'HX002', 'task 00000000-0000-0000-0000-00000000dead does not exist (p_task_id)',
    'start: unknown task refused');
select throws_ok(format($$ select helix.start_task('%s', 2) $$, pg_temp.id('crit')), 'HX004',
    format('attempt 2 of task %s is stale: the task is at attempt 1 (p_attempt)',
           pg_temp.id('crit')), 'start: wrong attempt refused');
select throws_ok(format($$ select helix.start_task('%s', 0 + 1) $$, pg_temp.id('low')),
    'HX004', format('attempt 1 of task %s is stale: the task is at attempt 0 (p_attempt)',
                    pg_temp.id('low')), 'start: a never-assigned task refused as stale');
select is(pg_temp.status_of('crit'), 'assigned', 'refused starts wrote nothing');
select lives_ok(format($$ select helix.start_task('%s', 1) $$, pg_temp.id('crit')),
    'start: good path');
select ok((select status = 'running' and started_at is not null from helix.distributed_tasks
           where id = pg_temp.id('crit')), 'start: running with started_at');
select is(pg_temp.count_of('w1'), 2, 'start: a running task still holds its slot');
select throws_ok(format($$ select helix.start_task('%s', 1) $$, pg_temp.id('crit')), 'HX003',
    format('task %s is running: only a task that is assigned can be started',
           pg_temp.id('crit')), 'start: starting twice refused');

-- ------------------------------------------------------------------ report_progress
select lives_ok(format($$ select helix.report_progress('%s', 1, 0.25, 'compiling') $$,
                       pg_temp.id('crit')), 'progress: good path');
select results_eq(
    $$ select progress, progress_message from helix.distributed_tasks
       where id = pg_temp.id('crit') $$,
    $$ values (0.25::real, 'compiling') $$, 'progress: stored');
select throws_ok(format($$ select helix.report_progress('%s', 1, 1.5) $$, pg_temp.id('crit')),
    'HX001', 'progress 1.5 is out of range: p_progress must be between 0 and 1',
    'progress: 1.5 refused');
select throws_ok(format($$ select helix.report_progress('%s', 1, 'NaN') $$,
                        pg_temp.id('crit')),
    'HX001', 'progress NaN is out of range: p_progress must be between 0 and 1',
    'progress: NaN refused');
select throws_ok(format($$ select helix.report_progress('%s', 3, 0.5) $$, pg_temp.id('crit')),
    'HX004', format('attempt 3 of task %s is stale: the task is at attempt 1 (p_attempt)',
                    pg_temp.id('crit')), 'progress: stale attempt refused');
select throws_ok(format($$ select helix.report_progress('%s', 0 + 1, 0.5) $$,
                        pg_temp.id('low')),
    'HX004', format('attempt 1 of task %s is stale: the task is at attempt 0 (p_attempt)',
                    pg_temp.id('low')), 'progress: unassigned task refused');
select is((select progress from helix.distributed_tasks where id = pg_temp.id('crit')),
    0.25::real, 'refused progress reports wrote nothing');

-- ------------------------------------------------------------------ save_checkpoint
create temp table cp as
select helix.save_checkpoint(pg_temp.id('crit'), 1, 'compiled', '{"step": 2}') as id;
select results_eq(
    $$ select c.task_id, c.checkpoint_name::text, c.checkpoint_data, w.hostname::text
       from helix.task_checkpoints c join helix.workers w on w.id = c.worker_id
       where c.id = (select id from cp) $$,
    $$ select pg_temp.id('crit'), 'compiled', '{"step": 2}'::jsonb, 'w1' $$,
    'checkpoint: history row with the assigned worker');
select is((select checkpoint_data from helix.distributed_tasks where id = pg_temp.id('crit')),
    '{"step": 2}'::jsonb, 'checkpoint: latest on the task');
select throws_ok(format($$ select helix.save_checkpoint('%s', 1, ' ', '{}') $$,
                        pg_temp.id('crit')), 'HX001',
    'checkpoint name '' '' is not valid: p_name must be 1 to 255 characters, not blank',
    'checkpoint: blank name refused');
select throws_ok(format($$ select helix.save_checkpoint('%s', 1, 'x', null) $$,
                        pg_temp.id('crit')), 'HX001',
    'checkpoint data NULL is not valid: p_data is required', 'checkpoint: null data refused');
select throws_ok(format($$ select helix.save_checkpoint('%s', 5, 'x', '{}') $$,
                        pg_temp.id('crit')), 'HX004',
    format('attempt 5 of task %s is stale: the task is at attempt 1 (p_attempt)',
           pg_temp.id('crit')), 'checkpoint: stale attempt refused');
select is((select count(*) from helix.task_checkpoints), 1::bigint,
    'refused checkpoints wrote no history');

-- ------------------------------------------------------------------ complete_task
select throws_ok(format($$ select helix.complete_task('%s', 1) $$, pg_temp.id('high5')),
    'HX003', format('task %s is assigned: only a task that is running can be completed',
                    pg_temp.id('high5')), 'complete: an assigned task refused');
select throws_ok(format($$ select helix.complete_task('%s', 2) $$, pg_temp.id('crit')),
    'HX004', format('attempt 2 of task %s is stale: the task is at attempt 1 (p_attempt)',
                    pg_temp.id('crit')), 'complete: stale attempt refused');
select is(pg_temp.status_of('crit'), 'running', 'refused completions wrote nothing');
select lives_ok(format($$ select helix.complete_task('%s', 1, '{"ok": true}') $$,
                       pg_temp.id('crit')), 'complete: good path');
select results_eq(
    $$ select status::text, result_data, progress, runner_id is null, completed_at is not null
       from helix.distributed_tasks where id = pg_temp.id('crit') $$,
    $$ values ('completed', '{"ok": true}'::jsonb, 1::real, true, true) $$,
    'complete: completed with result, progress 1, runner cleared');
select is(pg_temp.count_of('w1'), 1, 'complete: the slot is freed');
select throws_ok(format($$ select helix.complete_task('%s', 1) $$, pg_temp.id('crit')),
    'HX003', format('task %s is completed: only a task that is running can be completed',
                    pg_temp.id('crit')), 'complete: completing twice refused');

-- One slot on w1 (linux only): the gpu task is passed over, low is taken.
create temp table got2 as select * from helix.assign_tasks(5);
select results_eq($$ select n.name, w.hostname::text from got2 g join ids n on n.id = g.task_id
                     join helix.workers w on w.id = g.worker_id $$,
    $$ values ('low', 'w1') $$,
    'a task needing a capability no free worker has is passed over');

-- ------------------------------------------------------------------ fail_task
select helix.start_task(pg_temp.id('high8'), 1);
select throws_ok(format($$ select helix.fail_task('%s', 1, 'x', null) $$, pg_temp.id('high8')),
    'HX001', 'retryable NULL is not true or false: p_retryable is required',
    'fail: null retryable refused');
select throws_ok(format($$ select helix.fail_task('%s', 9, 'x') $$, pg_temp.id('high8')),
    'HX004', format('attempt 9 of task %s is stale: the task is at attempt 1 (p_attempt)',
                    pg_temp.id('high8')), 'fail: stale attempt refused');
select is(pg_temp.status_of('high8'), 'running', 'refused failures wrote nothing');
select is(helix.fail_task(pg_temp.id('high8'), 1, 'exit 1'), 'pending',
    'fail: retryable with retries left goes back to pending');
select results_eq(
    $$ select retry_count, error_message, assigned_worker_id is null,
              run_after between now() + interval '2.5 seconds' and now() + interval '5 seconds'
       from helix.distributed_tasks where id = pg_temp.id('high8') $$,
    $$ values (1, 'exit 1', true, true) $$,
    'fail: retry_count 1, error kept, worker cleared, backoff of 2.5 to 5 seconds');
select is(pg_temp.count_of('w2'), 0, 'fail: the slot is freed');
select throws_ok(format($$ select helix.fail_task('%s', 1, 'x') $$, pg_temp.id('high8')),
    'HX003', format('task %s is pending: only a task that is assigned or running can be '
                    'failed', pg_temp.id('high8')), 'fail: a pending task refused');

-- w2 is free now and high8 waits out its backoff: the gpu task goes to w2.
create temp table got3 as select * from helix.assign_tasks(5);
select results_eq($$ select n.name, w.hostname::text from got3 g join ids n on n.id = g.task_id
                     join helix.workers w on w.id = g.worker_id $$,
    $$ values ('gpu', 'w2') $$, 'the gpu task goes to the gpu worker; backoff respected');

-- The backoff grows: the second retry waits 5 to 10 seconds.
update helix.distributed_tasks set run_after = now() where id = pg_temp.id('high8');
update helix.workers set max_concurrent_tasks = 3 where hostname = 'w1';
create temp table got4 as select * from helix.assign_tasks(1);
select results_eq($$ select g.task_id, g.attempt from got4 g $$,
    $$ select pg_temp.id('high8'), 2 $$, 'the retried task is assigned again, attempt 2');
select is(helix.fail_task(pg_temp.id('high8'), 2, 'exit 1'), 'pending', 'fail: second retry');
select ok((select run_after between now() + interval '5 seconds'
                               and now() + interval '10 seconds'
           from helix.distributed_tasks where id = pg_temp.id('high8')),
    'fail: the second backoff is 5 to 10 seconds');

-- Not retryable: failed at once, and the dependent fails with it.
select helix.start_task(pg_temp.id('gpu'), 1);
select is(helix.fail_task(pg_temp.id('gpu'), 1, 'bad input', false,
                          '{"exit_code": 2, "stderr_tail": "bad input"}'), 'failed',
    'fail: not retryable fails at once');
select is((select result_data ->> 'exit_code' from helix.distributed_tasks
           where id = pg_temp.id('gpu')), '2', 'fail: p_result is kept in result_data');
select results_eq(
    $$ select status::text, retry_count, completed_at is not null from helix.distributed_tasks
       where id = pg_temp.id('gpu') $$,
    $$ values ('failed', 0, true) $$, 'fail: no retry spent, finished');
select is(pg_temp.count_of('w2'), 0, 'fail: the failed task frees its slot');

-- Out of retries.
update helix.distributed_tasks set max_retries = 2, run_after = now()
where id = pg_temp.id('high8');
create temp table got5 as select * from helix.assign_tasks(1);
select is((select attempt from got5), 3, 'assigned a third time');
select is(helix.fail_task(pg_temp.id('high8'), 3, 'exit 1'), 'failed',
    'fail: with no retries left the task fails');

-- ------------------------------------------------------------------ release_task
-- high5 (attempt 1, on w1) saves a checkpoint and is released: pending again, no retry
-- spent, the same attempt until reassigned, w1 preferred, and the checkpoint handed back.
select helix.start_task(pg_temp.id('high5'), 1);
select helix.save_checkpoint(pg_temp.id('high5'), 1, 'half', '{"at": 50}');
select throws_ok(format($$ select helix.release_task('%s', 2) $$, pg_temp.id('high5')),
    'HX004', format('attempt 2 of task %s is stale: the task is at attempt 1 (p_attempt)',
                    pg_temp.id('high5')), 'release: stale attempt refused');
select lives_ok(format($$ select helix.release_task('%s', 1) $$, pg_temp.id('high5')),
    'release: good path');
select results_eq(
    $$ select status::text, retry_count, attempt, original_worker_id, assigned_worker_id
       from helix.distributed_tasks where id = pg_temp.id('high5') $$,
    $$ values ('pending', 0, 1, '00000000-0000-0000-0000-000000000001'::uuid, null::uuid) $$,
    'release: pending, no retry spent, w1 remembered');
select throws_ok(format($$ select helix.release_task('%s', 1) $$, pg_temp.id('high5')),
    'HX003', format('task %s is pending: only a task that is assigned or running can be '
                    'released', pg_temp.id('high5')), 'release: releasing twice refused');
select throws_ok(format($$ select helix.complete_task('%s', 1) $$, pg_temp.id('high5')),
    'HX003', format('task %s is pending: only a task that is running can be completed',
                    pg_temp.id('high5')), 'the released run''s late completion is refused');

-- Make round robin prefer w2 (more free, first after w1) and see w1 chosen anyway.
update helix.workers set max_concurrent_tasks = 5 where hostname = 'w2';
create temp table got6 as select * from helix.assign_tasks(1,
    p_worker_ids => '{00000000-0000-0000-0000-000000000002,00000000-0000-0000-0000-000000000001}');
select results_eq($$ select task_id, worker_id, checkpoint_data, attempt from got6 $$,
    $$ select pg_temp.id('high5'), '00000000-0000-0000-0000-000000000001'::uuid,
              '{"at": 50}'::jsonb, 2 $$,
    'assign prefers the original worker and returns the checkpoint');
select throws_ok(format($$ select helix.start_task('%s', 1) $$, pg_temp.id('high5')),
    'HX004', format('attempt 1 of task %s is stale: the task is at attempt 2 (p_attempt)',
                    pg_temp.id('high5')), 'the old run''s late start is refused as stale');

-- p_worker_ids limits the workers.
insert into ids select 'only2', helix.submit_task('shell', '{}', 10, 'critical');
select is_empty($$ select * from helix.assign_tasks(5,
                       p_worker_ids => '{00000000-0000-0000-0000-000000000003}') $$,
    'only the unhealthy worker allowed: nothing assigned');
select results_eq($$ select worker_id from helix.assign_tasks(1,
                       p_worker_ids => '{00000000-0000-0000-0000-000000000002}') $$,
    $$ values ('00000000-0000-0000-0000-000000000002'::uuid) $$,
    'p_worker_ids restricts assignment to those workers');

-- ------------------------------------------------------------------ batch forms
-- State now: high5 (attempt 2, w1), low (attempt 1, w1), only2 (attempt 1, w2) assigned.
select throws_ok($$ select * from helix.start_tasks('{}', '{1}') $$, 'HX001',
    'p_task_ids (0 elements) and p_attempts (1 elements) must be arrays of the same length',
    'start_tasks: lengths differ');
select throws_ok($$ select * from helix.start_tasks(array[null::uuid], '{1}') $$, 'HX001',
    'p_task_ids holds a null at position 1', 'start_tasks: null id');
select throws_ok(format($$ select * from helix.start_tasks('{%s}', '{0}') $$,
                        pg_temp.id('low')), 'HX001',
    'p_attempts {0} holds a null or an attempt below 1', 'start_tasks: attempt 0');
select throws_ok(format($$ select * from helix.start_tasks('{%s,%s}', '{1,1}') $$,
                        pg_temp.id('low'), pg_temp.id('low')), 'HX001',
    'p_task_ids names a task more than once', 'start_tasks: a task twice');
select is(pg_temp.status_of('low'), 'assigned', 'refused batches wrote nothing');
select results_eq(
    format($$ select task_id, refused_with from helix.start_tasks(
                  '{%s,%s,%s,00000000-0000-0000-0000-00000000dead,%s}', '{2,1,1,1,1}') $$,
           pg_temp.id('high5'), pg_temp.id('low'), pg_temp.id('crit'), pg_temp.id('only2')),
    $$ values (pg_temp.id('high5'), null::text), (pg_temp.id('low'), null),
              (pg_temp.id('crit'), 'HX003'),
              ('00000000-0000-0000-0000-00000000dead'::uuid, 'HX002'),
              (pg_temp.id('only2'), null) $$,
    'start_tasks: applies the good ones and says why the others were skipped');
select results_eq($$ select pg_temp.status_of('high5'), pg_temp.status_of('low'),
                            pg_temp.status_of('only2') $$,
    $$ values ('running', 'running', 'running') $$, 'start_tasks: the three are running');
select throws_ok(format($$ select * from helix.complete_tasks('{%s}', '{2}', '{}') $$,
                        pg_temp.id('high5')), 'HX001', 'p_results has 0 elements for 1 tasks',
    'complete_tasks: results length differs');
select results_eq(
    format($$ select task_id, refused_with from helix.complete_tasks(
                  '{%s,%s,%s}', '{1,2,1}', array['{"a":1}', null, '{"c":3}']::jsonb[]) $$,
           pg_temp.id('high5'), pg_temp.id('low'), pg_temp.id('only2')),
    $$ values (pg_temp.id('high5'), 'HX004'), (pg_temp.id('low'), 'HX004'),
              (pg_temp.id('only2'), null::text) $$,
    'complete_tasks: stale attempts are skipped, the current one applied');
select results_eq(
    $$ select pg_temp.status_of('high5'), pg_temp.status_of('only2'),
              (select result_data from helix.distributed_tasks
               where id = pg_temp.id('only2')) $$,
    $$ values ('running', 'completed', '{"c": 3}'::jsonb) $$,
    'complete_tasks: only the current report was applied, with its result');
select results_eq(
    format($$ select task_id, refused_with from helix.complete_tasks('{%s,%s}', '{2,1}') $$,
           pg_temp.id('high5'), pg_temp.id('low')),
    $$ values (pg_temp.id('high5'), null::text), (pg_temp.id('low'), null::text) $$,
    'complete_tasks: without results');
select is(pg_temp.status_of('blocked'), 'pending', 'the dependent of low is pending');
select is((select pending_dependencies from helix.distributed_tasks
           where id = pg_temp.id('blocked')), 0, 'and ready now that low completed');
select results_eq($$ select pg_temp.count_of('w1'), pg_temp.count_of('w2') $$,
    $$ values (0, 0) $$, 'all slots free again');

-- ------------------------------------------------------------------ roles
select ok(has_function_privilege('helix_runner', 'helix.assign_tasks(integer, uuid, uuid[])',
    'execute'), 'helix_runner may assign');
select ok(not has_function_privilege('helix_app', 'helix.assign_tasks(integer, uuid, uuid[])',
    'execute'), 'helix_app may not assign');
select ok(not has_function_privilege('helix_app',
    'helix.complete_task(uuid, integer, jsonb)', 'execute'), 'helix_app may not complete');
select is_empty($$ select * from helix.check_invariants() $$, 'invariants hold');

select * from finish();
rollback;
