import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import exceptional_resource.models.evidence
from core.rls import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_membership_user_clause_read_only"),
        ("exceptional_resource", "0004_case_comments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "file",
                    models.FileField(
                        max_length=200,
                        storage=exceptional_resource.models.evidence._evidence_storage,
                        upload_to=exceptional_resource.models.evidence.evidence_path,
                    ),
                ),
                ("original_name", models.CharField(max_length=200)),
                ("content_type", models.CharField(max_length=100)),
                ("size_bytes", models.PositiveIntegerField()),
                ("sha256", models.CharField(max_length=64)),
                ("uploaded_by_label", models.CharField(max_length=254)),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="documents",
                        to="exceptional_resource.case",
                    ),
                ),
                (
                    "responsible_body",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.responsiblebody"
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["uploaded_at", "id"],
                "base_manager_name": "objects",
                "indexes": [models.Index(fields=["responsible_body", "case"], name="casedocument_body_case")],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("size_bytes__gt", 0)), name="casedocument_not_empty")
                ],
            },
        ),
        EnableRowLevelSecurity("casedocument"),
    ]
