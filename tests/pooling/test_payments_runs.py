"""Payment runs: preview, confirm (once), the postings, and remittance advice files."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import ApplicationError, ConflictError, NotFound
from core.models import AuditEvent
from core.tenancy import tenant_context
from pooling.models import Instalment, PaymentRun, PaymentRunLine, Pool, Remittance, Transaction
from pooling.selectors import pool_headroom
from pooling.services.payments import payment_run_confirm, payment_run_preview, remittances_build
from pooling.tasks import remittances_build_task
from tests.factories import own_academy
from tests.outbox_support import pending, run_outbox
from tests.pooling.conftest import fund
from tests.pooling.payments_support import amounts, award, balances, legs_of, pay_run, pdf_text

# Written against the funding period 2026-27: the clock is frozen inside it (make test-dates).
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def two_awards(officer, pool):  # type: ignore[no-untyped-def]
    """Ash Academy: 1,200.00 over the year; Beech Academy: 365.00 from 1 September (monthly)."""
    body = officer.responsible_body
    fund(officer, pool, 50_000_00)
    ash = own_academy(body, name="Ash Academy")
    beech = own_academy(body, name="Beech Academy")
    a = award(officer, pool, 1_200_00, school=ash, source_id="A-1")
    b = award(officer, pool, 365_00, school=beech, source_id="B-7", starts_on=date(2026, 9, 1))
    return ash, beech, a.schedule, b.schedule


def test_preview_totals_each_school_and_stores_nothing(officer, pool, two_awards) -> None:
    _ash, _beech, a, _b = two_awards
    preview = payment_run_preview(tenant=officer.responsible_body, pool=pool, due_up_to=date(2026, 9, 30))
    ash_expected = sum(amounts(a)[:6])
    assert [(line.school_name, line.instalments, line.amount_pence) for line in preview.lines] == [
        ("Ash Academy", 6, ash_expected),
        ("Beech Academy", 1, 365_00 * 30 // 212),
    ]
    assert preview.total_pence == ash_expected + 365_00 * 30 // 212
    with tenant_context(officer.responsible_body):
        assert PaymentRun.objects.count() == 0


def test_confirm_pays_once_and_posts_payable_then_payment_per_school(officer, pool, two_awards) -> None:
    body = officer.responsible_body
    ash, beech, a, b = two_awards
    preview = payment_run_preview(tenant=body, pool=pool, due_up_to=date(2026, 9, 30))
    run = payment_run_confirm(
        actor=officer.user,
        tenant=body,
        pool=pool,
        due_up_to=date(2026, 9, 30),
        pay_on=date(2026, 10, 2),
        expected_total_pence=preview.total_pence,
    )
    assert (run.status, run.total_pence, run.confirmed_by_label) == (
        "confirmed",
        preview.total_pence,
        officer.user.email,
    )
    with tenant_context(body):
        lines = dict(PaymentRunLine.objects.filter(payment_run=run).values_list("school_id", "amount_pence"))
        assert lines == {ash.pk: preview.lines[0].amount_pence, beech.pk: preview.lines[1].amount_pence}
        assert Instalment.objects.filter(payment_run=run, status="paid").count() == 7
        assert not Transaction.objects.filter(kind="payment").exists()  # confirmed is not paid
    pay_run(officer.user, body, run)  # sent to the bank and paid on 2 October
    with tenant_context(body):
        payable = Transaction.objects.get(kind="payable")
        payment = Transaction.objects.get(kind="payment")
    assert payable.idempotency_key == f"{body.pk}:payment-run:{run.pk}:payable"
    assert payment.idempotency_key == f"{body.pk}:payment-run:{run.pk}:payment"
    assert payment.posted_on == date(2026, 10, 2)
    assert sorted(legs_of(pool, transaction=payable)) == sorted(
        [
            ("commitments", lines[ash.pk], ash.pk),
            ("payable_to_schools", -lines[ash.pk], ash.pk),
            ("commitments", lines[beech.pk], beech.pk),
            ("payable_to_schools", -lines[beech.pk], beech.pk),
        ]
    )
    assert sorted(legs_of(pool, transaction=payment)) == sorted(
        [
            ("payable_to_schools", lines[ash.pk], ash.pk),
            ("payments_made", -lines[ash.pk], ash.pk),
            ("payable_to_schools", lines[beech.pk], beech.pk),
            ("payments_made", -lines[beech.pk], beech.pk),
        ]
    )
    headroom = pool_headroom(tenant=body, pool=pool)
    assert headroom.paid_pence == run.total_pence
    assert headroom.payable_pence == 0
    assert headroom.committed_outstanding_pence == 1_200_00 + 365_00 - run.total_pence
    assert headroom.cash_pence == 50_000_00 - run.total_pence
    assert sum(balances(pool).values()) == 0

    # Running it again pays nothing twice.
    with pytest.raises(ConflictError) as exc:
        payment_run_confirm(
            actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 9, 30), pay_on=date(2026, 10, 2)
        )
    assert (exc.value.code, exc.value.field) == ("nothing_to_pay", "due_up_to")
    assert payment_run_preview(tenant=body, pool=pool, due_up_to=date(2026, 9, 30)).lines == []
    with tenant_context(body):
        assert PaymentRun.objects.count() == 1
        assert Transaction.objects.filter(kind="payment").count() == 1
        event = AuditEvent.objects.get(verb="payment_run.confirmed")
    assert event.after["total_pence"] == run.total_pence
    # The next month's run pays only October.
    october = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 10, 31), pay_on=date(2026, 11, 2)
    )
    assert october.total_pence == amounts(a)[6] + amounts(b)[1]


def test_a_stale_preview_is_refused(officer, pool, two_awards) -> None:
    body = officer.responsible_body
    preview = payment_run_preview(tenant=body, pool=pool, due_up_to=date(2026, 9, 30))
    with pytest.raises(ConflictError) as exc:
        payment_run_confirm(
            actor=officer.user,
            tenant=body,
            pool=pool,
            due_up_to=date(2026, 9, 30),
            pay_on=date(2026, 10, 1),
            expected_total_pence=preview.total_pence + 1,
        )
    assert exc.value.code == "preview_stale"
    with tenant_context(body):
        assert PaymentRun.objects.count() == 0
        assert Instalment.objects.filter(status="paid").count() == 0


@pytest.mark.parametrize(
    ("due_up_to", "pay_on", "code", "field"),
    [
        (date(2027, 4, 30), date(2027, 4, 1), "due_after_period", "due_up_to"),
        (date(2026, 5, 31), date(2026, 3, 31), "pay_before_period", "pay_on"),
        (date(2026, 3, 31), date(2026, 4, 1), "nothing_to_pay", "due_up_to"),
    ],
)
def test_bad_run_dates_are_refused_on_their_field(officer, pool, two_awards, due_up_to, pay_on, code, field) -> None:
    with pytest.raises(ApplicationError) as exc:
        payment_run_confirm(
            actor=officer.user, tenant=officer.responsible_body, pool=pool, due_up_to=due_up_to, pay_on=pay_on
        )
    assert (exc.value.code, exc.value.field) == (code, field)
    with tenant_context(officer.responsible_body):
        assert PaymentRun.objects.count() == 0


def test_a_closed_pool_takes_no_payment_run(officer, pool, two_awards) -> None:
    body = officer.responsible_body
    with tenant_context(body):
        Pool.objects.filter(pk=pool.pk).update(status="closed")
    with pytest.raises(ConflictError) as exc:
        payment_run_confirm(
            actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 9, 30), pay_on=date(2026, 10, 1)
        )
    assert exc.value.code == "pool_closed"


def test_zero_penny_instalments_are_settled_without_a_posting(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 1_00)
    scheduled = award(officer, pool, 7)
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2027, 2, 28), pay_on=date(2027, 3, 1)
    )
    assert run.total_pence == 0
    with tenant_context(body):
        assert PaymentRunLine.objects.filter(payment_run=run).count() == 0
        assert Transaction.objects.filter(source_type="payment_run").count() == 0
    last = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2027, 3, 31), pay_on=date(2027, 3, 31)
    )
    assert last.total_pence == 7
    assert amounts(scheduled.schedule, "paid") == [0] * 11 + [7]


def _run_with_remittances(officer, pool):  # type: ignore[no-untyped-def]
    run = payment_run_confirm(
        actor=officer.user,
        tenant=officer.responsible_body,
        pool=pool,
        due_up_to=date(2026, 9, 30),
        pay_on=date(2026, 10, 2),
    )
    # The task function, called synchronously (a real worker is tested elsewhere).
    assert remittances_build_task.run(tenant_id=officer.responsible_body.pk, payment_run_id=run.pk) == 2
    return run


def test_remittance_advice_csv_lists_each_award_to_the_penny(officer, pool, two_awards) -> None:
    body = officer.responsible_body
    ash, _beech, a, _b = two_awards
    run = _run_with_remittances(officer, pool)
    with tenant_context(body):
        remittance = Remittance.objects.select_related("line").get(line__school=ash)
        content = remittance.csv_file.read()
    assert hashlib.sha256(content).hexdigest() == remittance.sha256_csv
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[0] == [
        "Responsible body",
        "Funding period",
        "Payment run",
        "Payment date",
        "School",
        "URN",
        "Award reference",
        "Instalment due",
        "Amount (GBP)",
    ]
    months = amounts(a)[:6]
    assert [r[6:] for r in rows[1:]] == [
        *[["Award A-1", f"2026-{m:02d}-01", str(Decimal(p) / 100)] for m, p in zip(range(4, 10), months, strict=True)],
        ["Total", "", str(Decimal(sum(months)) / 100)],
    ]
    assert rows[1][:6] == [body.legal_name, "2026-27", str(run.pk), "2026-10-02", "Ash Academy", str(ash.urn)]
    assert sum(Decimal(r[8]) for r in rows[1:-1]) == Decimal(rows[-1][8]) == Decimal(remittance.line.amount_pence) / 100


def test_remittance_pdf_names_the_school_and_total_and_no_pupil(officer, pool, two_awards) -> None:
    body = officer.responsible_body
    _ash, beech, _a, _b = two_awards
    _run_with_remittances(officer, pool)
    with tenant_context(body):
        remittance = Remittance.objects.select_related("line").get(line__school=beech)
        content = remittance.pdf_file.read()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == remittance.sha256_pdf
    text = pdf_text(content)
    assert "Beech Academy" in text
    assert f"URN {beech.urn}" in text
    assert "£51.65" in text  # 365.00 * 30/212 = 51.65 (floor to the penny)
    assert "Award B-7" in text
    # Words, not lines: where the sentence wraps depends on the fonts the machine has (with
    # Debian's DejaVu alone it broke after "no pupil" and this failed on a correct PDF).
    words = " ".join(text.lower().split())
    assert "contain no pupil information" in words
    assert "pupil" not in words.replace("no pupil information", "")


def test_building_remittances_twice_leaves_one_file_set(officer, pool, two_awards, tmp_path) -> None:
    body = officer.responsible_body
    run = _run_with_remittances(officer, pool)
    files = sorted(p.name for p in (tmp_path / "private").rglob("*") if p.is_file())
    with tenant_context(body):
        before = list(Remittance.objects.order_by("pk").values_list("pk", "sha256_csv", "sha256_pdf"))
    again = remittances_build(tenant=body, payment_run_id=run.pk)
    assert len(again) == 2
    with tenant_context(body):
        after = list(Remittance.objects.order_by("pk").values_list("pk", "sha256_csv", "sha256_pdf"))
        assert AuditEvent.objects.filter(verb="remittance.built").count() == 2
    assert after == before
    assert sorted(p.name for p in (tmp_path / "private").rglob("*") if p.is_file()) == files
    assert len(files) == 4


def test_an_interrupted_build_is_completed_without_a_second_file(officer, pool, two_awards, tmp_path) -> None:
    body = officer.responsible_body
    run = _run_with_remittances(officer, pool)
    with tenant_context(body):
        remittance = Remittance.objects.order_by("pk").first()
        Remittance.objects.filter(pk=remittance.pk).update(sha256_pdf="")
    remittances_build(tenant=body, payment_run_id=run.pk)
    with tenant_context(body):
        remittance.refresh_from_db()
    assert len(remittance.sha256_pdf) == 64
    assert len([p for p in (tmp_path / "private").rglob("*") if p.is_file()]) == 4


def test_the_task_ignores_unknown_ids(officer, pool) -> None:
    assert remittances_build_task.run(tenant_id=officer.responsible_body.pk, payment_run_id=999_999) == 0
    assert remittances_build_task.run(tenant_id=999_999, payment_run_id=1) == 0


def test_confirm_writes_the_remittance_task_to_the_outbox_in_its_transaction(officer, pool, two_awards) -> None:
    run = payment_run_confirm(
        actor=officer.user,
        tenant=officer.responsible_body,
        pool=pool,
        due_up_to=date(2026, 9, 30),
        pay_on=date(2026, 10, 2),
    )
    assert pending() == [
        ("pooling.remittances_build", {"tenant_id": officer.responsible_body.pk, "payment_run_id": run.pk})
    ]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_confirms_pay_each_instalment_once(officer, pool) -> None:
    import threading

    from django.db import connections

    body = officer.responsible_body
    fund(officer, pool, 10_000_00)
    for i in range(5):
        award(officer, pool, 1_200_00, source_id=f"race-{i}")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def confirm() -> None:
        try:
            barrier.wait(timeout=30)
            payment_run_confirm(
                actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 6, 30), pay_on=date(2026, 7, 1)
            )
            result = "paid"
        except ConflictError as exc:
            result = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=confirm) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["nothing_to_pay"] * 3 + ["paid"]
    quarter = 1_200_00 * 30 // 365 + 1_200_00 * 31 // 365 + 1_200_00 * 30 // 365
    with tenant_context(body):
        assert PaymentRun.objects.count() == 1
        assert Transaction.objects.filter(kind="payable").count() == 1
        assert Instalment.objects.filter(status="paid").count() == 15  # in the one run
    assert pool_headroom(tenant=body, pool=pool).payable_pence == 5 * quarter  # confirmed, not yet paid


def test_remittance_advice_can_be_requested_again(officer, pool, two_awards) -> None:
    from pooling.services.payments import remittances_request

    body = officer.responsible_body
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 9, 30), pay_on=date(2026, 10, 2)
    )
    run_outbox()
    remittances_request(actor=officer.user, tenant=body, payment_run_id=run.pk)
    assert pending() == [("pooling.remittances_build", {"tenant_id": body.pk, "payment_run_id": run.pk})]
    with tenant_context(body):
        assert AuditEvent.objects.filter(verb="remittance.requested", object_id=str(run.pk)).count() == 1
    with pytest.raises(NotFound) as exc:
        remittances_request(actor=officer.user, tenant=body, payment_run_id=999_999)
    assert exc.value.code == "not_found"
