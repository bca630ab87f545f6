-- Workers: register_worker, heartbeat, set_worker_status, runners, purge_history and the
-- fleet views. Every refusal by SQLSTATE, and nothing written after it. Time is driven by
-- writing timestamps (now() is fixed for the whole transaction).

begin;
select plan(104);

-- ---------------------------------------------------------------------------------------
-- register_worker
-- ---------------------------------------------------------------------------------------

select helix.register_worker('w1.example', '{"host": "10.0.0.1", "user": "helix", '
    '"identity_file": "/etc/helix/id_ed25519"}', '{shell, python3, shell}',
    '{"cpus": 8}', 4, 'first worker') as w1 \gset

select is((select ssh_config from helix.workers where id = :'w1'),
    '{"host": "10.0.0.1", "user": "helix", "identity_file": "/etc/helix/id_ed25519", '
    '"port": 22, "transport": "ssh"}'::jsonb,
    'register_worker stores ssh_config with port 22 and transport ssh filled in');
select is((select capabilities from helix.workers where id = :'w1'), '{python3,shell}',
    'capabilities are stored sorted and without duplicates');
select is((select (status, health_status, max_concurrent_tasks, display_name)::text
           from helix.workers where id = :'w1'),
    '(active,healthy,4,"first worker")', 'a new worker is active with the capacity given');

select helix.register_worker('local.example', '{"transport": "local"}') as wl \gset
select is((select ssh_config from helix.workers where id = :'wl'),
    '{"transport": "local"}'::jsonb, 'a local worker needs no host and gets no port');

update helix.workers set status = 'maintenance' where id = :'w1';
select is(helix.register_worker('w1.example', '{"host": "10.0.0.9", "port": 2222}',
          '{docker}', '{}', 8),
    :'w1'::uuid, 're-registering a hostname returns the same worker');
select is((select (status, max_concurrent_tasks, display_name, capabilities::text,
                   ssh_config ->> 'host')::text from helix.workers where id = :'w1'),
    '(maintenance,8,"first worker",{docker},10.0.0.9)',
    're-registering updates config, capabilities and capacity, keeps status and name');
update helix.workers set status = 'active' where id = :'w1';

-- Refusals: nothing is written, and no secret is echoed.
select throws_ok($$select helix.register_worker(' ', '{"host": "h"}')$$, 'HX001',
    'hostname '' '' is refused: p_hostname must be non-blank text of at most 255 characters',
    'a blank hostname is refused with HX001');
select throws_ok($$select helix.register_worker('x', '["h"]')$$, 'HX001',
    'p_ssh_config must be a JSON object, got array', 'an ssh_config that is not an object');
select throws_ok($$select helix.register_worker('x',
        '{"host": "h", "Password": "hunter2"}')$$, 'HX005',
    'ssh_config key "Password" looks like a secret: p_ssh_config may hold only references '
    'to secrets, never a secret', 'a password key is refused with HX005, value not echoed');
select throws_ok($$select helix.register_worker('x',
        '{"host": "h", "user": {"api_token": "abc"}}')$$, 'HX005',
    'ssh_config key "user.api_token" looks like a secret: p_ssh_config may hold only '
    'references to secrets, never a secret', 'a nested token key is refused with HX005');
select throws_ok($$select helix.register_worker('x', '{"host": "h", "passphrase": "p"}')$$,
    'HX005', null, 'a passphrase key is refused with HX005');
select throws_ok($$select helix.register_worker('x', '{"host": "h", "private_key": "k"}')$$,
    'HX005', null, 'a private_key key is refused with HX005');
select throws_ok($$select helix.register_worker('x', '{"host": "h",
        "identity_file": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn"}')$$, 'HX005',
    'ssh_config key "identity_file" holds what looks like a key or certificate: '
    'p_ssh_config may hold only paths to such files', 'a key pasted as a value is refused');
select throws_ok($$select helix.register_worker('x', '{"host": "h", "jump": "j"}')$$,
    'HX001', 'ssh_config key "jump" is unknown: p_ssh_config keys must be among host, port, '
    'user, identity_file, known_hosts, transport', 'an unknown ssh_config key is refused');
select throws_ok($$select helix.register_worker('x', '{"host": "h", "port": 70000}')$$,
    'HX001', 'ssh_config.port 70000 is out of range: it must be a whole number between 1 '
    'and 65535', 'a port out of range is refused');
select throws_ok($$select helix.register_worker('x', '{"host": "h", "port": "22"}')$$,
    'HX001', 'ssh_config.port must be a whole number, got a string',
    'a port given as a string is refused');
select throws_ok($$select helix.register_worker('x', '{"user": "helix"}')$$, 'HX001',
    'ssh_config has no host: p_ssh_config.host is required for the ssh transport',
    'ssh without a host is refused');
select throws_ok($$select helix.register_worker('x', '{"host": " "}')$$, 'HX001',
    'ssh_config.host must be a non-blank string, got a blank one', 'a blank host is refused');
select throws_ok($$select helix.register_worker('x', '{"transport": "telnet"}')$$, 'HX001',
    'ssh_config.transport ''telnet'' is unknown: it must be ssh or local',
    'an unknown transport is refused');
select throws_ok($$select helix.register_worker('x', '{"host": "h"}', '{shell, ""}')$$,
    'HX001', 'p_capabilities {shell,""} holds a blank or NULL name: every capability must '
    'be non-blank text', 'a blank capability is refused');
select throws_ok($$select helix.register_worker('x', '{"host": "h"}', '{}', '[]')$$,
    'HX001', 'p_resources must be a JSON object, got array', 'resources must be an object');
select throws_ok($$select helix.register_worker('x', '{"host": "h"}', '{}', '{}', 0)$$,
    'HX001', 'max_concurrent_tasks 0 is out of range: p_max_concurrent_tasks must be '
    'between 1 and 10000', 'a capacity of 0 is refused');
select throws_ok($$select helix.register_worker('x', '{"host": "h"}', '{}', '{}', 1, '')$$,
    'HX001', 'display name '''' is refused: p_display_name must be NULL or non-blank text '
    'of at most 255 characters', 'a blank display name is refused');
select is((select count(*)::int from helix.workers), 2, 'no refused registration was written');

-- ---------------------------------------------------------------------------------------
-- heartbeat
-- ---------------------------------------------------------------------------------------

select is(helix.heartbeat(:'w1', '{"cpu_usage_percent": 12.5, "memory_usage_percent": 40, '
    '"disk_usage_percent": 30, "network_rx_bytes": 1000, "network_tx_bytes": 2000, '
    '"load_average_1m": 0.42, "cpu_count": 4, "temperature_celsius": 55}'),
    'healthy', 'a first heartbeat with low usage says healthy');
select is((select (last_heartbeat = now(), cpu_usage_percent, memory_usage_percent,
                   disk_usage_percent)::text from helix.workers where id = :'w1'),
    '(t,12.50,40.00,30.00)', 'the heartbeat records its time and the usage columns');
select is((select (cpu_usage_percent, network_rx_bytes, network_tx_bytes, load_average_1m,
                   cpu_count, temperature_celsius, current_tasks_count)::text
           from helix.worker_metrics where worker_id = :'w1'),
    '(12.50,1000,2000,0.42,4,55.00,0)', 'the heartbeat writes one worker_metrics row');
select is((select array_agg(event_type) from helix.worker_connectivity_events
           where worker_id = :'w1'), '{connected}', 'the first heartbeat ever writes connected');
select is(helix.heartbeat(:'w1', '{"cpu_usage_percent": 90}'), 'degraded',
    'cpu at 90 percent makes the worker degraded');
select is(helix.heartbeat(:'w1', '{"memory_usage_percent": 99}'), 'unhealthy',
    'memory at 99 percent makes the worker unhealthy');
select is((select health_status from helix.workers where id = :'w1'), 'unhealthy',
    'health_status is stored');
select is(helix.heartbeat(:'w1'), 'unknown', 'a heartbeat without measures says unknown');
update helix.settings set value = '50' where key = 'health_cpu_degraded';
select is(helix.heartbeat(:'w1', '{"cpu_usage_percent": 60}'), 'degraded',
    'thresholds are read from settings at each heartbeat');
update helix.settings set value = '85' where key = 'health_cpu_degraded';
select is((select count(*)::int from helix.worker_connectivity_events
           where worker_id = :'w1'), 1, 'later heartbeats write no further connected event');
select is((select count(*)::int from helix.worker_metrics where worker_id = :'w1'), 5,
    'each heartbeat writes a metrics row');

update helix.workers set last_heartbeat = now() - interval '1 hour' where id = :'w1';
select throws_ok(format($$select helix.heartbeat(%L, '{"cpu_usage_percent": 140}')$$, :'w1'),
    'HX001', 'metric cpu_usage_percent = 140 is out of range: a percentage is between 0 and '
    '100', 'a percentage above 100 is refused with HX001 naming the key');
select throws_ok(format($$select helix.heartbeat(%L, '{"network_rx_bytes": -1}')$$, :'w1'),
    'HX001', 'metric network_rx_bytes = -1 is out of range: a byte count is a whole number '
    '>= 0', 'a negative byte count is refused');
select throws_ok(format($$select helix.heartbeat(%L, '{"disk_usage_percent": "30"}')$$,
    :'w1'), 'HX001', 'metric disk_usage_percent must be a number, got a string',
    'a metric that is not a number is refused');
select throws_ok(format($$select helix.heartbeat(%L, '{"gpu": 3}')$$, :'w1'), 'HX001',
    'metric "gpu" is unknown: p_metrics keys must be among cpu_usage_percent, '
    'memory_usage_percent, disk_usage_percent, network_rx_bytes, network_tx_bytes, '
    'temperature_celsius, load_average_1m, cpu_count', 'an unknown metric is refused');
select throws_ok(format($$select helix.heartbeat(%L, '[1]')$$, :'w1'), 'HX001',
    'p_metrics must be a JSON object, got a array', 'metrics must be an object');
select throws_ok($$select helix.heartbeat(null)$$, 'HX001',
    'p_worker_id is NULL: a heartbeat needs the worker''s id', 'a NULL worker id is refused');
select throws_ok($$select helix.heartbeat('00000000-0000-0000-0000-000000000001')$$, 'HX002',
    'worker 00000000-0000-0000-0000-000000000001 does not exist', 'an unknown worker: HX002');
select is((select (last_heartbeat = now() - interval '1 hour')::text || '/' || count(m.id)
           from helix.workers w left join helix.worker_metrics m on m.worker_id = w.id
           where w.id = :'w1' group by w.last_heartbeat),
    'true/5', 'refused heartbeats wrote neither the heartbeat nor a metrics row');

-- A worker coming back: tasks waiting for it resume, preferring it.
select helix.heartbeat(:'w1', '{"cpu_usage_percent": 5}');
select helix.submit_task('shell', '{"command": "true"}', p_criticality => 'critical') as t1 \gset
select helix.submit_task('shell', '{"command": "true"}', p_criticality => 'high') as t2 \gset
select is((select count(*)::int from helix.assign_tasks(10, null, array[:'w1'::uuid])), 2,
    'both tasks are assigned to w1');
update helix.workers set status = 'offline', heartbeat_missed_at = now() - interval '1 minute',
    last_heartbeat = now() - interval '2 minutes' where id = :'w1';
select helix.sweep_preserve_tasks(:'w1', null);
select is((select array_agg(status order by criticality) from helix.distributed_tasks
           where id in (:'t1', :'t2')), '{waiting_for_worker,waiting_for_worker}',
    'critical and high tasks of an offline worker wait for it');
select is(helix.heartbeat(:'w1', '{"cpu_usage_percent": 5}'), 'healthy',
    'the returning worker''s heartbeat says healthy');
select is((select (status, heartbeat_missed_at)::text from helix.workers where id = :'w1'),
    '(active,)', 'a returning worker is active again, its missed mark cleared');
select is((select event_type || ':' || (event_data ->> 'tasks_resumed')
           from helix.worker_connectivity_events
           where worker_id = :'w1' and event_type = 'reconnected'),
    'reconnected:2', 'the return writes one reconnected event naming the tasks resumed');
select is((select array_agg(distinct (status, original_worker_id = :'w1',
                                      waiting_since is null)::text)
           from helix.distributed_tasks where id in (:'t1', :'t2')),
    '{"(pending,t,t)"}', 'its waiting tasks are pending again, still preferring it');
select is((select array_agg(distinct worker_id) from helix.assign_tasks(10)),
    array[:'w1'::uuid], 'assign_tasks gives them back to the returning worker');

-- ---------------------------------------------------------------------------------------
-- set_worker_status
-- ---------------------------------------------------------------------------------------

select helix.register_worker('w2.example', '{"host": "10.0.0.2"}', '{shell}') as w2 \gset
select helix.heartbeat(:'w2', '{"cpu_usage_percent": 5}');
select lives_ok(format($$select helix.set_worker_status(%L, 'maintenance')$$, :'w1'),
    'an active worker can be put in maintenance');
select is((select status from helix.workers where id = :'w1'), 'maintenance',
    'the status is maintenance');
select is((select event_data from helix.worker_connectivity_events
           where worker_id = :'w1' and event_type = 'status_changed'),
    '{"status": "maintenance", "previous_status": "active"}'::jsonb,
    'a status change writes a status_changed event');
select is((select count(*)::int from helix.distributed_tasks
           where assigned_worker_id = :'w1' and status = 'assigned'), 2,
    'maintenance drains: the tasks w1 holds stay with it');
select helix.submit_task('shell', '{"command": "true"}') as t3 \gset
select is((select array_agg(worker_id) from helix.assign_tasks(10, null,
                                                              array[:'w1', :'w2']::uuid[])),
    array[:'w2'::uuid],
    'a worker in maintenance gets no new task; an active one does');
select helix.set_worker_status(:'w1', 'maintenance');
select is((select count(*)::int from helix.worker_connectivity_events
           where worker_id = :'w1' and event_type = 'status_changed'), 1,
    'setting the same status again writes nothing');

select throws_ok(format($$select helix.set_worker_status(%L, 'sleeping')$$, :'w1'), 'HX001',
    'status ''sleeping'' is refused: p_status must be active, inactive, maintenance or '
    'failed', 'an unknown status is refused with HX001');
select throws_ok(format($$select helix.set_worker_status(%L, 'offline')$$, :'w1'), 'HX001',
    null, 'offline is not an operator''s status: HX001');
select throws_ok(format($$select helix.set_worker_status(%L, null)$$, :'w1'), 'HX001',
    null, 'a NULL status is refused');
select throws_ok($$select helix.set_worker_status('00000000-0000-0000-0000-000000000001',
        'active')$$, 'HX002', 'worker 00000000-0000-0000-0000-000000000001 does not exist',
    'an unknown worker: HX002');

-- failed: known broken, its tasks are preserved at once.
select helix.start_task(:'t1', (select attempt from helix.distributed_tasks where id = :'t1'));
select helix.save_checkpoint(:'t1', (select attempt from helix.distributed_tasks
    where id = :'t1'), 'step 3', '{"step": 3}');
select helix.set_worker_status(:'w1', 'failed');
select is((select (status, return_status, current_tasks_count)::text from helix.workers
           where id = :'w1'), '(failed,maintenance,0)',
    'failed: the worker holds nothing and will return to maintenance');
select is((select (status, original_worker_id = :'w1', assigned_worker_id, runner_id,
                   checkpoint_data, retry_count)::text
           from helix.distributed_tasks where id = :'t1'),
    '(waiting_for_worker,t,,,"{""step"": 3}",0)',
    'its running critical task waits for it with its checkpoint, no retry spent');
select throws_ok(format($$select helix.set_worker_status(%L, 'active')$$, :'w1'), 'HX003',
    'worker w1.example is failed: it cannot be made active while it is silent',
    'a failed worker cannot be made active by hand: HX003');
select is((select status from helix.workers where id = :'w1'), 'failed',
    'the refused change left the status alone');
select helix.set_worker_status(:'w1', 'inactive');
select is((select (status, return_status)::text from helix.workers where id = :'w1'),
    '(failed,inactive)', 'inactive given to a failed worker applies when it returns');
select helix.heartbeat(:'w1');
select is((select (status, return_status)::text from helix.workers where id = :'w1'),
    '(inactive,)', 'it returns inactive, as the operator said');
select is((select count(*)::int from helix.assign_tasks(10, null, array[:'w1'::uuid])), 0,
    'an inactive worker takes no task, though two are pending');
select helix.set_worker_status(:'w1', 'active');
select is((select status from helix.workers where id = :'w1'), 'active',
    'an inactive worker can be made active');
select helix.heartbeat(:'w1', '{"disk_usage_percent": 99}');
select is((select count(*)::int from helix.assign_tasks(10, null, array[:'w1'::uuid])), 0,
    'an unhealthy worker takes no task');
select helix.heartbeat(:'w1', '{"disk_usage_percent": 10}');
select is((select count(*)::int from helix.check_invariants()), 0,
    'check_invariants() is empty after the status changes');

-- ---------------------------------------------------------------------------------------
-- Runners
-- ---------------------------------------------------------------------------------------

select helix.register_runner('runner-a', 'coord1', 4242, '0.1.0') as r1 \gset
select is((select (status, lease_expires_at = now() + interval '30 seconds', pid)::text
           from helix.runners where id = :'r1'), '(running,t,4242)',
    'a registered runner is running with a lease of runner_timeout');
update helix.settings set value = '"1 minute"' where key = 'runner_timeout';
select is(helix.renew_runner_lease(:'r1'), now() + interval '1 minute',
    'renewing returns the new expiry, runner_timeout from now');
update helix.settings set value = '"30 seconds"' where key = 'runner_timeout';
select is((select lease_expires_at from helix.runners where id = :'r1'),
    now() + interval '1 minute', 'the lease is stored');
select throws_ok($$select helix.register_runner('', 'coord1')$$, 'HX001',
    'runner name '''' is refused: p_name must be non-blank text', 'a blank runner name');
select throws_ok($$select helix.register_runner('r', null)$$, 'HX001',
    'hostname NULL is refused: p_hostname must be non-blank text', 'a NULL runner hostname');
select throws_ok($$select helix.register_runner('r', 'h', 0)$$, 'HX001',
    'pid 0 is refused: p_pid must be positive or NULL', 'a pid of 0 is refused');
select is((select count(*)::int from helix.runners), 1, 'no refused runner was written');
select throws_ok($$select helix.renew_runner_lease(null)$$, 'HX001',
    'p_runner_id is NULL: say which runner', 'renewing a NULL runner is refused');
select throws_ok($$select helix.renew_runner_lease('00000000-0000-0000-0000-000000000001')$$,
    'HX002', 'runner 00000000-0000-0000-0000-000000000001 does not exist',
    'renewing an unknown runner: HX002');
select throws_ok($$select helix.stop_runner('00000000-0000-0000-0000-000000000001')$$,
    'HX002', 'runner 00000000-0000-0000-0000-000000000001 does not exist',
    'stopping an unknown runner: HX002');

select task_id as t4, worker_id as t4_worker
from helix.assign_tasks(1, :'r1', array[:'w2'::uuid]) \gset
select is(:'t4_worker'::uuid, :'w2'::uuid, 'the runner takes a task on w2');
select helix.renew_runner_lease(:'r1', true);
select is((select status from helix.runners where id = :'r1'), 'stopping',
    'p_stopping marks the runner stopping');
select helix.stop_runner(:'r1');
select is((select (status, stopped_at = now())::text from helix.runners where id = :'r1'),
    '(stopped,t)', 'stop_runner: stopped, with the time');
select is((select (status, runner_id, assigned_worker_id, original_worker_id = :'w2',
                   retry_count)::text from helix.distributed_tasks where id = :'t4'),
    '(pending,,,t,0)', 'a task the stopped runner still held is pending again, no retry');
select lives_ok(format('select helix.stop_runner(%L)', :'r1'), 'stopping twice is harmless');
select throws_ok(format('select helix.renew_runner_lease(%L)', :'r1'), 'HX003',
    format('runner %s is stopped: its lease cannot be renewed', :'r1'),
    'a stopped runner cannot renew: HX003');
update helix.runners set status = 'lost' where id = :'r1';
select throws_ok(format('select helix.renew_runner_lease(%L)', :'r1'), 'HX003',
    format('runner %s is lost: its lease cannot be renewed', :'r1'),
    'a lost runner cannot renew: HX003');
select is((select count(*)::int from helix.check_invariants()), 0,
    'check_invariants() is empty after the runner scenario');

-- ---------------------------------------------------------------------------------------
-- purge_history
-- ---------------------------------------------------------------------------------------

insert into helix.worker_metrics (worker_id, cpu_usage_percent, recorded_at)
select :'w2', 1, now() - interval '8 days' - i * interval '1 minute'
from generate_series(1, 3) i;
insert into helix.worker_connectivity_events (worker_id, event_type, created_at)
select :'w2', 'heartbeat_missed', now() - interval '91 days' from generate_series(1, 2);
select is((select (metrics_deleted, events_deleted)::text from helix.purge_history(p_limit => 2)),
    '(2,2)', 'purge deletes at most p_limit rows of each table per call');
select is((select (metrics_deleted, events_deleted)::text from helix.purge_history()),
    '(1,0)', 'the next call deletes the rest, by the retention settings');
select is((select (metrics_deleted, events_deleted)::text from helix.purge_history()),
    '(0,0)', 'then nothing is left to purge');
select ok((select count(*) from helix.worker_metrics) > 0
          and (select count(*) from helix.worker_connectivity_events) > 0,
    'recent metrics and events are kept');
select is((select (metrics_deleted, events_deleted)::text
           from helix.purge_history(interval '0.5 seconds')),
    '(0,0)', 'p_older_than overrides the settings (nothing here is older than now())');
select throws_ok($$select * from helix.purge_history(interval '-1 day')$$, 'HX001',
    'p_older_than -1 days is refused: it must be a positive interval',
    'a negative age is refused');
select throws_ok($$select * from helix.purge_history(null, 0)$$, 'HX001',
    'limit 0 is out of range: p_limit must be between 1 and 1000000', 'a limit of 0');
select has_index('helix', 'worker_metrics', 'worker_metrics_worker_recorded_idx',
    array['worker_id', 'recorded_at'], 'metrics of a worker by time are index-backed');

create function pg_temp.plan_of(p_sql text) returns text language plpgsql as $$
declare
    v_line text;
    v_plan text := '';
begin
    for v_line in execute 'explain (costs off) ' || p_sql loop
        v_plan := v_plan || v_line || ' ';
    end loop;
    return v_plan;
end
$$;
set local enable_seqscan = off;
select matches(pg_temp.plan_of(format('select * from helix.worker_metrics where worker_id = '
    '%L and recorded_at > now() - interval ''1 hour'' order by recorded_at desc limit 50',
    :'w2')), 'worker_metrics_worker_recorded_idx',
    'a worker''s latest metrics are read through worker_metrics_worker_recorded_idx');
reset enable_seqscan;

-- ---------------------------------------------------------------------------------------
-- Views
-- ---------------------------------------------------------------------------------------

select is((select (status, tasks_held, max_concurrent_tasks, load_percent, late, takes_tasks,
                   transport, host)::text
           from helix.worker_fleet where worker_id = :'w2'),
    '(active,1,10,10.0,f,t,ssh,10.0.0.2)', 'worker_fleet shows status, load and reachability');
update helix.workers set last_heartbeat = now() - interval '25 seconds' where id = :'w2';
select is((select (late, heartbeat_age)::text from helix.worker_fleet where worker_id = :'w2'),
    '(t,00:00:25)', 'worker_fleet shows a late worker and its heartbeat age');
select is((select count(*)::int from helix.recent_worker_events where hostname = 'w1.example'
           and event_type = 'status_changed'), 4,
    'recent_worker_events lists a worker''s events by hostname');
set local role helix_readonly;
select (select count(*) from helix.worker_fleet) as fleet_rows,
       (select count(*) from helix.recent_worker_events) as event_rows \gset
reset role;
select ok(:fleet_rows = 3 and :event_rows > 0, 'helix_readonly reads both views');
select ok(not has_function_privilege('helix_readonly', 'helix.sweep()', 'execute')
          and not has_function_privilege('helix_app', 'helix.heartbeat(uuid, jsonb)',
                                         'execute'),
    'neither helix_readonly nor helix_app may call sweep or heartbeat');
select ok(has_function_privilege('helix_runner', 'helix.heartbeat(uuid, jsonb)', 'execute')
          and has_function_privilege('helix_runner', 'helix.sweep()', 'execute')
          and has_function_privilege('helix_runner',
                                     'helix.renew_runner_lease(uuid, boolean)', 'execute'),
    'helix_runner may call heartbeat, sweep and the runner functions');

select is((select count(*)::int from helix.check_invariants()), 0,
    'check_invariants() is empty at the end');

select * from finish();
rollback;
