-- sweep(): late and silent workers, work preservation by criticality, workers returning
-- inside and after the grace, sessions following their task, runner leases running out,
-- retries falling due, and a second sweep doing nothing. now() is fixed for the whole
-- transaction, so time is driven by writing last_heartbeat, waiting_since, lease and
-- run_after timestamps. Defaults: heartbeat_interval 10 s (late after 20 s),
-- heartbeat_timeout 30 s, grace critical 10 min, high 2 min, normal and low 0.

begin;
select plan(90);

select helix.register_worker('a.example', '{"host": "10.0.1.1"}', '{shell}') as wa \gset
select helix.register_worker('b.example', '{"host": "10.0.1.2"}', '{shell}') as wb \gset
select helix.heartbeat(:'wa', '{"cpu_usage_percent": 10}');
select helix.heartbeat(:'wb', '{"cpu_usage_percent": 10}');
select helix.register_runner('runner-1', 'coord1') as r1 \gset

-- A development session (rows written directly: this file tests sweep, not sign-in).
insert into helix.users (username, email, password_hash)
values ('dev', 'dev@example.com', 'x') returning id as u \gset
insert into helix.projects (name, owner_id) values ('proj', :'u') returning id as p \gset
insert into helix.sessions (project_id, name, session_type)
values (:'p', 'build it', 'building') returning id as s \gset

select helix.submit_task('shell', '{"command": "make"}', p_criticality => 'critical',
                         p_required_capabilities => '{shell}', p_session_id => :'s') as tc \gset
select helix.submit_task('shell', '{"command": "true"}', p_criticality => 'high',
                         p_required_capabilities => '{shell}') as th \gset
select helix.submit_task('shell', '{"command": "true"}', p_criticality => 'normal',
                         p_required_capabilities => '{shell}') as tn \gset
select helix.submit_task('shell', '{"command": "true"}', p_criticality => 'low',
                         p_required_capabilities => '{shell}') as tl \gset
select is((select count(*)::int from helix.assign_tasks(10, :'r1', array[:'wa'::uuid])), 4,
    'setup: all four tasks go to worker a');
select helix.start_task(:'tc', 1);
select helix.start_task(:'tn', 1);
select helix.save_checkpoint(:'tc', 1, 'compiled', '{"step": 3}');

select is(helix.sweep(), 0, 'a sweep with nothing due does nothing');
select ok(exists (select from pg_locks
                  where locktype = 'advisory' and pid = pg_backend_pid() and granted
                    and ((classid::bigint << 32) | objid::bigint) = 7522529365993238640),
    'sweep holds its advisory lock until the transaction ends (a concurrent sweep returns 0)');

-- ---------------------------------------------------------------------------------------
-- A worker going silent
-- ---------------------------------------------------------------------------------------

update helix.workers set last_heartbeat = now() - interval '25 seconds' where id = :'wa';
select is(helix.sweep(), 1, 'a late worker: one thing done');
select is((select count(*)::int from helix.worker_connectivity_events
           where worker_id = :'wa' and event_type = 'heartbeat_missed'), 1,
    'a late worker gets a heartbeat_missed event');
select is((select (status, heartbeat_missed_at = now())::text from helix.workers
           where id = :'wa'), '(active,t)', 'late is not yet offline');
select is(helix.sweep(), 0, 'a second sweep does nothing');
select is((select count(*)::int from helix.worker_connectivity_events
           where worker_id = :'wa' and event_type = 'heartbeat_missed'), 1,
    'one heartbeat_missed per silence, not one per sweep');
select is((select count(*)::int from helix.check_invariants()), 0,
    'check_invariants() is empty while a worker is late');

update helix.workers set last_heartbeat = now() - interval '45 seconds' where id = :'wa';
select is((select array_agg(invariant) from helix.invariants_workers()),
    '{silent_worker_not_offline}',
    'invariants_workers sees a silent worker the last sweep did not take offline');
-- 1 disconnected + 4 tasks preserved + 1 session waiting.
select is(helix.sweep(), 6, 'the silent worker: offline, four tasks, one session');
select is((select (status, return_status, current_tasks_count)::text from helix.workers
           where id = :'wa'), '(offline,,0)',
    'at heartbeat_timeout the worker is offline and its task count released');
select is((select event_data from helix.worker_connectivity_events
           where worker_id = :'wa' and event_type = 'disconnected'),
    jsonb_build_object('previous_status', 'active', 'last_heartbeat',
                       now() - interval '45 seconds', 'tasks_waiting', 2, 'tasks_pending', 2),
    'one disconnected event saying what became of its tasks');
select is((select count(*)::int from helix.worker_connectivity_events
           where worker_id = :'wa' and event_type = 'heartbeat_missed'), 1,
    'no second heartbeat_missed when it goes offline');
select is((select (status, waiting_since = now(), original_worker_id = :'wa',
                   assigned_worker_id, runner_id, checkpoint_data, retry_count, attempt)::text
           from helix.distributed_tasks where id = :'tc'),
    '(waiting_for_worker,t,t,,,"{""step"": 3}",0,1)',
    'the running critical task waits for its worker with its checkpoint, no retry spent');
select is((select (status, original_worker_id = :'wa', assigned_worker_id, retry_count)::text
           from helix.distributed_tasks where id = :'th'),
    '(waiting_for_worker,t,,0)', 'the assigned high task waits for its worker too');
select is((select array_agg((status, original_worker_id = :'wa', waiting_since,
                             assigned_worker_id, runner_id, retry_count)::text
                            order by criticality)
           from helix.distributed_tasks where id in (:'tn', :'tl')),
    '{"(pending,t,,,,0)","(pending,t,,,,0)"}',
    'normal and low tasks (grace 0) are pending at once for any worker, no retry spent');
select is((select status from helix.sessions where id = :'s'), 'waiting_for_worker',
    'the session whose current task waits is waiting_for_worker');
select is(helix.sweep(), 0, 'a second sweep does nothing');
select is((select count(*)::int from helix.worker_connectivity_events
           where worker_id = :'wa' and event_type = 'disconnected'), 1,
    'and writes no second disconnected event');
select is((select count(*)::int from helix.check_invariants()), 0,
    'check_invariants() is empty after the worker went offline');

-- ---------------------------------------------------------------------------------------
-- The worker returns inside the grace
-- ---------------------------------------------------------------------------------------

select is(helix.heartbeat(:'wa', '{"cpu_usage_percent": 10}'), 'healthy',
    'the returning worker''s heartbeat');
select is((select status from helix.workers where id = :'wa'), 'active',
    'the worker is active again');
select is((select (event_data ->> 'previous_status') || ' ' || (event_data ->> 'tasks_resumed')
           from helix.worker_connectivity_events
           where worker_id = :'wa' and event_type = 'reconnected'),
    'offline 2', 'reconnected names the previous status and the two tasks resumed');
select is((select array_agg(status order by criticality) from helix.distributed_tasks
           where id in (:'tc', :'th')), '{pending,pending}',
    'the waiting tasks are pending again');
select task_id as a_tc, worker_id as a_tc_worker, checkpoint_data as a_tc_cp,
       attempt as a_tc_attempt
from helix.assign_tasks(10, :'r1', array[:'wa', :'wb']::uuid[])
where task_id = :'tc' \gset
select is(:'a_tc_worker'::uuid, :'wa'::uuid,
    'the critical task resumes on its own worker, though b is free too');
select is(:'a_tc_cp'::jsonb, '{"step": 3}'::jsonb, 'from its checkpoint');
select is(:a_tc_attempt, 2, 'with a new attempt');
select is((select count(*)::int from helix.distributed_tasks
           where assigned_worker_id = :'wa' and status = 'assigned'), 4,
    'all four tasks went back to a (they all prefer it)');
select is(helix.sweep(), 0, 'the session still waits while its task is only assigned');
select is((select status from helix.sessions where id = :'s'), 'waiting_for_worker',
    'session waiting until the task runs');
select helix.start_task(:'tc', 2);
select is((select status from helix.sessions where id = :'s'), 'active',
    'the session is active again once its task runs (start_task sees to it at once)');
select is(helix.sweep(), 0, 'so sweep has nothing left to do for it');
select is((select count(*)::int from helix.check_invariants()), 0,
    'check_invariants() is empty after the return');

-- ---------------------------------------------------------------------------------------
-- The worker returns after the grace
-- ---------------------------------------------------------------------------------------

update helix.workers set last_heartbeat = now() - interval '45 seconds' where id = :'wa';
-- 1 heartbeat_missed + 1 disconnected + 4 tasks + 1 session.
select is(helix.sweep(), 7, 'silent again: missed, offline, four tasks, one session');
select is((select count(*)::int from helix.worker_connectivity_events
           where worker_id = :'wa' and event_type in ('heartbeat_missed', 'disconnected')), 4,
    'a new silence writes a new heartbeat_missed and a new disconnected');
update helix.distributed_tasks set waiting_since = now() - interval '11 minutes'
where id = :'tc';
update helix.distributed_tasks set waiting_since = now() - interval '1 minute'
where id = :'th';
select is(helix.sweep(), 1, 'one grace ended');
select is((select (status, waiting_since, original_worker_id = :'wa', checkpoint_data,
                   retry_count)::text from helix.distributed_tasks where id = :'tc'),
    '(pending,,t,"{""step"": 3}",0)',
    'the critical task whose 10 minutes ended is pending, checkpoint kept, no retry');
select is((select status from helix.distributed_tasks where id = :'th'),
    'waiting_for_worker', 'the high task, 1 minute into its 2, still waits');
select is((select status from helix.sessions where id = :'s'), 'waiting_for_worker',
    'the session waits while its task is pending');
select is((select count(*)::int from helix.check_invariants()), 0,
    'check_invariants() is empty with tasks waiting');
select task_id as b_tc, worker_id as b_tc_worker, checkpoint_data as b_tc_cp
from helix.assign_tasks(10, :'r1', array[:'wb']::uuid[]) where task_id = :'tc' \gset
select is(:'b_tc_worker'::uuid, :'wb'::uuid,
    'after its grace the critical task runs elsewhere');
select is(:'b_tc_cp'::jsonb, '{"step": 3}'::jsonb, 'from its last checkpoint');
update helix.settings set value = '"30 seconds"' where key = 'grace_high';
select is(helix.sweep(), 1, 'a shorter grace_high applies to the task already waiting');
select is((select status from helix.distributed_tasks where id = :'th'), 'pending',
    'the high task is pending');
update helix.settings set value = '"2 minutes"' where key = 'grace_high';
select helix.heartbeat(:'wa');
select is((select event_data ->> 'tasks_resumed' from helix.worker_connectivity_events
           where worker_id = :'wa' and event_type = 'reconnected'
           order by event_data ->> 'tasks_resumed' limit 1),
    '0', 'returning after the grace: reconnected, nothing left waiting for it');
select is((select count(*)::int from helix.check_invariants()), 0,
    'check_invariants() is empty after the late return');

-- ---------------------------------------------------------------------------------------
-- A worker in maintenance going silent keeps maintenance when it returns
-- ---------------------------------------------------------------------------------------

select helix.set_worker_status(:'wb', 'maintenance');
update helix.workers set last_heartbeat = now() - interval '45 seconds' where id = :'wb';
-- 1 heartbeat_missed + 1 disconnected + 3 tasks (the session already waits).
select is(helix.sweep(), 5, 'sweep takes b offline with its three tasks');
select is((select (status, return_status, current_tasks_count)::text from helix.workers
           where id = :'wb'), '(offline,maintenance,0)',
    'a silent worker in maintenance is offline and remembers maintenance');
select is((select (status, original_worker_id = :'wb')::text
           from helix.distributed_tasks where id = :'tc'),
    '(waiting_for_worker,t)', 'the critical task now waits for b');
select helix.heartbeat(:'wb');
select is((select (status, return_status)::text from helix.workers where id = :'wb'),
    '(maintenance,)', 'b returns in maintenance, as the operator left it');
select is((select status from helix.distributed_tasks where id = :'tc'), 'pending',
    'its waiting task is pending again (b takes no work in maintenance)');
select helix.set_worker_status(:'wb', 'active');
select helix.cancel_task(:'tc', 'no longer needed');
select is(helix.sweep(), 1, 'its task cancelled, the session no longer waits');
select is((select status from helix.sessions where id = :'s'), 'active',
    'a session whose task was cancelled while it waited is active again');
select is((select count(*)::int from helix.check_invariants()), 0,
    'check_invariants() is empty after the maintenance round');

-- ---------------------------------------------------------------------------------------
-- A runner whose lease runs out
-- ---------------------------------------------------------------------------------------

select helix.register_runner('runner-2', 'coord2') as r2 \gset
select is((select count(*)::int from helix.assign_tasks(2, :'r2', array[:'wb']::uuid[])), 2,
    'runner-2 takes two tasks on b');
select id as lost_task, attempt as lost_attempt from helix.distributed_tasks
where runner_id = :'r2' order by id limit 1 \gset
select helix.start_task(:'lost_task', :lost_attempt);
select is((select current_tasks_count from helix.workers where id = :'wb'), 2,
    'b holds the two tasks');
update helix.runners set lease_expires_at = now() - interval '1 second' where id = :'r2';
-- The last sweep ran 5 seconds ago, before the lease ran out.
update helix.sweep_state set last_swept_at = now() - interval '5 seconds';
select is((select array_agg(invariant) from helix.invariants_workers()), null::text[],
    'an expired lease is no violation before a sweep has seen it');
select is(helix.sweep(), 3, 'the lost runner and its two tasks');
select is((select status from helix.runners where id = :'r2'), 'lost',
    'a runner whose lease ran out is lost');
select is((select array_agg(distinct (status, runner_id, assigned_worker_id,
                                      original_worker_id = :'wb', retry_count)::text)
           from helix.distributed_tasks where id in (select d.id from helix.distributed_tasks d
                                                     where d.original_worker_id = :'wb'
                                                       and d.status = 'pending')),
    '{"(pending,,,t,0)"}', 'its tasks are pending, preferring b, no retry spent');
select is((select (status, attempt)::text from helix.distributed_tasks
           where id = :'lost_task'), format('(pending,%s)', :lost_attempt),
    'the running one too, attempt unchanged until it is assigned again');
select is((select current_tasks_count from helix.workers where id = :'wb'), 0,
    'their worker slots are free');
select throws_ok(format('select helix.complete_task(%L, %s, %L)', :'lost_task',
                        :lost_attempt, '{}'), 'HX003', null,
    'a late report from the lost runner is refused');
select throws_ok(format('select helix.renew_runner_lease(%L)', :'r2'), 'HX003', null,
    'the lost runner cannot renew its lease: it must register again');
select is((select status from helix.distributed_tasks where id = :'lost_task'), 'pending',
    'the refused report changed nothing');
select is(helix.sweep(), 0, 'a second sweep does nothing');
select is((select count(*)::int from helix.check_invariants()), 0,
    'check_invariants() is empty after the lost runner');

-- ---------------------------------------------------------------------------------------
-- A worker that never sent a heartbeat
-- ---------------------------------------------------------------------------------------

-- c can only take gpu tasks, so the tasks of the other scenarios never land on it.
select helix.register_worker('c.example', '{"host": "10.0.1.3"}', '{gpu}') as wc \gset
update helix.workers set created_at = now() - interval '1 minute' where id = :'wc';
select is(helix.sweep(), 2, 'a worker silent since registration: missed and offline');
select is((select status from helix.workers where id = :'wc'), 'offline',
    'it is offline');
select helix.heartbeat(:'wc');
select is((select array_agg(event_type::text order by event_type) from
           helix.worker_connectivity_events where worker_id = :'wc'),
    '{connected,disconnected,heartbeat_missed}',
    'its first heartbeat ever writes connected, not reconnected');
select is((select status from helix.workers where id = :'wc'), 'active',
    'and makes it active');

-- ---------------------------------------------------------------------------------------
-- Grace settings: every criticality's fate follows them
-- ---------------------------------------------------------------------------------------

update helix.settings set value = '"0 seconds"' where key = 'grace_critical';
update helix.settings set value = '"5 minutes"' where key = 'grace_low';
select helix.submit_task('shell', '{}', p_criticality => 'critical',
                         p_required_capabilities => '{gpu}') as gc \gset
select helix.submit_task('shell', '{}', p_criticality => 'low',
                         p_required_capabilities => '{gpu}') as gl \gset
select is((select count(*)::int from helix.assign_tasks(10, null, array[:'wc']::uuid[])), 2,
    'two gpu tasks on c');
update helix.workers set last_heartbeat = now() - interval '1 minute' where id = :'wc';
select is(helix.sweep(), 4, 'c goes offline: missed, disconnected, two tasks');
select is((select status from helix.distributed_tasks where id = :'gc'), 'pending',
    'with grace_critical 0 a critical task moves on at once');
select is((select status from helix.distributed_tasks where id = :'gl'), 'waiting_for_worker',
    'with grace_low 5 minutes a low task waits');
update helix.settings set value = '"10 minutes"' where key = 'grace_critical';
update helix.settings set value = '"0 seconds"' where key = 'grace_low';
select is(helix.sweep(), 1, 'grace_low back to 0: the low task moves on at the next sweep');
select is((select count(*)::int from helix.check_invariants()), 0,
    'check_invariants() is empty after the grace changes');

-- ---------------------------------------------------------------------------------------
-- Retries that fall due
-- ---------------------------------------------------------------------------------------

select task_id as rt, attempt as rt_attempt
from helix.assign_tasks(1, null, array[:'wa']::uuid[]) \gset
select is(helix.fail_task(:'rt', :rt_attempt, 'flaky', true), 'pending',
    'a failed task with retries left is pending with a backoff');
select ok((select run_after > now() from helix.distributed_tasks where id = :'rt'),
    'its run_after is in the future');
select is(helix.sweep(), 0, 'a retry not yet due is nothing to do');
-- Time passes: the backoff ended after the last sweep.
update helix.distributed_tasks
set run_after = now() - interval '1 second', created_at = now() - interval '1 minute'
where id = :'rt';
update helix.sweep_state set last_swept_at = now() - interval '10 seconds';
select is(helix.sweep(), 1, 'a retry that fell due since the last sweep is announced');
select is(helix.sweep(), 0, 'and only once');
select is((select last_swept_at from helix.sweep_state), now(),
    'sweep_state records the last sweep');

-- ---------------------------------------------------------------------------------------
-- A failed worker's tasks, and the sweep's repair of a worker that holds tasks offline
-- ---------------------------------------------------------------------------------------

select is((select count(*)::int from helix.assign_tasks(3, null, array[:'wa']::uuid[])), 3,
    'three tasks on a');
update helix.workers set status = 'offline' where id = :'wa';
select is((select array_agg(distinct invariant) from helix.invariants_workers()),
    '{offline_worker_holds_tasks}', 'invariants_workers sees an offline worker holding tasks');
select is(helix.sweep(), 3, 'sweep preserves the tasks an offline worker still holds');
select is((select current_tasks_count from helix.workers where id = :'wa'), 0,
    'and frees its slots');
select is((select count(*)::int from helix.check_invariants()), 0,
    'check_invariants() is empty at the end');
select is(helix.sweep(), 0, 'a last sweep does nothing');

select * from finish();
rollback;
