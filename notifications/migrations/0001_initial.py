"""Notifications, moved from ``accounts`` in state only: the ``accounts_notification*``
tables and their row-level security stay as ``accounts`` migrations made them."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ["notification", "notificationdigest", "notificationpreference"]


def _move(apps, schema_editor, source, target):
    """Keep the content types (and so the permissions) of the moved models: rename their
    app label unless the new label already has them."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label=target, model=model).exists():
            content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types(apps, schema_editor):
    _move(apps, schema_editor, "accounts", "notifications")


def move_content_types_back(apps, schema_editor):
    _move(apps, schema_editor, "notifications", "accounts")


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
                    name="NotificationDigest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("day", models.DateField()),
                        ("entries", models.PositiveIntegerField(default=0)),
                        ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_notificationdigest",
                    },
                ),
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("kind", models.CharField(max_length=60)),
                        (
                            "delivery",
                            models.CharField(
                                choices=[("immediate", "Immediate"), ("digest", "Daily digest")], max_length=10
                            ),
                        ),
                        ("subject", models.CharField(max_length=200)),
                        ("text", models.TextField()),
                        ("link", models.CharField(max_length=500)),
                        ("dedupe_key", models.CharField(max_length=150)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "responsible_body",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="accounts.responsiblebody",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "digest",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="notifications.notificationdigest",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_notification",
                        "ordering": ["created_at", "id"],
                        "base_manager_name": "objects",
                    },
                ),
                migrations.CreateModel(
                    name="NotificationPreference",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("kind", models.CharField(max_length=60)),
                        ("delivery", models.CharField(max_length=10)),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notification_preferences",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_notificationpreference",
                    },
                ),
                migrations.AddConstraint(
                    model_name="notificationdigest",
                    constraint=models.UniqueConstraint(fields=("user", "day"), name="one_notification_digest_per_day"),
                ),
                migrations.AddIndex(
                    model_name="notification",
                    index=models.Index(
                        condition=models.Q(("sent_at__isnull", True)),
                        fields=["responsible_body", "user"],
                        name="notification_unsent",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="notification",
                    constraint=models.UniqueConstraint(
                        fields=("responsible_body", "user", "dedupe_key"), name="one_notification_per_occurrence"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="notification",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("delivery__in", ["immediate", "digest"])), name="notification_delivery"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="notificationpreference",
                    constraint=models.UniqueConstraint(
                        fields=("user", "kind"), name="one_notification_preference_per_kind"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="notificationpreference",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("delivery__in", ["immediate", "digest", "off"])),
                        name="notification_preference_valid",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
