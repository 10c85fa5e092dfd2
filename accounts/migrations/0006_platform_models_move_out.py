"""The audit trail moved to ``core``, report runs to ``reports`` and notifications to
``notifications``: in Django's state only. The tables keep their names and rows
(each model sets ``db_table``); nothing in the database changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_notifications"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="notification",
                    name="digest",
                ),
                migrations.RemoveField(
                    model_name="notification",
                    name="responsible_body",
                ),
                migrations.RemoveField(
                    model_name="notification",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="notificationdigest",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="notificationpreference",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="reportfile",
                    name="responsible_body",
                ),
                migrations.RemoveField(
                    model_name="reportfile",
                    name="run",
                ),
                migrations.RemoveField(
                    model_name="reportrun",
                    name="requested_by",
                ),
                migrations.RemoveField(
                    model_name="reportrun",
                    name="responsible_body",
                ),
                migrations.DeleteModel(
                    name="AuditEvent",
                ),
                migrations.DeleteModel(
                    name="Notification",
                ),
                migrations.DeleteModel(
                    name="NotificationDigest",
                ),
                migrations.DeleteModel(
                    name="NotificationPreference",
                ),
                migrations.DeleteModel(
                    name="ReportFile",
                ),
                migrations.DeleteModel(
                    name="ReportRun",
                ),
            ],
            database_operations=[],
        ),
    ]
