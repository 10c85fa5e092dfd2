"""Report runs and files, moved from ``accounts`` in state only: the tables
``accounts_reportrun`` and ``accounts_reportfile`` and their row-level security stay as
``accounts`` migrations made them."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ["reportrun", "reportfile"]


def _move(apps, schema_editor, source, target):
    """Keep the content types (and so the permissions) of the moved models: rename their
    app label unless the new label already has them."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label=target, model=model).exists():
            content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types(apps, schema_editor):
    _move(apps, schema_editor, "accounts", "reports")


def move_content_types_back(apps, schema_editor):
    _move(apps, schema_editor, "reports", "accounts")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0006_platform_models_move_out"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReportRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("report_type", models.CharField(max_length=60)),
                        (
                            "label",
                            models.CharField(help_text="What was asked for, in words (no pupil data).", max_length=300),
                        ),
                        ("parameters", models.JSONField(blank=True, default=dict)),
                        (
                            "requested_by_label",
                            models.CharField(help_text="Email, or 'schedule' for scheduled runs.", max_length=254),
                        ),
                        (
                            "schedule_key",
                            models.CharField(
                                blank=True,
                                help_text="Set for scheduled runs; one run per body and key.",
                                max_length=120,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("succeeded", "Ready"),
                                    ("failed", "Failed"),
                                    ("expired", "Expired"),
                                ],
                                default="queued",
                                max_length=10,
                            ),
                        ),
                        ("progress_percent", models.PositiveSmallIntegerField(default=0)),
                        ("progress_note", models.CharField(blank=True, max_length=200)),
                        (
                            "attempts",
                            models.PositiveIntegerField(
                                default=0, help_text="How many times a worker has claimed the run."
                            ),
                        ),
                        (
                            "task_id",
                            models.CharField(blank=True, help_text="Celery task that holds the claim.", max_length=64),
                        ),
                        ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                        ("error_message", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("expired_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "requested_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "responsible_body",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="accounts.responsiblebody",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_reportrun",
                        "ordering": ["-created_at", "-id"],
                        "base_manager_name": "objects",
                    },
                ),
                migrations.CreateModel(
                    name="ReportFile",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        ("content_type", models.CharField(max_length=120)),
                        ("size_bytes", models.BigIntegerField()),
                        ("sha256", models.CharField(max_length=64)),
                        ("storage_path", models.CharField(max_length=400, unique=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "deleted_at",
                            models.DateTimeField(
                                blank=True, help_text="When retention removed the stored file.", null=True
                            ),
                        ),
                        (
                            "responsible_body",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="accounts.responsiblebody",
                            ),
                        ),
                        (
                            "run",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="files",
                                to="reports.reportrun",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_reportfile",
                        "ordering": ["run", "name"],
                        "base_manager_name": "objects",
                    },
                ),
                migrations.AddIndex(
                    model_name="reportrun",
                    index=models.Index(fields=["responsible_body", "-created_at"], name="reportrun_body_created"),
                ),
                migrations.AddIndex(
                    model_name="reportrun",
                    index=models.Index(fields=["status", "finished_at"], name="reportrun_status_finished"),
                ),
                migrations.AddConstraint(
                    model_name="reportrun",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("status__in", ["queued", "running", "succeeded", "failed", "expired"])),
                        name="reportrun_status_valid",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="reportrun",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("progress_percent__gte", 0), ("progress_percent__lte", 100)),
                        name="reportrun_progress_percent_range",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="reportrun",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status__in", ["succeeded", "failed", "expired"]), _negated=True),
                            ("finished_at__isnull", False),
                            _connector="OR",
                        ),
                        name="reportrun_finished_has_time",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="reportrun",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "failed"), _negated=True),
                            models.Q(("error_message", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="reportrun_failure_has_message",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="reportrun",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("schedule_key", ""), _negated=True),
                        fields=("responsible_body", "schedule_key"),
                        name="reportrun_one_per_schedule_key",
                    ),
                ),
                migrations.AddIndex(
                    model_name="reportfile",
                    index=models.Index(fields=["responsible_body", "run"], name="reportfile_body_run"),
                ),
                migrations.AddConstraint(
                    model_name="reportfile",
                    constraint=models.UniqueConstraint(fields=("run", "name"), name="reportfile_one_name_per_run"),
                ),
                migrations.AddConstraint(
                    model_name="reportfile",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("size_bytes__gte", 0)), name="reportfile_size_not_negative"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="reportfile",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("sha256__regex", "^[0-9a-f]{64}$")), name="reportfile_sha256_hex"
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
