"""The audit chain's lock, head and next id in one call, so an event is one statement.

``audit_record`` took the body's advisory lock, read the hash of the body's latest event,
then inserted: three statements (five with the savepoint around them). The chain is read
in id order, so three things must happen in this order for each event, under the lock:
read the head, take the next id, insert. ``core_audit_chain_head`` takes the lock, then
reads the head and draws the id: it is VOLATILE PL/pgSQL, so its query after the lock runs
with a snapshot taken once the lock was granted (READ COMMITTED) and sees an event another
transaction committed meanwhile; and the id it draws is later than every id drawn under the
lock before (a default id would be drawn when the INSERT's row is formed, possibly before
the lock is granted, and a later event could then carry a smaller id). It runs as the
caller (not SECURITY DEFINER), so row-level security applies to the read as before.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION core_audit_chain_head(lock_namespace integer, body_id bigint, OUT prev text, OUT next_id bigint)
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_namespace, coalesce(body_id, 0)::integer);
    IF body_id IS NULL THEN
        SELECT hash INTO prev FROM accounts_auditevent
        WHERE responsible_body_id IS NULL ORDER BY id DESC LIMIT 1;
    ELSE
        SELECT hash INTO prev FROM accounts_auditevent
        WHERE responsible_body_id = body_id ORDER BY id DESC LIMIT 1;
    END IF;
    next_id := nextval(pg_get_serial_sequence('accounts_auditevent', 'id'));
END;
$$;
"""

BACKWARD = "DROP FUNCTION IF EXISTS core_audit_chain_head(integer, bigint);"


class Migration(migrations.Migration):
    dependencies = [("core", "0002_rls_settings_once_per_query")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
