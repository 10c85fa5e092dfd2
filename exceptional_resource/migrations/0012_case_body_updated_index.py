"""The case list reads a body's cases by last change (``-updated_at, -id``): an index in that
order lets a page (and a deep page's ids, issue 22) be read from it instead of sorting every
case of the body."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("exceptional_resource", "0011_retention_and_legal_holds")]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                models.F("responsible_body"),
                models.F("updated_at").desc(),
                models.F("id").desc(),
                name="case_body_updated",
            ),
        ),
    ]
