-- Task engine, submission: submit_task and submit_tasks, their refusals (each by SQLSTATE,
-- each writing nothing), dependencies and the pending_dependencies counter, cascades of
-- failure and cancellation, sessions.

begin;
select plan(71);

create function pg_temp.task_count() returns bigint
language sql as $$ select count(*) from helix.distributed_tasks $$;

-- ------------------------------------------------------------------ structure
select has_column('helix', 'distributed_tasks', 'criticality_rank',
    'distributed_tasks.criticality_rank exists');
select has_index('helix', 'distributed_tasks', 'distributed_tasks_ready_idx',
    'the ready index exists');
select has_table('helix', 'task_dependencies', 'the dependency edge table exists');
select has_function('helix', 'submit_task',
    array['text', 'jsonb', 'integer', 'text', 'uuid[]', 'integer', 'text[]', 'interval',
          'uuid'], 'submit_task has the contract''s parameters');
select has_function('helix', 'submit_tasks', array['jsonb'], 'submit_tasks(jsonb) exists');
select is_definer('helix', 'submit_task',
    array['text', 'jsonb', 'integer', 'text', 'uuid[]', 'integer', 'text[]', 'interval',
          'uuid'], 'submit_task is security definer');
select ok(has_function_privilege('helix_app',
    'helix.submit_task(text, jsonb, integer, text, uuid[], integer, text[], interval, uuid)',
    'execute'), 'helix_app may submit');
select ok(not has_function_privilege('helix_readonly', 'helix.submit_tasks(jsonb)', 'execute'),
    'helix_readonly may not submit');

-- ------------------------------------------------------------------ good path
select lives_ok($$ select helix.submit_task('shell', '{"command": "true"}') $$,
    'submit_task with defaults');
select results_eq(
    $$ select task_type::text, status::text, priority, criticality::text, max_retries,
              pending_dependencies, attempt, criticality_rank::int
       from helix.distributed_tasks $$,
    $$ values ('shell', 'pending', 5, 'normal', 3, 0, 0, 2) $$,
    'defaults stored: pending, priority 5, normal, 3 retries, ready, attempt 0');

create temp table ids (name text primary key, id uuid);
insert into ids select 'a', helix.submit_task('build', '{}', 9, 'critical', '{}', 0,
    '{gpu}', interval '5 minutes');
select results_eq(
    $$ select priority, criticality::text, max_retries, required_capabilities,
              estimated_duration, criticality_rank::int
       from helix.distributed_tasks where id = (select id from ids where name = 'a') $$,
    $$ values (9, 'critical', 0, '{gpu}'::text[], interval '5 minutes', 0) $$,
    'every parameter is stored');

-- ------------------------------------------------------------------ refusals (HX001)
select throws_ok($$ select helix.submit_task('  ') $$, 'HX001',
    'task_type ''  '' is blank: p_task_type is required', 'blank task_type refused');
select throws_ok($$ select helix.submit_task(null) $$, 'HX001',
    'task_type NULL is blank: p_task_type is required', 'null task_type refused');
select throws_ok($$ select helix.submit_task(repeat('x', 101)) $$, 'HX001',
    'task_type ''' || repeat('x', 40) || '...'' is too long: p_task_type must be at most '
    '100 characters',
    'task_type over 100 characters refused');
select throws_ok($$ select helix.submit_task('shell', '[1]') $$, 'HX001',
    'task_data [1] is not a JSON object: p_task_data must be an object',
    'task_data array refused');
select throws_ok($$ select helix.submit_task('shell', null) $$, 'HX001',
    'task_data NULL is not a JSON object: p_task_data must be an object',
    'null task_data refused');
select throws_ok($$ select helix.submit_task('shell', '{}', 42) $$, 'HX001',
    'priority 42 is out of range: p_priority must be between 0 and 10',
    'priority 42 refused');
select throws_ok($$ select helix.submit_task('shell', '{}', -1) $$, 'HX001',
    'priority -1 is out of range: p_priority must be between 0 and 10',
    'priority -1 refused');
select throws_ok($$ select helix.submit_task('shell', '{}', 5, 'urgent') $$, 'HX001',
    'criticality ''urgent'' is unknown: p_criticality must be one of low, normal, high, '
    'critical', 'unknown criticality refused');
select throws_ok($$ select helix.submit_task('shell', p_max_retries => 101) $$, 'HX001',
    'max_retries 101 is out of range: p_max_retries must be between 0 and 100',
    'max_retries 101 refused');
select throws_ok($$ select helix.submit_task('shell', p_required_capabilities => '{gpu,""}') $$,
    'HX001', 'required_capabilities {gpu,""} holds a blank or null name: '
    'p_required_capabilities must be an array of non-blank strings',
    'blank capability refused');
select throws_ok($$ select helix.submit_task('shell', p_required_capabilities => null) $$,
    'HX001', 'required_capabilities NULL holds a blank or null name: '
    'p_required_capabilities must be an array of non-blank strings',
    'null capabilities refused');
select throws_ok($$ select helix.submit_task('shell', p_estimated_duration => '-1 minute') $$,
    'HX001', 'estimated_duration -00:01:00 is not positive: p_estimated_duration must be '
    'greater than zero', 'negative estimated_duration refused');
select throws_ok($$ select helix.submit_task('shell', p_dependencies => array[null::uuid]) $$,
    'HX001', 'dependencies {NULL} holds a null: p_dependencies must be task ids',
    'null dependency refused');
select is(pg_temp.task_count(), 2::bigint, 'no refusal wrote a task');

-- ------------------------------------------------------------------ dependencies
select throws_ok($$ select helix.submit_task('shell', p_dependencies =>
                        '{00000000-0000-0000-0000-000000000001}') $$, 'HX002',
    'dependency 00000000-0000-0000-0000-000000000001 does not exist: every element of '
    'p_dependencies must be an existing task', 'unknown dependency refused');
select is(pg_temp.task_count(), 2::bigint, 'the unknown dependency wrote nothing');

insert into ids select 'b', helix.submit_task('shell');
insert into ids select 'c', helix.submit_task('shell', p_dependencies =>
    array[(select id from ids where name = 'a'), (select id from ids where name = 'b'),
          (select id from ids where name = 'b')]);
select results_eq(
    $$ select pending_dependencies, cardinality(dependencies)
       from helix.distributed_tasks where id = (select id from ids where name = 'c') $$,
    $$ values (2, 2) $$, 'a task with two distinct dependencies waits for two');
select is((select count(*) from helix.task_dependencies
           where task_id = (select id from ids where name = 'c')), 2::bigint,
    'two edges written (the duplicate folded)');
insert into ids select 'd', helix.submit_task('shell', p_dependencies =>
    array[(select id from ids where name = 'c')]);
insert into ids select 'e', helix.submit_task('shell', p_dependencies =>
    array[(select id from ids where name = 'd')]);

-- Completing b (by a direct update, as any area's function might) decrements only c.
update helix.distributed_tasks set status = 'completed'
where id = (select id from ids where name = 'b');
select results_eq(
    $$ select n.name, t.pending_dependencies from helix.distributed_tasks t
       join ids n on n.id = t.id where n.name in ('c', 'd', 'e') order by n.name $$,
    $$ values ('c', 1), ('d', 1), ('e', 1) $$,
    'completing b decrements c only');
update helix.distributed_tasks set status = 'completed'
where id = (select id from ids where name = 'a');
select is((select pending_dependencies from helix.distributed_tasks
           where id = (select id from ids where name = 'c')), 0,
    'completing a makes c ready');

-- A dependency on a completed task counts nothing.
insert into ids select 'f', helix.submit_task('shell', p_dependencies =>
    array[(select id from ids where name = 'a')]);
select is((select pending_dependencies from helix.distributed_tasks
           where id = (select id from ids where name = 'f')), 0,
    'a completed dependency does not block');

-- Failing c fails d and e transitively, naming c.
update helix.distributed_tasks set status = 'failed', error_message = 'boom'
where id = (select id from ids where name = 'c');
select results_eq(
    $$ select n.name, t.status::text, t.error_message from helix.distributed_tasks t
       join ids n on n.id = t.id where n.name in ('d', 'e') order by n.name $$,
    $$ select n, 'failed', 'dependency ' || (select id from ids where name = 'c') || ' failed'
       from unnest(array['d', 'e']) n $$,
    'a failed task fails its dependents transitively, naming itself');
select ok((select completed_at is not null from helix.distributed_tasks
           where id = (select id from ids where name = 'e')),
    'the cascaded failure is finished (completed_at set)');

select throws_ok(format($$ select helix.submit_task('shell', p_dependencies => '{%s}') $$,
                        (select id from ids where name = 'c')), 'HX003',
    format('dependency %s is failed: a task cannot wait for a task that will never complete '
           '(p_dependencies)', (select id from ids where name = 'c')),
    'a failed dependency is refused');

-- Cancel cascades the same way.
insert into ids select 'g', helix.submit_task('shell');
insert into ids select 'h', helix.submit_task('shell', p_dependencies =>
    array[(select id from ids where name = 'g')]);
select helix.cancel_task((select id from ids where name = 'g'), 'not needed');
select results_eq(
    $$ select status::text, error_message from helix.distributed_tasks
       where id = (select id from ids where name = 'h') $$,
    $$ select 'cancelled', 'dependency ' || (select id from ids where name = 'g')
              || ' was cancelled' $$,
    'a cancelled task cancels its dependents');
select throws_ok(format($$ select helix.submit_task('shell', p_dependencies => '{%s}') $$,
                        (select id from ids where name = 'g')), 'HX003',
    format('dependency %s is cancelled: a task cannot wait for a task that will never '
           'complete (p_dependencies)', (select id from ids where name = 'g')),
    'a cancelled dependency is refused');
select is(pg_temp.task_count(), 9::bigint, 'the refused dependents wrote nothing');

-- ------------------------------------------------------------------ sessions
insert into helix.users (id, username, email, password_hash)
values ('00000000-0000-0000-0000-0000000000a1', 'ann', 'ann@example.org', 'x');
insert into helix.projects (id, name, owner_id)
values ('00000000-0000-0000-0000-0000000000b1', 'p', '00000000-0000-0000-0000-0000000000a1');
insert into helix.sessions (id, project_id, name, session_type, status) values
    ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000b1', 's1',
     'building', 'active'),
    ('00000000-0000-0000-0000-0000000000c2', '00000000-0000-0000-0000-0000000000b1', 's2',
     'building', 'paused');
insert into ids select 's', helix.submit_task('shell',
    p_session_id => '00000000-0000-0000-0000-0000000000c1');
select results_eq(
    $$ select s.current_task_id, t.session_id from helix.sessions s
       join helix.distributed_tasks t on t.id = s.current_task_id
       where s.id = '00000000-0000-0000-0000-0000000000c1' $$,
    $$ select (select id from ids where name = 's'),
              '00000000-0000-0000-0000-0000000000c1'::uuid $$,
    'submitting in a session records it both ways');
select throws_ok($$ select helix.submit_task('shell',
                        p_session_id => '00000000-0000-0000-0000-0000000000c9') $$, 'HX002',
    'session 00000000-0000-0000-0000-0000000000c9 does not exist (p_session_id)',
    'unknown session refused');
select throws_ok($$ select helix.submit_task('shell',
                        p_session_id => '00000000-0000-0000-0000-0000000000c2') $$, 'HX003',
    'session 00000000-0000-0000-0000-0000000000c2 is paused: only an active session takes '
    'new tasks (p_session_id)', 'session not active refused');
select is(pg_temp.task_count(), 10::bigint, 'the refused sessions wrote nothing');

-- ------------------------------------------------------------------ submit_tasks
select is(cardinality(helix.submit_tasks('[]')), 0, 'an empty batch submits nothing');
create temp table batch as
select helix.submit_tasks(format($$[
    {"task_type": "shell", "task_data": {"n": 1}},
    {"task_type": "build", "priority": 8, "criticality": "high", "max_retries": 1,
     "required_capabilities": ["gpu"], "estimated_duration": "2 minutes"},
    {"task_type": "test", "dependencies": ["%s", "%s"],
     "session_id": "00000000-0000-0000-0000-0000000000c1"}
]$$, (select id from ids where name = 'a'), (select id from ids where name = 's'))::jsonb)
    as ids;
select is((select cardinality(ids) from batch), 3, 'submit_tasks returns one id per task');
select results_eq(
    $$ select t.task_type::text, t.task_data, t.priority, t.criticality::text, t.max_retries,
              t.required_capabilities, t.estimated_duration, t.pending_dependencies
       from batch b cross join unnest(b.ids) with ordinality as x(id, ord)
       join helix.distributed_tasks t on t.id = x.id order by x.ord $$,
    $$ values ('shell', '{"n": 1}'::jsonb, 5, 'normal', 3, '{}'::text[], null::interval, 0),
              ('build', '{}'::jsonb, 8, 'high', 1, '{gpu}'::text[], interval '2 minutes', 0),
              ('test', '{}'::jsonb, 5, 'normal', 3, '{}'::text[], null::interval, 1) $$,
    'submit_tasks stores each task in order, with defaults and counted dependencies');
select is((select count(*) from helix.task_dependencies
           where task_id = (select ids[3] from batch)), 2::bigint,
    'submit_tasks writes the edges');
select is((select current_task_id from helix.sessions
           where id = '00000000-0000-0000-0000-0000000000c1'), (select ids[3] from batch),
    'submit_tasks makes the last task of a session its current task');
select is(pg_temp.task_count(), 13::bigint, 'three tasks were added');

select throws_ok($$ select helix.submit_tasks('{}') $$, 'HX001',
    'p_tasks {} is not a JSON array of task objects', 'p_tasks must be an array');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a"}, 3]') $$, 'HX001',
    'p_tasks[2] 3 is not an object', 'a non-object element refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a", "prio": 3}]') $$,
    'HX001', 'p_tasks[1] has the unknown key ''prio''', 'an unknown key refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a"},
                                                {"task_type": "b", "priority": 11}]') $$,
    'HX001', 'priority 11 is out of range: p_tasks[2].priority must be between 0 and 10',
    'a bad priority in element 2 refused, naming it');
select throws_ok($$ select helix.submit_tasks('[{"task_type": ""}]') $$, 'HX001',
    'task_type '''' is blank: p_tasks[1].task_type is required', 'blank type refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a"}, {"task_data": {}}]') $$,
    'HX001', 'task_type NULL is blank: p_tasks[2].task_type is required',
    'a missing task_type refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a", "session_id": "x"}]') $$,
    'HX001', null, 'a malformed session id refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a",
                                                "dependencies": [null]}]') $$,
    'HX001', 'p_tasks[1].dependencies holds a null', 'a null dependency refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a",
                                                "required_capabilities": "gpu"}]') $$,
    'HX001', null, 'capabilities that are not an array refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a", "task_data": 1}]') $$,
    'HX001', 'task_data 1 is not a JSON object: p_tasks[1].task_data must be an object',
    'non-object task_data refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a", "criticality": "x"}]') $$,
    'HX001', 'criticality ''x'' is unknown: p_tasks[1].criticality must be one of low, '
    'normal, high, critical', 'unknown criticality refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a", "max_retries": -1}]') $$,
    'HX001', 'max_retries -1 is out of range: p_tasks[1].max_retries must be between 0 and '
    '100', 'bad max_retries refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a", "priority": "high"}]') $$,
    'HX001', null, 'a mistyped value refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a",
                                                 "dependencies": ["nope"]}]') $$,
    'HX001', null, 'a malformed uuid refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a",
                                                "required_capabilities": [""]}]') $$,
    'HX001', 'required_capabilities {""} holds a blank or null name: '
    'p_tasks[1].required_capabilities must be an array of non-blank strings',
    'blank capability refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a",
                                                "estimated_duration": "0 seconds"}]') $$,
    'HX001', 'estimated_duration 00:00:00 is not positive: p_tasks[1].estimated_duration '
    'must be greater than zero', 'zero duration refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a"}, {"task_type": "b",
           "dependencies": ["00000000-0000-0000-0000-000000000001"]}]') $$, 'HX002',
    'dependency 00000000-0000-0000-0000-000000000001 does not exist: every element of '
    'p_tasks[*].dependencies must be an existing task', 'unknown dependency refused');
select throws_ok(format($$ select helix.submit_tasks('[{"task_type": "a",
                                                        "dependencies": ["%s"]}]') $$,
                        (select id from ids where name = 'c')), 'HX003',
    format('dependency %s is failed: a task cannot wait for a task that will never complete '
           '(p_tasks[*].dependencies)', (select id from ids where name = 'c')),
    'a failed dependency refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a",
           "session_id": "00000000-0000-0000-0000-0000000000c2"}]') $$, 'HX003',
    'session 00000000-0000-0000-0000-0000000000c2 is paused: only an active session takes '
    'new tasks (p_tasks[*].session_id)', 'a closed session refused');
select throws_ok($$ select helix.submit_tasks('[{"task_type": "a",
           "session_id": "00000000-0000-0000-0000-0000000000c9"}]') $$, 'HX002',
    'session 00000000-0000-0000-0000-0000000000c9 does not exist (p_tasks[*].session_id)',
    'an unknown session refused');
select is(pg_temp.task_count(), 13::bigint, 'no refused batch wrote anything (all or nothing)');
select is((select count(*) from helix.task_dependencies), 8::bigint,
    'no refused batch wrote an edge');
select is_empty($$ select * from helix.check_invariants() $$,
    'invariants hold after all of it');

select * from finish();
rollback;
