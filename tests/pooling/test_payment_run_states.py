"""A payment run's way from confirmed to *sent to the bank* (the bank file) to *paid* (the
bank's confirmation recorded, or the payment date come through the daily task): the
transition table, one service per step, the payment posted only when paid, the pages and
the API, and bad input refused with nothing written."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import ApplicationError, ConflictError
from core.models import AuditEvent
from core.tenancy import tenant_context
from pooling.models import PAYMENT_RUN_TRANSITIONS, PaymentRun, Transaction
from pooling.selectors import pool_headroom
from pooling.services.payment_runs import (
    payment_run_bank_file_download,
    payment_run_record_paid,
    payment_run_send,
    payment_run_settle,
    payment_runs_settle_due,
)
from pooling.services.payments import payment_run_confirm
from pooling.tasks import payment_run_settle_task
from tests.factories import own_academy
from tests.outbox_support import pending
from tests.pooling.conftest import fund
from tests.pooling.payments_support import award

TODAY = date(2026, 12, 7)
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=TODAY)]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def run(officer, pool) -> PaymentRun:  # type: ignore[no-untyped-def]
    """Ash Academy's instalments due up to 30 November, to be paid on 4 January."""
    fund(officer, pool, 50_000_00)
    ash = own_academy(officer.responsible_body, name="Ash Academy")
    award(officer, pool, 1_200_00, school=ash, source_id="A-1")
    return payment_run_confirm(
        actor=officer.user,
        tenant=officer.responsible_body,
        pool=pool,
        due_up_to=date(2026, 11, 30),
        pay_on=date(2027, 1, 4),
    )


def _payments(body: Any) -> int:
    with tenant_context(body):
        return Transaction.objects.filter(kind="payment").count()


def _reload(body: Any, run: PaymentRun) -> PaymentRun:
    with tenant_context(body):
        return PaymentRun.objects.get(pk=run.pk)


def test_the_transition_table_has_the_three_steps_and_no_other() -> None:
    assert set(PAYMENT_RUN_TRANSITIONS) == {("confirmed", "sent"), ("sent", "paid"), ("sent", "failed")}


def test_confirming_posts_payable_but_pays_nothing(officer, pool, run) -> None:
    body = officer.responsible_body
    headroom = pool_headroom(tenant=body, pool=pool)
    assert run.status == "confirmed"
    assert _payments(body) == 0
    assert (headroom.paid_pence, headroom.payable_pence) == (0, run.total_pence)


def test_sending_builds_the_bank_file_records_its_checksum_and_audits(officer, pool, run) -> None:
    body = officer.responsible_body
    file = payment_run_send(actor=officer.user, tenant=body, payment_run_id=run.pk)
    rows = list(csv.reader(io.StringIO(file.content.decode())))
    assert rows[0] == [
        "payee",
        "urn",
        "sort_code",
        "account_number",
        "amount_pence",
        "amount",
        "payment_date",
        "reference",
    ]
    assert rows[1][0] == "Ash Academy"
    assert rows[1][4:7] == [str(run.total_pence), f"{run.total_pence / 100:.2f}", "2027-01-04"]
    # The run and line alone, or after "IMF POOL" while they hold fewer than six letters and
    # digits (BACS's minimum): the run's id depends on the database's sequence.
    suffix = f"R{run.pk} L1"
    assert rows[1][7] == (suffix if sum(c.isalnum() for c in suffix) >= 6 else f"IMF POOL {suffix}")
    assert len(rows) == 2
    sent = _reload(body, run)
    assert (sent.status, sent.sent_by_label, sent.bank_file_sha256) == (
        "sent",
        officer.user.email,
        hashlib.sha256(file.content).hexdigest(),
    )
    assert _payments(body) == 0  # sent is not paid
    with tenant_context(body):
        event = AuditEvent.objects.get(verb="payment_run.sent")
    assert event.after == {"status": "sent", "bank_file_sha256": sent.bank_file_sha256}
    # The file again: the same bytes, audited.
    again = payment_run_bank_file_download(actor=officer.user, tenant=body, payment_run_id=run.pk)
    assert again.content == file.content
    with tenant_context(body):
        assert AuditEvent.objects.filter(verb="payment_run.bank_file_downloaded").count() == 1


def test_a_run_is_sent_once(officer, run) -> None:
    body = officer.responsible_body
    payment_run_send(actor=officer.user, tenant=body, payment_run_id=run.pk)
    with pytest.raises(ConflictError) as exc:
        payment_run_send(actor=officer.user, tenant=body, payment_run_id=run.pk)
    assert exc.value.code == "run_transition_not_allowed"
    assert "is sent to the bank: it cannot be marked sent to the bank" in exc.value.message
    with tenant_context(body):
        assert AuditEvent.objects.filter(verb="payment_run.sent").count() == 1


def test_a_confirmed_run_cannot_be_recorded_paid_or_give_a_bank_file(officer, run) -> None:
    body = officer.responsible_body
    with pytest.raises(ConflictError) as exc:
        payment_run_record_paid(actor=officer.user, tenant=body, payment_run_id=run.pk, paid_on=TODAY)
    assert exc.value.code == "run_transition_not_allowed"
    with pytest.raises(ConflictError):
        payment_run_bank_file_download(actor=officer.user, tenant=body, payment_run_id=run.pk)
    assert _reload(body, run).status == "confirmed"
    assert _payments(body) == 0


def test_recording_the_banks_confirmation_pays_the_run_on_that_date(officer, pool, run) -> None:
    body = officer.responsible_body
    payment_run_send(actor=officer.user, tenant=body, payment_run_id=run.pk)
    paid = payment_run_record_paid(
        actor=officer.user, tenant=body, payment_run_id=run.pk, paid_on=TODAY, bank_reference=" BACS-991 "
    )
    assert (paid.status, paid.paid_on, paid.paid_by_label, paid.bank_reference) == (
        "paid",
        TODAY,
        officer.user.email,
        "BACS-991",
    )
    with tenant_context(body):
        payment = Transaction.objects.get(kind="payment")
        event = AuditEvent.objects.get(verb="payment_run.paid")
    assert (payment.posted_on, payment.idempotency_key) == (TODAY, f"{body.pk}:payment-run:{run.pk}:payment")
    assert event.after == {"status": "paid", "paid_on": "2026-12-07", "bank_reference": "BACS-991"}
    headroom = pool_headroom(tenant=body, pool=pool)
    assert (headroom.paid_pence, headroom.payable_pence) == (run.total_pence, 0)
    # Once: a second record is refused and posts nothing more.
    with pytest.raises(ConflictError):
        payment_run_record_paid(actor=officer.user, tenant=body, payment_run_id=run.pk, paid_on=TODAY)
    assert _payments(body) == 1


@pytest.mark.parametrize(
    ("paid_on", "reference", "code"),
    [
        (date(2026, 12, 8), "", "paid_on_in_future"),
        (date(2026, 12, 6), "", "paid_on_before_sent"),
        (TODAY, "x" * 121, "reference_too_long"),
    ],
)
def test_bad_paid_details_are_refused_and_write_nothing(officer, run, paid_on, reference, code) -> None:
    body = officer.responsible_body
    payment_run_send(actor=officer.user, tenant=body, payment_run_id=run.pk)
    with pytest.raises(ApplicationError) as exc:
        payment_run_record_paid(
            actor=officer.user, tenant=body, payment_run_id=run.pk, paid_on=paid_on, bank_reference=reference
        )
    assert exc.value.code == code
    assert _reload(body, run).status == "sent"
    assert _payments(body) == 0
    with tenant_context(body):
        assert not AuditEvent.objects.filter(verb="payment_run.paid").exists()


def test_the_daily_task_pays_runs_sent_to_the_bank_on_their_payment_date_once(officer, run) -> None:
    body = officer.responsible_body
    payment_run_send(actor=officer.user, tenant=body, payment_run_id=run.pk)
    # Before the payment date: nothing to settle, and settling directly does nothing.
    assert payment_runs_settle_due() == 0
    assert payment_run_settle(tenant=body, payment_run_id=run.pk) is False
    with time_machine.travel(date(2027, 1, 4), tick=False):
        assert payment_runs_settle_due() == 1
        assert pending("pooling.payment_run_settle")[-1] == (
            "pooling.payment_run_settle",
            {"tenant_id": body.pk, "payment_run_id": run.pk},
        )
        assert payment_run_settle_task.run(tenant_id=body.pk, payment_run_id=run.pk) is True
        assert payment_run_settle_task.run(tenant_id=body.pk, payment_run_id=run.pk) is False  # twice: no-op
        assert payment_runs_settle_due() == 0
    paid = _reload(body, run)
    assert (paid.status, paid.paid_on, paid.paid_by_label) == (
        "paid",
        date(2027, 1, 4),
        "system (paid on the payment date)",
    )
    assert _payments(body) == 1


def test_the_daily_task_leaves_confirmed_runs_alone(officer, run) -> None:
    with time_machine.travel(date(2027, 1, 5), tick=False):
        assert payment_runs_settle_due() == 0
        assert payment_run_settle(tenant=officer.responsible_body, payment_run_id=run.pk) is False
    assert _reload(officer.responsible_body, run).status == "confirmed"


def _page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(name: str, body: Any, run: PaymentRun) -> str:
    return reverse(f"pooling:{name}", kwargs={"body_slug": body.slug, "paymentrun_id": run.pk})


def test_the_pages_send_the_run_then_record_it_paid(officer, run) -> None:
    body = officer.responsible_body
    client = _page_client(officer.user)
    page = client.get(_page("payment-run", body, run)).content.decode()
    assert "Download the bank file and mark as sent" in page
    response = client.post(_page("payment-run-send", body, run))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().startswith("payee,urn,sort_code,account_number,amount_pence")
    page = client.get(_page("payment-run", body, run)).content.decode()
    assert "Sent to the bank" in page
    assert "Record the bank&#x27;s confirmation" in page or "Record the bank's confirmation" in page
    assert client.get(_page("payment-run-bank-file", body, run)).content == response.content
    form = client.get(_page("payment-run-paid", body, run))
    assert "Record payment run" in form.content.decode()
    bad = client.post(_page("payment-run-paid", body, run), {"paid_on": "2026-12-31"})
    assert "The date paid cannot be in the future" in bad.content.decode()
    done = client.post(_page("payment-run-paid", body, run), {"paid_on": "2026-12-07", "bank_reference": "B-1"})
    assert done.status_code == 302
    page = client.get(done["Location"]).content.decode()
    assert f"Payment run {run.pk} is paid" in page
    assert "On 7 December 2026, recorded by" in page


def test_the_api_sends_the_run_then_records_it_paid(officer, run) -> None:
    body = officer.responsible_body
    api = APIClient()
    api.force_authenticate(officer.user)
    base = f"/api/v1/bodies/{body.slug}/pools/payment-runs/{run.pk}"
    early = api.post(f"{base}/paid/", {"paid_on": "2026-12-07"}, format="json")
    assert (early.status_code, early.json()["code"]) == (409, "run_transition_not_allowed")
    sent = api.post(f"{base}/send/")
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "sent"
    file = api.get(f"{base}/bank-file/")
    assert hashlib.sha256(file.content).hexdigest() == sent.json()["bank_file_sha256"]
    bad = api.post(f"{base}/paid/", {"paid_on": "not a date"}, format="json")
    assert bad.status_code == 400
    paid = api.post(f"{base}/paid/", {"paid_on": "2026-12-07", "bank_reference": "B-2"}, format="json")
    assert paid.status_code == 200, paid.content
    assert (paid.json()["status"], paid.json()["paid_on"], paid.json()["bank_reference"]) == (
        "paid",
        "2026-12-07",
        "B-2",
    )
