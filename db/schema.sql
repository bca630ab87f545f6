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
    updated_at timestamp with time zone DEFAULT now() NOT NULL
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
-- Name: worker_connectivity_events; Type: TABLE; Schema: helix; Owner: -
--

CREATE TABLE helix.worker_connectivity_events (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    worker_id uuid NOT NULL,
    event_type character varying(50) NOT NULL,
    event_data jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT worker_connectivity_events_event_type_known CHECK (((event_type)::text = ANY ((ARRAY['connected'::character varying, 'disconnected'::character varying, 'reconnected'::character varying, 'heartbeat_missed'::character varying])::text[])))
);

--
-- Name: TABLE worker_connectivity_events; Type: COMMENT; Schema: helix; Owner: -
--

COMMENT ON TABLE helix.worker_connectivity_events IS 'What happened to each worker''s connection, for DBAs reading a worker''s history.';

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
    CONSTRAINT worker_metrics_cpu_usage_is_percent CHECK (((cpu_usage_percent >= (0)::numeric) AND (cpu_usage_percent <= (100)::numeric))),
    CONSTRAINT worker_metrics_current_tasks_count_not_negative CHECK ((current_tasks_count >= 0)),
    CONSTRAINT worker_metrics_disk_usage_is_percent CHECK (((disk_usage_percent >= (0)::numeric) AND (disk_usage_percent <= (100)::numeric))),
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
    CONSTRAINT workers_cpu_usage_is_percent CHECK (((cpu_usage_percent >= (0)::numeric) AND (cpu_usage_percent <= (100)::numeric))),
    CONSTRAINT workers_current_tasks_count_not_negative CHECK ((current_tasks_count >= 0)),
    CONSTRAINT workers_disk_usage_is_percent CHECK (((disk_usage_percent >= (0)::numeric) AND (disk_usage_percent <= (100)::numeric))),
    CONSTRAINT workers_health_status_known CHECK (((health_status)::text = ANY ((ARRAY['healthy'::character varying, 'degraded'::character varying, 'unhealthy'::character varying, 'unknown'::character varying])::text[]))),
    CONSTRAINT workers_max_concurrent_tasks_in_range CHECK (((max_concurrent_tasks >= 1) AND (max_concurrent_tasks <= 10000))),
    CONSTRAINT workers_memory_usage_is_percent CHECK (((memory_usage_percent >= (0)::numeric) AND (memory_usage_percent <= (100)::numeric))),
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
-- Name: task_checkpoints task_checkpoints_pkey; Type: CONSTRAINT; Schema: helix; Owner: -
--

ALTER TABLE ONLY helix.task_checkpoints
    ADD CONSTRAINT task_checkpoints_pkey PRIMARY KEY (id);

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
-- Name: distributed_tasks_assigned_worker_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_assigned_worker_idx ON helix.distributed_tasks USING btree (assigned_worker_id);

--
-- Name: distributed_tasks_created_at_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_created_at_idx ON helix.distributed_tasks USING btree (created_at);

--
-- Name: distributed_tasks_criticality_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_criticality_idx ON helix.distributed_tasks USING btree (criticality);

--
-- Name: distributed_tasks_dependencies_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_dependencies_idx ON helix.distributed_tasks USING gin (dependencies);

--
-- Name: distributed_tasks_original_worker_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_original_worker_idx ON helix.distributed_tasks USING btree (original_worker_id) WHERE (original_worker_id IS NOT NULL);

--
-- Name: distributed_tasks_priority_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX distributed_tasks_priority_idx ON helix.distributed_tasks USING btree (priority);

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

CREATE INDEX distributed_tasks_status_idx ON helix.distributed_tasks USING btree (status);

--
-- Name: projects_created_at_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX projects_created_at_idx ON helix.projects USING btree (created_at);

--
-- Name: projects_owner_id_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX projects_owner_id_idx ON helix.projects USING btree (owner_id);

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
-- Name: worker_connectivity_events_created_at_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX worker_connectivity_events_created_at_idx ON helix.worker_connectivity_events USING btree (created_at);

--
-- Name: worker_connectivity_events_event_type_idx; Type: INDEX; Schema: helix; Owner: -
--

CREATE INDEX worker_connectivity_events_event_type_idx ON helix.worker_connectivity_events USING btree (event_type);

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
-- Name: distributed_tasks distributed_tasks_touch_updated_at; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER distributed_tasks_touch_updated_at BEFORE UPDATE ON helix.distributed_tasks FOR EACH ROW WHEN ((NOT (new.updated_at IS DISTINCT FROM old.updated_at))) EXECUTE FUNCTION helix.touch_updated_at();

--
-- Name: projects projects_touch_updated_at; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER projects_touch_updated_at BEFORE UPDATE ON helix.projects FOR EACH ROW WHEN ((NOT (new.updated_at IS DISTINCT FROM old.updated_at))) EXECUTE FUNCTION helix.touch_updated_at();

--
-- Name: runners runners_touch_updated_at; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER runners_touch_updated_at BEFORE UPDATE ON helix.runners FOR EACH ROW WHEN ((NOT (new.updated_at IS DISTINCT FROM old.updated_at))) EXECUTE FUNCTION helix.touch_updated_at();

--
-- Name: sessions sessions_touch_updated_at; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER sessions_touch_updated_at BEFORE UPDATE ON helix.sessions FOR EACH ROW WHEN ((NOT (new.updated_at IS DISTINCT FROM old.updated_at))) EXECUTE FUNCTION helix.touch_updated_at();

--
-- Name: settings settings_check_value; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER settings_check_value BEFORE INSERT OR UPDATE ON helix.settings FOR EACH ROW EXECUTE FUNCTION helix.settings_check_value();

--
-- Name: settings settings_touch_updated_at; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER settings_touch_updated_at BEFORE UPDATE ON helix.settings FOR EACH ROW WHEN ((NOT (new.updated_at IS DISTINCT FROM old.updated_at))) EXECUTE FUNCTION helix.touch_updated_at();

--
-- Name: users users_touch_updated_at; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER users_touch_updated_at BEFORE UPDATE ON helix.users FOR EACH ROW WHEN ((NOT (new.updated_at IS DISTINCT FROM old.updated_at))) EXECUTE FUNCTION helix.touch_updated_at();

--
-- Name: workers workers_touch_updated_at; Type: TRIGGER; Schema: helix; Owner: -
--

CREATE TRIGGER workers_touch_updated_at BEFORE UPDATE ON helix.workers FOR EACH ROW WHEN ((NOT (new.updated_at IS DISTINCT FROM old.updated_at))) EXECUTE FUNCTION helix.touch_updated_at();

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
-- PostgreSQL database dump complete
--
