"""Audit samples moved to ``assurance`` in Django's state only; the table
``exceptional_resource_auditsample`` keeps its name and rows."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("exceptional_resource", "0007_audit_samples"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name="AuditSample",
                ),
            ],
            database_operations=[],
        ),
    ]
