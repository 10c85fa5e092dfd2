"""Report files say what they are (``label``) and keep the order the build made them in
(``position``): a governance pack lists its summary before its appendix's parts."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportfile",
            name="label",
            field=models.CharField(
                blank=True,
                default="",
                help_text='What the file is ("Summary", "Appendix A, part 2 of 3").',
                max_length=200,
            ),
        ),
        migrations.AddField(
            model_name="reportfile",
            name="position",
            field=models.PositiveSmallIntegerField(
                default=0, help_text="The order the build made the files in: the report page and API list them so."
            ),
        ),
    ]
