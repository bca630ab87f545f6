-- Fleet views: what a DBA reads in psql to know the state of the workers.
--
-- Settings are read by joining helix.settings rather than through helix.setting(): a view's
-- table access is checked against its owner, but a function it calls runs as the reader,
-- and helix_readonly may not read helix.settings itself.

create or replace view helix.worker_fleet as
select
    w.hostname,
    w.display_name,
    w.status,
    w.return_status,
    w.health_status,
    w.cpu_usage_percent,
    w.memory_usage_percent,
    w.disk_usage_percent,
    w.current_tasks_count as tasks_held,
    w.max_concurrent_tasks,
    round(100.0 * w.current_tasks_count / w.max_concurrent_tasks, 1) as load_percent,
    (select count(*) from helix.distributed_tasks t
     where t.original_worker_id = w.id and t.status = 'waiting_for_worker') as tasks_waiting,
    w.last_heartbeat,
    now() - w.last_heartbeat as heartbeat_age,
    w.status in ('active', 'maintenance', 'inactive')
        and coalesce(w.last_heartbeat, w.created_at) < now() - s.late_after as late,
    w.status = 'active' and w.health_status <> 'unhealthy'
        and w.current_tasks_count < w.max_concurrent_tasks as takes_tasks,
    w.capabilities,
    w.ssh_config ->> 'transport' as transport,
    w.ssh_config ->> 'host' as host,
    w.id as worker_id
from helix.workers w
cross join (
    select (i.value #>> '{}')::interval * (f.value #>> '{}')::numeric as late_after
    from helix.settings i, helix.settings f
    where i.key = 'heartbeat_interval' and f.key = 'heartbeat_missed_factor'
) s;
comment on view helix.worker_fleet is
    'One row per worker for DBAs: status (and the status it returns to), health, load, '
    'heartbeat age, tasks held against capacity, tasks waiting for it, capabilities.';
comment on column helix.worker_fleet.return_status is
    'For an offline or failed worker: the operator status it takes when it returns.';
comment on column helix.worker_fleet.tasks_held is
    'Tasks assigned to or running on the worker now.';
comment on column helix.worker_fleet.load_percent is
    'tasks_held as a percentage of max_concurrent_tasks.';
comment on column helix.worker_fleet.tasks_waiting is
    'Tasks of this worker in waiting_for_worker: they resume here if it returns within '
    'their grace.';
comment on column helix.worker_fleet.heartbeat_age is 'Time since the last heartbeat.';
comment on column helix.worker_fleet.late is
    'Silent for longer than heartbeat_interval * heartbeat_missed_factor (it goes offline '
    'at heartbeat_timeout).';
comment on column helix.worker_fleet.takes_tasks is
    'Whether assign_tasks may give it a task now (active, not unhealthy, below capacity).';

create or replace view helix.recent_worker_events as
select
    e.created_at,
    w.hostname,
    e.event_type,
    e.event_data,
    e.worker_id,
    e.id as event_id
from helix.worker_connectivity_events e
join helix.workers w on w.id = e.worker_id
where e.created_at > now() - interval '24 hours';
comment on view helix.recent_worker_events is
    'Connectivity events of the last 24 hours with the worker''s hostname (add ORDER BY '
    'created_at DESC): what happened to the fleet today.';

grant select on helix.worker_fleet to helix_readonly, helix_app, helix_runner;
grant select on helix.recent_worker_events to helix_readonly, helix_app, helix_runner;
