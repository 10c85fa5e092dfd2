"""A case's timeline entry names the pool whose award or decision it is about (issue 16,
point 5), so that an auditor who reaches a case only through a grant on one pool does not
read the entries about another pool's award, as they do not read that award.

The services name the pool from now on. Existing entries about an award or decision take
the pool of the case's latest award made by the time of the entry: an approval, the award
it committed, its reviews, variations and end all come after their award and before the
next (a renewal ends the old award before it makes the new one). A refusal for headroom
(``headroom_shortfall``) of a change after review is about the running award's pool, which
it takes. Three kinds of entry are not backfilled as the services now write them, because
no row names their pool (the first two: tests/exceptional_resource/test_migration_case_event_pool.py):

- a renewal refused for headroom: the services name the pool the renewal was to draw on,
  but the refused decision and award were rolled back, and the entry's note and its audit
  row (``case.headroom_shortfall``) hold amounts only; it cannot be told from a refused
  change, so it takes the running award's pool (an auditor of that pool reads it, an
  auditor of the renewal's pool alone does not). A guess from the case's next award would
  be wrong for a change refused before a renewal, and for a renewal retried on another pool;
- a first decision refused for headroom (no award yet): none, so it is about the case;
- a recovery recorded on an older award after a renewal: the latest award's pool."""

import django.db.models.deletion
from django.db import migrations, models

POOL_VERBS = (
    "approve",
    "partly_approve",
    "award_committed",
    "award_superseded",
    "award_varied",
    "award_ended",
    "award_recovered",
    "headroom_shortfall",
    "review_due",
    "review_recorded",
    "review_end",
    "review_change",
    "renew",
)

# Row-level security is forced on both tables: the backfill reads and writes every body's
# rows as the platform, for this transaction only.
BACKFILL_SQL = f"""
SELECT set_config('app.platform', 'on', true);
UPDATE exceptional_resource_caseevent e
   SET pool_id = (
       SELECT a.pool_id FROM exceptional_resource_award a
        WHERE a.case_id = e.case_id AND a.created_at <= e.created_at
        ORDER BY a.created_at DESC, a.id DESC
        LIMIT 1)
 WHERE e.verb IN ({", ".join(f"'{v}'" for v in POOL_VERBS)});
SELECT set_config('app.platform', 'off', true);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("exceptional_resource", "0012_case_body_updated_index"),
        ("pooling", "0010_payment_line_returned_instalments"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="pool",
            field=models.ForeignKey(
                blank=True,
                help_text="The pool whose award or decision the entry is about (none: about the case itself).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="pooling.pool",
            ),
        ),
        migrations.RunSQL(BACKFILL_SQL, migrations.RunSQL.noop),
    ]
