from django.db import migrations

from core.rls import EnableRowLevelSecurity
from core.tenancy import rls_predicate

MEMBERSHIP_PREDICATE = "(" + rls_predicate() + " OR user_id = NULLIF(current_setting('app.user_id', true), '')::bigint)"

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION accounts_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION accounts_refuse_change();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS audit_event_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        EnableRowLevelSecurity("membership", predicate=MEMBERSHIP_PREDICATE),  # narrowed in 0003
        EnableRowLevelSecurity("auditevent"),
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
    ]
