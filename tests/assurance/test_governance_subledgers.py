"""The governance pack's reconciliation of the subledgers to the ledger: instalments paid
against payments made, each payment run against its lines, its paid instalments and its
payment postings, and each award's amount against its net commitment. Every legitimate
history reconciles; a subledger row changed behind the services' back fails the run,
naming the row and both figures."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db.models import F, Sum
from django.utils import timezone

from assurance.governance.subledgers import award_checks, payment_checks
from core.models import AuditEvent
from core.money import format_pence
from core.tenancy import tenant_context
from exceptional_resource.models import Award
from exceptional_resource.services import awards as award_services
from exceptional_resource.services.reviews import review_decide
from pooling.models import AccountKind, Instalment, Leg, PaymentRun, PaymentRunLine, Pool, Transaction, TransactionKind
from pooling.selectors import pool_balances
from pooling.services.ledger import LegSpec, post
from pooling.services.payments import pool_close
from reports import services as report_services
from tests.assurance.governance_support import (
    CRITERIA,
    GovScene,
    award_of,
    decided_case,
    failure_of,
    governance_scene,
    pack_of,
    subledger_figures,
)
from tests.pooling.payments_support import confirm_and_pay
from tests.reports.reports_support import files_of, report_media, run_of, stored_paths

# Written against the funding period 2026-27: the clock is frozen inside it (make test-dates).
pytestmark = pytest.mark.date_sensitive(today=date(2026, 12, 7))

__all__ = ["report_media"]
FAILED = "The governance pack does not reconcile to the ledger, so it was not produced. "

# The seeded pool's six awards are paid monthly from 1 September 2026 to 31 March 2027
# (212 days), split by days: September gets amount * 30 // 212 and October amount * 31 // 212.
# The one run (up to 31 October, paid 2 November) pays those two months of each.
AWARDS = 7_000_00 + 7_500_50 + 8_000_00 + 8_250_25 + 9_000_00 + 10_500_00
RUN_PRIMARY = 2_014_14 + 2_158_16 + 2_301_88 + 2_373_88 + 2_589_61
RUN_SECONDARY = 3_021_21
RUN = RUN_PRIMARY + RUN_SECONDARY


def _only_run(scene: GovScene) -> PaymentRun:
    with tenant_context(scene.body):
        return PaymentRun.objects.get(pool=scene.pool)


def _payment_transactions(scene: GovScene, run: PaymentRun) -> list[int]:
    with tenant_context(scene.body):
        return list(
            Transaction.objects.filter(source_type="payment_run", source_id=str(run.pk), kind="payment")
            .order_by("pk")
            .values_list("pk", flat=True)
        )


@pytest.mark.django_db
def test_the_seeded_pools_instalments_runs_and_awards_agree_with_the_ledger_to_the_penny() -> None:
    scene = governance_scene()
    pack = pack_of(scene)
    assert pack.reconciled, failure_of(pack)
    assert subledger_figures(pack) == {
        "Paid instalments (payments made)": (RUN, RUN),
        "Payment runs: totals against their lines (1 paid)": (RUN, RUN),
        "Payment runs: totals against paid instalments": (RUN, RUN),
        "Payment runs: totals against payment postings": (RUN, RUN),
        "Awards: amounts against net commitments (6 awards)": (AWARDS, AWARDS),
    }
    run = _only_run(scene)
    with tenant_context(scene.body):
        lines = dict(PaymentRunLine.objects.filter(payment_run=run).values_list("school_id", "amount_pence"))
    assert run.total_pence == RUN == 14_458_88
    assert lines == {scene.primary.pk: RUN_PRIMARY, scene.secondary.pk: RUN_SECONDARY}
    assert len(pack.checks) == 17  # twelve of the pack's own totals (recoveries among them), five subledger checks


@pytest.mark.django_db
def test_awards_varied_up_and_down_ended_early_and_renewed_reconcile_and_a_later_run_waits_for_its_date() -> None:
    scene = governance_scene()
    officer, body = scene.officer, scene.body
    up, ended, renewed, down = scene.cases[:4]
    review_decide(
        actor=officer,
        tenant=body,
        case_id=up.pk,
        decision="change",
        reasons="More sessions",
        amount_pence=9_000_00,
        review_on=date(2027, 3, 1),
    )
    review_decide(
        actor=officer, tenant=body, case_id=ended.pk, decision="end", reasons="Moved", end_on=date(2026, 12, 31)
    )
    review_decide(
        actor=officer,
        tenant=body,
        case_id=renewed.pk,
        decision="renew",
        reasons="Still needed",
        criteria_met=CRITERIA,
        amount_pence=4_000_00,
        pool_id=scene.pool.pk,
        frequency="monthly",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 3, 31),
        review_on=date(2027, 3, 1),
    )
    award_services.award_vary(
        actor=officer, tenant=body, award_id=award_of(scene, down).pk, new_amount_pence=5_000_00, reason="Fewer"
    )
    november = confirm_and_pay(
        actor=scene.finance, tenant=body, pool=scene.pool, due_up_to=date(2026, 11, 30), pay_on=date(2026, 12, 1)
    )

    # Ending early released January to March (31 + 28 + 31 of 212 days, March taking the
    # rounding) and left the award's amount as it was: the ledger commits the rest.
    released = 1_096_77 + 990_63 + 1_096_78
    ended_award = award_of(scene, ended)
    with tenant_context(body):
        event = AuditEvent.objects.get(verb="award.ended_early", object_id=str(ended_award.pk))
        committed = Leg.objects.filter(
            account__kind=AccountKind.AWARDS, transaction__source_type="award", transaction__source_id=ended_award.pk
        ).aggregate(total=Sum("amount_pence"))["total"]
        assert Award.objects.filter(case=renewed).count() == 2
    assert (ended_award.status, ended_award.amount_pence) == ("ended", 7_500_50)
    assert event.after["released_pence"] == released
    assert committed == 7_500_50 - released

    awards = 9_000_00 + 7_500_50 + 8_000_00 + 5_000_00 + 9_000_00 + 10_500_00 + 4_000_00
    # November's instalments: the unchanged awards' 30/212 share, and the varied awards'
    # unpaid rest re-split over November to March (151 days), November's 30/151 share.
    paid_in_november = (
        (9_000_00 - 2_014_14) * 30 // 151
        + 1_061_39
        + 1_132_07
        + (5_000_00 - 2_373_88) * 30 // 151
        + 1_273_58
        + 1_485_84
    )
    assert november.total_pence == paid_in_november
    before_it_pays = pack_of(scene, period_end=date(2026, 11, 30))
    assert before_it_pays.reconciled, failure_of(before_it_pays)
    assert subledger_figures(before_it_pays) == {
        "Paid instalments (payments made)": (RUN, RUN),
        "Payment runs: totals against their lines (1 paid)": (RUN, RUN),
        "Payment runs: totals against paid instalments": (RUN, RUN),
        "Payment runs: totals against payment postings": (RUN, RUN),
        "Awards: amounts against net commitments (7 awards)": (awards, awards),
    }
    both = RUN + paid_in_november
    at_year_end = pack_of(scene, period_end=date(2027, 3, 31))
    assert at_year_end.reconciled, failure_of(at_year_end)
    assert subledger_figures(at_year_end) == {
        "Paid instalments (payments made)": (both, both),
        "Payment runs: totals against their lines (2 paid)": (both, both),
        "Payment runs: totals against paid instalments": (both, both),
        "Payment runs: totals against payment postings": (both, both),
        "Awards: amounts against net commitments (7 awards)": (awards, awards),
    }


@pytest.mark.django_db
def test_an_award_changed_after_its_period_closed_reconciles_in_both_pools() -> None:
    """Closing moves a part-paid schedule to the next pool, where a later change posts: an
    award's net commitment is summed over the body's pools, and what a run paid stays with
    the pool whose run paid it (not the pool its schedule is in now)."""
    scene = governance_scene()
    longer = decided_case(scene, scene.primary, need="HI", amount=6_000_00, ends_on=date(2027, 6, 30))
    confirm_and_pay(
        actor=scene.finance, tenant=scene.body, pool=scene.pool, due_up_to=date(2027, 3, 31), pay_on=date(2027, 3, 31)
    )
    pool_close(actor=scene.finance, tenant=scene.body, pool=scene.pool, next_label="2027-28")
    award = award_of(scene, longer)
    award_services.award_vary(
        actor=scene.officer, tenant=scene.body, award_id=award.pk, new_amount_pence=6_600_00, reason="More"
    )
    with tenant_context(scene.body):
        next_pool = Pool.objects.get(label="2027-28")
        by_pool = dict(
            Leg.objects.filter(account__kind=AccountKind.AWARDS, transaction__source_id=str(award.pk))
            .filter(transaction__source_type="award")
            .values_list("account__pool_id")
            .annotate(total=Sum("amount_pence"))
        )
        moved_and_paid = Instalment.objects.filter(schedule__pool=next_pool, status="paid").aggregate(
            total=Sum("amount_pence")
        )["total"]
    assert by_pool == {scene.pool.pk: 6_000_00, next_pool.pk: 600_00}
    assert moved_and_paid > 0

    closed = pack_of(scene, period_end=date(2027, 3, 31))
    assert closed.reconciled, failure_of(closed)
    assert subledger_figures(closed)["Awards: amounts against net commitments (7 awards)"] == (
        AWARDS + 6_600_00,
        AWARDS + 6_600_00,
    )
    following = pack_of(scene, pool=next_pool, period_end=date(2027, 4, 30))
    assert following.reconciled, failure_of(following)
    assert subledger_figures(following) == {
        "Paid instalments (payments made)": (0, 0),
        "Payment runs: totals against their lines (0 paid)": (0, 0),
        "Payment runs: totals against paid instalments": (0, 0),
        "Payment runs: totals against payment postings": (0, 0),
        "Awards: amounts against net commitments (0 awards)": (0, 0),
    }


@pytest.mark.django_db
def test_a_run_posted_in_batches_reconciles_and_a_reversed_batch_is_named() -> None:
    """As the synthetic generator posts a run: its payment in one transaction per batch of
    schools. Every batch counts, and so does a reversal of one."""
    scene = governance_scene()
    body, finance = scene.body, scene.finance
    with tenant_context(body):
        due = Instalment.objects.filter(schedule__pool=scene.pool, status="scheduled", due_on=date(2026, 11, 1))
        per_school = {
            r["schedule__school_id"]: int(r["total"])
            for r in due.values("schedule__school_id").annotate(total=Sum("amount_pence")).order_by()
        }
        run = PaymentRun.objects.create(
            responsible_body=body,
            pool=scene.pool,
            due_up_to=date(2026, 11, 30),
            pay_on=date(2026, 11, 20),
            status="paid",  # its payment is posted below: a paid run
            sent_at=timezone.now(),
            paid_on=date(2026, 11, 20),
            total_pence=sum(per_school.values()),
            created_by_label="batches",
        )
        for school_id, amount in per_school.items():
            PaymentRunLine.objects.create(
                responsible_body=body, payment_run=run, school_id=school_id, amount_pence=amount
            )
        due.update(status="paid", payment_run=run)
    batches = []
    for n, (school_id, amount) in enumerate(sorted(per_school.items())):
        for stage, kind, debit, credit in (
            ("payable", TransactionKind.PAYABLE, AccountKind.COMMITMENTS, AccountKind.PAYABLE_TO_SCHOOLS),
            ("payment", TransactionKind.PAYMENT, AccountKind.PAYABLE_TO_SCHOOLS, AccountKind.PAYMENTS_MADE),
        ):
            txn, _ = post(
                actor=finance,
                tenant=body,
                pool=scene.pool,
                kind=kind,
                posted_on=run.pay_on,
                description=f"Payment run {run.pk}: {stage}",
                idempotency_key=f"{body.pk}:payment-run:{run.pk}:{stage}:{n}",
                source_type="payment_run",
                source_id=str(run.pk),
                legs=[LegSpec(debit, amount, school_id), LegSpec(credit, -amount, school_id)],
            )
            if kind == TransactionKind.PAYMENT:
                batches.append(txn)
    assert len(batches) == 2
    pack = pack_of(scene)
    assert pack.reconciled, failure_of(pack)
    both = RUN + run.total_pence
    assert subledger_figures(pack)["Payment runs: totals against payment postings"] == (both, both)

    secondary = batches[1]
    reversal, _ = post(
        actor=finance,
        tenant=body,
        pool=scene.pool,
        kind=TransactionKind.REVERSAL,
        posted_on=run.pay_on,
        description="Reversal: posted in error",
        idempotency_key=f"{body.pk}:reversal:{secondary.pk}",
        source_type="transaction",
        source_id=str(secondary.pk),
        legs=[
            LegSpec(AccountKind.PAYMENTS_MADE, per_school[scene.secondary.pk], scene.secondary.pk),
            LegSpec(AccountKind.PAYABLE_TO_SCHOOLS, -per_school[scene.secondary.pk], scene.secondary.pk),
        ],
        reverses=secondary,
    )
    posted = both - per_school[scene.secondary.pk]
    total, left = format_pence(run.total_pence), format_pence(run.total_pence - per_school[scene.secondary.pk])
    assert failure_of(pack_of(scene)) == (
        f"{FAILED}Paid instalments (payments made): the instalments marked paid sum to {format_pence(both)} "
        f"but the ledger's payments made show {format_pence(posted)} "
        f"(payment runs whose paid instalments differ from their payment postings: {run.pk}); "
        "Payment runs: totals against payment postings: the paid runs' totals sum to "
        f"{format_pence(both)} but their payment postings credit payments made with {format_pence(posted)}; "
        f"Payment run {run.pk} (paid on 20 November 2026), total against its payment postings: its total is "
        f"{total} but its payment postings credit payments made with {left} "
        f"(transactions {batches[0].pk}, {secondary.pk}, {reversal.pk})."
    )


@pytest.mark.django_db
def test_a_tampered_paid_instalment_fails_the_run_naming_the_run_and_both_figures(report_media: Path) -> None:
    scene = governance_scene()
    run = _only_run(scene)
    with tenant_context(scene.body):
        # The secondary school's September instalment, paid by the run, a penny more.
        assert Instalment.objects.filter(payment_run=run, amount_pence=1_485_84).update(
            amount_pence=F("amount_pence") + 1
        )
    request = report_services.report_run_request(
        actor=scene.finance,
        tenant=scene.body,
        report_type="governance_pack",
        data={"pool": scene.pool.pk, "period_end": timezone.localdate().isoformat()},
    )
    assert report_services.report_run_execute(report_run_id=request.pk, task_id="t-instalment") == "failed"
    assert run_of(scene.body, request.pk).error_message == (
        f"{FAILED}Paid instalments (payments made): the instalments marked paid sum to £14,458.89 "
        "but the ledger's payments made show £14,458.88 "
        f"(payment runs whose paid instalments differ from their payment postings: {run.pk}); "
        "Payment runs: totals against paid instalments: the paid runs' totals sum to £14,458.88 "
        "but the instalments they paid sum to £14,458.89; "
        f"Payment run {run.pk} (paid on 2 November 2026), total against its paid instalments: "
        "its total is £14,458.88 but the instalments it paid sum to £14,458.89."
    )
    assert files_of(scene.body, request.pk) == []
    # No report file stored (the run's bank file, stored when it was sent, is not the pack's).
    assert [p for p in stored_paths(report_media) if not p.startswith("bank-files/")] == []


@pytest.mark.django_db
def test_a_tampered_run_total_line_or_status_is_named_with_both_figures() -> None:
    scene = governance_scene()
    run = _only_run(scene)
    [payment] = _payment_transactions(scene, run)
    label = f"Payment run {run.pk} (paid on 2 November 2026)"
    with tenant_context(scene.body):
        PaymentRun.objects.filter(pk=run.pk).update(total_pence=F("total_pence") + 1_00)
    assert failure_of(pack_of(scene)) == (
        f"{FAILED}Payment runs: totals against their lines (1 paid): the paid runs' totals sum to "
        "£14,459.88 but their lines sum to £14,458.88; "
        "Payment runs: totals against paid instalments: the paid runs' totals sum to £14,459.88 "
        "but the instalments they paid sum to £14,458.88; "
        "Payment runs: totals against payment postings: the paid runs' totals sum to £14,459.88 "
        "but their payment postings credit payments made with £14,458.88; "
        f"{label}, total against its lines: its total is £14,459.88 but its lines sum to £14,458.88; "
        f"{label}, total against its paid instalments: its total is £14,459.88 "
        "but the instalments it paid sum to £14,458.88; "
        f"{label}, total against its payment postings: its total is £14,459.88 "
        f"but its payment postings credit payments made with £14,458.88 (transactions {payment})."
    )
    with tenant_context(scene.body):
        PaymentRun.objects.filter(pk=run.pk).update(total_pence=F("total_pence") - 1_00)
        PaymentRunLine.objects.filter(payment_run=run, school=scene.secondary).update(
            amount_pence=F("amount_pence") - 5
        )
    assert failure_of(pack_of(scene)) == (
        f"{FAILED}Payment runs: totals against their lines (1 paid): the paid runs' totals sum to "
        "£14,458.88 but their lines sum to £14,458.83; "
        f"{label}, total against its lines: its total is £14,458.88 but its lines sum to £14,458.83."
    )
    with tenant_context(scene.body):
        PaymentRunLine.objects.filter(payment_run=run, school=scene.secondary).update(
            amount_pence=F("amount_pence") + 5
        )
        PaymentRun.objects.filter(pk=run.pk).update(status="cancelled")
    assert failure_of(pack_of(scene)) == (
        f"{FAILED}Payment runs: totals against paid instalments: the paid runs' totals sum to £0.00 "
        "but the instalments they paid sum to £14,458.88; "
        "Payment runs: totals against payment postings: the paid runs' totals sum to £0.00 "
        "but their payment postings credit payments made with £14,458.88; "
        f"Payment run {run.pk} (paid on 2 November 2026, cancelled), total against its paid instalments: "
        "being cancelled, it pays £0.00 but the instalments it paid sum to £14,458.88; "
        f"Payment run {run.pk} (paid on 2 November 2026, cancelled), total against its payment postings: "
        f"being cancelled, it pays £0.00 but its payment postings credit payments made with £14,458.88 "
        f"(transactions {payment})."
    )


@pytest.mark.django_db
def test_a_posting_on_payments_made_that_is_no_runs_payment_is_named() -> None:
    scene = governance_scene()
    by_hand, _ = post(
        actor=scene.finance,
        tenant=scene.body,
        pool=scene.pool,
        kind=TransactionKind.PAYMENT,
        posted_on=date(2026, 11, 10),
        description="Paid by hand",
        idempotency_key=f"{scene.body.pk}:by-hand",
        source_type="manual",
        source_id="1",
        legs=[
            LegSpec(AccountKind.PAYABLE_TO_SCHOOLS, 50_00, scene.primary.pk),
            LegSpec(AccountKind.PAYMENTS_MADE, -50_00, scene.primary.pk),
        ],
    )
    assert failure_of(pack_of(scene)) == (
        f"{FAILED}Paid instalments (payments made): the instalments marked paid sum to £14,458.88 "
        "but the ledger's payments made show £14,508.88 (postings on payments made that are not the payment "
        f"of a run of this pool paying by the period end: transactions {by_hand.pk})."
    )


@pytest.mark.django_db
def test_a_tampered_award_amount_or_released_instalment_is_named_with_both_figures() -> None:
    scene = governance_scene()
    varied = award_of(scene, scene.cases[6])
    with tenant_context(scene.body):
        Award.objects.filter(pk=varied.pk).update(amount_pence=12_000_00)
    assert failure_of(pack_of(scene)) == (
        f"{FAILED}Awards: amounts against net commitments (6 awards): the awards' amounts sum to £51,750.75 "
        "but their net commitments in the ledger, plus the instalments released when they ended early, "
        "come to £50,250.75; "
        f"Award {varied.pk}: its amount is £12,000.00 but its net commitment in the ledger is £10,500.00."
    )

    ended = award_of(scene, scene.cases[1])
    award_services.award_end_early(
        actor=scene.officer, tenant=scene.body, award_id=ended.pk, end_on=date(2026, 12, 31), reason="Moved"
    )
    with tenant_context(scene.body):
        Award.objects.filter(pk=varied.pk).update(amount_pence=10_500_00)
        assert pack_of(scene).reconciled
        # March's released instalment put back on the schedule, as if it were still to be paid.
        Instalment.objects.filter(
            schedule__source_type="award", schedule__source_id=str(ended.pk), due_on=date(2027, 3, 1)
        ).update(status="scheduled")
    assert failure_of(pack_of(scene)) == (
        f"{FAILED}Awards: amounts against net commitments (6 awards): the awards' amounts sum to £50,250.75 "
        "but their net commitments in the ledger, plus the instalments released when they ended early, "
        "come to £49,153.97; "
        f"Award {ended.pk}: its amount is £7,500.50 but its net commitment in the ledger (£4,316.32) "
        "plus the instalments released when it ended (£2,087.40) come to £6,403.72."
    )


@pytest.mark.django_db
def test_a_reversal_of_an_awards_posting_counts_against_its_commitment() -> None:
    """Award postings are corrected by varying or ending the award, not by reversal; were
    one reversed all the same, the reversal (source ``transaction``) counts for the award."""
    scene = governance_scene()
    varied = award_of(scene, scene.cases[6])
    with tenant_context(scene.body):
        variation = Transaction.objects.get(source_type="award", source_id=str(varied.pk), kind="release")
        legs = [
            LegSpec(leg.account.kind, -leg.amount_pence, leg.school_id)
            for leg in variation.legs.select_related("account")
        ]
    reversal, _ = post(
        actor=scene.finance,
        tenant=scene.body,
        pool=scene.pool,
        kind=TransactionKind.REVERSAL,
        posted_on=date(2026, 11, 20),
        description="Reversal: varied in error",
        idempotency_key=f"{scene.body.pk}:reversal:{variation.pk}",
        source_type="transaction",
        source_id=str(variation.pk),
        legs=legs,
        reverses=variation,
    )
    failure = failure_of(pack_of(scene))
    assert failure.endswith(
        f"Award {varied.pk}: its amount is £10,500.00 but its net commitment in the ledger is £12,000.00."
    )
    assert reversal.reverses_id == variation.pk


@pytest.mark.django_db
def test_the_subledger_checks_cost_the_same_few_queries_however_many_runs_and_awards(
    django_assert_num_queries: Any,
) -> None:
    scene = governance_scene()

    def count() -> None:
        with tenant_context(scene.body):
            balances = pool_balances(tenant=scene.body, pool=scene.pool, as_at=date(2027, 3, 31))
            with django_assert_num_queries(4):
                payment_checks(pool=scene.pool, period_end=date(2027, 3, 31), balances=balances)
            with django_assert_num_queries(3):
                award_checks(pool=scene.pool)

    count()
    assert len(subledger_figures(pack_of(scene))) == 5
    for amount in (5_000_00, 5_100_00, 5_200_00):
        decided_case(scene, scene.secondary, need="SLCN", amount=amount)
    for month in (11, 12):
        confirm_and_pay(
            actor=scene.finance,
            tenant=scene.body,
            pool=scene.pool,
            due_up_to=date(2026, month, 28),
            pay_on=date(2026, month, 28),
        )
    count()
    at_year_end = pack_of(scene, period_end=date(2027, 3, 31))
    assert at_year_end.reconciled, failure_of(at_year_end)
    assert "Payment runs: totals against their lines (3 paid)" in subledger_figures(at_year_end)
    assert "Awards: amounts against net commitments (9 awards)" in subledger_figures(at_year_end)


@pytest.mark.django_db
def test_an_award_ended_early_after_its_period_closed_releases_in_the_next_pool() -> None:
    """The release posts in the pool the schedule moved to, where the award committed nothing
    itself (its commitment was carried forward by school): it is allowed, frees that pool's
    headroom by the unpaid instalments, and both packs still reconcile."""
    from exceptional_resource.services.awards import award_end_early
    from pooling.selectors.ledger import pool_headroom

    scene = governance_scene()
    longer = decided_case(scene, scene.primary, need="HI", amount=6_000_00, ends_on=date(2027, 6, 30))
    confirm_and_pay(
        actor=scene.finance, tenant=scene.body, pool=scene.pool, due_up_to=date(2027, 3, 31), pay_on=date(2027, 3, 31)
    )
    pool_close(actor=scene.finance, tenant=scene.body, pool=scene.pool, next_label="2027-28")
    award = award_of(scene, longer)
    with tenant_context(scene.body):
        next_pool = Pool.objects.get(label="2027-28")
        unpaid_after_april = Instalment.objects.filter(
            schedule__source_type="award", schedule__source_id=str(award.pk), status="scheduled",
            due_on__gt=date(2027, 4, 30),
        ).aggregate(total=Sum("amount_pence"))["total"]  # fmt: skip
    assert unpaid_after_april > 0
    before = pool_headroom(tenant=scene.body, pool=next_pool)
    award_end_early(
        actor=scene.officer, tenant=scene.body, award_id=award.pk, end_on=date(2027, 4, 30), reason="Moved school"
    )
    after = pool_headroom(tenant=scene.body, pool=next_pool)
    assert after.available_on_expected_pence - before.available_on_expected_pence == unpaid_after_april
    assert before.committed_outstanding_pence - after.committed_outstanding_pence == unpaid_after_april
    assert pack_of(scene, period_end=date(2027, 3, 31)).reconciled
    following = pack_of(scene, pool=next_pool, period_end=date(2027, 4, 30))
    assert following.reconciled, failure_of(following)
