-- Common: typed settings (read, and refused when a value would not parse) and updated_at.

begin;
select plan(12);

-- Reading settings.
select is(helix.setting_interval('heartbeat_timeout'), interval '30 seconds',
    'setting_interval reads an interval setting');
select is(helix.setting('heartbeat_timeout'), '"30 seconds"'::jsonb,
    'setting returns the JSON value');
select throws_ok($$ select helix.setting('no_such_key') $$, 'HX011',
    'setting ''no_such_key'' does not exist', 'an unknown key is refused');
select throws_ok($$ select helix.setting(null) $$, 'HX011',
    'setting NULL does not exist', 'a null key is refused');

-- A DBA's UPDATE is checked against value_type.
update helix.settings set value = '"45 seconds"' where key = 'heartbeat_timeout';
select is(helix.setting_interval('heartbeat_timeout'), interval '45 seconds',
    'a well-formed UPDATE takes effect at the next read');
select throws_ok($$ update helix.settings set value = '"banana"'
                    where key = 'heartbeat_timeout' $$, 'HX011',
    'setting heartbeat_timeout = "banana" is refused: it must be an interval written as a '
    'JSON string, for example "30 seconds"', 'an interval that does not parse is refused');
select throws_ok($$ update helix.settings set value = '30' where key = 'heartbeat_timeout' $$,
    'HX011', null, 'a number where an interval belongs is refused');
select throws_ok($$ update helix.settings set value = '"-5 seconds"'
                    where key = 'retry_base_delay' $$, 'HX011',
    'setting retry_base_delay = "-5 seconds" is refused: it must be an interval that is not '
    'negative', 'a negative interval is refused');
select throws_ok($$ insert into helix.settings (key, value, value_type, description)
                    values ('x_count', '1.5', 'integer', 'x') $$, 'HX011',
    'setting x_count = 1.5 is refused: it must be a whole number', 'integers are whole');
select is(helix.setting_interval('heartbeat_timeout'), interval '45 seconds',
    'refused updates wrote nothing');

-- updated_at follows every change, unless the statement sets it itself.
update helix.settings set updated_at = '2000-01-01' where key = 'grace_low';
select is((select updated_at from helix.settings where key = 'grace_low'),
    '2000-01-01'::timestamptz, 'a statement that sets updated_at keeps its value');
update helix.settings set value = '"1 second"' where key = 'grace_low';
select is((select updated_at from helix.settings where key = 'grace_low'), now(),
    'any other change sets updated_at to the transaction time');

select * from finish();
rollback;
