-- Projects (create, update, archive, restore, soft delete, listing by owner) and development
-- sessions (start, pause, resume, complete, fail, context, tokens), including how sessions
-- behave with the task they run (submit_task's p_session_id).

begin;
select plan(83);

update helix.settings set value = '4' where key = 'password_hash_cost';
create temp table ids (name text primary key, id uuid);
create function pg_temp.id_of(p_name text) returns uuid
language sql stable as $$ select id from ids where name = p_name $$;
insert into ids values ('ada', helix.create_user('ada', 'ada@example.org', 'analytical engine'));
insert into ids values ('bob', helix.create_user('bob', 'bob@example.org', 'another password'));

-- ---------------------------------------------------------------------------------------
-- Projects
-- ---------------------------------------------------------------------------------------

insert into ids values ('core', helix.create_project(
    (select id from ids where name = 'ada'), 'helix-core', 'The coordination core',
    '/srv/work/helix-core', 'git@github.com:helix/core.git', '{"build": {"cmd": "make"}}'));
select isnt((select id from ids where name = 'core'), null, 'create_project returns an id');
select is((select row(name, description, workspace_path, git_repository_url, config, status)::text
           from helix.projects where id = (select id from ids where name = 'core')),
    row('helix-core', 'The coordination core', '/srv/work/helix-core',
        'git@github.com:helix/core.git', '{"build": {"cmd": "make"}}'::jsonb, 'active')::text,
    'the project holds what was given, active');
select is((select count(*)::int from helix.audit_log where action = 'project.created'), 1,
    'creating a project is audited');
insert into ids values ('min', helix.create_project((select id from ids where name = 'ada'),
                                                    'minimal'));
select is((select config from helix.projects where id = (select id from ids where name = 'min')),
    '{}'::jsonb, 'only owner and name are needed');

create temp table projects_before as select count(*) as n from helix.projects;
select throws_ok($$select helix.create_project((select id from ids where name = 'ada'),
                                               'HELIX-CORE')$$,
    'HX006', 'project name ''HELIX-CORE'' is taken: the owner has a project of that name '
             'already', 'a name the owner uses already (any case): HX006');
select lives_ok($$select helix.create_project((select id from ids where name = 'bob'),
                                              'helix-core')$$,
    'another owner may use the same name');
delete from helix.projects where name = 'helix-core'
    and owner_id = (select id from ids where name = 'bob');
select throws_ok($$select helix.create_project('00000000-0000-0000-0000-000000000000', 'x')$$,
    'HX002', 'user 00000000-0000-0000-0000-000000000000 does not exist',
    'an unknown owner: HX002');
select throws_ok($$select helix.create_project(null, 'x')$$, 'HX001', 'p_owner_id is missing',
    'a missing owner: HX001');
select throws_ok($$select helix.create_project((select id from ids where name = 'ada'), '  ')$$,
    'HX001', 'project name ''  '' is not valid: p_name must be 1 to 255 characters, not blank',
    'a blank name: HX001');
select throws_ok($$select helix.create_project((select id from ids where name = 'ada'), null)$$,
    'HX001', 'p_name is missing', 'a missing name: HX001');
select throws_ok($$select helix.create_project((select id from ids where name = 'ada'), 'p',
                                               null, 'relative/path')$$,
    'HX001', 'workspace path ''relative/path'' is not valid: p_workspace_path must be '
             'absolute, without .. components', 'a relative workspace path: HX001');
select throws_ok($$select helix.create_project((select id from ids where name = 'ada'), 'p',
                                               null, '/srv/../etc')$$,
    'HX001', null, 'a workspace path with ..: HX001');
select throws_ok($$select helix.create_project((select id from ids where name = 'ada'), 'p',
                                               null, null, 'ftp://example.org/repo')$$,
    'HX001', null, 'an unknown git URL scheme: HX001');
select throws_ok($$select helix.create_project((select id from ids where name = 'ada'), 'p',
                                               null, null, 'https://ada:hunter2@example.org/r')$$,
    'HX005', 'project refused: p_git_repository_url holds a password: give the URL without '
             'credentials', 'a git URL with a password: HX005, the URL not echoed');
select throws_ok($$select helix.create_project((select id from ids where name = 'ada'), 'p',
                                               null, null, null,
                                               '{"deploy": {"db_password": "x"}}')$$,
    'HX005', null, 'a config with a secret-looking key, nested: HX005');
select throws_ok($$select helix.create_project((select id from ids where name = 'ada'), 'p',
                                               null, null, null, '[1]')$$,
    'HX001', 'config [1] is not valid: p_config must be a JSON object',
    'a config that is not an object: HX001');
select is((select count(*) from helix.projects), (select n from projects_before),
    'no refused create_project wrote a project');
select lives_ok($$select helix.set_user_active((select id from ids where name = 'bob'), false)$$,
    'bob is deactivated');
select throws_ok($$select helix.create_project((select id from ids where name = 'bob'), 'p')$$,
    'HX003', 'user ''bob'' is deactivated and cannot own a new project',
    'a deactivated owner: HX003');

select lives_ok($$select helix.update_project((select id from ids where name = 'core'),
                                              p_description => '', p_config => '{"a": 1}')$$,
    'update_project changes some fields');
select is((select row(name, description, workspace_path, config)::text from helix.projects
           where id = (select id from ids where name = 'core')),
    row('helix-core', null, '/srv/work/helix-core', '{"a": 1}'::jsonb)::text,
    'null keeps a field, '''' clears it, config is replaced');
select throws_ok($$select helix.update_project((select id from ids where name = 'core'),
                                               p_name => 'Minimal')$$,
    'HX006', null, 'renaming onto another project''s name: HX006');
select throws_ok($$select helix.update_project((select id from ids where name = 'core'),
                                               p_git_repository_url => 'https://u:p@h/r')$$,
    'HX005', null, 'update_project refuses secrets too');
select throws_ok($$select helix.update_project('00000000-0000-0000-0000-000000000000',
                                               p_name => 'x')$$,
    'HX002', 'project 00000000-0000-0000-0000-000000000000 does not exist',
    'updating an unknown project: HX002');
select is((select name from helix.projects where id = (select id from ids where name = 'core')),
    'helix-core', 'refused updates changed nothing');

select lives_ok($$select helix.archive_project((select id from ids where name = 'min'))$$,
    'archive_project');
select is((select status from helix.projects where id = (select id from ids where name = 'min')),
    'archived', 'the project is archived');
select throws_ok($$select helix.archive_project((select id from ids where name = 'min'))$$,
    'HX003', null, 'archiving twice: HX003');
select is((select array_agg(name order by name) from helix.list_projects_by_owner(
               (select id from ids where name = 'ada'))),
    array['helix-core', 'minimal']::varchar[], 'list_projects_by_owner includes archived ones');
select is((select array_agg(name order by name) from helix.list_projects_by_owner(
               (select id from ids where name = 'ada'), false)),
    array['helix-core']::varchar[], '... and leaves them out when asked');
select throws_ok($$select * from helix.list_projects_by_owner(
                       '00000000-0000-0000-0000-000000000000')$$,
    'HX002', null, 'listing an unknown owner''s projects: HX002');
select lives_ok($$select helix.restore_project((select id from ids where name = 'min'))$$,
    'restore_project');
select throws_ok($$select helix.restore_project((select id from ids where name = 'min'))$$,
    'HX003', 'project ' || (select id from ids where name = 'min')
             || ' is active, only an archived project can be restored',
    'restoring an active project: HX003');
select lives_ok($$select helix.delete_project((select id from ids where name = 'min'))$$,
    'delete_project');
select is((select status from helix.projects where id = (select id from ids where name = 'min')),
    'deleted', 'deleting is soft: the row stays, status deleted');
select is((select count(*)::int from helix.project_overview
           where id = (select id from ids where name = 'min')), 0,
    'project_overview hides deleted projects');
select is((select detail ->> 'name' from helix.audit_log where action = 'project.deleted'),
    'minimal', 'deleting a project is audited with its name');
select throws_ok($$select helix.delete_project((select id from ids where name = 'min'))$$,
    'HX003', null, 'deleting twice: HX003');
select throws_ok($$select helix.update_project((select id from ids where name = 'min'),
                                               p_name => 'x')$$,
    'HX003', null, 'updating a deleted project: HX003');
select throws_ok($$select helix.restore_project((select id from ids where name = 'min'))$$,
    'HX003', null, 'a deleted project cannot be restored');
select lives_ok($$select helix.create_project((select id from ids where name = 'ada'),
                                              'minimal')$$,
    'a deleted project frees its name');

-- ---------------------------------------------------------------------------------------
-- Development sessions
-- ---------------------------------------------------------------------------------------

insert into ids values ('s1', helix.start_session((select id from ids where name = 'core'),
    'fix login', 'debugging', 'flaky test', '{"branch": "main", "files": 3}'));
select is((select row(name, session_type, status, context_data, token_count)::text
           from helix.sessions where id = (select id from ids where name = 's1')),
    row('fix login', 'debugging', 'active', '{"branch": "main", "files": 3}'::jsonb, 0)::text,
    'start_session makes an active session with its context');
create temp table sessions_before as select count(*) as n from helix.sessions;
select throws_ok($$select helix.start_session((select id from ids where name = 'core'), 'x',
                                              'dancing')$$,
    'HX001', 'session type ''dancing'' is not known: p_session_type must be one of planning, '
             'building, testing, refactoring, debugging', 'an unknown session type: HX001');
select throws_ok($$select helix.start_session((select id from ids where name = 'core'), '',
                                              'testing')$$,
    'HX001', null, 'an empty session name: HX001');
select throws_ok($$select helix.start_session((select id from ids where name = 'core'), 'x',
                                              'testing', null, '"text"')$$,
    'HX001', null, 'a context that is not an object: HX001');
select throws_ok($$select helix.start_session('00000000-0000-0000-0000-000000000000', 'x',
                                              'testing')$$,
    'HX002', null, 'an unknown project: HX002');
select throws_ok($$select helix.start_session((select id from ids where name = 'min'), 'x',
                                              'testing')$$,
    'HX003', 'project ' || (select id from ids where name = 'min')
             || ' is deleted: sessions start only in an active project',
    'a deleted project: HX003');
select is((select count(*) from helix.sessions), (select n from sessions_before),
    'no refused start_session wrote a session');

-- Projects with a session at work cannot be archived or deleted.
select throws_ok($$select helix.archive_project((select id from ids where name = 'core'))$$,
    'HX003', 'project ' || (select id from ids where name = 'core')
             || ' has 1 development session(s) at work',
    'archiving a project with an active session: HX003');
select throws_ok($$select helix.delete_project((select id from ids where name = 'core'))$$,
    'HX003', null, 'deleting a project with an active session: HX003');

-- Context and tokens
select is(helix.update_session_context((select id from ids where name = 's1'),
                                       '{"files": null, "step": 2}'),
    '{"branch": "main", "step": 2}'::jsonb, 'context merges; a null value removes a key');
select is(helix.update_session_context((select id from ids where name = 's1'), '{"only": 1}',
                                       true),
    '{"only": 1}'::jsonb, 'p_replace replaces the whole context');
select throws_ok($$select helix.update_session_context((select id from ids where name = 's1'),
                                                       '[]')$$,
    'HX001', null, 'a context patch that is not an object: HX001');
update helix.settings set value = '100' where key = 'session_context_max_bytes';
select throws_ok($$select helix.update_session_context(pg_temp.id_of('s1'),
    jsonb_build_object('x', repeat('y', 200)))$$,
    'HX001', null, 'a context over session_context_max_bytes: HX001');
select is((select context_data from helix.sessions where id = pg_temp.id_of('s1')),
    '{"only": 1}'::jsonb, 'the refused context changed nothing');
select is(helix.add_session_tokens((select id from ids where name = 's1'), 1500), 1500,
    'add_session_tokens returns the new total');
select is(helix.add_session_tokens((select id from ids where name = 's1'), 500), 2000,
    'tokens add up');
select throws_ok($$select helix.add_session_tokens((select id from ids where name = 's1'), 0)$$,
    'HX001', 'token count 0 is not valid: p_tokens must be positive', 'zero tokens: HX001');
select throws_ok($$select helix.add_session_tokens((select id from ids where name = 's1'), -5)$$,
    'HX001', null, 'negative tokens: HX001');
select throws_ok($$select helix.add_session_tokens((select id from ids where name = 's1'),
                                                   2147483647)$$,
    'HX001', 'token count of session ' || (select id from ids where name = 's1')
             || ' would overflow: 2000 + 2147483647 is over 2147483647',
    'a total past 2^31-1: HX001');
select is((select token_count from helix.sessions where id = pg_temp.id_of('s1')),
    2000, 'refused token reports changed nothing');
select throws_ok($$select helix.add_session_tokens('00000000-0000-0000-0000-000000000000', 1)$$,
    'HX002', null, 'tokens for an unknown session: HX002');

-- Status changes
select lives_ok($$select helix.pause_session((select id from ids where name = 's1'))$$,
    'pause_session');
select throws_ok($$select helix.pause_session((select id from ids where name = 's1'))$$,
    'HX003', 'session ' || (select id from ids where name = 's1')
             || ' is paused: cannot pause it', 'pausing a paused session: HX003');
select lives_ok($$select helix.archive_project((select id from ids where name = 'core'))$$,
    'a project whose sessions are paused can be archived');
select throws_ok($$select helix.resume_session((select id from ids where name = 's1'))$$,
    'HX003', null, 'resuming a session of an archived project: HX003');
select lives_ok($$select helix.restore_project((select id from ids where name = 'core'))$$,
    'the project is restored');
select lives_ok($$select helix.resume_session((select id from ids where name = 's1'))$$,
    'resume_session');
select throws_ok($$select helix.resume_session((select id from ids where name = 's1'))$$,
    'HX003', null, 'resuming an active session: HX003');

-- A session and its current task
insert into ids values ('t1', helix.submit_task('shell', '{"command": "true"}',
                                               p_session_id => pg_temp.id_of('s1')));
select is((select current_task_id from helix.sessions where id = pg_temp.id_of('s1')),
    (select id from ids where name = 't1'), 'submit_task with p_session_id sets the current task');
select throws_ok($$select helix.complete_session((select id from ids where name = 's1'))$$,
    'HX003', 'session ' || (select id from ids where name = 's1') || ' cannot complete: its '
             'current task ' || (select id from ids where name = 't1') || ' is pending',
    'completing a session whose task is unfinished: HX003');
update helix.distributed_tasks set status = 'waiting_for_worker', waiting_since = now()
where id = (select id from ids where name = 't1');
select lives_ok($$select helix.pause_session((select id from ids where name = 's1'))$$,
    'pausing while the task waits for its worker');
select lives_ok($$select helix.resume_session((select id from ids where name = 's1'))$$,
    'resuming while the task waits for its worker');
select is((select status from helix.sessions where id = (select id from ids where name = 's1')),
    'waiting_for_worker', 'resume goes back to waiting_for_worker while the task waits');
update helix.distributed_tasks set status = 'completed', waiting_since = null,
    completed_at = now() where id = (select id from ids where name = 't1');
select lives_ok($$select helix.complete_session((select id from ids where name = 's1'))$$,
    'complete_session once the task is done');
select ok((select status = 'completed' and ended_at = now() from helix.sessions
           where id = (select id from ids where name = 's1')), 'the session is completed, ended');
select throws_ok($$select helix.fail_session((select id from ids where name = 's1'))$$,
    'HX003', null, 'failing a completed session: HX003');
select throws_ok($$select helix.update_session_context((select id from ids where name = 's1'),
                                                       '{"a": 1}')$$,
    'HX003', null, 'changing a finished session''s context: HX003');
select is(helix.add_session_tokens((select id from ids where name = 's1'), 7), 2007,
    'late token reports still count after completion');

insert into ids values ('s2', helix.start_session((select id from ids where name = 'core'),
    'build', 'building'));
select lives_ok($$select helix.fail_session((select id from ids where name = 's2'),
                                            'compiler crashed')$$,
    'fail_session with a reason');
select is((select row(status, failure_reason)::text from helix.sessions
           where id = (select id from ids where name = 's2')),
    row('failed', 'compiler crashed')::text, 'the session failed with its reason');
select throws_ok($$select helix.complete_session((select id from ids where name = 's2'))$$,
    'HX003', null, 'completing a failed session: HX003');
select throws_ok($$select helix.pause_session(null)$$, 'HX001', 'p_session_id is missing',
    'a missing session id: HX001');

select * from finish();
rollback;
