import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations

# Django renders GinIndex(OpClass(expression)) with the operator class inside the
# expression's parentheses, which PostgreSQL rejects; the SQL is written here by hand and
# the model state is kept in step with ``state_operations``.
FORWARD = """
DROP INDEX IF EXISTS school_name_trgm;
DROP INDEX IF EXISTS school_trust_name_trgm;
CREATE INDEX school_name_upper_trgm ON groupings_school USING gin ((upper(name)) gin_trgm_ops);
CREATE INDEX school_trust_upper_trgm ON groupings_school USING gin ((upper(trust_name)) gin_trgm_ops);
"""
BACKWARD = """
DROP INDEX IF EXISTS school_name_upper_trgm;
DROP INDEX IF EXISTS school_trust_upper_trgm;
CREATE INDEX school_name_trgm ON groupings_school USING gin (name gin_trgm_ops);
CREATE INDEX school_trust_name_trgm ON groupings_school USING gin (trust_name gin_trgm_ops);
"""


class Migration(migrations.Migration):
    dependencies = [("groupings", "0002_register_arrangements_policy")]

    operations = [
        migrations.RunSQL(
            FORWARD,
            BACKWARD,
            state_operations=[
                migrations.RemoveIndex(model_name="school", name="school_name_trgm"),
                migrations.RemoveIndex(model_name="school", name="school_trust_name_trgm"),
                migrations.AddIndex(
                    model_name="school",
                    index=django.contrib.postgres.indexes.GinIndex(
                        django.contrib.postgres.indexes.OpClass(
                            django.db.models.functions.text.Upper("name"), name="gin_trgm_ops"
                        ),
                        name="school_name_upper_trgm",
                    ),
                ),
                migrations.AddIndex(
                    model_name="school",
                    index=django.contrib.postgres.indexes.GinIndex(
                        django.contrib.postgres.indexes.OpClass(
                            django.db.models.functions.text.Upper("trust_name"), name="gin_trgm_ops"
                        ),
                        name="school_trust_upper_trgm",
                    ),
                ),
            ],
        ),
    ]
