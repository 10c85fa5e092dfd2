"""Row-level security on every table, and capacity kept by the database.

``shared_resources_allocation_capacity`` adds each allocation's units to its capacity
period's ``allocated_units`` (and takes them off when an allocation moves or goes), so the
check constraint ``shcap_capacity_not_exceeded`` refuses any allocation beyond capacity, in
whatever order concurrent transactions commit. ``allocated_units`` may only be changed by that
trigger; allocation rules versions are never edited."""

from django.db import migrations

from core.rls import EnableRowLevelSecurity

CAPACITY_SQL = """
CREATE FUNCTION shared_resources_allocation_capacity() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE shared_resources_capacityperiod
           SET allocated_units = allocated_units - OLD.units
         WHERE id = OLD.period_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE shared_resources_capacityperiod
           SET allocated_units = allocated_units + NEW.units
         WHERE id = NEW.period_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'capacity period % is not visible', NEW.period_id;
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER shared_resources_allocation_capacity
AFTER INSERT OR DELETE OR UPDATE OF units, period_id ON shared_resources_allocation
FOR EACH ROW EXECUTE FUNCTION shared_resources_allocation_capacity();

CREATE FUNCTION shared_resources_allocated_units_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.allocated_units <> 0 THEN
        RAISE EXCEPTION 'a new capacity period starts with nothing allocated';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.allocated_units IS DISTINCT FROM OLD.allocated_units
       AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'allocated_units is kept by the allocation trigger';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER shared_resources_allocated_units_guard
BEFORE INSERT OR UPDATE ON shared_resources_capacityperiod
FOR EACH ROW EXECUTE FUNCTION shared_resources_allocated_units_guard();

CREATE FUNCTION shared_resources_rules_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'allocation rules versions are never edited or deleted: publish a new version';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER shared_resources_rules_immutable
BEFORE UPDATE OR DELETE ON shared_resources_allocationrules
FOR EACH ROW EXECUTE FUNCTION shared_resources_rules_immutable();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS shared_resources_rules_immutable ON shared_resources_allocationrules;
DROP FUNCTION IF EXISTS shared_resources_rules_immutable();
DROP TRIGGER IF EXISTS shared_resources_allocated_units_guard ON shared_resources_capacityperiod;
DROP FUNCTION IF EXISTS shared_resources_allocated_units_guard();
DROP TRIGGER IF EXISTS shared_resources_allocation_capacity ON shared_resources_allocation;
DROP FUNCTION IF EXISTS shared_resources_allocation_capacity();
"""


class Migration(migrations.Migration):
    dependencies = [("shared_resources", "0001_initial")]

    operations = [
        *[
            EnableRowLevelSecurity(name)
            for name in (
                "sharedresource",
                "capacityperiod",
                "resourcefunding",
                "resourcerequest",
                "allocation",
                "delivery",
                "allocationrules",
            )
        ],
        migrations.RunSQL(CAPACITY_SQL, REVERSE_SQL),
    ]
