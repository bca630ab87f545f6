-- Roles and privileges: helix_owner owns everything; PUBLIC has nothing; helix_app,
-- helix_runner and helix_readonly write no table, read no secret, and call only what is
-- theirs. First from the catalog, then by SET ROLE to each role and trying.

begin;
select plan(58);

update helix.settings set value = '4' where key = 'password_hash_cost';
create temp table ids (name text primary key, id uuid);
create temp table tokens (name text primary key, token text);
grant select, insert on ids, tokens to public;
insert into ids values ('ada', helix.create_user('ada', 'ada@example.org', 'analytical engine'));

-- ---------------------------------------------------------------------------------------
-- The catalog
-- ---------------------------------------------------------------------------------------

select has_role('helix_owner', 'role helix_owner exists');
select is((select row(rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls)::text
           from pg_roles where rolname = 'helix_owner'),
    row(false, false, false, false, false)::text,
    'helix_owner cannot log in and has no special power');
select is((select count(*)::int from pg_roles
           where rolname in ('helix_app', 'helix_runner', 'helix_readonly')
             and not rolcanlogin and not rolsuper and not rolbypassrls), 3,
    'the three roles exist, without login or special power');
select is((select count(*)::int from pg_auth_members m
           where m.roleid = 'helix_owner'::regrole
             and m.member in ('helix_app'::regrole, 'helix_runner'::regrole,
                              'helix_readonly'::regrole)), 0,
    'no helix role is a member of helix_owner');
select is((select nspowner::regrole::text from pg_namespace where nspname = 'helix'),
    'helix_owner', 'helix_owner owns schema helix');
select is((select array_agg(c.oid::regclass::text order by 1) from pg_class c
           where c.relnamespace = 'helix'::regnamespace
             and c.relowner <> 'helix_owner'::regrole), null::text[],
    'helix_owner owns every table, view, index and sequence of schema helix');
select is((select array_agg(p.oid::regprocedure::text order by 1) from pg_proc p
           where p.pronamespace = 'helix'::regnamespace
             and p.proowner <> 'helix_owner'::regrole), null::text[],
    'helix_owner owns every function of schema helix');
select is((select array_agg(p.oid::regprocedure::text order by 1) from pg_proc p
           where p.pronamespace = 'helix'::regnamespace
             and (p.proacl is null or exists (select from aclexplode(p.proacl) a
                                              where a.grantee = 0))), null::text[],
    'PUBLIC may execute no function of schema helix (a null ACL would mean it may)');
select is((select array_agg(c.oid::regclass::text order by 1) from pg_class c
           cross join lateral aclexplode(c.relacl) a
           where c.relnamespace = 'helix'::regnamespace and a.grantee = 0), null::text[],
    'PUBLIC has no privilege on any relation of schema helix');
select is((select array_agg(p.oid::regprocedure::text order by 1) from pg_proc p
           where p.pronamespace = 'helix'::regnamespace and p.prosecdef
             and not exists (select from unnest(p.proconfig) c where c like 'search_path=%')),
    null::text[], 'every SECURITY DEFINER function pins its search_path');
select is((select array_agg(r || ' ' || m || ' ' || c.oid::regclass::text) from pg_class c
           cross join unnest(array['helix_app', 'helix_runner', 'helix_readonly']) r
           cross join unnest(array['insert', 'update', 'delete', 'truncate', 'references',
                                   'trigger']) m
           where c.relnamespace = 'helix'::regnamespace and c.relkind in ('r', 'p')
             and has_table_privilege(r, c.oid, m)), null::text[],
    'no helix role may write any table (insert, update, delete, truncate, ...)');
select is((select array_agg(c.oid::regclass::text) from pg_class c
           where c.relnamespace = 'helix'::regnamespace and c.relkind in ('r', 'p')
             and (has_table_privilege('helix_readonly', c.oid, 'select')
                  or has_any_column_privilege('helix_readonly', c.oid, 'select'))),
    null::text[], 'helix_readonly may read no table, only views');
select is((select array_agg(r || ' ' || t || '.' || col) from
           (values ('users', 'password_hash'), ('users', 'mfa_secret'),
                   ('users', 'mfa_pending_secret'), ('user_sessions', 'session_token'))
               s (t, col)
           cross join unnest(array['helix_app', 'helix_runner', 'helix_readonly']) r
           where has_column_privilege(r, ('helix.' || t)::regclass, col, 'select')),
    null::text[], 'no helix role may read a password hash, token hash or TOTP secret');
select is((select count(*)::int from helix.invariants_auth()), 0,
    'invariants_auth finds no violation');
select ok(has_function_privilege('helix_app', 'helix.authenticate(text, text, text, text, '
                                 'inet, text)', 'execute'),
    'helix_app may sign users in');
select ok(not has_function_privilege('helix_readonly', 'helix.authenticate(text, text, text, '
                                     'text, inet, text)', 'execute'),
    'helix_readonly may not');
-- Functions of other areas, which may not exist in every build: checked by name.
select ok(to_regprocedure('helix.assign_tasks(integer, uuid, uuid[])') is not null
          and not has_function_privilege('helix_app', 'helix.assign_tasks(integer, uuid, '
                                         'uuid[])', 'execute')
          and has_function_privilege('helix_runner', 'helix.assign_tasks(integer, uuid, '
                                     'uuid[])', 'execute'),
    'assign_tasks exists and is the runner''s alone, not the application''s');
select ok(to_regprocedure('helix.submit_task(text, jsonb, integer, text, uuid[], integer, '
                          'text[], interval, uuid)') is not null
          and not has_function_privilege('helix_readonly', 'helix.submit_task(text, jsonb, '
              'integer, text, uuid[], integer, text[], interval, uuid)', 'execute'),
    'submit_task exists and helix_readonly may not call it');
select ok(not has_function_privilege('helix_app', 'helix.audit(text, uuid, jsonb, text, uuid)',
                                     'execute')
          and not has_function_privilege('helix_runner', 'helix.audit(text, uuid, jsonb, text, '
                                         'uuid)', 'execute'),
    'nobody writes the audit log directly');

-- ---------------------------------------------------------------------------------------
-- helix_app
-- ---------------------------------------------------------------------------------------

set local role helix_app;
select throws_ok('select password_hash from helix.users', '42501', null,
    'helix_app cannot read password hashes');
select throws_ok('select mfa_secret from helix.users', '42501', null,
    'helix_app cannot read TOTP secrets');
select throws_ok('select session_token from helix.user_sessions', '42501', null,
    'helix_app cannot read token hashes');
select throws_ok('select count(*) from helix.audit_log', '42501', null,
    'helix_app cannot read the audit log');
select throws_ok($$update helix.users set is_active = true$$, '42501', null,
    'helix_app cannot update users directly');
select throws_ok($$insert into helix.projects (name, owner_id) values ('p',
                   (select id from ids where name = 'ada'))$$, '42501', null,
    'helix_app cannot insert projects directly');
select throws_ok($$update helix.sessions set token_count = 1$$, '42501', null,
    'helix_app cannot update development sessions directly');
select throws_ok($$delete from helix.distributed_tasks$$, '42501', null,
    'helix_app cannot delete tasks directly');
select throws_ok($$update helix.settings set value = '1' where key = 'login_max_failures'$$,
    '42501', null, 'helix_app cannot change settings');
select throws_ok($$select * from helix.assign_tasks(1)$$, '42501', null,
    'helix_app cannot call the runner-only assign_tasks');
select throws_ok($$select helix.audit('x.y', null)$$, '42501', null,
    'helix_app cannot write audit rows itself');
select throws_ok($$select helix.login_failure_reset((select id from ids where name = 'ada'))$$,
    '42501', null, 'helix_app cannot reset a failure counter except through unlock_user');
select throws_ok($$select setval(format('helix.%I', 'login_failures_'
                   || replace((select id from ids where name = 'ada')::text, '-', '')), 0)$$,
    '42501', null, 'helix_app cannot touch a failure counter sequence');
select lives_ok($$insert into ids values ('bob', helix.create_user('bob', 'bob@example.org',
                                                                  'another password'))$$,
    'helix_app creates a user through the function');
select lives_ok($$insert into tokens values ('b', helix.authenticate('bob', 'another password',
                                                                    'rest_api'))$$,
    'helix_app signs the user in');
select is(helix.validate_session((select token from tokens where name = 'b')),
    (select id from ids where name = 'bob'), 'helix_app validates the token');
select is((select username::text from helix.user_accounts
           where id = (select id from ids where name = 'bob')), 'bob',
    'helix_app reads users through user_accounts');
select is((select state from helix.user_session_list
           where user_id = (select id from ids where name = 'bob')), 'active',
    'helix_app reads sessions through user_session_list');
select lives_ok($$insert into ids values ('p', helix.create_project(
                     (select id from ids where name = 'bob'), 'bobs project'))$$,
    'helix_app creates a project');
select lives_ok($$insert into ids values ('s', helix.start_session(
                     (select id from ids where name = 'p'), 'plan it', 'planning'))$$,
    'helix_app starts a development session');
select lives_ok($$select helix.submit_task('shell', '{"command": "true"}',
                     p_session_id => (select id from ids where name = 's'))$$,
    'helix_app submits a task in the session');
select is((select current_task_status from helix.session_overview
           where id = (select id from ids where name = 's')), 'pending',
    'helix_app sees the session and its task in session_overview');
reset role;
select is((select sequenceowner::text from pg_sequences
           where sequencename = helix.login_counter_name((select id from ids where name = 'bob'))),
    'helix_owner', 'definer functions ran as helix_owner (it owns what they created)');
select is((select database_role from helix.audit_log where action = 'user.created'
           and object_id = (select id from ids where name = 'bob')), session_user::text,
    'the audit row names the login role that acted, not the function owner');

-- ---------------------------------------------------------------------------------------
-- helix_readonly
-- ---------------------------------------------------------------------------------------

set local role helix_readonly;
select throws_ok('select count(*) from helix.projects', '42501', null,
    'helix_readonly cannot read a table');
select throws_ok('select count(*) from helix.distributed_tasks', '42501', null,
    'helix_readonly cannot read the tasks table');
select lives_ok('select count(*) from helix.project_overview',
    'helix_readonly reads project_overview');
select lives_ok('select count(*) from helix.audit_trail', 'helix_readonly reads audit_trail');
select is((select count(*)::int from helix.user_accounts), 2,
    'helix_readonly reads user_accounts');
select throws_ok($$select helix.submit_task('shell', '{"command": "true"}')$$, '42501', null,
    'helix_readonly cannot submit a task');
select throws_ok($$select helix.create_user('eve', 'eve@example.org', 'eve''s password!')$$,
    '42501', null, 'helix_readonly cannot create a user');
select throws_ok($$insert into helix.settings values ('x', '1', 'integer', 'x')$$, '42501', null,
    'helix_readonly cannot write settings');
reset role;

-- ---------------------------------------------------------------------------------------
-- helix_runner
-- ---------------------------------------------------------------------------------------

set local role helix_runner;
select throws_ok('select password_hash from helix.users', '42501', null,
    'helix_runner cannot read password hashes');
select throws_ok($$select helix.create_user('eve', 'eve@example.org', 'eve''s password!')$$,
    '42501', null, 'helix_runner cannot create users');
select throws_ok($$select helix.authenticate('bob', 'another password', 'cli')$$,
    '42501', null, 'helix_runner cannot sign users in');
select throws_ok('select count(*) from helix.audit_trail', '42501', null,
    'helix_runner cannot read the audit trail');
select lives_ok('select helix.purge_expired_sessions()',
    'helix_runner purges expired sessions on its timer');
select lives_ok('select * from helix.assign_tasks(1)', 'helix_runner calls assign_tasks');
reset role;

select is((select count(*)::int from helix.invariants_auth()), 0,
    'invariants_auth still finds no violation after all that');

select * from finish();
rollback;
