-- Common: what every area leans on. updated_at kept by trigger, and typed access to
-- helix.settings with a check that refuses a value that would not parse when it is read.

-- ---------------------------------------------------------------------------------------
-- updated_at
-- ---------------------------------------------------------------------------------------

create or replace function helix.touch_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end
$$;
comment on function helix.touch_updated_at() is
    'Trigger: sets updated_at to the transaction time on UPDATE.';

-- The WHEN clause keeps the hot path cheap: a function that already writes
-- updated_at = now() never enters PL/pgSQL for it.
do $$
declare
    t text;
begin
    foreach t in array array['settings', 'users', 'workers', 'runners', 'distributed_tasks',
                             'projects', 'sessions'] loop
        execute format(
            'create or replace trigger %I before update on helix.%I for each row '
            'when (new.updated_at is not distinct from old.updated_at) '
            'execute function helix.touch_updated_at()',
            t || '_touch_updated_at', t);
        execute format(
            'comment on trigger %I on helix.%I is %L',
            t || '_touch_updated_at', t,
            'Keeps updated_at at the time of the last change of the row.');
    end loop;
end
$$;

-- ---------------------------------------------------------------------------------------
-- Settings
-- ---------------------------------------------------------------------------------------

create or replace function helix.setting_value_error(p_type text, p_value jsonb)
returns text
language plpgsql immutable as $$
begin
    case p_type
        when 'interval' then
            if jsonb_typeof(p_value) <> 'string' then
                return 'an interval written as a JSON string, for example "30 seconds"';
            end if;
            perform (p_value #>> '{}')::interval;
            if (p_value #>> '{}')::interval < interval '0' then
                return 'an interval that is not negative';
            end if;
        when 'integer' then
            if jsonb_typeof(p_value) <> 'number' or (p_value #>> '{}')::numeric % 1 <> 0 then
                return 'a whole number';
            end if;
        when 'number' then
            if jsonb_typeof(p_value) <> 'number' then
                return 'a number';
            end if;
        when 'boolean' then
            if jsonb_typeof(p_value) <> 'boolean' then
                return 'true or false';
            end if;
        when 'text' then
            if jsonb_typeof(p_value) <> 'string' then
                return 'a JSON string';
            end if;
        else
            return 'a known value_type';
    end case;
    return null;
exception
    when invalid_datetime_format or datetime_field_overflow or interval_field_overflow
        or numeric_value_out_of_range then
        return 'an interval written as a JSON string, for example "30 seconds"';
end
$$;
comment on function helix.setting_value_error(text, jsonb) is
    'What a value of this value_type must look like, or null when the value is fine.';

create or replace function helix.settings_check_value() returns trigger
language plpgsql as $$
declare
    v_rule text := helix.setting_value_error(new.value_type, new.value);
begin
    if v_rule is not null then
        raise exception 'setting % = % is refused: it must be %', new.key, new.value, v_rule
            using errcode = 'HX011',
                  hint = 'See the description column of helix.settings for what the key means.';
    end if;
    return new;
end
$$;
comment on function helix.settings_check_value() is
    'Trigger: refuses a settings row whose value does not parse as its value_type.';

create or replace trigger settings_check_value
    before insert or update on helix.settings
    for each row execute function helix.settings_check_value();
comment on trigger settings_check_value on helix.settings is
    'Refuses a value that does not parse as the row''s value_type (HX011).';

create or replace function helix.setting(p_key text) returns jsonb
language plpgsql stable as $$
declare
    v jsonb;
begin
    select value into v from helix.settings where key = p_key;
    if not found then
        raise exception 'setting % does not exist', coalesce(quote_literal(p_key), 'NULL')
            using errcode = 'HX011',
                  hint = 'helix db migrate restores the default settings; '
                         'select key from helix.settings lists them.';
    end if;
    return v;
end
$$;
comment on function helix.setting(text) is
    'The JSON value of a setting; refuses (HX011) a key that does not exist.';

create or replace function helix.setting_interval(p_key text) returns interval
language sql stable as $$
    select (helix.setting(p_key) #>> '{}')::interval
$$;
comment on function helix.setting_interval(text) is 'A setting read as an interval.';

create or replace function helix.setting_number(p_key text) returns numeric
language sql stable as $$
    select (helix.setting(p_key) #>> '{}')::numeric
$$;
comment on function helix.setting_number(text) is 'A setting read as a number.';

create or replace function helix.setting_boolean(p_key text) returns boolean
language sql stable as $$
    select (helix.setting(p_key) #>> '{}')::boolean
$$;
comment on function helix.setting_boolean(text) is 'A setting read as true or false.';
