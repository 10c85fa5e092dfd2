import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from core.rls import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_membership_user_clause_read_only"),
        ("exceptional_resource", "0003_decisions_and_awards"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseComment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("author_label", models.CharField(max_length=254)),
                ("text", models.TextField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="comments",
                        to="exceptional_resource.case",
                    ),
                ),
                (
                    "responsible_body",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.responsiblebody"
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "id"],
                "base_manager_name": "objects",
                "indexes": [models.Index(fields=["responsible_body", "case", "created_at"], name="casecomment_case")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("text", ""), _negated=True), name="casecomment_text_not_empty"
                    )
                ],
            },
        ),
        EnableRowLevelSecurity("casecomment"),
    ]
