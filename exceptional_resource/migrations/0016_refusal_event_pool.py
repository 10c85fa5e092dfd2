"""The timeline entries migration 0013 left without a pool that the services now name
(``CaseEvent.pool``), so that only the auditors of that pool read them:

- a refusal kept on the case's record (``recused``, ``escalated``, ``segregation_refused``),
  from a decision, a review decision or varying an award, is about the award running when
  it was refused: the case's latest award made by then, unless an ``award_ended`` entry of
  the case since that award was made says it had ended. The refused decision was rolled
  back and neither the entry (a fixed note) nor its audit row (the limit and amount, or the
  policy version) names a pool, so three kinds are tagged as the services would not, or left
  as they are (tests/exceptional_resource/test_migration_refusal_event_pool.py):

  - a refused renewal after a review: the services name the pool the renewal was to draw
    on; it cannot be told from a refused change, and takes the running award's pool, as a
    renewal refused for headroom did in 0013;
  - a refused first decision, or a decision refused after the case's award had ended: the
    services name the pool the approval named; no row does, so it stays about the case;
  - a refused variation of an award that had already ended (segregation is checked first):
    the services name that award's pool; this takes the running award's, or none.

- a decline that ended a running award (a reconsideration declined) is about that award:
  the decision it records names it (``Decision.acts_on_award``; decisions before migration
  0009 name none and their entries stay about the case). The decision is made before its
  entry, in the same transaction, so it is the case's latest decision by the entry's time.

Reversing leaves the entries as they are: a pool named here is the one the services name."""

from django.db import migrations

REFUSAL_VERBS = ("recused", "escalated", "segregation_refused")

# Row-level security is forced on these tables: the backfill reads and writes every body's
# rows as the platform, for this transaction only.
BACKFILL_SQL = f"""
SELECT set_config('app.platform', 'on', true);
UPDATE exceptional_resource_caseevent e
   SET pool_id = (
       SELECT a.pool_id FROM exceptional_resource_award a
        WHERE a.case_id = e.case_id AND a.created_at <= e.created_at
          AND NOT EXISTS (
              SELECT 1 FROM exceptional_resource_caseevent ended
               WHERE ended.case_id = e.case_id AND ended.verb = 'award_ended'
                 AND ended.created_at >= a.created_at AND ended.created_at <= e.created_at)
        ORDER BY a.created_at DESC, a.id DESC
        LIMIT 1)
 WHERE e.pool_id IS NULL AND e.verb IN ({", ".join(f"'{v}'" for v in REFUSAL_VERBS)});
UPDATE exceptional_resource_caseevent e
   SET pool_id = (
       SELECT a.pool_id
         FROM (SELECT d.outcome, d.acts_on_award_id FROM exceptional_resource_decision d
                WHERE d.case_id = e.case_id AND d.decided_at <= e.created_at
                ORDER BY d.decided_at DESC, d.id DESC
                LIMIT 1) latest
         JOIN exceptional_resource_award a ON a.id = latest.acts_on_award_id
        WHERE latest.outcome = 'declined')
 WHERE e.pool_id IS NULL AND e.verb = 'decline';
SELECT set_config('app.platform', 'off', true);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("exceptional_resource", "0015_case_autovacuum"),
    ]

    operations = [
        migrations.RunSQL(BACKFILL_SQL, migrations.RunSQL.noop),
    ]
