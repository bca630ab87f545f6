-- The helix schema as migrations leave it; regenerate with
--   helix db schema > db/schema.sql
-- Function bodies are left out: read them in db/functions/.

--
-- Name: helix; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA helix;

--
-- Name: SCHEMA helix; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA helix IS 'HelixCode coordination core: tasks, workers, users, projects and development sessions. Applications call the functions; DBAs read the views and tune helix.settings.';

--
-- Name: projects; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.projects (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name character varying(255) NOT NULL,
    description text,
    owner_id uuid NOT NULL,
    workspace_path text,
    git_repository_url text,
    config jsonb DEFAULT '{}'::jsonb NOT NULL,
    status character varying(50) DEFAULT 'active'::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT projects_name_not_blank CHECK ((btrim((name)::text) <> ''::text)),
    CONSTRAINT projects_status_known CHECK (((status)::text = ANY ((ARRAY['active'::character varying, 'archived'::character varying, 'deleted'::character varying])::text[])))
);

--
-- Name: TABLE projects; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.projects IS 'Code bases users work on; deleting is soft (status).';

--
-- Name: sessions; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.sessions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    project_id uuid NOT NULL,
    name character varying(255) NOT NULL,
    description text,
    session_type character varying(50) NOT NULL,
    status character varying(50) DEFAULT 'active'::character varying NOT NULL,
    context_data jsonb DEFAULT '{}'::jsonb NOT NULL,
    token_count integer DEFAULT 0 NOT NULL,
    current_task_id uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    ended_at timestamp with time zone,
    failure_reason text,
    CONSTRAINT sessions_end_matches_status CHECK ((((status)::text = ANY ((ARRAY['completed'::character varying, 'failed'::character varying])::text[])) = (ended_at IS NOT NULL))),
    CONSTRAINT sessions_session_type_known CHECK (((session_type)::text = ANY ((ARRAY['planning'::character varying, 'building'::character varying, 'testing'::character varying, 'refactoring'::character varying, 'debugging'::character varying])::text[]))),
    CONSTRAINT sessions_status_known CHECK (((status)::text = ANY ((ARRAY['active'::character varying, 'paused'::character varying, 'completed'::character varying, 'failed'::character varying, 'waiting_for_worker'::character varying])::text[]))),
    CONSTRAINT sessions_token_count_not_negative CHECK ((token_count >= 0))
);

--
-- Name: TABLE sessions; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.sessions IS 'Development sessions (planning, building, testing, ...) in a project; a session whose current task waits for a worker waits with it.';

--
-- Name: COLUMN sessions.current_task_id; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.sessions.current_task_id IS 'The task the session is running now.';

--
-- Name: COLUMN sessions.ended_at; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.sessions.ended_at IS 'When the session was completed or failed.';

--
-- Name: COLUMN sessions.failure_reason; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.sessions.failure_reason IS 'Why the session failed, as told to fail_session.';

--
-- Name: users; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.users (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    username character varying(255) NOT NULL,
    email character varying(255) NOT NULL,
    password_hash character varying(255) NOT NULL,
    display_name character varying(255),
    avatar_url text,
    is_active boolean DEFAULT true NOT NULL,
    is_verified boolean DEFAULT false NOT NULL,
    mfa_enabled boolean DEFAULT false NOT NULL,
    mfa_secret character varying(255),
    last_login timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    mfa_pending_secret text,
    mfa_confirmed_at timestamp with time zone,
    mfa_last_step bigint
);

--
-- Name: TABLE users; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.users IS 'People who sign in to HelixCode.';

--
-- Name: COLUMN users.password_hash; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.users.password_hash IS 'bcrypt hash from pgcrypto crypt(); never the password.';

--
-- Name: COLUMN users.mfa_secret; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.users.mfa_secret IS 'TOTP secret (RFC 6238); unreadable by the application role.';

--
-- Name: COLUMN users.mfa_pending_secret; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.users.mfa_pending_secret IS 'TOTP secret (base32) handed out by mfa_enrol and not yet confirmed by a code; becomes mfa_secret at mfa_confirm. Unreadable by the application role.';

--
-- Name: COLUMN users.mfa_confirmed_at; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.users.mfa_confirmed_at IS 'When the current TOTP secret was confirmed.';

--
-- Name: COLUMN users.mfa_last_step; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.users.mfa_last_step IS 'The TOTP time step (unix time / 30) of the last code accepted: a code is accepted once only, so one seen over a shoulder cannot be replayed.';

--
-- Name: project_overview; Type: VIEW; Schema: helix; Owner: -
--

CREATE VIEW helix.project_overview AS
 SELECT p.id,
    p.name,
    p.description,
    p.owner_id,
    u.username AS owner_username,
    p.workspace_path,
    p.git_repository_url,
    p.config,
    p.status,
    ( SELECT count(*) AS count
           FROM helix.sessions s
          WHERE (s.project_id = p.id)) AS sessions,
    ( SELECT count(*) AS count
           FROM helix.sessions s
          WHERE ((s.project_id = p.id) AND ((s.status)::text = ANY ((ARRAY['active'::character varying, 'waiting_for_worker'::character varying])::text[])))) AS sessions_at_work,
    p.created_at,
    p.updated_at
   FROM (helix.projects p
     JOIN helix.users u ON ((u.id = p.owner_id)))
  WHERE ((p.status)::text <> 'deleted'::text);

--
-- Name: VIEW project_overview; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON VIEW helix.project_overview IS 'Projects not deleted, with their owner''s username and how many development sessions they have (and how many are at work).';

--
-- Name: distributed_tasks; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.distributed_tasks (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    task_type character varying(100) NOT NULL,
    task_data jsonb NOT NULL,
    status character varying(50) DEFAULT 'pending'::character varying NOT NULL,
    priority integer DEFAULT 5 NOT NULL,
    criticality character varying(20) DEFAULT 'normal'::character varying NOT NULL,
    assigned_worker_id uuid,
    original_worker_id uuid,
    dependencies uuid[] DEFAULT '{}'::uuid[],
    retry_count integer DEFAULT 0 NOT NULL,
    max_retries integer DEFAULT 3 NOT NULL,
    error_message text,
    result_data jsonb,
    checkpoint_data jsonb,
    estimated_duration interval,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    attempt integer DEFAULT 0 NOT NULL,
    run_after timestamp with time zone DEFAULT now() NOT NULL,
    required_capabilities text[] DEFAULT '{}'::text[] NOT NULL,
    session_id uuid,
    pending_dependencies integer DEFAULT 0 NOT NULL,
    runner_id uuid,
    assigned_at timestamp with time zone,
    waiting_since timestamp with time zone,
    progress real,
    progress_message text,
    criticality_rank smallint GENERATED ALWAYS AS (
CASE criticality
    WHEN 'critical'::text THEN 0
    WHEN 'high'::text THEN 1
    WHEN 'normal'::text THEN 2
    ELSE 3
END) STORED NOT NULL,
    CONSTRAINT distributed_tasks_attempt_not_negative CHECK ((attempt >= 0)),
    CONSTRAINT distributed_tasks_criticality_known CHECK (((criticality)::text = ANY ((ARRAY['low'::character varying, 'normal'::character varying, 'high'::character varying, 'critical'::character varying])::text[]))),
    CONSTRAINT distributed_tasks_estimated_duration_positive CHECK ((estimated_duration > '00:00:00'::interval)),
    CONSTRAINT distributed_tasks_max_retries_in_range CHECK (((max_retries >= 0) AND (max_retries <= 100))),
    CONSTRAINT distributed_tasks_pending_dependencies_not_negative CHECK ((pending_dependencies >= 0)),
    CONSTRAINT distributed_tasks_priority_in_range CHECK (((priority >= 0) AND (priority <= 10))),
    CONSTRAINT distributed_tasks_progress_is_fraction CHECK (((progress >= (0)::double precision) AND (progress <= (1)::double precision))),
    CONSTRAINT distributed_tasks_retry_count_not_negative CHECK ((retry_count >= 0)),
    CONSTRAINT distributed_tasks_status_known CHECK (((status)::text = ANY ((ARRAY['pending'::character varying, 'assigned'::character varying, 'running'::character varying, 'completed'::character varying, 'failed'::character varying, 'paused'::character varying, 'waiting_for_worker'::character varying, 'cancelled'::character varying])::text[]))),
    CONSTRAINT distributed_tasks_task_data_is_object CHECK ((jsonb_typeof(task_data) = 'object'::text)),
    CONSTRAINT distributed_tasks_task_type_not_blank CHECK ((btrim((task_type)::text) <> ''::text))
);

--
-- Name: TABLE distributed_tasks; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.distributed_tasks IS 'Units of work and their whole life: pending, assigned, running, then completed, failed or cancelled; paused and waiting_for_worker on the way.';

--
-- Name: COLUMN distributed_tasks.original_worker_id; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.distributed_tasks.original_worker_id IS 'The worker this task ran on before it was preserved; assignment prefers it when it can take the task.';

--
-- Name: COLUMN distributed_tasks.dependencies; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.distributed_tasks.dependencies IS 'Tasks that must complete before this one is ready; each existed when this task was submitted, so no cycle can form.';

--
-- Name: COLUMN distributed_tasks.checkpoint_data; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.distributed_tasks.checkpoint_data IS 'The latest checkpoint, handed to the next run so it resumes where the last one stopped.';

--
-- Name: COLUMN distributed_tasks.attempt; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.distributed_tasks.attempt IS 'Fencing token: grows at every assignment; a report carrying an older attempt is refused.';

--
-- Name: COLUMN distributed_tasks.run_after; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.distributed_tasks.run_after IS 'Not ready before this moment (retry backoff).';

--
-- Name: COLUMN distributed_tasks.required_capabilities; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.distributed_tasks.required_capabilities IS 'Capabilities a worker must all have to take this task.';

--
-- Name: COLUMN distributed_tasks.session_id; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.distributed_tasks.session_id IS 'The development session this task belongs to, if any.';

--
-- Name: COLUMN distributed_tasks.pending_dependencies; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.distributed_tasks.pending_dependencies IS 'How many dependencies are not completed yet; the task is ready at 0. Kept so completing a task touches only its dependents.';

--
-- Name: COLUMN distributed_tasks.runner_id; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.distributed_tasks.runner_id IS 'The runner that holds the task while assigned or running; rescued when its lease runs out.';

--
-- Name: COLUMN distributed_tasks.assigned_at; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.distributed_tasks.assigned_at IS 'When the current attempt was assigned.';

--
-- Name: COLUMN distributed_tasks.waiting_since; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.distributed_tasks.waiting_since IS 'When the task began waiting for its vanished worker; its grace is counted from here.';

--
-- Name: COLUMN distributed_tasks.progress; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.distributed_tasks.progress IS 'Fraction done (0 to 1) as last reported by the running task.';

--
-- Name: COLUMN distributed_tasks.progress_message; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.distributed_tasks.progress_message IS 'What the running task last said it was doing.';

--
-- Name: COLUMN distributed_tasks.criticality_rank; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.distributed_tasks.criticality_rank IS 'criticality as a sort key (critical 0, high 1, normal 2, low 3), generated: the ready index is ordered by it so assignment reads tasks in index order.';

--
-- Name: audit_log; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.audit_log (
    id bigint NOT NULL,
    occurred_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    action text NOT NULL,
    user_id uuid,
    object_type text,
    object_id uuid,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL,
    database_role text DEFAULT SESSION_USER NOT NULL,
    client_addr inet DEFAULT inet_client_addr(),
    CONSTRAINT audit_log_action_is_dotted_name CHECK ((action ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'::text)),
    CONSTRAINT audit_log_detail_is_object CHECK ((jsonb_typeof(detail) = 'object'::text))
);

--
-- Name: TABLE audit_log; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.audit_log IS 'Security and operator actions: sign-ins, revocations, MFA changes, project deletions, and whatever other areas record with helix.audit(). Append-only: no role may change it. Rows written by a statement that then fails vanish with it (see helix.authenticate for how failed sign-ins are still recorded).';

--
-- Name: COLUMN audit_log.action; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.audit_log.action IS 'What happened, as a dotted name: login.succeeded, session.revoked, project.deleted, ...';

--
-- Name: COLUMN audit_log.user_id; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.audit_log.user_id IS 'The HelixCode user the action concerns, if any. No foreign key: the trail outlives what it mentions.';

--
-- Name: COLUMN audit_log.object_type; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.audit_log.object_type IS 'Kind of object_id: user, user_session, project, session, task, worker, ...';

--
-- Name: COLUMN audit_log.database_role; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.audit_log.database_role IS 'The login role of the connection that acted (session_user, not the function owner).';

--
-- Name: COLUMN audit_log.client_addr; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.audit_log.client_addr IS 'Address of the database client, null over a Unix socket.';

--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: helix; Owner: -
--

ALTER TABLE helix.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME helix.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: audit_trail; Type: VIEW; Schema: helix; Owner: -
--

CREATE VIEW helix.audit_trail AS
 SELECT a.id,
    a.occurred_at,
    a.action,
    a.user_id,
    u.username,
    a.object_type,
    a.object_id,
    a.detail,
    a.database_role,
    a.client_addr
   FROM (helix.audit_log a
     LEFT JOIN helix.users u ON ((u.id = a.user_id)));

--
-- Name: VIEW audit_trail; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON VIEW helix.audit_trail IS 'The audit log with usernames, newest last by id; for example: select * from helix.audit_trail where occurred_at > now() - interval ''1 day'' order by id desc.';

--
-- Name: error_codes; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.error_codes (
    sqlstate text NOT NULL,
    name text NOT NULL,
    meaning text NOT NULL,
    CONSTRAINT error_codes_sqlstate_in_family CHECK ((sqlstate ~ '^HX[0-9]{3}$'::text))
);

--
-- Name: TABLE error_codes; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.error_codes IS 'The SQLSTATEs the functions raise, one row each (class HX). Rows are kept by db/functions/00_errors.sql; the runner and CLI map them to readable messages.';

--
-- Name: function_files; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.function_files (
    filename text NOT NULL,
    sha256 text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: TABLE function_files; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.function_files IS 'Which db/functions files were last applied, and their content hash: helix db migrate re-applies them only when something changed.';

--
-- Name: worker_connectivity_events; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.worker_connectivity_events (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    worker_id uuid NOT NULL,
    event_type character varying(50) NOT NULL,
    event_data jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT worker_connectivity_events_event_type_known CHECK (((event_type)::text = ANY ((ARRAY['connected'::character varying, 'disconnected'::character varying, 'reconnected'::character varying, 'heartbeat_missed'::character varying, 'status_changed'::character varying])::text[])))
);

--
-- Name: TABLE worker_connectivity_events; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.worker_connectivity_events IS 'What happened to each worker''s connection, for DBAs reading a worker''s history.';

--
-- Name: COLUMN worker_connectivity_events.event_type; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.worker_connectivity_events.event_type IS 'connected (first heartbeat ever), heartbeat_missed (late), disconnected (offline at heartbeat_timeout), reconnected (back from offline or failed), status_changed (set by an operator or the runner).';

--
-- Name: COLUMN worker_connectivity_events.event_data; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.worker_connectivity_events.event_data IS 'Details of the event, for example the previous status and how many tasks were preserved.';

--
-- Name: workers; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.workers (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    hostname character varying(255) NOT NULL,
    display_name character varying(255),
    ssh_config jsonb NOT NULL,
    capabilities text[] DEFAULT '{}'::text[] NOT NULL,
    resources jsonb DEFAULT '{}'::jsonb NOT NULL,
    status character varying(50) DEFAULT 'active'::character varying NOT NULL,
    health_status character varying(50) DEFAULT 'healthy'::character varying NOT NULL,
    last_heartbeat timestamp with time zone,
    cpu_usage_percent numeric(5,2),
    memory_usage_percent numeric(5,2),
    disk_usage_percent numeric(5,2),
    current_tasks_count integer DEFAULT 0 NOT NULL,
    max_concurrent_tasks integer DEFAULT 10 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    heartbeat_missed_at timestamp with time zone,
    return_status character varying(50),
    CONSTRAINT workers_cpu_usage_is_percent CHECK (((cpu_usage_percent >= (0)::numeric) AND (cpu_usage_percent <= (100)::numeric))),
    CONSTRAINT workers_current_tasks_count_not_negative CHECK ((current_tasks_count >= 0)),
    CONSTRAINT workers_disk_usage_is_percent CHECK (((disk_usage_percent >= (0)::numeric) AND (disk_usage_percent <= (100)::numeric))),
    CONSTRAINT workers_health_status_known CHECK (((health_status)::text = ANY ((ARRAY['healthy'::character varying, 'degraded'::character varying, 'unhealthy'::character varying, 'unknown'::character varying])::text[]))),
    CONSTRAINT workers_max_concurrent_tasks_in_range CHECK (((max_concurrent_tasks >= 1) AND (max_concurrent_tasks <= 10000))),
    CONSTRAINT workers_memory_usage_is_percent CHECK (((memory_usage_percent >= (0)::numeric) AND (memory_usage_percent <= (100)::numeric))),
    CONSTRAINT workers_return_status_is_operator_status CHECK (((return_status)::text = ANY ((ARRAY['maintenance'::character varying, 'inactive'::character varying])::text[]))),
    CONSTRAINT workers_status_known CHECK (((status)::text = ANY ((ARRAY['active'::character varying, 'inactive'::character varying, 'maintenance'::character varying, 'failed'::character varying, 'offline'::character varying])::text[])))
);

--
-- Name: TABLE workers; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.workers IS 'Machines that run tasks, reached over SSH (or locally).';

--
-- Name: COLUMN workers.ssh_config; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.workers.ssh_config IS 'How to reach the worker: host, port, user, identity_file (a path on the runner''s host), transport. Never a secret.';

--
-- Name: COLUMN workers.current_tasks_count; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.workers.current_tasks_count IS 'Tasks the worker holds now (assigned, running); kept equal to them by the task engine.';

--
-- Name: COLUMN workers.heartbeat_missed_at; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.workers.heartbeat_missed_at IS 'When sweep() recorded the present silence as a missed heartbeat (one event per silence); cleared by the next heartbeat.';

--
-- Name: COLUMN workers.return_status; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.workers.return_status IS 'For an offline or failed worker: the status an operator set (maintenance, inactive) that it takes again when its heartbeat returns; null means it returns active.';

--
-- Name: recent_worker_events; Type: VIEW; Schema: helix; Owner: -
--

CREATE VIEW helix.recent_worker_events AS
 SELECT e.created_at,
    w.hostname,
    e.event_type,
    e.event_data,
    e.worker_id,
    e.id AS event_id
   FROM (helix.worker_connectivity_events e
     JOIN helix.workers w ON ((w.id = e.worker_id)))
  WHERE (e.created_at > (now() - '24:00:00'::interval));

--
-- Name: VIEW recent_worker_events; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON VIEW helix.recent_worker_events IS 'Connectivity events of the last 24 hours with the worker''s hostname (add ORDER BY created_at DESC): what happened to the fleet today.';

--
-- Name: runners; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.runners (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    hostname text NOT NULL,
    pid integer,
    version text,
    status text DEFAULT 'running'::text NOT NULL,
    lease_expires_at timestamp with time zone NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    stopped_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT runners_pid_positive CHECK ((pid > 0)),
    CONSTRAINT runners_status_known CHECK ((status = ANY (ARRAY['running'::text, 'stopping'::text, 'stopped'::text, 'lost'::text])))
);

--
-- Name: TABLE runners; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.runners IS 'Runner daemons, each holding a lease it renews; the tasks of a runner whose lease ran out are rescued by sweep(), like a lost worker''s.';

--
-- Name: COLUMN runners.lease_expires_at; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.runners.lease_expires_at IS 'The runner is presumed lost after this moment unless it renews (settings.runner_timeout ahead of its last renewal).';

--
-- Name: session_overview; Type: VIEW; Schema: helix; Owner: -
--

CREATE VIEW helix.session_overview AS
 SELECT s.id,
    s.name,
    s.description,
    s.session_type,
    s.status,
    s.project_id,
    p.name AS project_name,
    p.owner_id,
    s.context_data,
    s.token_count,
    s.current_task_id,
    t.status AS current_task_status,
    s.failure_reason,
    s.created_at,
    s.updated_at,
    s.ended_at
   FROM ((helix.sessions s
     JOIN helix.projects p ON ((p.id = s.project_id)))
     LEFT JOIN helix.distributed_tasks t ON ((t.id = s.current_task_id)));

--
-- Name: VIEW session_overview; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON VIEW helix.session_overview IS 'Development sessions with their project and the status of the task they run now.';

--
-- Name: settings; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.settings (
    key text NOT NULL,
    value jsonb NOT NULL,
    value_type text NOT NULL,
    description text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT settings_key_is_identifier CHECK ((key ~ '^[a-z][a-z0-9_]*$'::text)),
    CONSTRAINT settings_value_type_known CHECK ((value_type = ANY (ARRAY['interval'::text, 'integer'::text, 'number'::text, 'boolean'::text, 'text'::text])))
);

--
-- Name: TABLE settings; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.settings IS 'Tunables read by the functions at each call: a DBA changes behaviour with an UPDATE. Values are JSON; an interval is written as text, for example ''"30 seconds"''.';

--
-- Name: COLUMN settings.value_type; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.settings.value_type IS 'How value is read and checked: an UPDATE whose value does not parse as this type is refused.';

--
-- Name: stuck_tasks; Type: VIEW; Schema: helix; Owner: -
--

CREATE VIEW helix.stuck_tasks AS
 SELECT t.id AS task_id,
    t.task_type,
    t.status,
    t.criticality,
    t.assigned_worker_id AS worker_id,
    w.hostname,
    w.status AS worker_status,
    t.runner_id,
    t.attempt,
    t.started_at,
    t.estimated_duration,
    (now() - t.started_at) AS running_for,
    ((now() - t.started_at) - t.estimated_duration) AS overdue_by,
    t.progress,
    t.progress_message
   FROM (helix.distributed_tasks t
     LEFT JOIN helix.workers w ON ((w.id = t.assigned_worker_id)))
  WHERE (((t.status)::text = 'running'::text) AND (t.estimated_duration IS NOT NULL) AND (t.started_at < (now() - t.estimated_duration)))
  ORDER BY ((now() - t.started_at) - t.estimated_duration) DESC;

--
-- Name: VIEW stuck_tasks; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON VIEW helix.stuck_tasks IS 'Running tasks that have run longer than their estimated_duration, most overdue first, with their worker and last progress report: candidates for a look or a cancel_task.';

--
-- Name: sweep_state; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.sweep_state (
    singleton boolean DEFAULT true NOT NULL,
    last_swept_at timestamp with time zone,
    last_result integer,
    CONSTRAINT sweep_state_one_row CHECK (singleton)
);

--
-- Name: TABLE sweep_state; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.sweep_state IS 'One row: when sweep() last did its work and how many things it did. Retries whose run_after fell between two sweeps are announced once.';

--
-- Name: COLUMN sweep_state.last_swept_at; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.sweep_state.last_swept_at IS 'When sweep() last did its work (not when it last returned 0 because another sweep held the lock).';

--
-- Name: COLUMN sweep_state.last_result; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.sweep_state.last_result IS 'How many things that sweep did.';

--
-- Name: task_checkpoints; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.task_checkpoints (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    task_id uuid NOT NULL,
    checkpoint_name character varying(255) NOT NULL,
    checkpoint_data jsonb NOT NULL,
    worker_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT task_checkpoints_name_not_blank CHECK ((btrim((checkpoint_name)::text) <> ''::text))
);

--
-- Name: TABLE task_checkpoints; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.task_checkpoints IS 'Every checkpoint a task saved, in order; the latest is also the task''s checkpoint_data.';

--
-- Name: task_dependencies; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.task_dependencies (
    depends_on_id uuid NOT NULL,
    task_id uuid NOT NULL,
    CONSTRAINT task_dependencies_not_self CHECK ((depends_on_id <> task_id))
);

--
-- Name: TABLE task_dependencies; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.task_dependencies IS 'Dependency edges: task_id waits for depends_on_id. The same facts as distributed_tasks.dependencies, keyed the other way round, so that finishing a task touches only its own dependents. Written by submit_task, never changed afterwards.';

--
-- Name: COLUMN task_dependencies.depends_on_id; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.task_dependencies.depends_on_id IS 'The task that must complete first.';

--
-- Name: COLUMN task_dependencies.task_id; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.task_dependencies.task_id IS 'The task that waits for it.';

--
-- Name: task_overview; Type: VIEW; Schema: helix; Owner: -
--

CREATE VIEW helix.task_overview AS
 SELECT t.id AS task_id,
    t.task_type,
    t.task_data,
    t.status,
    t.priority,
    t.criticality,
    t.attempt,
    t.retry_count,
    t.max_retries,
    t.dependencies,
    t.pending_dependencies,
    t.required_capabilities,
    t.session_id,
    COALESCE(w.hostname, o.hostname) AS worker,
    t.progress,
    t.progress_message,
    t.error_message,
    t.result_data,
    t.checkpoint_data,
    t.estimated_duration,
    t.run_after,
    t.created_at,
    t.started_at,
    t.completed_at,
    t.updated_at
   FROM ((helix.distributed_tasks t
     LEFT JOIN helix.workers w ON ((w.id = t.assigned_worker_id)))
     LEFT JOIN helix.workers o ON ((o.id = t.original_worker_id)));

--
-- Name: VIEW task_overview; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON VIEW helix.task_overview IS 'Each task as an application reads it back: status, progress, result or error, and the worker it is on (or last ran on). No role may read distributed_tasks itself; select by task_id (the primary key) to follow one task.';

--
-- Name: COLUMN task_overview.worker; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.task_overview.worker IS 'Hostname of the worker that holds the task, else of the one it last ran on.';

--
-- Name: task_queue; Type: VIEW; Schema: helix; Owner: -
--

CREATE VIEW helix.task_queue AS
 SELECT t.status,
    t.criticality,
    count(*) AS tasks,
    count(*) FILTER (WHERE (((t.status)::text = 'pending'::text) AND (t.pending_dependencies = 0) AND (t.run_after <= now()))) AS ready,
    count(*) FILTER (WHERE (((t.status)::text = 'pending'::text) AND (t.pending_dependencies > 0))) AS blocked,
    count(*) FILTER (WHERE (((t.status)::text = 'pending'::text) AND (t.run_after > now()))) AS in_backoff,
    (now() - min(t.created_at) FILTER (WHERE (((t.status)::text = 'pending'::text) AND (t.pending_dependencies = 0) AND (t.run_after <= now())))) AS oldest_ready_age,
    (now() - min(t.created_at)) AS oldest_age
   FROM helix.distributed_tasks t
  GROUP BY t.status, t.criticality, t.criticality_rank
  ORDER BY t.status, t.criticality_rank;

--
-- Name: VIEW task_queue; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON VIEW helix.task_queue IS 'The queue at a glance: tasks by status and criticality; among pending ones how many are ready, blocked by dependencies or waiting out a retry backoff, and the age of the oldest ready task (a growing age means the workers do not keep up). Scans the whole table: for humans, not for polling.';

--
-- Name: user_accounts; Type: VIEW; Schema: helix; Owner: -
--

CREATE VIEW helix.user_accounts AS
 SELECT u.id,
    u.username,
    u.email,
    u.display_name,
    u.avatar_url,
    u.is_active,
    u.is_verified,
    u.mfa_enabled,
    (u.mfa_pending_secret IS NOT NULL) AS mfa_enrolment_pending,
    u.last_login,
    f.failures AS failed_logins_in_a_row,
    f.locked_until,
    u.created_at,
    u.updated_at
   FROM (helix.users u
     CROSS JOIN LATERAL helix.login_failures(u.id) f(failures, last_failure_at, locked_until));

--
-- Name: VIEW user_accounts; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON VIEW helix.user_accounts IS 'Users without their secrets: no password hash, no TOTP secret. failed_logins_in_a_row and locked_until come from the per-user failure counters.';

--
-- Name: user_sessions; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.user_sessions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    session_token character varying(512) NOT NULL,
    client_type character varying(50) NOT NULL,
    ip_address inet,
    user_agent text,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    CONSTRAINT user_sessions_client_type_known CHECK (((client_type)::text = ANY ((ARRAY['terminal_ui'::character varying, 'cli'::character varying, 'rest_api'::character varying, 'mobile_ios'::character varying, 'mobile_android'::character varying])::text[])))
);

--
-- Name: TABLE user_sessions; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.user_sessions IS 'Sign-in sessions; a token is valid until it expires or is revoked.';

--
-- Name: COLUMN user_sessions.session_token; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.user_sessions.session_token IS 'Hash of the token handed to the client; the token itself is shown once and never stored.';

--
-- Name: COLUMN user_sessions.revoked_at; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.user_sessions.revoked_at IS 'When the session was revoked (signed out); null while it may still be used.';

--
-- Name: user_session_list; Type: VIEW; Schema: helix; Owner: -
--

CREATE VIEW helix.user_session_list AS
 SELECT s.id,
    s.user_id,
    u.username,
    s.client_type,
    s.ip_address,
    s.user_agent,
    s.created_at,
    s.expires_at,
    s.revoked_at,
        CASE
            WHEN (s.revoked_at IS NOT NULL) THEN 'revoked'::text
            WHEN (s.expires_at <= now()) THEN 'expired'::text
            ELSE 'active'::text
        END AS state
   FROM (helix.user_sessions s
     JOIN helix.users u ON ((u.id = s.user_id)));

--
-- Name: VIEW user_session_list; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON VIEW helix.user_session_list IS 'Sign-in sessions without their token hashes; state is active, expired or revoked.';

--
-- Name: worker_fleet; Type: VIEW; Schema: helix; Owner: -
--

CREATE VIEW helix.worker_fleet AS
 SELECT w.hostname,
    w.display_name,
    w.status,
    w.return_status,
    w.health_status,
    w.cpu_usage_percent,
    w.memory_usage_percent,
    w.disk_usage_percent,
    w.current_tasks_count AS tasks_held,
    w.max_concurrent_tasks,
    round(((100.0 * (w.current_tasks_count)::numeric) / (w.max_concurrent_tasks)::numeric), 1) AS load_percent,
    ( SELECT count(*) AS count
           FROM helix.distributed_tasks t
          WHERE ((t.original_worker_id = w.id) AND ((t.status)::text = 'waiting_for_worker'::text))) AS tasks_waiting,
    w.last_heartbeat,
    (now() - w.last_heartbeat) AS heartbeat_age,
    (((w.status)::text = ANY ((ARRAY['active'::character varying, 'maintenance'::character varying, 'inactive'::character varying])::text[])) AND (COALESCE(w.last_heartbeat, w.created_at) < (now() - s.late_after))) AS late,
    (((w.status)::text = 'active'::text) AND ((w.health_status)::text <> 'unhealthy'::text) AND (w.current_tasks_count < w.max_concurrent_tasks)) AS takes_tasks,
    w.capabilities,
    (w.ssh_config ->> 'transport'::text) AS transport,
    (w.ssh_config ->> 'host'::text) AS host,
    w.id AS worker_id
   FROM (helix.workers w
     CROSS JOIN ( SELECT (((i.value #>> '{}'::text[]))::interval * (((f.value #>> '{}'::text[]))::numeric)::double precision) AS late_after
           FROM helix.settings i,
            helix.settings f
          WHERE ((i.key = 'heartbeat_interval'::text) AND (f.key = 'heartbeat_missed_factor'::text))) s);

--
-- Name: VIEW worker_fleet; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON VIEW helix.worker_fleet IS 'One row per worker for DBAs: status (and the status it returns to), health, load, heartbeat age, tasks held against capacity, tasks waiting for it, capabilities.';

--
-- Name: COLUMN worker_fleet.return_status; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.worker_fleet.return_status IS 'For an offline or failed worker: the operator status it takes when it returns.';

--
-- Name: COLUMN worker_fleet.tasks_held; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.worker_fleet.tasks_held IS 'Tasks assigned to or running on the worker now.';

--
-- Name: COLUMN worker_fleet.load_percent; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.worker_fleet.load_percent IS 'tasks_held as a percentage of max_concurrent_tasks.';

--
-- Name: COLUMN worker_fleet.tasks_waiting; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.worker_fleet.tasks_waiting IS 'Tasks of this worker in waiting_for_worker: they resume here if it returns within their grace.';

--
-- Name: COLUMN worker_fleet.heartbeat_age; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.worker_fleet.heartbeat_age IS 'Time since the last heartbeat.';

--
-- Name: COLUMN worker_fleet.late; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.worker_fleet.late IS 'Silent for longer than heartbeat_interval * heartbeat_missed_factor (it goes offline at heartbeat_timeout).';

--
-- Name: COLUMN worker_fleet.takes_tasks; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.worker_fleet.takes_tasks IS 'Whether assign_tasks may give it a task now (active, not unhealthy, below capacity).';

--
-- Name: worker_metrics; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.worker_metrics (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    worker_id uuid NOT NULL,
    cpu_usage_percent numeric(5,2),
    memory_usage_percent numeric(5,2),
    disk_usage_percent numeric(5,2),
    network_rx_bytes bigint,
    network_tx_bytes bigint,
    current_tasks_count integer,
    temperature_celsius numeric(5,2),
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    load_average_1m numeric(8,2),
    cpu_count integer,
    CONSTRAINT worker_metrics_cpu_count_positive CHECK ((cpu_count > 0)),
    CONSTRAINT worker_metrics_cpu_usage_is_percent CHECK (((cpu_usage_percent >= (0)::numeric) AND (cpu_usage_percent <= (100)::numeric))),
    CONSTRAINT worker_metrics_current_tasks_count_not_negative CHECK ((current_tasks_count >= 0)),
    CONSTRAINT worker_metrics_disk_usage_is_percent CHECK (((disk_usage_percent >= (0)::numeric) AND (disk_usage_percent <= (100)::numeric))),
    CONSTRAINT worker_metrics_load_average_not_negative CHECK ((load_average_1m >= (0)::numeric)),
    CONSTRAINT worker_metrics_memory_usage_is_percent CHECK (((memory_usage_percent >= (0)::numeric) AND (memory_usage_percent <= (100)::numeric))),
    CONSTRAINT worker_metrics_network_rx_not_negative CHECK ((network_rx_bytes >= 0)),
    CONSTRAINT worker_metrics_network_tx_not_negative CHECK ((network_tx_bytes >= 0)),
    CONSTRAINT worker_metrics_temperature_plausible CHECK (((temperature_celsius >= ('-100'::integer)::numeric) AND (temperature_celsius <= (200)::numeric)))
);

--
-- Name: TABLE worker_metrics; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.worker_metrics IS 'One row per heartbeat: a worker''s load over time.';

--
-- Name: COLUMN worker_metrics.load_average_1m; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.worker_metrics.load_average_1m IS 'One-minute load average reported by the probe.';

--
-- Name: COLUMN worker_metrics.cpu_count; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON COLUMN helix.worker_metrics.cpu_count IS 'Number of CPUs the probe saw (to read load_average_1m against).';

--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);

--
-- Name: distributed_tasks distributed_tasks_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.distributed_tasks
    ADD CONSTRAINT distributed_tasks_pkey PRIMARY KEY (id);

--
-- Name: error_codes error_codes_name_key; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.error_codes
    ADD CONSTRAINT error_codes_name_key UNIQUE (name);

--
-- Name: error_codes error_codes_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.error_codes
    ADD CONSTRAINT error_codes_pkey PRIMARY KEY (sqlstate);

--
-- Name: function_files function_files_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.function_files
    ADD CONSTRAINT function_files_pkey PRIMARY KEY (filename);

--
-- Name: projects projects_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.projects
    ADD CONSTRAINT projects_pkey PRIMARY KEY (id);

--
-- Name: runners runners_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.runners
    ADD CONSTRAINT runners_pkey PRIMARY KEY (id);

--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (id);

--
-- Name: settings settings_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.settings
    ADD CONSTRAINT settings_pkey PRIMARY KEY (key);

--
-- Name: sweep_state sweep_state_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.sweep_state
    ADD CONSTRAINT sweep_state_pkey PRIMARY KEY (singleton);

--
-- Name: task_checkpoints task_checkpoints_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.task_checkpoints
    ADD CONSTRAINT task_checkpoints_pkey PRIMARY KEY (id);

--
-- Name: task_dependencies task_dependencies_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.task_dependencies
    ADD CONSTRAINT task_dependencies_pkey PRIMARY KEY (depends_on_id, task_id);

--
-- Name: user_sessions user_sessions_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.user_sessions
    ADD CONSTRAINT user_sessions_pkey PRIMARY KEY (id);

--
-- Name: user_sessions user_sessions_token_idx; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.user_sessions
    ADD CONSTRAINT user_sessions_token_idx UNIQUE (session_token);

--
-- Name: users users_email_idx; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.users
    ADD CONSTRAINT users_email_idx UNIQUE (email);

--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

--
-- Name: users users_username_idx; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.users
    ADD CONSTRAINT users_username_idx UNIQUE (username);

--
-- Name: worker_connectivity_events worker_connectivity_events_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.worker_connectivity_events
    ADD CONSTRAINT worker_connectivity_events_pkey PRIMARY KEY (id);

--
-- Name: worker_metrics worker_metrics_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.worker_metrics
    ADD CONSTRAINT worker_metrics_pkey PRIMARY KEY (id);

--
-- Name: workers workers_hostname_unique; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.workers
    ADD CONSTRAINT workers_hostname_unique UNIQUE (hostname);

--
-- Name: workers workers_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.workers
    ADD CONSTRAINT workers_pkey PRIMARY KEY (id);

--
-- Name: audit_log_action_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX audit_log_action_idx ON helix.audit_log USING btree (action, occurred_at);

--
-- Name: audit_log_object_id_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX audit_log_object_id_idx ON helix.audit_log USING btree (object_id) WHERE (object_id IS NOT NULL);

--
-- Name: audit_log_occurred_at_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX audit_log_occurred_at_idx ON helix.audit_log USING btree (occurred_at);

--
-- Name: audit_log_user_id_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX audit_log_user_id_idx ON helix.audit_log USING btree (user_id) WHERE (user_id IS NOT NULL);

--
-- Name: distributed_tasks_assigned_worker_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_assigned_worker_idx ON helix.distributed_tasks USING btree (assigned_worker_id) WHERE ((status)::text = ANY ((ARRAY['assigned'::character varying, 'running'::character varying])::text[]));

--
-- Name: INDEX distributed_tasks_assigned_worker_idx; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON INDEX helix.distributed_tasks_assigned_worker_idx IS 'Seed index, partial since 0005: the tasks each worker holds now (assigned or running), which is what current_tasks_count counts; replaces 0002''s distributed_tasks_held_idx.';

--
-- Name: distributed_tasks_created_at_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_created_at_idx ON helix.distributed_tasks USING btree (created_at) WHERE ((status)::text = 'pending'::text);

--
-- Name: INDEX distributed_tasks_created_at_idx; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON INDEX helix.distributed_tasks_created_at_idx IS 'Seed index, partial since 0005: pending tasks by age.';

--
-- Name: distributed_tasks_criticality_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_criticality_idx ON helix.distributed_tasks USING btree (criticality) WHERE ((status)::text = 'pending'::text);

--
-- Name: INDEX distributed_tasks_criticality_idx; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON INDEX helix.distributed_tasks_criticality_idx IS 'Seed index, partial since 0005: pending tasks by criticality.';

--
-- Name: distributed_tasks_dependencies_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_dependencies_idx ON helix.distributed_tasks USING gin (dependencies) WHERE (dependencies <> '{}'::uuid[]);

--
-- Name: INDEX distributed_tasks_dependencies_idx; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON INDEX helix.distributed_tasks_dependencies_idx IS 'Seed index, partial since 0005: tasks that have dependencies, by dependency. A query must repeat dependencies <> ''{}''.';

--
-- Name: distributed_tasks_original_worker_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_original_worker_idx ON helix.distributed_tasks USING btree (original_worker_id) WHERE (original_worker_id IS NOT NULL);

--
-- Name: distributed_tasks_pending_run_after_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_pending_run_after_idx ON helix.distributed_tasks USING btree (run_after) WHERE (((status)::text = 'pending'::text) AND (pending_dependencies = 0));

--
-- Name: INDEX distributed_tasks_pending_run_after_idx; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON INDEX helix.distributed_tasks_pending_run_after_idx IS 'Pending ready tasks by run_after: which retries fell due since the last sweep.';

--
-- Name: distributed_tasks_priority_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_priority_idx ON helix.distributed_tasks USING btree (priority) WHERE ((status)::text = 'pending'::text);

--
-- Name: INDEX distributed_tasks_priority_idx; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON INDEX helix.distributed_tasks_priority_idx IS 'Seed index, partial since 0005: pending tasks by priority.';

--
-- Name: distributed_tasks_ready_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_ready_idx ON helix.distributed_tasks USING btree (criticality_rank, priority DESC, created_at, id) WHERE (((status)::text = 'pending'::text) AND (pending_dependencies = 0));

--
-- Name: INDEX distributed_tasks_ready_idx; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON INDEX helix.distributed_tasks_ready_idx IS 'Ready-task path of assign_tasks: pending tasks with no unfinished dependency, in assignment order (criticality, priority desc, age).';

--
-- Name: distributed_tasks_runner_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_runner_idx ON helix.distributed_tasks USING btree (runner_id) WHERE (runner_id IS NOT NULL);

--
-- Name: distributed_tasks_session_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_session_idx ON helix.distributed_tasks USING btree (session_id) WHERE (session_id IS NOT NULL);

--
-- Name: distributed_tasks_status_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_status_idx ON helix.distributed_tasks USING btree (status) WHERE ((status)::text <> ALL ((ARRAY['assigned'::character varying, 'running'::character varying, 'completed'::character varying])::text[]));

--
-- Name: INDEX distributed_tasks_status_idx; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON INDEX helix.distributed_tasks_status_idx IS 'Seed index, partial since 0005: tasks by status, but for completed ones (the bulk of the history) and held ones (in distributed_tasks_assigned_worker_idx).';

--
-- Name: projects_created_at_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX projects_created_at_idx ON helix.projects USING btree (created_at);

--
-- Name: projects_owner_id_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX projects_owner_id_idx ON helix.projects USING btree (owner_id);

--
-- Name: projects_owner_name_key; Type: INDEX; Schema: helix; Owner: -
--

CREATE UNIQUE INDEX projects_owner_name_key ON helix.projects USING btree (owner_id, lower((name)::text)) WHERE ((status)::text <> 'deleted'::text);

--
-- Name: INDEX projects_owner_name_key; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON INDEX helix.projects_owner_name_key IS 'One live project of a name per owner; a deleted project frees its name.';

--
-- Name: projects_status_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX projects_status_idx ON helix.projects USING btree (status);

--
-- Name: runners_lease_expires_at_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX runners_lease_expires_at_idx ON helix.runners USING btree (lease_expires_at) WHERE (status = ANY (ARRAY['running'::text, 'stopping'::text]));

--
-- Name: sessions_current_task_id_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX sessions_current_task_id_idx ON helix.sessions USING btree (current_task_id);

--
-- Name: sessions_project_id_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX sessions_project_id_idx ON helix.sessions USING btree (project_id);

--
-- Name: sessions_session_type_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX sessions_session_type_idx ON helix.sessions USING btree (session_type);

--
-- Name: sessions_status_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX sessions_status_idx ON helix.sessions USING btree (status);

--
-- Name: task_checkpoints_created_at_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX task_checkpoints_created_at_idx ON helix.task_checkpoints USING btree (created_at);

--
-- Name: task_checkpoints_task_id_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX task_checkpoints_task_id_idx ON helix.task_checkpoints USING btree (task_id);

--
-- Name: task_checkpoints_worker_id_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX task_checkpoints_worker_id_idx ON helix.task_checkpoints USING btree (worker_id);

--
-- Name: task_dependencies_task_id_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX task_dependencies_task_id_idx ON helix.task_dependencies USING btree (task_id);

--
-- Name: user_sessions_expires_at_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX user_sessions_expires_at_idx ON helix.user_sessions USING btree (expires_at);

--
-- Name: user_sessions_user_id_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX user_sessions_user_id_idx ON helix.user_sessions USING btree (user_id);

--
-- Name: users_created_at_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX users_created_at_idx ON helix.users USING btree (created_at);

--
-- Name: users_email_lower_key; Type: INDEX; Schema: helix; Owner: -
--

CREATE UNIQUE INDEX users_email_lower_key ON helix.users USING btree (lower((email)::text));

--
-- Name: INDEX users_email_lower_key; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON INDEX helix.users_email_lower_key IS 'E-mail addresses are unique whatever their case.';

--
-- Name: users_username_lower_key; Type: INDEX; Schema: helix; Owner: -
--

CREATE UNIQUE INDEX users_username_lower_key ON helix.users USING btree (lower((username)::text));

--
-- Name: INDEX users_username_lower_key; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON INDEX helix.users_username_lower_key IS 'Usernames are unique whatever their case: Alice and alice are one account.';

--
-- Name: worker_connectivity_events_created_at_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX worker_connectivity_events_created_at_idx ON helix.worker_connectivity_events USING btree (created_at);

--
-- Name: worker_connectivity_events_event_type_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX worker_connectivity_events_event_type_idx ON helix.worker_connectivity_events USING btree (event_type);

--
-- Name: worker_connectivity_events_worker_created_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX worker_connectivity_events_worker_created_idx ON helix.worker_connectivity_events USING btree (worker_id, created_at DESC);

--
-- Name: INDEX worker_connectivity_events_worker_created_idx; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON INDEX helix.worker_connectivity_events_worker_created_idx IS 'A worker''s connectivity history newest first.';

--
-- Name: worker_connectivity_events_worker_id_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX worker_connectivity_events_worker_id_idx ON helix.worker_connectivity_events USING btree (worker_id);

--
-- Name: worker_metrics_recorded_at_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX worker_metrics_recorded_at_idx ON helix.worker_metrics USING btree (recorded_at);

--
-- Name: worker_metrics_worker_id_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX worker_metrics_worker_id_idx ON helix.worker_metrics USING btree (worker_id);

--
-- Name: worker_metrics_worker_recorded_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX worker_metrics_worker_recorded_idx ON helix.worker_metrics USING btree (worker_id, recorded_at DESC);

--
-- Name: INDEX worker_metrics_worker_recorded_idx; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON INDEX helix.worker_metrics_worker_recorded_idx IS 'A worker''s metrics newest first: the load history of one worker over a time range.';

--
-- Name: workers_capabilities_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX workers_capabilities_idx ON helix.workers USING gin (capabilities);

--
-- Name: workers_health_status_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX workers_health_status_idx ON helix.workers USING btree (health_status);

--
-- Name: workers_last_heartbeat_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX workers_last_heartbeat_idx ON helix.workers USING btree (last_heartbeat);

--
-- Name: workers_status_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX workers_status_idx ON helix.workers USING btree (status);

--
-- Name: distributed_tasks distributed_tasks_after_delete; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER distributed_tasks_after_delete AFTER DELETE ON helix.distributed_tasks REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION helix.tasks_after_delete();

--
-- Name: TRIGGER distributed_tasks_after_delete ON distributed_tasks; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TRIGGER distributed_tasks_after_delete ON helix.distributed_tasks IS 'Once per DELETE statement: frees the slots of deleted held tasks.';

--
-- Name: distributed_tasks distributed_tasks_after_insert; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER distributed_tasks_after_insert AFTER INSERT ON helix.distributed_tasks REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION helix.tasks_after_insert();

--
-- Name: TRIGGER distributed_tasks_after_insert ON distributed_tasks; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TRIGGER distributed_tasks_after_insert ON helix.distributed_tasks IS 'Once per INSERT statement: notifications and worker counts (see the function).';

--
-- Name: distributed_tasks distributed_tasks_after_update; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER distributed_tasks_after_update AFTER UPDATE ON helix.distributed_tasks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION helix.tasks_after_update();

--
-- Name: TRIGGER distributed_tasks_after_update ON distributed_tasks; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TRIGGER distributed_tasks_after_update ON helix.distributed_tasks IS 'Once per UPDATE statement: worker counts, dependents, notifications (see the function).';

--
-- Name: distributed_tasks distributed_tasks_touch_updated_at; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER distributed_tasks_touch_updated_at BEFORE UPDATE ON helix.distributed_tasks FOR EACH ROW WHEN ((NOT (new.updated_at IS DISTINCT FROM old.updated_at))) EXECUTE FUNCTION helix.touch_updated_at();

--
-- Name: TRIGGER distributed_tasks_touch_updated_at ON distributed_tasks; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TRIGGER distributed_tasks_touch_updated_at ON helix.distributed_tasks IS 'Keeps updated_at at the time of the last change of the row.';

--
-- Name: projects projects_touch_updated_at; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER projects_touch_updated_at BEFORE UPDATE ON helix.projects FOR EACH ROW WHEN ((NOT (new.updated_at IS DISTINCT FROM old.updated_at))) EXECUTE FUNCTION helix.touch_updated_at();

--
-- Name: TRIGGER projects_touch_updated_at ON projects; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TRIGGER projects_touch_updated_at ON helix.projects IS 'Keeps updated_at at the time of the last change of the row.';

--
-- Name: runners runners_touch_updated_at; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER runners_touch_updated_at BEFORE UPDATE ON helix.runners FOR EACH ROW WHEN ((NOT (new.updated_at IS DISTINCT FROM old.updated_at))) EXECUTE FUNCTION helix.touch_updated_at();

--
-- Name: TRIGGER runners_touch_updated_at ON runners; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TRIGGER runners_touch_updated_at ON helix.runners IS 'Keeps updated_at at the time of the last change of the row.';

--
-- Name: sessions sessions_touch_updated_at; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER sessions_touch_updated_at BEFORE UPDATE ON helix.sessions FOR EACH ROW WHEN ((NOT (new.updated_at IS DISTINCT FROM old.updated_at))) EXECUTE FUNCTION helix.touch_updated_at();

--
-- Name: TRIGGER sessions_touch_updated_at ON sessions; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TRIGGER sessions_touch_updated_at ON helix.sessions IS 'Keeps updated_at at the time of the last change of the row.';

--
-- Name: settings settings_check_value; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER settings_check_value BEFORE INSERT OR UPDATE ON helix.settings FOR EACH ROW EXECUTE FUNCTION helix.settings_check_value();

--
-- Name: TRIGGER settings_check_value ON settings; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TRIGGER settings_check_value ON helix.settings IS 'Refuses a value that does not parse as the row''s value_type (HX011).';

--
-- Name: settings settings_touch_updated_at; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER settings_touch_updated_at BEFORE UPDATE ON helix.settings FOR EACH ROW WHEN ((NOT (new.updated_at IS DISTINCT FROM old.updated_at))) EXECUTE FUNCTION helix.touch_updated_at();

--
-- Name: TRIGGER settings_touch_updated_at ON settings; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TRIGGER settings_touch_updated_at ON helix.settings IS 'Keeps updated_at at the time of the last change of the row.';

--
-- Name: users users_login_counter; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER users_login_counter AFTER INSERT OR DELETE ON helix.users FOR EACH ROW EXECUTE FUNCTION helix.users_login_counter();

--
-- Name: TRIGGER users_login_counter ON users; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TRIGGER users_login_counter ON helix.users IS 'Keeps one failed sign-in counter (a sequence) per user.';

--
-- Name: users users_touch_updated_at; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER users_touch_updated_at BEFORE UPDATE ON helix.users FOR EACH ROW WHEN ((NOT (new.updated_at IS DISTINCT FROM old.updated_at))) EXECUTE FUNCTION helix.touch_updated_at();

--
-- Name: TRIGGER users_touch_updated_at ON users; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TRIGGER users_touch_updated_at ON helix.users IS 'Keeps updated_at at the time of the last change of the row.';

--
-- Name: workers workers_touch_updated_at; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER workers_touch_updated_at BEFORE UPDATE ON helix.workers FOR EACH ROW WHEN ((NOT (new.updated_at IS DISTINCT FROM old.updated_at))) EXECUTE FUNCTION helix.touch_updated_at();

--
-- Name: TRIGGER workers_touch_updated_at ON workers; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TRIGGER workers_touch_updated_at ON helix.workers IS 'Keeps updated_at at the time of the last change of the row.';

--
-- Name: distributed_tasks distributed_tasks_assigned_worker_id_fkey; Type: FK CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.distributed_tasks
    ADD CONSTRAINT distributed_tasks_assigned_worker_id_fkey FOREIGN KEY (assigned_worker_id) REFERENCES helix.workers(id);

--
-- Name: distributed_tasks distributed_tasks_original_worker_id_fkey; Type: FK CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.distributed_tasks
    ADD CONSTRAINT distributed_tasks_original_worker_id_fkey FOREIGN KEY (original_worker_id) REFERENCES helix.workers(id);

--
-- Name: distributed_tasks distributed_tasks_runner_id_fkey; Type: FK CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.distributed_tasks
    ADD CONSTRAINT distributed_tasks_runner_id_fkey FOREIGN KEY (runner_id) REFERENCES helix.runners(id) ON DELETE SET NULL;

--
-- Name: distributed_tasks distributed_tasks_session_id_fkey; Type: FK CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.distributed_tasks
    ADD CONSTRAINT distributed_tasks_session_id_fkey FOREIGN KEY (session_id) REFERENCES helix.sessions(id) ON DELETE SET NULL;

--
-- Name: projects projects_owner_id_fkey; Type: FK CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.projects
    ADD CONSTRAINT projects_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES helix.users(id);

--
-- Name: sessions sessions_current_task_id_fkey; Type: FK CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.sessions
    ADD CONSTRAINT sessions_current_task_id_fkey FOREIGN KEY (current_task_id) REFERENCES helix.distributed_tasks(id);

--
-- Name: sessions sessions_project_id_fkey; Type: FK CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.sessions
    ADD CONSTRAINT sessions_project_id_fkey FOREIGN KEY (project_id) REFERENCES helix.projects(id);

--
-- Name: task_checkpoints task_checkpoints_task_id_fkey; Type: FK CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.task_checkpoints
    ADD CONSTRAINT task_checkpoints_task_id_fkey FOREIGN KEY (task_id) REFERENCES helix.distributed_tasks(id) ON DELETE CASCADE;

--
-- Name: task_checkpoints task_checkpoints_worker_id_fkey; Type: FK CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.task_checkpoints
    ADD CONSTRAINT task_checkpoints_worker_id_fkey FOREIGN KEY (worker_id) REFERENCES helix.workers(id);

--
-- Name: task_dependencies task_dependencies_depends_on_id_fkey; Type: FK CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.task_dependencies
    ADD CONSTRAINT task_dependencies_depends_on_id_fkey FOREIGN KEY (depends_on_id) REFERENCES helix.distributed_tasks(id) ON DELETE CASCADE;

--
-- Name: task_dependencies task_dependencies_task_id_fkey; Type: FK CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.task_dependencies
    ADD CONSTRAINT task_dependencies_task_id_fkey FOREIGN KEY (task_id) REFERENCES helix.distributed_tasks(id) ON DELETE CASCADE;

--
-- Name: user_sessions user_sessions_user_id_fkey; Type: FK CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.user_sessions
    ADD CONSTRAINT user_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES helix.users(id) ON DELETE CASCADE;

--
-- Name: worker_connectivity_events worker_connectivity_events_worker_id_fkey; Type: FK CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.worker_connectivity_events
    ADD CONSTRAINT worker_connectivity_events_worker_id_fkey FOREIGN KEY (worker_id) REFERENCES helix.workers(id) ON DELETE CASCADE;

--
-- Name: worker_metrics worker_metrics_worker_id_fkey; Type: FK CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.worker_metrics
    ADD CONSTRAINT worker_metrics_worker_id_fkey FOREIGN KEY (worker_id) REFERENCES helix.workers(id) ON DELETE CASCADE;

--
-- Name: SCHEMA helix; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA helix TO helix_app;
GRANT USAGE ON SCHEMA helix TO helix_runner;
GRANT USAGE ON SCHEMA helix TO helix_readonly;

--
-- Name: TABLE project_overview; Type: ACL; Schema: helix; Owner: -
--

GRANT SELECT ON TABLE helix.project_overview TO helix_app;
GRANT SELECT ON TABLE helix.project_overview TO helix_readonly;

--
-- Name: TABLE audit_trail; Type: ACL; Schema: helix; Owner: -
--

GRANT SELECT ON TABLE helix.audit_trail TO helix_readonly;

--
-- Name: TABLE recent_worker_events; Type: ACL; Schema: helix; Owner: -
--

GRANT SELECT ON TABLE helix.recent_worker_events TO helix_readonly;
GRANT SELECT ON TABLE helix.recent_worker_events TO helix_app;
GRANT SELECT ON TABLE helix.recent_worker_events TO helix_runner;

--
-- Name: TABLE session_overview; Type: ACL; Schema: helix; Owner: -
--

GRANT SELECT ON TABLE helix.session_overview TO helix_app;
GRANT SELECT ON TABLE helix.session_overview TO helix_readonly;

--
-- Name: TABLE stuck_tasks; Type: ACL; Schema: helix; Owner: -
--

GRANT SELECT ON TABLE helix.stuck_tasks TO helix_readonly;
GRANT SELECT ON TABLE helix.stuck_tasks TO helix_app;
GRANT SELECT ON TABLE helix.stuck_tasks TO helix_runner;

--
-- Name: TABLE task_overview; Type: ACL; Schema: helix; Owner: -
--

GRANT SELECT ON TABLE helix.task_overview TO helix_readonly;
GRANT SELECT ON TABLE helix.task_overview TO helix_app;
GRANT SELECT ON TABLE helix.task_overview TO helix_runner;

--
-- Name: TABLE task_queue; Type: ACL; Schema: helix; Owner: -
--

GRANT SELECT ON TABLE helix.task_queue TO helix_readonly;
GRANT SELECT ON TABLE helix.task_queue TO helix_app;
GRANT SELECT ON TABLE helix.task_queue TO helix_runner;

--
-- Name: TABLE user_accounts; Type: ACL; Schema: helix; Owner: -
--

GRANT SELECT ON TABLE helix.user_accounts TO helix_app;
GRANT SELECT ON TABLE helix.user_accounts TO helix_readonly;

--
-- Name: TABLE user_session_list; Type: ACL; Schema: helix; Owner: -
--

GRANT SELECT ON TABLE helix.user_session_list TO helix_app;
GRANT SELECT ON TABLE helix.user_session_list TO helix_readonly;

--
-- Name: TABLE worker_fleet; Type: ACL; Schema: helix; Owner: -
--

GRANT SELECT ON TABLE helix.worker_fleet TO helix_readonly;
GRANT SELECT ON TABLE helix.worker_fleet TO helix_app;
GRANT SELECT ON TABLE helix.worker_fleet TO helix_runner;


--
-- PostgreSQL database dump complete
--
