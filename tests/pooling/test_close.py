"""Period close: the carry-forward to the penny, the closed pool refusing postings, the
schedules that move, and reopening by a body administrator with a reason."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from accounts.models import Role
from core.errors import ApplicationError, ConflictError
from core.models import AuditEvent
from core.tenancy import tenant_context
from pooling.models import Account, InstalmentSchedule, Pool, Transaction
from pooling.selectors import pool_headroom
from pooling.selectors.payments import pool_close_preview
from pooling.services.ledger import LegSpec, post
from pooling.services.payments import account_codes_set, payment_run_confirm, pool_close, pool_reopen
from tests.factories import member, own_academy
from tests.pooling.conftest import fund
from tests.pooling.payments_support import amounts, award, balances, legs_of, pay_run

# Written against the funding period 2026-27: the clock is frozen inside it (make test-dates).
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]

BALANCE_SHEET = ("contributions_receivable", "pool_bank", "payments_made", "commitments", "payable_to_schools")


@pytest.fixture
def year(officer, pool):  # type: ignore[no-untyped-def]
    """A year's activity: 100,000.00 received, 5,000.00 in arrears from Elm, an award paid in
    full within the year and one that runs to June 2027; the last payment run done."""
    body = officer.responsible_body
    fund(officer, pool, 100_000_00)
    elm = own_academy(body, name="Elm Academy")
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="contribution_expected",
        posted_on=date(2026, 4, 1),
        description="Elm contribution",
        idempotency_key=f"{body.pk}:elm:expected",
        source_type="test",
        source_id="elm",
        legs=[LegSpec("contributions_receivable", 5_000_00, elm.pk), LegSpec("contributions", -5_000_00, elm.pk)],
    )
    within = award(officer, pool, 12_000_00, source_id="within")
    oak = own_academy(body, name="Oak Academy")
    running = award(
        officer, pool, 6_000_01, school=oak, source_id="running", starts_on=date(2027, 1, 1), ends_on=date(2027, 6, 30)
    )
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2027, 3, 31), pay_on=date(2027, 3, 31)
    )
    pay_run(officer.user, body, run)  # sent to the bank and paid: nothing payable at the close
    return elm, oak, within.schedule, running.schedule


def test_close_carries_forward_to_the_penny(officer, pool, year) -> None:
    body = officer.responsible_body
    elm, oak, within, running = year
    running_paid = sum(amounts(running, "paid"))
    running_open = 6_000_01 - running_paid
    assert running_open == sum(amounts(running, "scheduled")) > 0
    cash = 100_000_00 - 12_000_00 - running_paid
    preview = pool_close_preview(tenant=body, pool=pool)
    assert (preview.cash_pence, preview.receivable_pence, preview.commitments_pence) == (cash, 5_000_00, running_open)
    assert preview.carried_forward_pence == cash + 5_000_00 - running_open
    assert preview.schedules_to_move == 1
    old_headroom = pool_headroom(tenant=body, pool=pool)

    closed = pool_close(actor=officer.user, tenant=body, pool=pool, next_label="2027-28")
    assert (closed.status, closed.closed_by_label) == ("closed", officer.user.email)
    assert closed.closed_at is not None

    with tenant_context(body):
        new = Pool.objects.get(label="2027-28")
        carry = Transaction.objects.get(kind="carry_forward")
    assert (carry.pool_id, carry.posted_on) == (pool.pk, date(2027, 4, 1))
    assert carry.idempotency_key == f"{body.pk}:carry-forward:{pool.pk}:0"
    old = balances(pool)
    assert {k: old[k] for k in BALANCE_SHEET} == dict.fromkeys(BALANCE_SHEET, 0)
    assert old["carry_forward"] == preview.carried_forward_pence
    new_balances = balances(new)
    assert new_balances == {
        "contributions_receivable": 5_000_00,
        "pool_bank": cash,
        "payments_made": 0,
        "contributions": 0,
        "reserve": 0,
        "carry_forward": -preview.carried_forward_pence,
        "recoveries": 0,
        "awards": 0,
        "commitments": -running_open,
        "payable_to_schools": 0,
    }
    headroom = pool_headroom(tenant=body, pool=new)
    assert headroom.carried_forward_pence == preview.carried_forward_pence
    # What was available (plus the unused reserve, none here) is available next year.
    assert headroom.available_on_expected_pence == old_headroom.available_on_expected_pence
    assert headroom.committed_outstanding_pence == running_open
    assert headroom.cash_pence == cash
    # Arrears and commitments keep their school.
    new_legs = legs_of(new, transaction=carry, account__pool=new)
    assert ("contributions_receivable", 5_000_00, elm.pk) in new_legs
    assert ("commitments", -running_open, oak.pk) in new_legs

    # The running award's schedule moved; the finished one stayed.
    with tenant_context(body):
        assert InstalmentSchedule.objects.get(pk=running.pk).pool_id == new.pk
        assert InstalmentSchedule.objects.get(pk=within.pk).pool_id == pool.pk
        assert AuditEvent.objects.filter(verb="pool.closed", object_id=str(pool.pk)).count() == 1
        moved = AuditEvent.objects.get(verb="schedule.moved")
    assert moved.after == {"pool": new.pk, "schedules": [running.pk]}

    # The next year's first run pays April from the new pool.
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=new, due_up_to=date(2027, 4, 30), pay_on=date(2027, 5, 1)
    )
    assert run.total_pence == amounts(running)[3]
    assert pool_headroom(tenant=body, pool=new).committed_outstanding_pence == running_open - run.total_pence


def test_a_closed_pool_refuses_postings_in_the_database(officer, pool, year) -> None:
    body = officer.responsible_body
    pool_close(actor=officer.user, tenant=body, pool=pool, next_label="2027-28")
    with tenant_context(body):
        accounts = dict(Account.objects.filter(pool=pool).values_list("kind", "pk"))
    with tenant_context(body), pytest.raises(DatabaseError, match="closed: no further postings"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO pooling_transaction (responsible_body_id, pool_id, kind, posted_on, description, "
                "idempotency_key, source_type, source_id, actor_label, created_at) VALUES "
                "(%s, %s, 'receipt', '2027-04-02', 'late', 'late-1', 't', '1', 'a', now()) RETURNING id",
                [body.pk, pool.pk],
            )
            txn_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO pooling_leg (responsible_body_id, transaction_id, account_id, amount_pence) VALUES "
                "(%s, %s, %s, 100), (%s, %s, %s, -100)",
                [body.pk, txn_id, accounts["pool_bank"], body.pk, txn_id, accounts["contributions_receivable"]],
            )
    with pytest.raises(ConflictError) as exc:
        fund(officer, pool, 1_00, key="late")
    assert exc.value.code == "pool_closed"


def test_close_refuses_while_instalments_due_in_the_period_are_unpaid(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 10_000_00)
    award(officer, pool, 1_200_00)
    pay_run(
        officer.user,
        body,
        payment_run_confirm(
            actor=officer.user, tenant=body, pool=pool, due_up_to=date(2027, 2, 28), pay_on=date(2027, 3, 1)
        ),
    )
    assert pool_close_preview(tenant=body, pool=pool).can_close is False
    with pytest.raises(ConflictError) as exc:
        pool_close(actor=officer.user, tenant=body, pool=pool, next_label="2027-28")
    assert exc.value.code == "unpaid_instalments"
    with tenant_context(body):
        assert not Pool.objects.filter(label="2027-28").exists()
        assert Pool.objects.get(pk=pool.pk).status == "open"


def test_close_refuses_while_anything_is_payable(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 10_000_00)
    award(officer, pool, 1_200_00)
    pay_run(
        officer.user,
        body,
        payment_run_confirm(
            actor=officer.user, tenant=body, pool=pool, due_up_to=date(2027, 3, 31), pay_on=date(2027, 3, 31)
        ),
    )
    school = own_academy(body)
    # A payable recognised outside a run (say, by a future correction service) and not yet paid.
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="payable",
        posted_on=date(2027, 3, 31),
        description="Payable, not paid",
        idempotency_key=f"{body.pk}:test:payable",
        source_type="test",
        source_id="payable",
        legs=[LegSpec("commitments", 100_00, school.pk), LegSpec("payable_to_schools", -100_00, school.pk)],
    )
    assert pool_close_preview(tenant=body, pool=pool).payable_pence == 100_00
    with pytest.raises(ConflictError) as exc:
        pool_close(actor=officer.user, tenant=body, pool=pool, next_label="2027-28")
    assert exc.value.code == "payable_outstanding"


@pytest.mark.parametrize("label", ["2028-29", "2025-26", "2026-27"])
def test_close_needs_the_following_period(officer, pool, label) -> None:
    fund(officer, pool, 1_00)
    with pytest.raises(ApplicationError) as exc:
        pool_close(actor=officer.user, tenant=officer.responsible_body, pool=pool, next_label=label)
    assert (exc.value.code, exc.value.field) == ("not_the_next_period", "next_label")
    with tenant_context(officer.responsible_body):
        assert list(Pool.objects.values_list("label", "status")) == [("2026-27", "open")]
        assert Transaction.objects.filter(kind="carry_forward").count() == 0


def test_close_refuses_a_malformed_label(officer, pool) -> None:
    with pytest.raises(ApplicationError) as exc:
        pool_close(actor=officer.user, tenant=officer.responsible_body, pool=pool, next_label="2027")
    assert exc.value.field == "label"


def test_an_empty_pool_closes_without_a_posting_and_codes_are_copied(officer, pool) -> None:
    body = officer.responsible_body
    with tenant_context(body):
        bank = Account.objects.get(pool=pool, kind="pool_bank")
    account_codes_set(
        actor=officer.user, tenant=body, account_id=bank.pk, nominal_code="1200", cost_centre="SEND", cfr_code="I01"
    )
    pool_close(actor=officer.user, tenant=body, pool=pool, next_label="2027-28")
    with tenant_context(body):
        assert Transaction.objects.count() == 0
        copied = Account.objects.get(pool__label="2027-28", kind="pool_bank")
    assert (copied.nominal_code, copied.cost_centre, copied.cfr_code) == ("1200", "SEND", "I01")
    with pytest.raises(ConflictError) as exc:
        pool_close(actor=officer.user, tenant=body, pool=pool, next_label="2027-28")
    assert exc.value.code == "pool_closed"


def test_reopen_needs_a_body_admin_and_a_reason_then_close_again_carries_the_change(officer, pool, year) -> None:
    body = officer.responsible_body
    pool_close(actor=officer.user, tenant=body, pool=pool, next_label="2027-28")
    with pytest.raises(PermissionDenied):
        pool_reopen(actor=officer.user, tenant=body, pool=pool, reason="Correction")
    admin = member(Role.BODY_ADMIN, body, mfa=True)
    no_mfa_admin = member(Role.BODY_ADMIN, body)
    with pytest.raises(PermissionDenied):
        pool_reopen(actor=no_mfa_admin.user, tenant=body, pool=pool, reason="Correction")
    for reason in ("", "   "):
        with pytest.raises(ApplicationError) as exc:
            pool_reopen(actor=admin.user, tenant=body, pool=pool, reason=reason)
        assert (exc.value.code, exc.value.field) == ("reason_required", "reason")
    with pytest.raises(ApplicationError) as exc:
        pool_reopen(actor=admin.user, tenant=body, pool=pool, reason="x" * 501)
    assert exc.value.field == "reason"
    with tenant_context(body):
        assert Pool.objects.get(pk=pool.pk).status == "closed"

    reopened = pool_reopen(actor=admin.user, tenant=body, pool=pool, reason="Late receipt from Elm")
    assert (reopened.status, reopened.reopen_reason) == ("open", "Late receipt from Elm")
    with tenant_context(body):
        event = AuditEvent.objects.get(verb="pool.reopened")
    assert (event.actor_id, event.before["status"], event.after["status"]) == (admin.user.pk, "closed", "open")
    assert "Late receipt from Elm" in event.object_label
    with pytest.raises(ConflictError):
        pool_reopen(actor=admin.user, tenant=body, pool=pool, reason="Again")

    # A late correction in the old period, then closing again carries only that.
    fund(officer, pool, 250_00, key="late")
    carried_before = pool_headroom(tenant=body, pool=_new(body)).carried_forward_pence
    pool_close(actor=officer.user, tenant=body, pool=pool, next_label="2027-28")
    old = balances(pool)
    assert {k: old[k] for k in BALANCE_SHEET} == dict.fromkeys(BALANCE_SHEET, 0)
    assert pool_headroom(tenant=body, pool=_new(body)).carried_forward_pence == carried_before + 250_00
    with tenant_context(body):
        keys = sorted(Transaction.objects.filter(kind="carry_forward").values_list("idempotency_key", flat=True))
    assert keys == [f"{body.pk}:carry-forward:{pool.pk}:0", f"{body.pk}:carry-forward:{pool.pk}:1"]


def _new(body) -> Pool:  # type: ignore[no-untyped-def]
    with tenant_context(body):
        return Pool.objects.get(label="2027-28")
