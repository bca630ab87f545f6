-- Privileges: the last functions file, so it sees every object the others made. Owned by the
-- users/roles area. It changes no grant made to helix_app, helix_runner or helix_readonly on
-- a function or a view; it takes away what nobody may have:
--
--   1. helix_owner (nologin, made by 0004) owns schema helix and everything in it. SECURITY
--      DEFINER functions therefore run as helix_owner, which can do what the schema's owner
--      can and nothing more (no superuser power, no other database object), whoever ran the
--      migration. Handing over is idempotent: only objects owned by someone else move.
--   2. PUBLIC has nothing in schema helix: no EXECUTE on any function (PostgreSQL grants it
--      by default), no table, no sequence. Revoking from PUBLIC does not touch grants to roles.
--   3. No role writes a table directly: INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES and
--      TRIGGER are revoked from the three roles on every table; all writes go through the
--      functions.
--   4. Secrets: no role may read helix.users (password_hash, mfa_secret, mfa_pending_secret),
--      helix.user_sessions (session_token) or helix.audit_log; they read the views
--      user_accounts, user_session_list and audit_trail instead.
--   5. helix_readonly reads views only: no privilege on any table.
--   6. Default privileges: functions created later in schema helix (by the migrating role or
--      by helix_owner) are not executable by PUBLIC either.

do $$
declare
    r record;
begin
    if (select nspowner::regrole::text from pg_namespace where nspname = 'helix')
       <> 'helix_owner' then
        alter schema helix owner to helix_owner;
    end if;

    -- Tables, views, standalone sequences (including the per-user sign-in counters). A
    -- sequence that belongs to a column (identity, serial) follows its table and cannot be
    -- handed over on its own.
    for r in
        select c.oid::regclass as obj,
               case c.relkind when 'v' then 'view' when 'm' then 'materialized view'
                              when 'S' then 'sequence' when 'f' then 'foreign table'
                              else 'table' end as kind
        from pg_class c
        where c.relnamespace = 'helix'::regnamespace
          and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
          and c.relowner <> 'helix_owner'::regrole
          and not exists (select from pg_depend d
                          where d.classid = 'pg_class'::regclass and d.objid = c.oid
                            and d.deptype in ('a', 'i', 'e'))
    loop
        execute format('alter %s %s owner to helix_owner', r.kind, r.obj);
    end loop;

    for r in
        select p.oid::regprocedure as obj,
               case p.prokind when 'a' then 'aggregate' else 'routine' end as kind
        from pg_proc p
        where p.pronamespace = 'helix'::regnamespace
          and p.proowner <> 'helix_owner'::regrole
          and not exists (select from pg_depend d
                          where d.classid = 'pg_proc'::regclass and d.objid = p.oid
                            and d.deptype = 'e')
    loop
        execute format('alter %s %s owner to helix_owner', r.kind, r.obj);
    end loop;

    -- Enums, domains and free-standing composite types (a table's row type follows it).
    for r in
        select t.oid::regtype as obj, case t.typtype when 'd' then 'domain' else 'type' end
                                      as kind
        from pg_type t
        left join pg_class c on c.oid = t.typrelid
        where t.typnamespace = 'helix'::regnamespace
          and t.typowner <> 'helix_owner'::regrole
          and (t.typtype in ('e', 'd', 'r', 'm') or (t.typtype = 'c' and c.relkind = 'c'))
          and not exists (select from pg_depend d
                          where d.classid = 'pg_type'::regclass and d.objid = t.oid
                            and d.deptype = 'e')
    loop
        execute format('alter %s %s owner to helix_owner', r.kind, r.obj);
    end loop;
end
$$;

revoke all on all functions in schema helix from public;
revoke all on all tables in schema helix from public;
revoke all on all sequences in schema helix from public;
revoke create on schema helix from public;

do $$
declare
    t regclass;
begin
    for t in select c.oid::regclass from pg_class c
             where c.relnamespace = 'helix'::regnamespace and c.relkind in ('r', 'p')
    loop
        execute format('revoke insert, update, delete, truncate, references, trigger on %s '
                       'from helix_app, helix_runner, helix_readonly', t);
        execute format('revoke all on %s from helix_readonly', t);
    end loop;
end
$$;

-- Table-level REVOKE ALL also takes away column privileges on every column.
revoke all on helix.users, helix.user_sessions, helix.audit_log
    from helix_app, helix_runner, helix_readonly;
revoke all on all sequences in schema helix from helix_app, helix_runner, helix_readonly;

alter default privileges in schema helix revoke execute on functions from public;
alter default privileges for role helix_owner in schema helix
    revoke execute on functions from public;
