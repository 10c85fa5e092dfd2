"""The synthetic data set (issue 9): small scales are written, every ledger invariant
holds, the audit chains verify, and the same seed gives the same rows."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from accounts.models import Membership, ResponsibleBody
from core.audit import audit_verify
from core.tenancy import platform_context, tenant_context
from devtools.synthetic import generate
from devtools.synthetic.checks import check_invariants
from exceptional_resource.models import Award, Case, CaseEvent
from pooling.models import Leg, Pool
from pooling.selectors.ledger import pool_headroom

AS_OF = date(2026, 11, 28)


@pytest.mark.django_db
def test_demo_scale_is_written_and_every_ledger_invariant_holds() -> None:
    result = generate(scale="demo", seed=3, as_of=AS_OF)

    assert check_invariants() == []
    with platform_context():
        bodies = list(
            ResponsibleBody.objects.filter(slug__in=["la-202"])
            | ResponsibleBody.objects.filter(slug__startswith="trust-1")
        )
        assert len(bodies) == result.bodies
        assert Pool.objects.filter(responsible_body__in=bodies).count() == 3 * result.bodies
        assert Case.objects.filter(responsible_body__in=bodies).count() == result.counts["Case"]
        assert Leg.objects.filter(responsible_body__in=bodies).count() == result.counts["Leg"]
        states = set(Case.objects.filter(responsible_body__in=bodies).values_list("status", flat=True))
        assert {"draft", "submitted", "declined", "active", "ended"} <= states
        assert audit_verify(body_ids=[b.pk for b in bodies]) == []
    la = next(b for b in bodies if b.slug == "la-202")
    with tenant_context(la):
        pool = Pool.objects.get(label="2026-27")
        headroom = pool_headroom(tenant=la, pool=pool)
        awarded = sum(Award.objects.filter(pool=pool).values_list("amount_pence", flat=True))
        assert Membership.objects.filter(role="head").count() > 0
    assert headroom.available_on_expected_pence >= 0
    assert headroom.expected_pence > 0
    assert awarded > 0
    assert headroom.committed_outstanding_pence <= awarded


@pytest.mark.django_db
def test_an_award_out_of_step_with_its_commitment_is_reported_by_the_checks() -> None:
    generate(scale="demo", seed=3, as_of=AS_OF)
    with platform_context():
        award = Award.objects.order_by("id").first()
        assert award is not None
        Award.objects.filter(pk=award.pk).update(amount_pence=award.amount_pence + 1)

    problems = check_invariants()

    assert problems == [f"each award's commitment equals its amount: broken for {award.pk}"]


@pytest.mark.django_db
def test_the_database_refuses_an_unbalanced_leg_in_generated_data() -> None:
    generate(scale="demo", seed=3, as_of=AS_OF)
    with platform_context(), connection.cursor() as cursor:
        cursor.execute("SELECT id, pool_id, responsible_body_id FROM pooling_transaction ORDER BY id LIMIT 1")
        txn_id, pool_id, body_id = cursor.fetchone()
        cursor.execute("SELECT id FROM pooling_account WHERE pool_id = %s AND kind = 'awards'", [pool_id])
        account_id = cursor.fetchone()[0]
        with pytest.raises(IntegrityError, match=f"ledger transaction {txn_id} is unbalanced"), transaction.atomic():
            cursor.execute(
                "INSERT INTO pooling_leg (responsible_body_id, transaction_id, account_id, amount_pence) "
                "VALUES (%s, %s, %s, 7)",
                [body_id, txn_id, account_id],
            )


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows() -> None:
    first = generate(scale="trust", seed=5, as_of=AS_OF, dry_run=True)
    again = generate(scale="trust", seed=5, as_of=AS_OF, dry_run=True)
    other = generate(scale="trust", seed=6, as_of=AS_OF, dry_run=True)

    assert first.digest == again.digest
    assert first.counts == again.counts
    assert other.digest != first.digest
    assert first.counts["Case"] == pytest.approx(6_000, rel=0.02)
    assert first.bodies > 10


@pytest.mark.django_db
def test_trust_scale_is_written_with_every_invariant_holding() -> None:
    result = generate(scale="trust", seed=5, as_of=AS_OF)

    assert check_invariants() == []
    assert result.counts["Leg"] > 40_000
    with platform_context():
        assert Case.objects.filter(reference__startswith="ER-").count() >= result.counts["Case"]


def test_two_parts_make_every_body_once() -> None:
    whole = generate(scale="trust", seed=5, as_of=AS_OF, dry_run=True)
    first = generate(scale="trust", seed=5, as_of=AS_OF, dry_run=True, part=(0, 2))
    second = generate(scale="trust", seed=5, as_of=AS_OF, dry_run=True, part=(1, 2))

    assert first.bodies + second.bodies == whole.bodies
    for model, count in whole.counts.items():
        assert first.counts.get(model, 0) + second.counts.get(model, 0) == count, model


def test_the_command_reports_a_dry_run_with_its_digest() -> None:
    out = io.StringIO()
    call_command("generate_synthetic", "--scale", "demo", "--seed", "3", "--as-of", "2026-11-28", "--dry-run",
                 stdout=out)  # fmt: skip
    expected = generate(scale="demo", seed=3, as_of=AS_OF, dry_run=True)

    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith(f"demo seed 3: {expected.bodies:,} bodies")
    assert f"{expected.counts['Case']:,} cases" in last
    assert last.endswith(f"digest {expected.digest[:16]}")


def test_the_command_refuses_production_settings(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings.SETTINGS_MODULE = "config.settings.production"
    monkeypatch.delenv("ALLOW_SYNTHETIC_DATA", raising=False)
    with pytest.raises(CommandError, match="Refusing to write synthetic data with production settings"):
        call_command("generate_synthetic", "--scale", "demo", "--seed", "3", "--dry-run", stdout=io.StringIO())


def test_the_largest_body_can_be_given_its_own_number_of_cases_and_made_alone() -> None:
    """Issue 22: ``--largest-body-cases`` sets the largest LA's cases over its periods;
    ``--largest-body-only`` makes that body alone, its rows as in the whole set but for
    the cases."""
    whole = generate(scale="trust", seed=5, as_of=AS_OF, dry_run=True)
    alone = generate(scale="trust", seed=5, as_of=AS_OF, dry_run=True, largest_body_cases=900, largest_body_only=True)

    assert alone.bodies == 1
    assert 897 <= alone.counts["Case"] <= 903  # rounded a period at a time
    assert alone.counts["Case"] == alone.counts["Pupil"]
    assert alone.counts["ResponsibleBody"] == 1
    assert whole.counts["Case"] - alone.counts["Case"] > 4_000  # the rest of the trust-scale set
    again = generate(scale="trust", seed=5, as_of=AS_OF, dry_run=True, largest_body_cases=900, largest_body_only=True)
    assert again.digest == alone.digest


@pytest.mark.parametrize("bad", ["0", "-5", "100000"])
def test_the_command_refuses_a_largest_body_case_count_out_of_range(bad: str) -> None:
    with pytest.raises(CommandError, match="--largest-body-cases must be between 1 and 99,999"):
        call_command(
            "generate_synthetic", "--scale", "demo", "--dry-run", "--largest-body-cases", bad, stdout=io.StringIO()
        )


@pytest.mark.django_db
def test_each_generated_case_event_names_the_pool_of_the_award_it_follows() -> None:
    """Exceptional_resource migration 0013's rule, over every generated entry: an entry
    written with or after the case's award is about that award's pool; the entries before it
    (created, submitted, information requested, withdrawn) and a refusal's are about none.
    An auditor granted the pool reads them; an auditor of another pool does not."""
    generate(scale="demo", seed=3, as_of=AS_OF)

    with platform_context():
        awards = {a.case_id: a for a in Award.objects.all()}
        events = list(CaseEvent.objects.all())
    made = {case_id: (award.created_at, award.pool_id) for case_id, award in awards.items()}
    expected = {e.pk: made[e.case_id][1] if e.case_id in made and made[e.case_id][0] <= e.created_at else None
                for e in events}  # fmt: skip
    assert {e.pk: e.pool_id for e in events} == expected
    about_pools = [e for e in events if e.pool_id is not None]
    assert {e.verb for e in about_pools} >= {"approved", "active", "ended"}
    assert len({e.pool_id for e in about_pools}) > 3
    assert all(e.pool_id is None for e in events if e.verb in {"created", "submitted", "declined"})
