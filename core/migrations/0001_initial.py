"""The audit trail, moved from ``accounts`` in state only: the table ``accounts_auditevent``,
its append-only trigger and its row-level security stay as ``accounts`` migrations made them."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

MODELS = ["auditevent"]


def _move(apps, schema_editor, source, target):
    """Keep the content types (and so the permissions) of the moved models: rename their
    app label unless the new label already has them."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label=target, model=model).exists():
            content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types(apps, schema_editor):
    _move(apps, schema_editor, "accounts", "core")


def move_content_types_back(apps, schema_editor):
    _move(apps, schema_editor, "core", "accounts")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0006_platform_models_move_out"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("actor_id", models.BigIntegerField(blank=True, null=True)),
                        ("actor_label", models.CharField(blank=True, max_length=254)),
                        ("verb", models.CharField(max_length=80)),
                        ("object_type", models.CharField(max_length=80)),
                        ("object_id", models.CharField(blank=True, max_length=64)),
                        ("object_label", models.CharField(blank=True, max_length=300)),
                        ("before", models.JSONField(blank=True, null=True)),
                        ("after", models.JSONField(blank=True, null=True)),
                        ("request_id", models.CharField(blank=True, max_length=64)),
                        ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("prev_hash", models.CharField(max_length=64)),
                        ("hash", models.CharField(max_length=64, unique=True)),
                        (
                            "responsible_body",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="accounts.responsiblebody",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_auditevent",
                        "ordering": ["-id"],
                        "base_manager_name": "objects",
                        "indexes": [
                            models.Index(fields=["responsible_body", "-id"], name="audit_body_recent"),
                            models.Index(
                                fields=["responsible_body", "object_type", "object_id"], name="audit_body_object"
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
