-- What a runner reads without table privileges: task_attempts, runner_workers,
-- runner_timings. Good paths, refusals, and which roles may call them.

begin;
select plan(14);

select helix.register_worker('reads-a', '{"host": "10.0.0.1"}'::jsonb) as a \gset
select helix.register_worker('reads-b', '{"host": "10.0.0.2"}'::jsonb) as b \gset
select helix.register_worker('reads-c', '{"host": "10.0.0.3"}'::jsonb) as c \gset
select helix.set_worker_status(:'c', 'inactive');
select helix.heartbeat(:'a', '{}'::jsonb);
select helix.submit_task('shell', '{"command": "true"}', p_priority => 9) as held \gset
select helix.submit_task('shell', '{"command": "true"}') as queued \gset
select helix.submit_task('shell', '{"command": "true"}',
    p_dependencies => array[:'queued']::uuid[]) as blocked \gset
select count(*) from helix.assign_tasks(1);

-- task_attempts
select is((select live_attempt from helix.task_attempts(array[:'held']::uuid[])), 1,
    'task_attempts gives the attempt of an assigned task');
select is((select live_attempt from helix.task_attempts(array[:'queued']::uuid[])), null,
    'task_attempts gives null for a task that is not held');
select is((select count(*)::int from helix.task_attempts(
        array[:'held', :'queued', :'blocked', gen_random_uuid()]::uuid[])), 3,
    'task_attempts leaves unknown ids out');
select is((select count(*)::int from helix.task_attempts('{}'::uuid[])), 0,
    'task_attempts of no ids is empty');
select throws_ok('select * from helix.task_attempts(null)', 'HX001', 'p_task_ids is null',
    'task_attempts refuses null');
select throws_ok(
    'select * from helix.task_attempts(array(select gen_random_uuid() '
    'from generate_series(1, 10001)))',
    'HX001', 'p_task_ids has 10001 elements: at most 10000 per call',
    'task_attempts refuses more than 10000 ids');

-- runner_workers
select is(array(select hostname from helix.runner_workers()), array['reads-a', 'reads-b'],
    'runner_workers lists workers to reach, not inactive ones, by hostname');
select is((select ssh_config ->> 'host' from helix.runner_workers() where id = :'a'),
    '10.0.0.1', 'runner_workers carries ssh_config');
update helix.workers set status = 'offline' where id = :'b';
select ok(exists(select from helix.runner_workers() where id = :'b' and status = 'offline'),
    'runner_workers keeps offline workers, so a return is noticed');

-- runner_timings
update helix.settings set value = '"7 seconds"' where key = 'heartbeat_interval';
select is((select heartbeat_interval_s from helix.runner_timings()), 7::float8,
    'runner_timings reads heartbeat_interval in seconds');
select is((select runner_timeout_s from helix.runner_timings()),
    extract(epoch from helix.setting_interval('runner_timeout'))::float8,
    'runner_timings reads runner_timeout in seconds');

-- who may call them
select ok(has_function_privilege('helix_runner', 'helix.task_attempts(uuid[])', 'execute')
    and has_function_privilege('helix_runner', 'helix.runner_workers()', 'execute')
    and has_function_privilege('helix_runner', 'helix.runner_timings()', 'execute'),
    'the runner role may call all three');
set local role helix_runner;
select is((select count(*)::int from helix.runner_workers()), 2,
    'as helix_runner, runner_workers answers without table privileges');
reset role;
set local role helix_app;
select throws_ok('select * from helix.runner_workers()', '42501', null,
    'the application role may not list workers'' ssh_config');
reset role;

select * from finish();
rollback;
