"""Autovacuum keeps up with the ledger (issue 22). Legs and transactions are only ever
inserted, and PostgreSQL vacuums an insert-only table after inserts of 20% of its size by
default: on a national ledger of three million legs, once every 600,000 legs, so the pages of
the current pool (the ones every headroom reads) would stay out of the visibility map for
months and each balance's index-only scan (``leg_body_account_amount``) would read them from
the heap. At 1% an insert-only vacuum runs every 30,000 or so legs and only visits the new
pages."""

from django.db import migrations

TABLES = ("pooling_leg", "pooling_transaction")
SETTINGS = "autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02"


class Migration(migrations.Migration):
    dependencies = [
        ("pooling", "0012_leg_balance_index"),
    ]

    operations = [
        migrations.RunSQL(
            [f"ALTER TABLE {table} SET ({SETTINGS})" for table in TABLES],
            [
                f"ALTER TABLE {table} RESET (autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor)"
                for table in TABLES
            ],
        ),
    ]
