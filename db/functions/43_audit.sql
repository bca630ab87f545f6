-- Audit trail: helix.audit() appends to helix.audit_log (table in 0004), and the view
-- helix.audit_trail is what DBAs read. Any area may record its operator and security actions
-- (worker status changes, cancels, ...) by calling helix.audit from its own functions.
--
-- A row written by a statement that then fails vanishes with it: record what happened, not
-- what was refused (failed sign-ins take another way, see 40_users.sql).

create or replace function helix.audit(
    p_action text,
    p_object_id uuid,
    p_detail jsonb default '{}',
    p_object_type text default null,
    p_user_id uuid default null)
returns bigint
language plpgsql volatile security definer set search_path = helix, public, pg_temp as $$
declare
    v_id bigint;
begin
    if p_action is null or p_action !~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$' then
        raise exception 'audit action % is not valid: p_action must be a dotted lower-case '
                        'name such as worker.status_changed',
                        coalesce(quote_literal(p_action), 'NULL')
            using errcode = 'HX001', hint = 'Name the object first, then what happened to it.';
    end if;
    if p_detail is not null and jsonb_typeof(p_detail) <> 'object' then
        raise exception 'audit detail % is not valid: p_detail must be a JSON object',
                        left(p_detail::text, 100)
            using errcode = 'HX001', hint = 'Wrap the value: {"value": ...}.';
    end if;
    insert into helix.audit_log (action, user_id, object_type, object_id, detail)
    values (p_action, p_user_id, p_object_type, p_object_id, coalesce(p_detail, '{}'))
    returning id into v_id;
    return v_id;
end
$$;
comment on function helix.audit(text, uuid, jsonb, text, uuid) is
    'Appends one row to helix.audit_log: what happened (dotted action), to which object, '
    'details as a JSON object, and optionally the HelixCode user concerned; the connection''s '
    'login role and address are recorded by default. For use inside other helix functions '
    '(no role may call it directly). Never put a secret in p_detail.';

create or replace view helix.audit_trail as
select a.id, a.occurred_at, a.action, a.user_id, u.username, a.object_type, a.object_id,
       a.detail, a.database_role, a.client_addr
from helix.audit_log a
left join helix.users u on u.id = a.user_id;
comment on view helix.audit_trail is
    'The audit log with usernames, newest last by id; for example: select * from '
    'helix.audit_trail where occurred_at > now() - interval ''1 day'' order by id desc.';

revoke all on function helix.audit(text, uuid, jsonb, text, uuid) from public;
grant select on helix.audit_trail to helix_readonly;
