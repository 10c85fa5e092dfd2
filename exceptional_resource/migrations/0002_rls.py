from django.db import migrations

from core.rls import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("exceptional_resource", "0001_initial")]

    operations = [
        EnableRowLevelSecurity(name)
        for name in ("pupil", "case", "provisionrow", "resourceline", "outcome", "caseevent")
    ]
