"""A payment the bank did not make: a line of a paid run returned (wrong or closed account),
or a run sent to the bank failed whole. The payment is reversed in the ledger (never
edited), the instalments are due again and a later run pays them, the figures say so, and
returning twice, returning before the run is paid or failing a run not sent is refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core.errors import ApplicationError, ConflictError
from core.models import AuditEvent
from core.tenancy import tenant_context
from pooling.models import Instalment, Leg, PaymentRun, PaymentRunLine, Transaction
from pooling.selectors import pool_headroom
from pooling.selectors.paid import pool_headroom_on
from pooling.services.ledger import LegSpec, post
from pooling.services.payment_returns import payment_run_fail, payment_run_line_return
from pooling.services.payment_runs import payment_run_record_paid, payment_run_send
from pooling.services.payments import payment_run_confirm
from tests import hypothesis_profiles  # noqa: F401  (registers the ci profile)
from tests.factories import own_academy
from tests.pooling.conftest import fund
from tests.pooling.payments_support import award

TODAY = date(2026, 12, 7)
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=TODAY)]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def run(officer, pool) -> PaymentRun:  # type: ignore[no-untyped-def]
    """Ash Academy's and Birch Academy's instalments due up to 30 November, to be paid on 4 January."""
    fund(officer, pool, 50_000_00)
    body = officer.responsible_body
    award(officer, pool, 1_200_00, school=own_academy(body, name="Ash Academy"), source_id="A-1")
    award(officer, pool, 2_400_00, school=own_academy(body, name="Birch Academy"), source_id="B-1")
    return payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 11, 30), pay_on=date(2027, 1, 4)
    )


def _paid(officer: Any, run: PaymentRun) -> PaymentRun:
    body = officer.responsible_body
    payment_run_send(actor=officer.user, tenant=body, payment_run_id=run.pk)
    return payment_run_record_paid(actor=officer.user, tenant=body, payment_run_id=run.pk, paid_on=TODAY)


def _line(body: Any, run: PaymentRun, name: str) -> PaymentRunLine:
    with tenant_context(body):
        return PaymentRunLine.objects.select_related("school").get(payment_run=run, school__name=name)


def _figures(body: Any, pool: Any) -> tuple[int, int, int, int]:
    h = pool_headroom(tenant=body, pool=pool)
    return h.paid_pence, h.payable_pence, h.committed_outstanding_pence, h.available_on_expected_pence


def _reversals(body: Any) -> int:
    with tenant_context(body):
        return Transaction.objects.filter(kind="payment_returned").count()


def test_a_line_returned_after_paid_is_reversed_and_due_again(officer, pool, run) -> None:
    body = officer.responsible_body
    _paid(officer, run)
    ash = _line(body, run, "Ash Academy")
    paid_before, payable_before, committed_before, available_before = _figures(body, pool)
    assert (paid_before, payable_before) == (run.total_pence, 0)

    line = payment_run_line_return(
        actor=officer.user,
        tenant=body,
        payment_run_id=run.pk,
        line_id=ash.pk,
        returned_on=TODAY,
        reason=" Account closed ",
    )

    assert (line.returned_on, line.return_reason, line.returned_by_label) == (
        TODAY,
        "Account closed",
        officer.user.email,
    )
    paid_after, payable_after, committed_after, available_after = _figures(body, pool)
    assert paid_after == paid_before - ash.amount_pence
    assert payable_after == 0
    assert committed_after == committed_before + ash.amount_pence  # committed, unpaid again
    assert available_after == available_before  # headroom: the money is still the award's
    assert pool_headroom_on(tenant=body, pool=pool, day=TODAY).paid_pence == paid_after
    with tenant_context(body):
        reversal = Transaction.objects.get(kind="payment_returned")
        legs = sorted(reversal.legs.values_list("account__kind", "amount_pence", "school_id"))
        instalments = list(
            Instalment.objects.filter(schedule__school_id=ash.school_id, due_on__lte=date(2026, 11, 30)).values_list(
                "status", "payment_run_id"
            )
        )
        event = AuditEvent.objects.get(verb="payment_run.line_returned")
        assert Transaction.objects.filter(kind="payment").count() == 1  # the payment itself is not edited
    assert legs == [
        ("commitments", -ash.amount_pence, ash.school_id),
        ("payments_made", ash.amount_pence, ash.school_id),
    ]
    assert (reversal.posted_on, reversal.idempotency_key) == (
        TODAY,
        f"{body.pk}:payment-run:{run.pk}:line:{ash.pk}:returned",
    )
    assert len(instalments) == 8  # April to November
    assert set(instalments) == {("scheduled", None)}
    assert event.after["reason"] == "Account closed"
    # A later run pays the returned instalments again, and only those.
    again = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 11, 30), pay_on=date(2027, 1, 11)
    )
    with tenant_context(body):
        assert list(again.lines.values_list("school_id", "amount_pence")) == [(ash.school_id, ash.amount_pence)]


def test_a_whole_run_failed_after_sent(officer, pool, run) -> None:
    body = officer.responsible_body
    payment_run_send(actor=officer.user, tenant=body, payment_run_id=run.pk)
    paid_before, payable_before, committed_before, available_before = _figures(body, pool)
    assert (paid_before, payable_before) == (0, run.total_pence)

    failed = payment_run_fail(
        actor=officer.user, tenant=body, payment_run_id=run.pk, failed_on=TODAY, reason="Bank rejected the file"
    )

    assert (failed.status, failed.failed_on, failed.failure_reason) == ("failed", TODAY, "Bank rejected the file")
    assert _figures(body, pool) == (0, 0, committed_before + run.total_pence, available_before)
    with tenant_context(body):
        assert set(PaymentRunLine.objects.filter(payment_run=run).values_list("returned_on", flat=True)) == {TODAY}
        assert not Instalment.objects.filter(payment_run=run).exists()
        assert AuditEvent.objects.filter(verb="payment_run.failed").count() == 1
        net = Leg.objects.filter(transaction__source_id=str(run.pk), transaction__source_type="payment_run").aggregate(
            t=Sum("amount_pence")
        )["t"]
    assert net == 0
    # It can be neither paid nor failed again.
    with pytest.raises(ConflictError) as exc:
        payment_run_record_paid(actor=officer.user, tenant=body, payment_run_id=run.pk, paid_on=TODAY)
    assert exc.value.code == "run_transition_not_allowed"
    with pytest.raises(ConflictError):
        payment_run_fail(actor=officer.user, tenant=body, payment_run_id=run.pk, failed_on=TODAY, reason="Again")
    assert _reversals(body) == 1


def test_returning_twice_is_refused_and_writes_nothing_more(officer, pool, run) -> None:
    body = officer.responsible_body
    _paid(officer, run)
    ash = _line(body, run, "Ash Academy")
    kwargs = dict(actor=officer.user, tenant=body, payment_run_id=run.pk, line_id=ash.pk, returned_on=TODAY)
    payment_run_line_return(**kwargs, reason="Account closed")
    figures = _figures(body, pool)
    with pytest.raises(ConflictError) as exc:
        payment_run_line_return(**kwargs, reason="Account closed")
    assert exc.value.code == "already_returned"
    assert _figures(body, pool) == figures
    assert _reversals(body) == 1
    with tenant_context(body):
        assert AuditEvent.objects.filter(verb="payment_run.line_returned").count() == 1


def test_a_return_on_a_run_not_yet_sent_or_paid_is_refused(officer, pool, run) -> None:
    body = officer.responsible_body
    ash = _line(body, run, "Ash Academy")
    with pytest.raises(ConflictError) as exc:
        payment_run_line_return(
            actor=officer.user, tenant=body, payment_run_id=run.pk, line_id=ash.pk, returned_on=TODAY, reason="Closed"
        )
    assert exc.value.code == "run_transition_not_allowed"
    with pytest.raises(ConflictError) as exc:
        payment_run_fail(actor=officer.user, tenant=body, payment_run_id=run.pk, failed_on=TODAY, reason="Closed")
    assert exc.value.code == "run_transition_not_allowed"
    payment_run_send(actor=officer.user, tenant=body, payment_run_id=run.pk)
    with pytest.raises(ConflictError):  # sent, not paid: the whole run fails, not a line
        payment_run_line_return(
            actor=officer.user, tenant=body, payment_run_id=run.pk, line_id=ash.pk, returned_on=TODAY, reason="Closed"
        )
    payment_run_record_paid(actor=officer.user, tenant=body, payment_run_id=run.pk, paid_on=TODAY)
    with pytest.raises(ConflictError):  # paid: lines are returned one by one
        payment_run_fail(actor=officer.user, tenant=body, payment_run_id=run.pk, failed_on=TODAY, reason="Closed")
    assert _reversals(body) == 0
    with tenant_context(body):
        assert not PaymentRunLine.objects.filter(returned_on__isnull=False).exists()


@pytest.mark.parametrize(
    ("returned_on", "reason", "code"),
    [
        (TODAY, "", "reason_required"),
        (TODAY, "   ", "reason_required"),
        (TODAY, "x" * 301, "reason_too_long"),
        (date(2026, 12, 8), "Closed", "returned_on_in_future"),
        (date(2026, 12, 6), "Closed", "returned_on_before_sent"),
    ],
)
def test_bad_return_details_are_refused_and_write_nothing(officer, pool, run, returned_on, reason, code) -> None:
    body = officer.responsible_body
    _paid(officer, run)
    ash = _line(body, run, "Ash Academy")
    figures = _figures(body, pool)
    with pytest.raises(ApplicationError) as exc:
        payment_run_line_return(
            actor=officer.user,
            tenant=body,
            payment_run_id=run.pk,
            line_id=ash.pk,
            returned_on=returned_on,
            reason=reason,
        )
    assert exc.value.code == code
    assert _figures(body, pool) == figures
    assert _reversals(body) == 0
    assert _line(body, run, "Ash Academy").returned_on is None


def test_a_line_of_another_run_is_not_found(officer, pool, run) -> None:
    from core.errors import NotFound

    body = officer.responsible_body
    _paid(officer, run)
    with pytest.raises(NotFound):
        payment_run_line_return(
            actor=officer.user, tenant=body, payment_run_id=run.pk, line_id=10**9, returned_on=TODAY, reason="Closed"
        )


def test_a_run_posted_before_runs_were_sent_is_paid_on_its_postings_date(officer, pool, run) -> None:
    """Runs that migration 0008 marked sent had posted their payment at confirmation, dated
    the payment date; recording them paid later (task or officer) keeps that date."""
    body = officer.responsible_body
    with tenant_context(body):
        lines = list(run.lines.values_list("school_id", "amount_pence"))
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="payment",
        posted_on=run.pay_on,
        description="Payment run paid (before runs were sent)",
        idempotency_key=f"{body.pk}:payment-run:{run.pk}:payment",
        source_type="payment_run",
        source_id=str(run.pk),
        legs=[
            leg
            for school, amount in lines
            for leg in (LegSpec("payable_to_schools", amount, school), LegSpec("payments_made", -amount, school))
        ],
    )
    with tenant_context(body):
        PaymentRun.objects.filter(pk=run.pk).update(status="sent", sent_at=run.confirmed_at)
    with time_machine.travel(date(2027, 1, 11), tick=False):
        paid = payment_run_record_paid(
            actor=officer.user, tenant=body, payment_run_id=run.pk, paid_on=date(2027, 1, 11)
        )
    with tenant_context(body):
        posting = Transaction.objects.get(kind="payment")
    assert paid.paid_on == posting.posted_on == date(2027, 1, 4)


def test_a_run_posted_for_a_day_not_yet_come_is_not_recorded_paid_in_the_future(officer, pool, run) -> None:
    """The same older run recorded paid before its posting's date: refused, not paid on a
    future day (nothing written)."""
    body = officer.responsible_body
    with tenant_context(body):
        lines = list(run.lines.values_list("school_id", "amount_pence"))
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="payment",
        posted_on=run.pay_on,
        description="Payment run paid (before runs were sent)",
        idempotency_key=f"{body.pk}:payment-run:{run.pk}:payment",
        source_type="payment_run",
        source_id=str(run.pk),
        legs=[
            leg
            for school, amount in lines
            for leg in (LegSpec("payable_to_schools", amount, school), LegSpec("payments_made", -amount, school))
        ],
    )
    with tenant_context(body):
        PaymentRun.objects.filter(pk=run.pk).update(status="sent", sent_at=run.confirmed_at)
    with pytest.raises(ConflictError) as refused:
        payment_run_record_paid(actor=officer.user, tenant=body, payment_run_id=run.pk, paid_on=TODAY)
    assert refused.value.code == "paid_on_in_future"
    assert "4 January 2027" in str(refused.value)
    with tenant_context(body):
        after = PaymentRun.objects.get(pk=run.pk)
        assert (after.status, after.paid_on) == ("sent", None)
        assert not AuditEvent.objects.filter(verb="payment_run.paid").exists()


def _url(name: str, body: Any, run: PaymentRun, **kwargs: Any) -> str:
    return reverse(f"pooling:{name}", kwargs={"body_slug": body.slug, "paymentrun_id": run.pk, **kwargs})


def test_the_pages_record_a_returned_line_and_a_failed_run(officer, pool, run) -> None:
    body = officer.responsible_body
    client = Client()
    client.force_login(officer.user)
    _paid(officer, run)
    ash = _line(body, run, "Ash Academy")
    page = client.get(_url("payment-run", body, run)).content.decode()
    assert "Record a returned payment" in page
    form_url = _url("payment-line-returned", body, run, paymentrunline_id=ash.pk)
    assert "Record the returned payment" in client.get(form_url).content.decode()
    bad = client.post(form_url, {"returned_on": "2026-12-07", "reason": ""})
    assert "Say why the bank returned the payment" in bad.content.decode()
    future = client.post(form_url, {"returned_on": "2026-12-08", "reason": "Closed"})
    assert "cannot be in the future" in future.content.decode()
    assert _reversals(body) == 0
    done = client.post(form_url, {"returned_on": "2026-12-07", "reason": "Account closed"})
    assert done.status_code == 302
    page = client.get(done["Location"]).content.decode()
    assert "is recorded as returned" in page
    assert "by the bank on 7 December 2026: Account closed" in page
    twice = client.post(form_url, {"returned_on": "2026-12-07", "reason": "Account closed"}).content.decode()
    assert "was recorded as returned on 7 December 2026" in twice
    assert _reversals(body) == 1


def test_the_page_records_a_failed_run(officer, pool, run) -> None:
    body = officer.responsible_body
    client = Client()
    client.force_login(officer.user)
    payment_run_send(actor=officer.user, tenant=body, payment_run_id=run.pk)
    assert "record that the run failed" in client.get(_url("payment-run", body, run)).content.decode()
    done = client.post(_url("payment-run-failed", body, run), {"returned_on": "2026-12-07", "reason": "File rejected"})
    assert done.status_code == 302
    page = client.get(done["Location"]).content.decode()
    assert "Failed at the bank" in page
    assert "On 7 December 2026, recorded by" in page


def test_the_api_returns_a_line_once_and_fails_a_run(officer, pool, run) -> None:
    body = officer.responsible_body
    api = APIClient()
    api.force_authenticate(officer.user)
    base = f"/api/v1/bodies/{body.slug}/pools/payment-runs/{run.pk}"
    ash = _line(body, run, "Ash Academy")
    early = api.post(
        f"{base}/lines/{ash.pk}/returned/", {"returned_on": "2026-12-07", "reason": "Closed"}, format="json"
    )
    assert (early.status_code, early.json()["code"]) == (409, "run_transition_not_allowed")
    _paid(officer, run)
    for bad in ({"returned_on": "not a date", "reason": "Closed"}, {"returned_on": "2026-12-07"}, {"reason": "x"}):
        response = api.post(f"{base}/lines/{ash.pk}/returned/", bad, format="json")
        assert response.status_code == 400, bad
    future = api.post(f"{base}/lines/{ash.pk}/returned/", {"returned_on": "2026-12-08", "reason": "x"}, format="json")
    assert (future.status_code, future.json()["code"]) == (400, "returned_on_in_future")
    assert api.post(f"{base}/lines/999999/returned/", {"returned_on": "2026-12-07", "reason": "x"}).status_code == 404
    headers = {"HTTP_IDEMPOTENCY_KEY": "return-ash-1"}
    body_json = {"returned_on": "2026-12-07", "reason": "Account closed"}
    done = api.post(f"{base}/lines/{ash.pk}/returned/", body_json, format="json", **headers)
    assert done.status_code == 200, done.content
    assert (done.json()["returned_on"], done.json()["return_reason"]) == ("2026-12-07", "Account closed")
    replay = api.post(f"{base}/lines/{ash.pk}/returned/", body_json, format="json", **headers)
    assert (replay.status_code, replay.json()) == (200, done.json())
    twice = api.post(f"{base}/lines/{ash.pk}/returned/", body_json, format="json")
    assert (twice.status_code, twice.json()["code"]) == (409, "already_returned")
    assert _reversals(body) == 1
    detail = api.get(f"{base}/").json()
    returned = {line["school_name"]: line["returned_on"] for line in detail["lines"]}
    assert returned == {"Ash Academy": "2026-12-07", "Birch Academy": None}
    failed = api.post(f"{base}/failed/", {"returned_on": "2026-12-07", "reason": "x"}, format="json")
    assert (failed.status_code, failed.json()["code"]) == (409, "run_transition_not_allowed")


@pytest.fixture
def three_paid(officer, pool) -> PaymentRun:  # type: ignore[no-untyped-def]
    """A paid run with a line for each of three schools."""
    fund(officer, pool, 50_000_00)
    body = officer.responsible_body
    for n, pence in enumerate((1_200_00, 2_400_00, 3_600_37)):
        award(officer, pool, pence, school=own_academy(body, name=f"School {n}"), source_id=f"P-{n}")
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 11, 30), pay_on=date(2027, 1, 4)
    )
    return _paid(officer, run)


@settings(
    parent=settings.get_profile("ci"),
    max_examples=12,  # each example is a few service calls in a savepoint: cheap in the ci profile
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(order=st.lists(st.integers(0, 2), max_size=5))
def test_property_any_order_of_returns_keeps_the_ledger_and_paid_figures_agreeing(
    officer, pool, three_paid, order: list[int]
) -> None:
    """Whatever lines are returned, in whatever order and however often: each is returned
    once (the repeat refused), the ledger stays balanced, paid is the lines not returned,
    the returned amounts are committed and unpaid again, the headroom does not move, and
    the instalments due again are exactly the returned lines' instalments."""
    body = officer.responsible_body
    with tenant_context(body):
        lines = list(PaymentRunLine.objects.filter(payment_run=three_paid).order_by("school__name"))
    paid0, _, committed0, available0 = _figures(body, pool)
    sid = transaction.savepoint()
    try:
        returned: set[int] = set()
        for n in order:
            line = lines[n]
            kwargs = dict(actor=officer.user, tenant=body, payment_run_id=three_paid.pk, line_id=line.pk)
            if n in returned:
                with pytest.raises(ConflictError) as exc:
                    payment_run_line_return(**kwargs, returned_on=TODAY, reason="Again")
                assert exc.value.code == "already_returned"
            else:
                payment_run_line_return(**kwargs, returned_on=TODAY, reason="Account closed")
                returned.add(n)
        amount = sum(lines[n].amount_pence for n in returned)
        paid, payable, committed, available = _figures(body, pool)
        assert (paid, payable, committed, available) == (paid0 - amount, 0, committed0 + amount, available0)
        with tenant_context(body):
            assert Leg.objects.aggregate(t=Sum("amount_pence"))["t"] == 0
            due_again = Instalment.objects.filter(status="scheduled", due_on__lte=date(2026, 11, 30))
            assert sum(due_again.values_list("amount_pence", flat=True)) == amount
            assert set(due_again.values_list("schedule__school_id", flat=True)) == {
                lines[n].school_id for n in returned
            }
            assert _reversals(body) == len(returned)
    finally:
        transaction.savepoint_rollback(sid)
