-- remove_worker: refused while the worker holds tasks, deleted when nothing names it,
-- retired (kept for its history) otherwise; p_force hands held tasks back first.

begin;
select plan(15);

select helix.register_worker('rm-new', '{"host": "10.0.1.1"}'::jsonb) as fresh \gset
select helix.register_worker('rm-busy', '{"host": "10.0.1.2"}'::jsonb) as busy \gset
select helix.heartbeat(:'busy', '{}'::jsonb);
select helix.submit_task('shell', '{"command": "true"}') as t \gset
-- Either worker could take it: pin it to the busy one.
select count(*) from helix.assign_tasks(1, p_worker_ids => array[:'busy']::uuid[]);
select helix.start_task(:'t', 1);

select throws_ok('select * from helix.remove_worker(null)', 'HX001',
    'worker id NULL is not valid: p_worker_id is required', 'null id refused');
select throws_ok(format('select * from helix.remove_worker(%L, null)', :'busy'), 'HX001',
    'force NULL is not true or false: p_force is required', 'null force refused');
select throws_ok(format('select * from helix.remove_worker(%L)',
                        '00000000-0000-0000-0000-000000000001'), 'HX002',
    'worker 00000000-0000-0000-0000-000000000001 does not exist', 'unknown worker refused');
select throws_ok(format('select * from helix.remove_worker(%L)', :'busy'), 'HX003',
    'worker rm-busy holds 1 task(s): it is not removed', 'a worker holding a task is refused');
select results_eq(format($$ select w.status::text, t.status::text
                            from helix.workers w, helix.distributed_tasks t
                            where w.id = %L and t.id = %L $$, :'busy', :'t'),
    $$ values ('active', 'running') $$, 'the refusal wrote nothing');

-- Never used: deleted, with an audit row.
select results_eq(format('select * from helix.remove_worker(%L)', :'fresh'),
    $$ values ('deleted', 0, null::text) $$, 'an unused worker is deleted');
select is((select count(*)::int from helix.workers where id = :'fresh'), 0, 'it is gone');
select is((select count(*)::int from helix.audit_log
           where action = 'worker.removed' and object_id = :'fresh'), 1,
    'the removal is in the audit log');

-- Held task, by force: handed back, no retry spent, the worker retired and kept.
select results_eq(format('select outcome, handed_back from helix.remove_worker(%L, true)',
                         :'busy'),
    $$ values ('retired', 1) $$, 'by force: retired, one task handed back');
select results_eq(format($$ select status::text, retry_count, assigned_worker_id is null,
                                   original_worker_id::text
                            from helix.distributed_tasks where id = %L $$, :'t'),
    format($$ values ('pending', 0, true, %L) $$, :'busy'),
    'the task is pending again, no retry spent, its old worker remembered');
select isnt((select status from helix.workers where id = :'busy'), 'active',
    'the retired worker takes no work');
select is((select current_tasks_count from helix.workers where id = :'busy'), 0,
    'its count is released');
select is((select count(*)::int from helix.check_invariants()), 0, 'invariants hold');

-- A worker with history but nothing held: retired without force.
select helix.register_worker('rm-old', '{"host": "10.0.1.3"}'::jsonb) as old \gset
select helix.heartbeat(:'old', '{}'::jsonb);
select count(*) from helix.assign_tasks(1, p_worker_ids => array[:'old']::uuid[]);
select helix.start_task(:'t', 2);
select helix.complete_task(:'t', 2, '{}');
select results_eq(format('select outcome, handed_back, status from helix.remove_worker(%L)',
                         :'old'),
    $$ values ('retired', 0, 'inactive') $$, 'a worker with history is retired, inactive');
select ok(exists(select from helix.distributed_tasks where id = :'t'
                 and assigned_worker_id = :'old'), 'its history still names it');

select * from finish();
rollback;
