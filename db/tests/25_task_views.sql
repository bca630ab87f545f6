-- helix.task_overview: what an application reads back about its tasks, as helix_app,
-- which may not read helix.distributed_tasks itself.

begin;
select plan(6);

select helix.register_worker('view-w', '{"host": "10.0.0.5"}'::jsonb) as w \gset
select helix.heartbeat(:'w', '{}'::jsonb);

set local role helix_app;
select helix.submit_task('shell', '{"command": "make"}', p_priority => 8) as t \gset
select is((select status from helix.task_overview where task_id = :'t'), 'pending',
    'as helix_app, a submitted task reads back as pending');
select is((select worker from helix.task_overview where task_id = :'t'), null,
    'no worker before assignment');
select throws_ok('select count(*) from helix.distributed_tasks', '42501', null,
    'helix_app may not read the table itself');
reset role;

select count(*) from helix.assign_tasks(1);
select helix.start_task(:'t', 1);
select helix.report_progress(:'t', 1, 0.5, 'half way');

set local role helix_app;
select results_eq(
    format($$ select status::text, worker::text, attempt, progress, progress_message
              from helix.task_overview where task_id = %L $$, :'t'),
    $$ values ('running', 'view-w', 1, 0.5::real, 'half way') $$,
    'as helix_app: running, on which worker, attempt and progress');
reset role;

select helix.complete_task(:'t', 1, '{"exit_code": 0}');
set local role helix_readonly;
select is((select result_data ->> 'exit_code' from helix.task_overview where task_id = :'t'),
    '0', 'as helix_readonly: the result is readable');
reset role;
select is((select worker from helix.task_overview where task_id = :'t'), 'view-w',
    'a finished task still names the worker it ran on');

select * from finish();
rollback;
