"""`make run`'s demo shows the whole year (seen in the browser: the demo started with no open
pool, so a head's first case could not be decided until someone worked out the finance
journey). After ``seed_demo``: an open pool with allocations, contributions and receipts,
cases in each state, awards with paid and scheduled instalments, a confirmed and a paid
payment run, last year's pool closed, the census imported and a partnership with need
signals; and running it again adds nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client

from accounts.models import ResponsibleBody, User
from core.models import AuditEvent
from core.tenancy import platform_context, tenant_context
from exceptional_resource.models import Award, Case, CaseEvent, CaseStatus, Pupil
from groupings.models import SchoolCensus
from partnerships.models import NeedSignalSnapshot, Partnership
from pooling.models import Contribution, ImfAllocation, Instalment, Leg, PaymentRun, Pool, Receipt
from pooling.selectors.ledger import pool_balances
from pooling.selectors.paid import PAID, SCHEDULED, instalment_state

TODAY = date(2026, 12, 7)
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=TODAY)]


def _seed(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo")
    capsys.readouterr()


def test_the_demo_has_an_open_pool_funded_by_contributions_and_receipts(capsys) -> None:  # type: ignore[no-untyped-def]
    _seed(capsys)
    for slug in ("step-academy-trust", "kingston"):
        body = ResponsibleBody.objects.get(slug=slug)
        with tenant_context(body):
            pools = dict(Pool.objects.values_list("label", "status"))
            assert pools == {"2026-27": "open", "2025-26": "closed"}, slug
            pool = Pool.objects.get(label="2026-27")
            contributions = Contribution.objects.filter(pool=pool).count()
            assert contributions > 0
            assert ImfAllocation.objects.filter(period_label="2026-27").count() >= contributions
            receipts = Receipt.objects.filter(contribution__pool=pool)
            assert 0 < receipts.count() < contributions  # some received, some still due


def test_the_demo_has_cases_in_each_state_and_awards_paid_and_scheduled(capsys) -> None:  # type: ignore[no-untyped-def]
    _seed(capsys)
    trust = ResponsibleBody.objects.get(slug="step-academy-trust")
    with tenant_context(trust):
        statuses = sorted(Case.objects.values_list("status", flat=True))
        assert statuses == sorted(
            [
                "draft",
                "submitted",
                "information_requested",
                "active",
                "active",
                "declined",
                "withdrawn",
                "reconsideration_requested",
                "ended",
                "review_due",
                "active",  # renewed after its review: the new award runs
                "closed",
            ]
        )
        assert Pupil.objects.count() == 12  # one a case, each with the name the school typed (encrypted)
        awards = Award.objects.filter(status="active")
        # approved, partly approved, the one under review and the renewed one (its first ended)
        assert awards.count() == 4
        instalments = list(Instalment.objects.select_related("payment_run").filter(schedule__source_type="award"))
        states = {instalment_state(i, TODAY) for i in instalments}
        assert {PAID, SCHEDULED} <= states
        runs = dict(PaymentRun.objects.values_list("status", "pay_on"))
        assert runs == {"paid": TODAY, "confirmed": date(2027, 1, 1)}


def test_the_demo_imports_the_census_and_gives_the_partnership_need_signals(capsys) -> None:  # type: ignore[no-untyped-def]
    _seed(capsys)
    with platform_context():
        assert SchoolCensus.objects.filter(academic_year=2022).count() > 100
    la = ResponsibleBody.objects.get(slug="kingston")
    with tenant_context(la):
        assert Partnership.objects.count() == 1
        # Refreshed from the trust that consents (its schools are outside Kingston, so no
        # counts are published: what the partnership sees is that one trust was asked).
        assert list(NeedSignalSnapshot.objects.values_list("trusts_included", flat=True)) == [1]


def test_the_demo_is_the_same_after_a_second_run_and_its_pages_open(capsys) -> None:  # type: ignore[no-untyped-def]
    _seed(capsys)
    with platform_context():
        first = (Case.objects.count(), PaymentRun.objects.count(), Receipt.objects.count(), AuditEvent.objects.count())
    _seed(capsys)
    with platform_context():
        again = (Case.objects.count(), PaymentRun.objects.count(), Receipt.objects.count(), AuditEvent.objects.count())
    assert again == first
    client = Client()
    client.force_login(User.objects.get(email="head@step.example"))
    awards = client.get("/b/step-academy-trust/cases/awards/")
    assert awards.status_code == 200
    assert "Paid on 7 December 2026" in awards.content.decode()


def test_the_demo_shows_every_case_status_and_its_ledger_balances(capsys) -> None:  # type: ignore[no-untyped-def]
    """Seen in the browser: no case in the demo had a review due, a renewed award or was
    closed. Every status is a case's status now, or a step its timeline records (approved,
    partly approved and renewed each move on to an active award at once)."""
    _seed(capsys)
    trust = ResponsibleBody.objects.get(slug="step-academy-trust")
    with tenant_context(trust):
        now = set(Case.objects.values_list("status", flat=True))
        passed = set(CaseEvent.objects.exclude(to_status="").values_list("to_status", flat=True))
        assert now | passed == set(CaseStatus.values)
        assert {"review_due", "closed"} <= now
        renewed = Case.objects.get(events__to_status="renewed")
        assert renewed.status == "active"
        assert list(renewed.awards.order_by("pk").values_list("status", "amount_pence"))[-1] == ("active", 4_000_00)
        closed = Case.objects.get(status="closed")
        assert closed.awards.get().status == "ended"
        assert not Instalment.objects.filter(
            schedule__source_type="award", schedule__source_id=str(closed.awards.get().pk), status="scheduled"
        ).exists()
    for slug in ("step-academy-trust", "kingston"):
        body = ResponsibleBody.objects.get(slug=slug)
        with tenant_context(body):
            unbalanced = Leg.objects.values("transaction_id").annotate(total=Sum("amount_pence")).exclude(total=0)
            assert list(unbalanced) == [], slug
            for pool in Pool.objects.all():
                balances = pool_balances(tenant=body, pool=pool)
                assert sum(balances.values()) == 0, (slug, pool.label, balances)
