-- Projects: create_project, update_project, archive_project, restore_project, delete_project
-- (soft: status 'deleted'), list_projects_by_owner and the view helix.project_overview.
--
-- Life cycle: active <-> archived, and either -> deleted (final). A project with a
-- development session still at work (active or waiting_for_worker) cannot be archived or
-- deleted: those sessions would be left running in a project nobody sees.

create or replace function helix.project_secret_refusal(
    p_git_repository_url text, p_config jsonb)
returns text
language sql immutable as $$
    select case
        when p_git_repository_url ~ '^[A-Za-z][A-Za-z0-9+.-]*://[^/@]*:[^/@]*@'
            then 'p_git_repository_url holds a password: give the URL without credentials'
        when exists (
            select from jsonb_path_query(coalesce(p_config, '{}'), 'strict $.**') v
            cross join lateral jsonb_object_keys(
                case when jsonb_typeof(v) = 'object' then v else '{}' end) k
            where k ~* '(password|passphrase|secret|private_key|api_key|token)$')
            then 'p_config holds a key named like a secret (password, secret, token, ...): '
                 'store a reference to where the secret lives instead'
    end
$$;
comment on function helix.project_secret_refusal(text, jsonb) is
    'Why a project''s git URL or config would store a secret, or null when they do not.';

create or replace function helix.project_check(
    p_name text, p_workspace_path text, p_git_repository_url text, p_config jsonb)
returns void
language plpgsql immutable as $$
declare
    v_secret text;
begin
    if p_name is not null and (btrim(p_name) = '' or char_length(p_name) > 255) then
        raise exception 'project name % is not valid: p_name must be 1 to 255 characters, '
                        'not blank', quote_literal(p_name)
            using errcode = 'HX001', hint = 'For example: helixcode-core';
    end if;
    if p_workspace_path is not null and p_workspace_path <> ''
       and (p_workspace_path !~ '^/' or p_workspace_path ~ '(^|/)\.\.(/|$)'
            or char_length(p_workspace_path) > 4096) then
        raise exception 'workspace path % is not valid: p_workspace_path must be absolute, '
                        'without .. components', quote_literal(p_workspace_path)
            using errcode = 'HX001', hint = 'For example: /srv/workspaces/helixcode';
    end if;
    if p_git_repository_url is not null and p_git_repository_url <> ''
       and p_git_repository_url !~ '^((https?|ssh|git|file)://\S+|[A-Za-z0-9._-]+@[^:\s]+:\S+)$'
    then
        raise exception 'git repository URL % is not valid: p_git_repository_url must be '
                        'https://, ssh://, git://, file:// or user@host:path',
                        quote_literal(p_git_repository_url)
            using errcode = 'HX001', hint = 'For example: git@github.com:org/repo.git';
    end if;
    if p_config is not null and jsonb_typeof(p_config) <> 'object' then
        raise exception 'config % is not valid: p_config must be a JSON object',
                        left(p_config::text, 100)
            using errcode = 'HX001', hint = 'Pass ''{}'' for no configuration.';
    end if;
    v_secret := helix.project_secret_refusal(p_git_repository_url, p_config);
    if v_secret is not null then
        -- The offending value is not echoed: it is a secret.
        raise exception 'project refused: %', v_secret
            using errcode = 'HX005',
                  hint = 'Secrets belong in the worker''s environment or a secret store.';
    end if;
end
$$;
comment on function helix.project_check(text, text, text, jsonb) is
    'Refuses (HX001, HX005) project fields that break the rules; null fields are not checked.';

create or replace function helix.project_for_update(p_project_id uuid) returns helix.projects
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v helix.projects;
begin
    if p_project_id is null then
        raise exception 'p_project_id is missing'
            using errcode = 'HX001', hint = 'Pass the id create_project returned.';
    end if;
    select * into v from helix.projects where id = p_project_id for update;
    if not found then
        raise exception 'project % does not exist', p_project_id
            using errcode = 'HX002', hint = 'select id, name from helix.project_overview';
    end if;
    return v;
end
$$;
comment on function helix.project_for_update(uuid) is
    'The project row, locked for the rest of the transaction; HX001 / HX002 when missing.';

drop function if exists helix.project_name_taken(uuid, text);
create or replace function helix.project_name_taken(p_name text)
returns void
language plpgsql as $$
begin
    raise exception 'project name % is taken: the owner has a project of that name already',
                    quote_literal(p_name)
        using errcode = 'HX006', hint = 'Names are unique per owner, whatever their case.';
end
$$;
comment on function helix.project_name_taken(text) is
    'Raises the HX006 refusal for a project name in use by the same owner.';

create or replace function helix.create_project(
    p_owner_id uuid,
    p_name text,
    p_description text default null,
    p_workspace_path text default null,
    p_git_repository_url text default null,
    p_config jsonb default '{}')
returns uuid
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v_owner helix.users;
    v_id uuid;
begin
    if p_name is null then
        raise exception 'p_name is missing'
            using errcode = 'HX001', hint = 'Every project has a name.';
    end if;
    perform helix.project_check(p_name, p_workspace_path, p_git_repository_url, p_config);
    if p_owner_id is null then
        raise exception 'p_owner_id is missing'
            using errcode = 'HX001', hint = 'Pass the user id validate_session returned.';
    end if;
    -- A share lock is enough: it keeps the owner from being deactivated meanwhile.
    select * into v_owner from helix.users where id = p_owner_id for share;
    if not found then
        raise exception 'user % does not exist', p_owner_id
            using errcode = 'HX002', hint = 'p_owner_id is the id of a user.';
    end if;
    if not v_owner.is_active then
        raise exception 'user % is deactivated and cannot own a new project',
                        quote_literal(v_owner.username)
            using errcode = 'HX003', hint = 'Reactivate the user first.';
    end if;
    begin
        insert into helix.projects (name, description, owner_id, workspace_path,
                                    git_repository_url, config)
        values (btrim(p_name), nullif(p_description, ''), p_owner_id,
                nullif(p_workspace_path, ''), nullif(p_git_repository_url, ''),
                coalesce(p_config, '{}'))
        returning id into v_id;
    exception when unique_violation then
        perform helix.project_name_taken(p_name);
    end;
    perform helix.audit('project.created', v_id, jsonb_build_object('name', btrim(p_name)),
                        'project', p_owner_id);
    return v_id;
end
$$;
comment on function helix.create_project(uuid, text, text, text, text, jsonb) is
    'A new active project owned by an active user; returns its id. Names are unique per '
    'owner (HX006); the git URL and config must hold no secrets (HX005).';

create or replace function helix.update_project(
    p_project_id uuid,
    p_name text default null,
    p_description text default null,
    p_workspace_path text default null,
    p_git_repository_url text default null,
    p_config jsonb default null)
returns void
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v helix.projects := helix.project_for_update(p_project_id);
begin
    perform helix.project_check(p_name, p_workspace_path, p_git_repository_url, p_config);
    if v.status = 'deleted' then
        raise exception 'project % is deleted and cannot be changed', p_project_id
            using errcode = 'HX003', hint = 'Deleting a project is final.';
    end if;
    begin
        update helix.projects
        set name = coalesce(btrim(p_name), name),
            description = case when p_description is null then description
                               else nullif(p_description, '') end,
            workspace_path = case when p_workspace_path is null then workspace_path
                                  else nullif(p_workspace_path, '') end,
            git_repository_url = case when p_git_repository_url is null then git_repository_url
                                      else nullif(p_git_repository_url, '') end,
            config = coalesce(p_config, config)
        where id = v.id;
    exception when unique_violation then
        perform helix.project_name_taken(p_name);
    end;
end
$$;
comment on function helix.update_project(uuid, text, text, text, text, jsonb) is
    'Changes the fields given (null: unchanged; '''' clears description, workspace path and '
    'git URL; p_config replaces the whole config). HX003 for a deleted project.';

drop function if exists helix.project_live_sessions(uuid);
create or replace function helix.project_refuse_live_sessions(p_project_id uuid)
returns void
language plpgsql stable as $$
declare
    v_live bigint;
begin
    -- The caller holds the project row for update and start_session takes it for share, so
    -- no session can start between this count and the caller's status change.
    select count(*) into v_live from helix.sessions
    where project_id = p_project_id and status in ('active', 'waiting_for_worker');
    if v_live > 0 then
        raise exception 'project % has % development session(s) at work', p_project_id, v_live
            using errcode = 'HX003',
                  hint = 'Pause, complete or fail them first (helix.session_overview).';
    end if;
end
$$;
comment on function helix.project_refuse_live_sessions(uuid) is
    'Refuses (HX003) when a development session of the project is at work (active or '
    'waiting_for_worker).';

create or replace function helix.archive_project(p_project_id uuid) returns void
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v helix.projects := helix.project_for_update(p_project_id);
begin
    if v.status <> 'active' then
        raise exception 'project % is %, only an active project can be archived',
                        p_project_id, v.status
            using errcode = 'HX003', hint = 'select status from helix.project_overview';
    end if;
    perform helix.project_refuse_live_sessions(v.id);
    update helix.projects set status = 'archived' where id = v.id;
    perform helix.audit('project.archived', v.id, '{}', 'project', v.owner_id);
end
$$;
comment on function helix.archive_project(uuid) is
    'active -> archived (HX003 otherwise, or while a session is at work).';

create or replace function helix.restore_project(p_project_id uuid) returns void
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v helix.projects := helix.project_for_update(p_project_id);
begin
    if v.status <> 'archived' then
        raise exception 'project % is %, only an archived project can be restored',
                        p_project_id, v.status
            using errcode = 'HX003', hint = 'A deleted project stays deleted.';
    end if;
    update helix.projects set status = 'active' where id = v.id;
    perform helix.audit('project.restored', v.id, '{}', 'project', v.owner_id);
end
$$;
comment on function helix.restore_project(uuid) is 'archived -> active (HX003 otherwise).';

create or replace function helix.delete_project(p_project_id uuid) returns void
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v helix.projects := helix.project_for_update(p_project_id);
begin
    if v.status = 'deleted' then
        raise exception 'project % is deleted already', p_project_id
            using errcode = 'HX003', hint = 'Nothing to do.';
    end if;
    perform helix.project_refuse_live_sessions(v.id);
    update helix.projects set status = 'deleted' where id = v.id;
    perform helix.audit('project.deleted', v.id,
                        jsonb_build_object('name', v.name, 'previous_status', v.status),
                        'project', v.owner_id);
end
$$;
comment on function helix.delete_project(uuid) is
    'Soft delete: active or archived -> deleted, final; rows stay for history. HX003 when '
    'deleted already or while a session is at work.';

create or replace view helix.project_overview as
select p.id, p.name, p.description, p.owner_id, u.username as owner_username,
       p.workspace_path, p.git_repository_url, p.config, p.status,
       (select count(*) from helix.sessions s where s.project_id = p.id) as sessions,
       (select count(*) from helix.sessions s
        where s.project_id = p.id and s.status in ('active', 'waiting_for_worker'))
           as sessions_at_work,
       p.created_at, p.updated_at
from helix.projects p
join helix.users u on u.id = p.owner_id
where p.status <> 'deleted';
comment on view helix.project_overview is
    'Projects not deleted, with their owner''s username and how many development sessions '
    'they have (and how many are at work).';

create or replace function helix.list_projects_by_owner(
    p_owner_id uuid, p_include_archived boolean default true)
returns setof helix.project_overview
language plpgsql stable security definer set search_path = helix, public, pg_temp as $$
begin
    if p_owner_id is null then
        raise exception 'p_owner_id is missing'
            using errcode = 'HX001', hint = 'Pass the user id validate_session returned.';
    end if;
    if not exists (select from helix.users where id = p_owner_id) then
        raise exception 'user % does not exist', p_owner_id
            using errcode = 'HX002', hint = 'p_owner_id is the id of a user.';
    end if;
    return query
        select * from helix.project_overview o
        where o.owner_id = p_owner_id
          and (o.status = 'active' or coalesce(p_include_archived, true))
        order by o.name;
end
$$;
comment on function helix.list_projects_by_owner(uuid, boolean) is
    'A user''s projects (not deleted), by name; archived ones unless p_include_archived is '
    'false.';

revoke all on function
    helix.project_secret_refusal(text, jsonb), helix.project_check(text, text, text, jsonb),
    helix.project_for_update(uuid), helix.project_name_taken(text),
    helix.project_refuse_live_sessions(uuid),
    helix.create_project(uuid, text, text, text, text, jsonb),
    helix.update_project(uuid, text, text, text, text, jsonb),
    helix.archive_project(uuid), helix.restore_project(uuid), helix.delete_project(uuid),
    helix.list_projects_by_owner(uuid, boolean)
from public;
grant execute on function
    helix.create_project(uuid, text, text, text, text, jsonb),
    helix.update_project(uuid, text, text, text, text, jsonb),
    helix.archive_project(uuid), helix.restore_project(uuid), helix.delete_project(uuid),
    helix.list_projects_by_owner(uuid, boolean)
to helix_app;
grant select on helix.project_overview to helix_app, helix_readonly;
