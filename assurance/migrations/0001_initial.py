"""Audit samples, moved from ``exceptional_resource`` in state only: the table
``exceptional_resource_auditsample`` and its row-level security stay as that app's
migrations made them."""

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ["auditsample"]


def _move(apps, schema_editor, source, target):
    """Keep the content types (and so the permissions) of the moved models: rename their
    app label unless the new label already has them."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label=target, model=model).exists():
            content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types(apps, schema_editor):
    _move(apps, schema_editor, "exceptional_resource", "assurance")


def move_content_types_back(apps, schema_editor):
    _move(apps, schema_editor, "assurance", "exceptional_resource")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("exceptional_resource", "0008_audit_sample_moves_to_assurance"),
        ("accounts", "0006_platform_models_move_out"),
        ("pooling", "0004_idempotency_key_unique_per_body"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditSample",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "population",
                            models.CharField(
                                choices=[
                                    ("all", "Every transaction in the period"),
                                    ("awards", "Transactions caused by awards"),
                                ],
                                default="all",
                                max_length=10,
                            ),
                        ),
                        ("size", models.PositiveIntegerField()),
                        (
                            "seed",
                            models.BigIntegerField(
                                help_text="Seed of the random draw: the same seed over the same population draws the same sample."
                            ),
                        ),
                        ("population_count", models.PositiveIntegerField()),
                        (
                            "population_max_transaction_id",
                            models.BigIntegerField(
                                help_text="The population is the matching transactions up to this id (the ledger is append-only)."
                            ),
                        ),
                        (
                            "transaction_ids",
                            django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), size=None),
                        ),
                        ("drawn_by_label", models.CharField(max_length=254)),
                        ("drawn_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "drawn_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "pool",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="pooling.pool"
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
                        "db_table": "exceptional_resource_auditsample",
                        "ordering": ["-drawn_at", "-id"],
                        "base_manager_name": "objects",
                        "indexes": [
                            models.Index(fields=["responsible_body", "-drawn_at"], name="auditsample_body_recent")
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("size__gte", 1)), name="auditsample_size_positive"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("size__lte", models.F("population_count"))),
                                name="auditsample_within_population",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("population__in", ["all", "awards"])),
                                name="auditsample_population_valid",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("seed__gte", 0)), name="auditsample_seed_not_negative"
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
