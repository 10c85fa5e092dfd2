"""The settled-case trigger looks up an award's schedule by (body, source type, source id),
so PostgreSQL uses the unique index ``one_schedule_per_source``. Without the body it scanned
every schedule for each declined, withdrawn or closed case: the national synthetic data set
(80,000 schedules, 100,000 closed cases) stalled in its case insert for over 20 minutes."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION exceptional_resource_case_settled() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1
          FROM exceptional_resource_award a
          JOIN pooling_instalmentschedule s
            ON s.responsible_body_id = a.responsible_body_id
           AND s.source_type = 'award'
           AND s.source_id = a.id::text
          JOIN pooling_instalment i ON i.schedule_id = s.id AND i.status = 'scheduled'
         WHERE a.case_id = NEW.id
    ) THEN
        RAISE EXCEPTION 'case % cannot be %: an award of it has unpaid instalments', NEW.id, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION exceptional_resource_case_settled() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1
          FROM exceptional_resource_award a
          JOIN pooling_instalmentschedule s ON s.source_type = 'award' AND s.source_id = a.id::text
          JOIN pooling_instalment i ON i.schedule_id = s.id AND i.status = 'scheduled'
         WHERE a.case_id = NEW.id
    ) THEN
        RAISE EXCEPTION 'case % cannot be %: an award of it has unpaid instalments', NEW.id, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("exceptional_resource", "0009_decisions_supersede_and_settled_cases")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
