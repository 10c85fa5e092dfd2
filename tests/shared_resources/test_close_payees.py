"""Closing a period with shared resources paid to their employer: every open commitment is
carried to the party it was committed to (the host school, as the award's school), exactly
what is unpaid, and the packs of the closed and the next period reconcile, for a resource
funded, varied and ended early beside an award."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from django.db.models import Sum

from assurance.governance.gather import gather, snapshot
from core.tenancy import tenant_context
from pooling.models import Instalment, Leg, Pool, Transaction
from pooling.services.payments import pool_close
from shared_resources.services.funding import funding_commit, funding_end, funding_vary
from tests.pooling.payments_support import award, confirm_and_pay
from tests.shared_resources.conftest import Scene, teacher

pytestmark = pytest.mark.django_db

BANK = {"sort_code": "12-34-56", "account_number": "12345678", "payment_reference": "IMF SPEC TEACH"}


def _funded(scene: Scene, funding_id: int) -> None:
    return None


def _varied(scene: Scene, funding_id: int) -> None:
    funding_vary(
        actor=scene.finance.user,
        tenant=scene.body,
        funding_id=funding_id,
        new_amount_pence=45_000_00,
        reason="0.8 FTE from January",
    )


def _ended(scene: Scene, funding_id: int) -> None:
    funding_end(
        actor=scene.finance.user, tenant=scene.body, funding_id=funding_id, end_on=date(2027, 1, 31), reason="Left"
    )


@pytest.mark.parametrize("change", [_funded, _varied, _ended], ids=["funded", "varied", "ended"])
def test_close_carries_each_commitment_to_its_party_and_both_packs_reconcile(scene: Scene, change) -> None:  # type: ignore[no-untyped-def]
    post = teacher(scene, **BANK)  # paid to its employer, committed against its host (Meadow Academy)
    funding = funding_commit(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=post.pk,
        pool_id=scene.pool.pk,
        amount_pence=60_000_00,
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
    )
    award(scene.finance, scene.pool, 12_000_00, school=scene.other_school, source_id="A-1", ends_on=date(2027, 8, 31))
    confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2026, 12, 1),
    )
    change(scene, funding.pk)
    confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2027, 3, 31),
        pay_on=date(2027, 3, 31),
    )
    with tenant_context(scene.body):
        unpaid: dict[int, int] = defaultdict(int)
        for school_id, amount in Instalment.objects.filter(status="scheduled").values_list(
            "schedule__school_id", "amount_pence"
        ):
            unpaid[school_id] += amount

    pool_close(actor=scene.finance.user, tenant=scene.body, pool=scene.pool, next_label="2027-28")

    with tenant_context(scene.body):
        old_commitments = Leg.objects.filter(account__pool=scene.pool, account__kind="commitments").aggregate(
            t=Sum("amount_pence")
        )["t"]
        next_pool = Pool.objects.get(label="2027-28")
        carried = {
            (school, payee): -amount
            for school, payee, amount in Leg.objects.filter(account__pool=next_pool, account__kind="commitments")
            .values_list("school_id", "payee_id")
            .annotate(t=Sum("amount_pence"))
            .values_list("school_id", "payee_id", "t")
        }
        carry = Transaction.objects.get(kind="carry_forward")
        assert sum(carry.legs.values_list("amount_pence", flat=True)) == 0
    assert old_commitments == 0  # the old period's commitments all left it
    assert carried == {(school, None): amount for school, amount in unpaid.items() if amount}
    assert unpaid[scene.other_school.pk] > 0  # the award runs to August
    assert all(payee is None for _, payee in carried)  # no commitment carried to a payee

    with snapshot(scene.body):
        old_pack = gather(tenant=scene.body, pool=scene.pool, period_end=date(2027, 3, 31))
        new_pack = gather(tenant=scene.body, pool=next_pool, period_end=date(2028, 3, 31))
    assert old_pack.reconciled, [c for c in old_pack.checks if not c.ok]
    assert new_pack.reconciled, [c for c in new_pack.checks if not c.ok]


def test_the_journal_names_the_payee_of_legs_paid_to_a_payee(scene: Scene) -> None:
    from pooling.remittances import JOURNAL_HEADER, journal_row
    from pooling.selectors.payments import journal_legs

    post = teacher(scene, **BANK)
    funding_commit(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=post.pk,
        pool_id=scene.pool.pk,
        amount_pence=60_000_00,
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
    )
    confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 10, 31),
        pay_on=date(2026, 11, 2),
    )
    with tenant_context(scene.body):
        rows = [
            journal_row(leg)
            for leg in journal_legs(tenant=scene.body, date_from=date(2026, 4, 1), date_to=date(2027, 3, 31))
        ]
    column = JOURNAL_HEADER.index("Payee")
    named = sorted((row[4], row[column]) for row in rows if row[column])
    assert named == [
        ("Payable to schools", "Meadow Trust (employer)"),
        ("Payable to schools", "Meadow Trust (employer)"),
        ("Payments made", "Meadow Trust (employer)"),
    ]
    assert all(row[column] == "" for row in rows if row[8])  # a school's legs name the school's URN, not a payee


def test_a_payment_returned_to_a_payee_shows_on_its_resource_and_the_pack_reconciles(scene: Scene) -> None:
    from django.test import Client
    from django.urls import reverse

    from pooling.models import PaymentRunLine
    from pooling.services.payment_returns import payment_run_line_return

    post = teacher(scene, **BANK)
    funding_commit(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=post.pk,
        pool_id=scene.pool.pk,
        amount_pence=60_000_00,
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
    )
    run = confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 10, 31),
        pay_on=date(2026, 11, 2),
    )
    with tenant_context(scene.body):
        line = PaymentRunLine.objects.get(payment_run=run, payee__isnull=False)
    payment_run_line_return(
        actor=scene.finance.user,
        tenant=scene.body,
        payment_run_id=run.pk,
        line_id=line.pk,
        returned_on=date(2026, 11, 5),
        reason="Sort code and account number do not match",
    )
    with tenant_context(scene.body):
        legs = sorted(
            Leg.objects.filter(transaction__kind="payment_returned").values_list(
                "account__kind", "school_id", "payee_id"
            )
        )
    assert legs == [("commitments", scene.school.pk, None), ("payments_made", None, line.payee_id)]
    with snapshot(scene.body):
        pack = gather(tenant=scene.body, pool=scene.pool, period_end=date(2027, 3, 31))
    assert pack.reconciled, [c for c in pack.checks if not c.ok]
    assert pack.totals.payments == 0
    client = Client()
    client.force_login(scene.finance.user)
    page = client.get(
        reverse("shared-resources:resource", kwargs={"body_slug": scene.body.slug, "sharedresource_id": post.pk})
    ).content.decode()
    assert "The bank returned payments to Meadow Trust (employer)" in page
    assert "returned on 5 November 2026: Sort code and account number do not match" in page
