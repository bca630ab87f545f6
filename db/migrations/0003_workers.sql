-- depends: 0001_schema
-- 0003: what workers, heartbeats, runners and work preservation need beside the seed schema.
--
--   * Settings: health thresholds (cpu, memory, disk: degraded and unhealthy), when a silent
--     worker counts as late (heartbeat_missed_factor), and how long metrics and connectivity
--     events are kept (metrics_retention, events_retention).
--   * workers.heartbeat_missed_at: one heartbeat_missed event per silence, not one per sweep.
--   * workers.return_status: the operator status (maintenance, inactive) a worker that went
--     offline or failed takes again when it comes back, instead of active.
--   * worker_metrics.load_average_1m and cpu_count: the runner's probe reports them.
--   * worker_connectivity_events.event_type also allows status_changed (an operator or the
--     runner changed the worker's status), keeping the seed's four values.
--   * sweep_state: the moment of the last sweep, so that sweep notifies retries that fell due
--     since then exactly once.
--   * Indexes: metrics and events of one worker newest first, and pending tasks by run_after
--     for the retries-due check.

insert into helix.settings (key, value, value_type, description) values
    ('health_cpu_degraded', '85', 'number',
     'CPU usage (percent) from which a heartbeat makes the worker degraded.'),
    ('health_cpu_unhealthy', '97', 'number',
     'CPU usage (percent) from which a heartbeat makes the worker unhealthy: it gets no new '
     'tasks.'),
    ('health_memory_degraded', '85', 'number',
     'Memory usage (percent) from which a heartbeat makes the worker degraded.'),
    ('health_memory_unhealthy', '95', 'number',
     'Memory usage (percent) from which a heartbeat makes the worker unhealthy: it gets no '
     'new tasks.'),
    ('health_disk_degraded', '90', 'number',
     'Disk usage (percent) from which a heartbeat makes the worker degraded.'),
    ('health_disk_unhealthy', '98', 'number',
     'Disk usage (percent) from which a heartbeat makes the worker unhealthy: it gets no new '
     'tasks.'),
    ('heartbeat_missed_factor', '2', 'number',
     'A worker silent for longer than heartbeat_interval times this factor is late: sweep() '
     'writes one heartbeat_missed event per silence. It goes offline at heartbeat_timeout.'),
    ('metrics_retention', '"7 days"', 'interval',
     'purge_history() deletes worker_metrics rows older than this.'),
    ('events_retention', '"90 days"', 'interval',
     'purge_history() deletes worker_connectivity_events rows older than this.')
on conflict (key) do nothing;

alter table helix.workers add column heartbeat_missed_at timestamptz;
comment on column helix.workers.heartbeat_missed_at is
    'When sweep() recorded the present silence as a missed heartbeat (one event per '
    'silence); cleared by the next heartbeat.';

alter table helix.workers add column return_status varchar(50);
alter table helix.workers add constraint workers_return_status_is_operator_status
    check (return_status in ('maintenance', 'inactive'));
comment on column helix.workers.return_status is
    'For an offline or failed worker: the status an operator set (maintenance, inactive) that '
    'it takes again when its heartbeat returns; null means it returns active.';

alter table helix.worker_metrics add column load_average_1m decimal(8, 2);
alter table helix.worker_metrics add constraint worker_metrics_load_average_not_negative
    check (load_average_1m >= 0);
comment on column helix.worker_metrics.load_average_1m is
    'One-minute load average reported by the probe.';
alter table helix.worker_metrics add column cpu_count integer;
alter table helix.worker_metrics add constraint worker_metrics_cpu_count_positive
    check (cpu_count > 0);
comment on column helix.worker_metrics.cpu_count is
    'Number of CPUs the probe saw (to read load_average_1m against).';

alter table helix.worker_connectivity_events
    drop constraint worker_connectivity_events_event_type_known;
alter table helix.worker_connectivity_events
    add constraint worker_connectivity_events_event_type_known check (event_type in
        ('connected', 'disconnected', 'reconnected', 'heartbeat_missed', 'status_changed'));
comment on column helix.worker_connectivity_events.event_type is
    'connected (first heartbeat ever), heartbeat_missed (late), disconnected (offline at '
    'heartbeat_timeout), reconnected (back from offline or failed), status_changed (set by '
    'an operator or the runner).';
comment on column helix.worker_connectivity_events.event_data is
    'Details of the event, for example the previous status and how many tasks were '
    'preserved.';

create index worker_metrics_worker_recorded_idx
    on helix.worker_metrics (worker_id, recorded_at desc);
comment on index helix.worker_metrics_worker_recorded_idx is
    'A worker''s metrics newest first: the load history of one worker over a time range.';

create index worker_connectivity_events_worker_created_idx
    on helix.worker_connectivity_events (worker_id, created_at desc);
comment on index helix.worker_connectivity_events_worker_created_idx is
    'A worker''s connectivity history newest first.';

-- sweep() repeats this predicate literally, so the retries-due check reads only pending
-- ready tasks by run_after, however many others there are.
create index distributed_tasks_pending_run_after_idx
    on helix.distributed_tasks (run_after)
    where status = 'pending' and pending_dependencies = 0;
comment on index helix.distributed_tasks_pending_run_after_idx is
    'Pending ready tasks by run_after: which retries fell due since the last sweep.';

create table helix.sweep_state (
    singleton boolean primary key default true,
    last_swept_at timestamptz,
    last_result integer,
    constraint sweep_state_one_row check (singleton)
);
insert into helix.sweep_state (singleton) values (true);
comment on table helix.sweep_state is
    'One row: when sweep() last did its work and how many things it did. Retries whose '
    'run_after fell between two sweeps are announced once.';
