from django.db import migrations

from core.rls import EnableRowLevelSecurity

TENANT_TABLES = (
    "partnership",
    "partnershipmember",
    "partnershipcontact",
    "participation",
    "needsignalconsent",
    "planversion",
    "planpriority",
    "planaction",
    "provisionsetting",
    "commissionedplaces",
    "plannedplaces",
    "demandforecast",
    "needsignalsnapshot",
    "needsignalcount",
    "expertcapacity",
    "expertallocation",
)

# A published plan version, its priorities and its actions never change: a change is a new version.
IMMUTABLE_SQL = """
CREATE FUNCTION partnerships_plan_version_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'plan version % is published and cannot be changed', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER plan_version_immutable BEFORE UPDATE OR DELETE ON partnerships_planversion
    FOR EACH ROW EXECUTE FUNCTION partnerships_plan_version_immutable();

CREATE FUNCTION partnerships_plan_part_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    version_ids bigint[];
BEGIN
    IF TG_TABLE_NAME = 'partnerships_planpriority' THEN
        version_ids := ARRAY[CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.version_id END,
                             CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.version_id END];
    ELSE
        SELECT array_agg(p.version_id) INTO version_ids FROM partnerships_planpriority p
         WHERE p.id IN (CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.priority_id END,
                        CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.priority_id END);
    END IF;
    IF EXISTS (SELECT 1 FROM partnerships_planversion v WHERE v.id = ANY(version_ids) AND v.status = 'published') THEN
        RAISE EXCEPTION 'the plan version is published and cannot be changed' USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER plan_priority_immutable BEFORE INSERT OR UPDATE OR DELETE ON partnerships_planpriority
    FOR EACH ROW EXECUTE FUNCTION partnerships_plan_part_immutable();
CREATE TRIGGER plan_action_immutable BEFORE INSERT OR UPDATE OR DELETE ON partnerships_planaction
    FOR EACH ROW EXECUTE FUNCTION partnerships_plan_part_immutable();
"""

DROP_SQL = """
DROP TRIGGER plan_action_immutable ON partnerships_planaction;
DROP TRIGGER plan_priority_immutable ON partnerships_planpriority;
DROP FUNCTION partnerships_plan_part_immutable();
DROP TRIGGER plan_version_immutable ON partnerships_planversion;
DROP FUNCTION partnerships_plan_version_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0001_initial")]

    operations = [
        *(EnableRowLevelSecurity(name) for name in TENANT_TABLES),
        migrations.RunSQL(IMMUTABLE_SQL, DROP_SQL),
    ]
