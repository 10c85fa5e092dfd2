"""Helpers shared by the payments tests: awards with schedules, ledger figures, files."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.db.models import Model
from pypdf import PdfReader

from accounts.models import Membership, Role
from core.tenancy import platform_context, tenant_context
from groupings.models import School
from pooling.models import Instalment, InstalmentSchedule, Leg, Pool
from pooling.selectors import pool_balances
from pooling.services.payments import ScheduledAward, award_commit_and_schedule
from tests.factories import member, own_academy


def refuse_deferred_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, reading a column a query left out (``refresh_from_db``) fails the test:
    a page that did would cost a query per row."""

    def refuse(self: Model, *args: Any, fields: Any = None, **kwargs: Any) -> None:
        raise AssertionError(f"{type(self).__name__} {fields} read after its row, one query per row")

    monkeypatch.setattr(Model, "refresh_from_db", refuse)


def deciding_officer(body: Any) -> Any:
    """The body's decision officer (made once per body)."""
    with platform_context():
        existing = Membership.objects.filter(responsible_body=body, role=Role.DECISION_OFFICER).first()
        if existing is not None:
            return existing.user
    return member(Role.DECISION_OFFICER, body, mfa=True).user


def award(
    officer: Any,
    pool: Pool,
    total_pence: int,
    *,
    school: School | None = None,
    source_id: str = "1",
    starts_on: date = date(2026, 4, 1),
    ends_on: date = date(2027, 3, 31),
    frequency: str = "monthly",
) -> ScheduledAward:
    """Commit ``total_pence`` to ``school`` (a new academy of the body by default) and
    schedule it, as the body's decision officer decides it: under segregation of duties the
    finance officer who confirms the payment run did not commit the money."""
    body = officer.responsible_body
    return award_commit_and_schedule(
        actor=deciding_officer(body),
        tenant=body,
        pool=pool,
        school_id=(school or own_academy(body)).pk,
        source_type="award",
        source_id=source_id,
        total_pence=total_pence,
        starts_on=starts_on,
        ends_on=ends_on,
        frequency=frequency,
    )


def instalments(schedule: InstalmentSchedule) -> list[tuple[date, int, str]]:
    with tenant_context(schedule.responsible_body_id):
        return list(schedule.instalments.order_by("due_on", "pk").values_list("due_on", "amount_pence", "status"))


def amounts(schedule: InstalmentSchedule, status: str | None = None) -> list[int]:
    return [a for _d, a, s in instalments(schedule) if status is None or s == status]


def balances(pool: Pool) -> dict[str, int]:
    return pool_balances(tenant=pool.responsible_body, pool=pool)


def legs_of(pool: Pool, **filters: Any) -> list[tuple[str, int, int | None]]:
    with tenant_context(pool.responsible_body_id):
        return list(
            Leg.objects.filter(**filters).order_by("pk").values_list("account__kind", "amount_pence", "school_id")
        )


def scheduled_count(pool: Pool) -> int:
    with tenant_context(pool.responsible_body_id):
        return Instalment.objects.filter(schedule__pool=pool, status="scheduled").count()


def pdf_text(content: bytes) -> str:
    """The text of a PDF, page by page, read with pypdf (no poppler needed)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def pay_run(user: Any, body: Any, run: Any) -> Any:
    """Send a confirmed run to the bank and record it paid, both on its payment date (the
    clock moved there): what the finance officer and the daily task do."""
    import time_machine
    from django.utils import timezone

    from pooling.services.payment_runs import payment_run_record_paid, payment_run_send

    on = run.pay_on
    with time_machine.travel(timezone.make_aware(timezone.datetime(on.year, on.month, on.day, 9)), tick=False):
        payment_run_send(actor=user, tenant=body, payment_run_id=run.pk)
        return payment_run_record_paid(actor=user, tenant=body, payment_run_id=run.pk, paid_on=on)


def confirm_and_pay(**kwargs: Any) -> Any:
    """``payment_run_confirm``, then the run sent to the bank and paid on its payment date:
    what a run that "has paid" now takes."""
    from pooling.services.payments import payment_run_confirm

    run = payment_run_confirm(**kwargs)
    return pay_run(kwargs["actor"], kwargs["tenant"], run)
