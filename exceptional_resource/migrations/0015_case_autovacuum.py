"""Autovacuum keeps up with cases (issue 22). The case list and the decision queue read a
page of a body's cases from the index alone (``case_body_updated``, ``case_body_status``)
when the visibility map says the rows' pages are unchanged; a case changes status several
times, and by default PostgreSQL vacuums a table after 20% of its rows have changed. At 2%
the pages of a large body's cases are back in the map within hours, not months, and the
planner's statistics follow the statuses as they move."""

from django.db import migrations

SETTINGS = (
    "autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, "
    "autovacuum_analyze_scale_factor = 0.02"
)


class Migration(migrations.Migration):
    dependencies = [
        ("exceptional_resource", "0014_settled_case_trigger_only_on_a_change"),
    ]

    operations = [
        migrations.RunSQL(
            f"ALTER TABLE exceptional_resource_case SET ({SETTINGS})",
            "ALTER TABLE exceptional_resource_case RESET (autovacuum_vacuum_scale_factor, "
            "autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor)",
        ),
    ]
