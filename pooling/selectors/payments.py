"""Reads for paying schools: schedules, payment runs and their remittances, what a period
close would carry forward, accounts with their finance-system codes, and journal rows."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from accounts.models import ResponsibleBody
from core.errors import NotFound
from core.tenancy import tenant_context
from pooling.models import (
    Account,
    Instalment,
    InstalmentSchedule,
    Leg,
    PaymentRun,
    PaymentRunLine,
    Pool,
    Remittance,
)
from pooling.periods import period_of
from pooling.selectors.ledger import pool_balances

# Whom a line pays: ("school", school id) or ("payee", payee id). A schedule with a payee is
# paid to the payee (an employer or provider), whatever school it is attributed to.
Recipient = tuple[str, int]


def recipient_of(schedule: InstalmentSchedule) -> Recipient:
    return ("payee", schedule.payee_id) if schedule.payee_id is not None else ("school", schedule.school_id)


def line_recipient(line: PaymentRunLine | RunLineRow) -> Recipient:
    return ("payee", line.payee_id) if line.payee_id is not None else ("school", line.school_id or 0)


def payment_run_list(*, tenant: ResponsibleBody, pool: Pool) -> QuerySet[PaymentRun]:
    """A pool's payment runs, newest first, each with how many lines (schools and other
    payees) it pays: counted for the runs read, by the lines' run index, not for every
    run of the pool before a page is taken (and counting the runs counts only them)."""
    runs: QuerySet[PaymentRun] = PaymentRun.objects.for_tenant(tenant).filter(pool=pool)
    lines = (
        PaymentRunLine.objects.filter(payment_run=OuterRef("pk"))
        .order_by()
        .values("payment_run")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return runs.annotate(school_count=Coalesce(Subquery(lines), 0)).order_by("-pay_on", "-id")


def payment_run_get(*, tenant: ResponsibleBody, payment_run_id: int) -> PaymentRun:
    run = PaymentRun.objects.for_tenant(tenant).select_related("pool").filter(pk=payment_run_id).first()
    if run is None:
        raise NotFound("No such payment run.")
    return run


# What a run's lines are read with (``payment_run_lines``): the line, and what is shown of
# whom it pays and of its remittance advice.
LINE_FIELDS = (
    "payment_run",
    "school",
    "payee",
    "amount_pence",
    "returned_on",
    "return_reason",
    "school__name",
    "school__urn",
    "payee__kind",
    "payee__name",
    "payee__sort_code",
    "payee__account_number",
    "remittance__line",
    "remittance__sha256_csv",
    "remittance__sha256_pdf",
)


def _run_lines(tenant: ResponsibleBody, run: PaymentRun) -> QuerySet[PaymentRunLine]:
    """A run's lines, schools first, by name, then the other payees, by name."""
    return (
        PaymentRunLine.objects.for_tenant(tenant)
        .filter(payment_run=run)
        .order_by(F("payee_id").asc(nulls_first=True), "school__name", "payee__name", "pk")
    )


def payment_run_lines(*, tenant: ResponsibleBody, run: PaymentRun) -> QuerySet[PaymentRunLine]:
    """A run's lines with their school or other payee and remittance advice (if built yet):
    one query. Schools first, by name, then the other payees, by name. Of the school, the
    payee and the advice, only what the run's page and API show is read (not the school's
    whole register entry)."""
    return _run_lines(tenant, run).select_related("school", "payee", "remittance").only(*LINE_FIELDS)


class RunLineRow(NamedTuple):
    """A run's line as the run's page shows it: whom it pays, how much, whether the bank
    returned it, and its remittance advice if built yet (``remittance_pdf`` is "" until
    its PDF is)."""

    pk: int
    school_id: int | None
    payee_id: int | None
    amount_pence: int
    returned_on: date | None
    return_reason: str
    school_name: str | None
    school_urn: int | None
    payee_kind: str | None
    payee_name: str | None
    payee_sort_code: str | None
    payee_account_number: str | None
    remittance_id: int | None
    remittance_pdf: str | None


def payment_run_line_rows(*, tenant: ResponsibleBody, run: PaymentRun) -> QuerySet[Any]:
    """``payment_run_lines`` as the columns of ``RunLineRow``, in the same order (one
    query; a page of it is ``[RunLineRow(*row) for row in page]``)."""
    return _run_lines(tenant, run).values_list(
        "pk", "school_id", "payee_id", "amount_pence", "returned_on", "return_reason", "school__name", "school__urn",
        "payee__kind", "payee__name", "payee__sort_code", "payee__account_number", "remittance__id",
        "remittance__sha256_pdf",
    )  # fmt: skip


def payment_run_line_get(*, tenant: ResponsibleBody, run: PaymentRun, line_id: int) -> PaymentRunLine | None:
    """One line of ``run`` with its school or payee (None: not a line of this run)."""
    return (
        PaymentRunLine.objects.for_tenant(tenant)
        .filter(payment_run=run, pk=line_id)
        .select_related("school", "payee", "payment_run")
        .first()
    )


def returned_lines(
    *, tenant: ResponsibleBody, school_ids: Collection[int] | None = (), payee_ids: Collection[int] = ()
) -> QuerySet[PaymentRunLine]:
    """Payments the bank returned (or runs it failed) to these schools (None: every school)
    or payees, newest first: what their pages show until a later run pays them again."""
    lines = PaymentRunLine.objects.for_tenant(tenant).filter(returned_on__isnull=False)
    if school_ids is None:
        lines = lines.filter(Q(school__isnull=False) | Q(payee_id__in=payee_ids))
    else:
        lines = lines.filter(Q(school_id__in=school_ids) | Q(payee_id__in=payee_ids))
    return lines.select_related("school", "payee", "payment_run").order_by("-returned_on", "-pk")


@dataclass(frozen=True)
class RunLineCounts:
    lines: int
    payees: int  # lines paying a payee other than a school (an employer or provider)
    awaiting_advice: int  # lines whose remittance advice is not built yet, or has no PDF yet


def payment_run_line_counts(*, tenant: ResponsibleBody, run: PaymentRun) -> RunLineCounts:
    """How many lines a run has, how many pay another payee, and how many still wait for
    their remittance advice: one query, whatever the number of lines."""
    waiting = Q(remittance__isnull=True) | Q(remittance__sha256_pdf="")
    counts = (
        PaymentRunLine.objects.for_tenant(tenant)
        .filter(payment_run=run)
        .aggregate(lines=Count("pk"), payees=Count("payee_id"), waiting=Count("pk", filter=waiting))
    )
    return RunLineCounts(lines=counts["lines"], payees=counts["payees"], awaiting_advice=counts["waiting"])


def _run_instalments(
    tenant: ResponsibleBody, run: PaymentRun, school_ids: Collection[int] | None, payee_ids: Collection[int]
) -> QuerySet[Instalment]:
    qs = Instalment.objects.for_tenant(tenant).filter(payment_run=run)
    if school_ids is not None:
        qs = qs.filter(
            Q(schedule__school_id__in=school_ids, schedule__payee__isnull=True) | Q(schedule__payee_id__in=payee_ids)
        )
    return qs.order_by("schedule__school_id", "due_on", "schedule__source_type", "schedule__source_id", "pk")


def payment_run_instalments(
    *,
    tenant: ResponsibleBody,
    run: PaymentRun,
    school_ids: Collection[int] | None = None,
    payee_ids: Collection[int] = (),
) -> QuerySet[Instalment]:
    """The instalments a run paid, optionally only those of some lines (a page of the run's
    lines): paid to ``school_ids`` (instalments of schedules with no other payee) or to
    ``payee_ids``."""
    # Of each instalment and its schedule, what says whom it paid and for what.
    return (
        _run_instalments(tenant, run, school_ids, payee_ids)
        .select_related("schedule")
        .only(
            "schedule", "due_on", "amount_pence", "schedule__school", "schedule__payee", "schedule__source_type",
            "schedule__source_id",
        )
    )  # fmt: skip


class PaidInstalment(NamedTuple):
    """An instalment a run paid, as the run's page lists it under its line."""

    recipient: Recipient
    due_on: date
    amount_pence: int
    source_type: str
    source_id: str


def payment_run_instalment_rows(
    *, tenant: ResponsibleBody, run: PaymentRun, school_ids: Collection[int], payee_ids: Collection[int] = ()
) -> list[PaidInstalment]:
    """``payment_run_instalments`` of some lines, as rows (one query), those of no amount
    left out."""
    rows = _run_instalments(tenant, run, school_ids, payee_ids).values_list(
        "schedule__school_id", "schedule__payee_id", "due_on", "amount_pence", "schedule__source_type",
        "schedule__source_id",
    )  # fmt: skip
    return [
        PaidInstalment(
            ("payee", payee) if payee is not None else ("school", school), due_on, amount, source_type, source_id
        )
        for school, payee, due_on, amount, source_type, source_id in rows
        if amount
    ]


def remittance_get(*, tenant: ResponsibleBody, remittance_id: int) -> Remittance:
    remittance = (
        Remittance.objects.for_tenant(tenant)
        .select_related("line__school", "line__payee", "line__payment_run")
        .filter(pk=remittance_id)
        .first()
    )
    if remittance is None:
        raise NotFound("No such remittance advice.")
    return remittance


def schedule_list(*, tenant: ResponsibleBody, pool: Pool) -> QuerySet[InstalmentSchedule]:
    return (
        InstalmentSchedule.objects.for_tenant(tenant)
        .filter(pool=pool)
        .select_related("school", "payee")
        .prefetch_related(Prefetch("instalments", queryset=Instalment.objects.order_by("due_on", "pk")))
        .order_by("school__name", "source_type", "source_id")
    )


@dataclass(frozen=True)
class ClosePreview:
    """What closing ``pool`` would carry into ``next_label``'s pool, and what blocks it."""

    pool: Pool
    next_label: str
    cash_pence: int
    receivable_pence: int
    commitments_pence: int
    payable_pence: int
    unpaid_instalments: int
    unpaid_instalments_pence: int
    schedules_to_move: int

    @property
    def carried_forward_pence(self) -> int:
        """Net assets that arrive in the next pool as its brought-forward balance."""
        return self.cash_pence + self.receivable_pence - self.commitments_pence - self.payable_pence

    @property
    def can_close(self) -> bool:
        return self.pool.status == "open" and not self.payable_pence and not self.unpaid_instalments


def pool_close_preview(*, tenant: ResponsibleBody, pool: Pool) -> ClosePreview:
    with tenant_context(tenant):
        b = pool_balances(tenant=tenant, pool=pool)
        unpaid = Instalment.objects.filter(
            schedule__pool=pool, status=Instalment.Status.SCHEDULED, due_on__lte=pool.ends_on
        ).aggregate(n=Count("id"), total=Sum("amount_pence"))
        moving = (
            InstalmentSchedule.objects.filter(pool=pool, instalments__status=Instalment.Status.SCHEDULED)
            .distinct()
            .count()
        )
    return ClosePreview(
        pool=pool,
        next_label=period_of(pool.ends_on + timedelta(days=1)).label,
        cash_pence=b["pool_bank"] + b["payments_made"],
        receivable_pence=b["contributions_receivable"],
        commitments_pence=-b["commitments"],
        payable_pence=-b["payable_to_schools"],
        unpaid_instalments=unpaid["n"] or 0,
        unpaid_instalments_pence=int(unpaid["total"] or 0),
        schedules_to_move=moving,
    )


def account_list(*, tenant: ResponsibleBody, pool: Pool) -> QuerySet[Account]:
    return Account.objects.for_tenant(tenant).filter(pool=pool).select_related("pool").order_by("pk")


def account_get(*, tenant: ResponsibleBody, account_id: int) -> Account:
    account = Account.objects.for_tenant(tenant).select_related("pool").filter(pk=account_id).first()
    if account is None:
        raise NotFound("No such account.")
    return account


def journal_legs(*, tenant: ResponsibleBody, date_from: date, date_to: date, pool: Pool | None = None) -> QuerySet[Leg]:
    """Every ledger leg posted in ``[date_from, date_to]``, oldest first, with what the
    journal export needs joined in (one query, iterated in chunks)."""
    qs = (
        Leg.objects.for_tenant(tenant)
        .filter(transaction__posted_on__gte=date_from, transaction__posted_on__lte=date_to)
        .select_related("transaction", "transaction__pool", "account", "account__pool", "school", "payee")
    )
    if pool is not None:
        qs = qs.filter(account__pool=pool)
    return qs.order_by("transaction__posted_on", "transaction_id", "pk")
