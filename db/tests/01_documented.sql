-- A DBA reads the schema in psql: every table, view, function and trigger of schema helix
-- carries a COMMENT ON saying what it is for, and every SQLSTATE the functions raise is in
-- the catalogue helix.error_codes.

begin;
select plan(5);

select is(array(
    select c.oid::regclass::text from pg_class c
    where c.relnamespace = 'helix'::regnamespace and c.relkind in ('r', 'p')
      and obj_description(c.oid, 'pg_class') is null order by 1), '{}'::text[],
    'every table has a comment');
select is(array(
    select c.oid::regclass::text from pg_class c
    where c.relnamespace = 'helix'::regnamespace and c.relkind in ('v', 'm')
      and obj_description(c.oid, 'pg_class') is null order by 1), '{}'::text[],
    'every view has a comment');
select is(array(
    select p.oid::regprocedure::text from pg_proc p
    where p.pronamespace = 'helix'::regnamespace
      and obj_description(p.oid, 'pg_proc') is null order by 1), '{}'::text[],
    'every function has a comment');
select is(array(
    select t.tgname || ' on ' || t.tgrelid::regclass::text from pg_trigger t
    join pg_class c on c.oid = t.tgrelid
    where c.relnamespace = 'helix'::regnamespace and not t.tgisinternal
      and obj_description(t.oid, 'pg_trigger') is null order by 1), '{}'::text[],
    'every trigger has a comment');
-- Every errcode 'HX...' written in a function body is in the catalogue.
select is(array(
    select distinct m[1] from pg_proc p
    cross join lateral regexp_matches(p.prosrc, 'errcode\s*=\s*''(HX[0-9]{3})''', 'g') m
    where p.pronamespace = 'helix'::regnamespace
      and m[1] not in (select sqlstate from helix.error_codes) order by 1), '{}'::text[],
    'every HX SQLSTATE raised by a function is in helix.error_codes');

select * from finish();
rollback;
