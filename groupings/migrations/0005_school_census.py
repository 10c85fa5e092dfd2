import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("groupings", "0004_approved_arrangements_hold_the_school"),
    ]

    operations = [
        migrations.CreateModel(
            name="SchoolCensus",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("urn", models.PositiveIntegerField(verbose_name="URN")),
                (
                    "academic_year",
                    models.PositiveSmallIntegerField(help_text="First year of the academic year: 2022 for 2022/23."),
                ),
                ("school_type", models.CharField(blank=True, max_length=80)),
                ("la_code", models.CharField(blank=True, max_length=3, verbose_name="LA code")),
                ("pupils_total", models.PositiveIntegerField(blank=True, null=True, verbose_name="pupils on roll")),
                (
                    "ehc_plan_pupils",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="pupils with an EHC plan"),
                ),
                (
                    "sen_support_pupils",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="pupils on SEN support"),
                ),
                ("source", models.CharField(blank=True, max_length=200)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name_plural": "school census figures",
                "ordering": ["urn", "-academic_year"],
                "constraints": [
                    models.UniqueConstraint(fields=("urn", "academic_year"), name="one_census_row_per_school_and_year"),
                    models.CheckConstraint(
                        condition=models.Q(("academic_year__gte", 2000), ("academic_year__lte", 2100)),
                        name="census_year_plausible",
                    ),
                ],
            },
        ),
    ]
