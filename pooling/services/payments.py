"""Payment runs and remittance advice.

A run pays every scheduled instalment due up to a date: it moves what it pays from
``commitments`` to ``payable_to_schools`` when confirmed (key
``f"{tenant.pk}:payment-run:<run id>:payable"``), and on to ``payments_made`` only when it
is paid (``pooling.services.payment_runs``: sent to the bank, then paid; key ``…:payment``).
After commit a Celery task builds each school's remittance advice (CSV and PDF).

The services callers know by this module (the cases app commits and schedules awards with
``award_commit_and_schedule``) are re-exported from ``schedules`` and ``period_close``."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.constraints import violates
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.money import format_pence
from core.outbox.services import outbox_enqueue
from core.storage import storage_guard
from core.tenancy import tenant_context
from pooling import remittances
from pooling.error_codes import PoolingError
from pooling.models import (
    AccountKind,
    Instalment,
    PaymentRun,
    PaymentRunLine,
    Pool,
    PoolStatus,
    Remittance,
    TransactionKind,
)
from pooling.selectors.payments import Recipient, line_recipient, recipient_of
from pooling.services.duties import segregation_check
from pooling.services.ledger import LegSpec, post
from pooling.services.period_close import account_codes_set, pool_close, pool_reopen
from pooling.services.schedules import (
    ScheduledAward,
    ScheduleStopped,
    award_commit_and_schedule,
    schedule_create,
    schedule_parts,
    schedule_stop,
    schedule_vary,
    split_by_days,
)
from pooling.source_labels import source_labels


def _check_run_dates(*, pool: Pool, due_up_to: date, pay_on: date | None) -> None:
    if due_up_to > pool.ends_on:
        raise ApplicationError(
            f"Pool {pool.label} pays instalments due up to {pool.ends_on:%-d %B %Y}; "
            "later ones are paid from the next period's pool.",
            code=PoolingError.DUE_AFTER_PERIOD,
            field="due_up_to",
        )
    if pay_on is not None and pay_on < pool.starts_on:
        raise ApplicationError(
            f"The payment date must be on or after {pool.starts_on:%-d %B %Y}, when the period starts.",
            code=PoolingError.PAY_BEFORE_PERIOD,
            field="pay_on",
        )


def _due(pool: Pool, due_up_to: date) -> Any:
    return Instalment.objects.filter(
        schedule__pool=pool, status=Instalment.Status.SCHEDULED, due_on__lte=due_up_to, payment_run__isnull=True
    )


@dataclass(frozen=True)
class PreviewLine:
    school_id: int | None
    school_name: str
    urn: int | None
    instalments: int
    amount_pence: int
    payee_id: int | None = None

    @property
    def is_payee(self) -> bool:
        return self.payee_id is not None


@dataclass(frozen=True)
class RunPreview:
    pool: Pool
    due_up_to: date
    lines: list[PreviewLine]

    @property
    def total_pence(self) -> int:
        return sum(line.amount_pence for line in self.lines)

    @property
    def instalments(self) -> int:
        return sum(line.instalments for line in self.lines)

    @property
    def payee_count(self) -> int:
        return sum(1 for line in self.lines if line.is_payee)

    @property
    def school_count(self) -> int:
        return len(self.lines) - self.payee_count


def payment_run_preview(*, tenant: ResponsibleBody, pool: Pool, due_up_to: date) -> RunPreview:
    """What a run would pay now: per school, and per payee other than a school, the
    scheduled instalments due up to the date that are in no run yet. Nothing is stored.
    Schools first (by name), then payees (by name)."""
    _check_run_dates(pool=pool, due_up_to=due_up_to, pay_on=None)
    with tenant_context(tenant):
        rows = (
            _due(pool, due_up_to)
            .values(
                "schedule__school_id",
                "schedule__school__name",
                "schedule__school__urn",
                "schedule__payee_id",
                "schedule__payee__name",
            )
            .annotate(total=Sum("amount_pence"), n=Count("id"))
            .order_by()
        )
        merged: dict[Recipient, dict[str, Any]] = {}
        for r in rows:
            payee_id = r["schedule__payee_id"]
            key: Recipient = ("payee", payee_id) if payee_id is not None else ("school", r["schedule__school_id"])
            line = merged.setdefault(
                key,
                {
                    "school_id": None if payee_id is not None else r["schedule__school_id"],
                    "school_name": r["schedule__payee__name"] if payee_id is not None else r["schedule__school__name"],
                    "urn": None if payee_id is not None else r["schedule__school__urn"],
                    "payee_id": payee_id,
                    "instalments": 0,
                    "amount_pence": 0,
                },
            )
            line["instalments"] += r["n"]
            line["amount_pence"] += int(r["total"])
        lines = sorted(
            (PreviewLine(**line) for line in merged.values()),
            key=lambda line: (line.is_payee, line.school_name, line.school_id or 0, line.payee_id or 0),
        )
    return RunPreview(pool=pool, due_up_to=due_up_to, lines=lines)


def payment_run_confirm(
    *,
    actor: User,
    tenant: ResponsibleBody,
    pool: Pool,
    due_up_to: date,
    pay_on: date,
    expected_total_pence: int | None = None,
) -> PaymentRun:
    """Confirm a payment run (``_confirm``). A run refused under segregation of duties is
    audited on its own after the refused run rolled back; the caller gets the error."""
    try:
        return _confirm(
            actor=actor,
            tenant=tenant,
            pool=pool,
            due_up_to=due_up_to,
            pay_on=pay_on,
            expected_total_pence=expected_total_pence,
        )
    except ConflictError as exc:
        if exc.code == PoolingError.SEGREGATION_OF_DUTIES:
            with tenant_context(tenant), transaction.atomic():
                audit_record(
                    actor=actor,
                    tenant=tenant,
                    verb=AuditVerb.PAYMENT_RUN_REFUSED_SEGREGATION,
                    obj=pool,
                    label=f"Payment run for pool {pool.label} refused: the confirmer decided awards it pays",
                    after=exc.extra,
                )
            exc.recorded = True
        raise


def _confirm(
    *,
    actor: User,
    tenant: ResponsibleBody,
    pool: Pool,
    due_up_to: date,
    pay_on: date,
    expected_total_pence: int | None = None,
) -> PaymentRun:
    """Pay every scheduled instalment due up to ``due_up_to``: a confirmed run with one line
    per school and one per payee other than a school (a schedule with a payee pays the
    payee), the instalments taken into it (status ``paid``: in a run; *paid* in the sense
    every page uses comes when the run is paid) and the payable posting. The
    pool row is locked and the instalments re-selected inside the lock, so two confirms
    never pay the same instalment: the second finds nothing due (``nothing_to_pay``).

    ``expected_total_pence`` (the previewed total) refuses a run that changed since."""
    _check_run_dates(pool=pool, due_up_to=due_up_to, pay_on=pay_on)
    with tenant_context(tenant), transaction.atomic():
        locked = lock_rows(Pool.objects).filter(pk=pool.pk).first()
        if locked is None:
            raise NotFound("No such pool.")
        if locked.status != PoolStatus.OPEN:
            raise ConflictError(f"Pool {locked.label} is closed: no further payments.", code=PoolingError.POOL_CLOSED)
        due = list(
            lock_rows(_due(locked, due_up_to))
            .select_related("schedule")
            .order_by("schedule__school_id", "schedule__payee_id", "due_on", "id")
        )
        if not due:
            raise ConflictError(
                f"Nothing is due up to {due_up_to:%-d %B %Y} that has not been paid.",
                code=PoolingError.NOTHING_TO_PAY,
                field="due_up_to",
            )
        segregation_check(actor=actor, tenant=tenant, due=due)
        per_recipient: dict[Recipient, int] = defaultdict(int)
        per_committed_school: dict[int, int] = defaultdict(int)
        for instalment in due:
            per_recipient[recipient_of(instalment.schedule)] += instalment.amount_pence
            per_committed_school[instalment.schedule.school_id] += instalment.amount_pence
        total = sum(per_recipient.values())
        if expected_total_pence is not None and expected_total_pence != total:
            raise ConflictError(
                "What is due changed since the preview: check the run again.",
                code=PoolingError.PREVIEW_STALE,
                field="due_up_to",
            )
        now = timezone.now()
        run = PaymentRun(
            responsible_body=tenant,
            pool=locked,
            due_up_to=due_up_to,
            pay_on=pay_on,
            status=PaymentRun.Status.CONFIRMED,
            total_pence=total,
            created_by_label=actor.email,
            confirmed_by_label=actor.email,
            confirmed_at=now,
            created_at=now,
        )
        run.save()
        paying = [(recipient, amount) for recipient, amount in sorted(per_recipient.items()) if amount]
        PaymentRunLine.objects.bulk_create(
            [
                PaymentRunLine(
                    responsible_body=tenant,
                    payment_run=run,
                    school_id=ident if kind == "school" else None,
                    payee_id=ident if kind == "payee" else None,
                    amount_pence=amount,
                )
                for (kind, ident), amount in paying
            ]
        )
        Instalment.objects.filter(pk__in=[i.pk for i in due]).update(status=Instalment.Status.PAID, payment_run=run)
        if paying:
            committed = [(school_id, amount) for school_id, amount in sorted(per_committed_school.items()) if amount]
            _post_run(actor=actor, tenant=tenant, pool=locked, run=run, paying=paying, committed=committed)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PAYMENT_RUN_CONFIRMED,
            obj=run,
            label=f"Payment run {run.pk} ({locked.label}): {format_pence(total)} to {paid_to_text(paying)} "
            f"on {pay_on:%-d %B %Y}",
            after={
                "pool": locked.pk,
                "due_up_to": due_up_to,
                "pay_on": pay_on,
                "total_pence": total,
                "instalments": len(due),
                "lines": {ident: amount for (kind, ident), amount in paying if kind == "school"},
                "payee_lines": {ident: amount for (kind, ident), amount in paying if kind == "payee"},
            },
        )
        # The advice is built from the outbox: delivered after commit, swept until built.
        _enqueue_remittances(tenant_id=tenant.pk, payment_run_id=run.pk)
    return run


def _schools(n: int) -> str:
    return "1 school" if n == 1 else f"{n:,} schools"


def paid_to_text(paying: list[tuple[Recipient, int]]) -> str:
    """ "3 schools", or "3 schools and 1 other payee"."""
    payees = sum(1 for (kind, _), _amount in paying if kind == "payee")
    schools = _schools(len(paying) - payees)
    if not payees:
        return schools
    return f"{schools} and {payees} other payee" + ("" if payees == 1 else "s")


def _post_run(
    *,
    actor: User,
    tenant: ResponsibleBody,
    pool: Pool,
    run: PaymentRun,
    paying: list[tuple[Recipient, int]],
    committed: list[tuple[int, int]],
) -> None:
    """Dr commitments / Cr payable when confirmed. The commitments legs name the school each
    instalment was committed to (its schedule's school: the award's school, or the host of a
    shared resource), so what stays committed per school is exactly what is unpaid and a
    period close carries it to that school; the payable legs name whom the run pays (the
    school, or a payee such as a shared post's employer). The payment itself (payable to
    payments made) is posted when the run is paid
    (``pooling.services.payment_runs.payment_run_record_paid``)."""
    post(
        actor=actor,
        tenant=tenant,
        pool=pool,
        kind=TransactionKind.PAYABLE,
        posted_on=min(timezone.localdate(), run.pay_on),
        description=f"Payment run {run.pk}: instalments due up to {run.due_up_to:%-d %B %Y} payable",
        idempotency_key=f"{tenant.pk}:payment-run:{run.pk}:payable",
        source_type="payment_run",
        source_id=str(run.pk),
        legs=[LegSpec(AccountKind.COMMITMENTS, amount, school_id=school_id) for school_id, amount in committed]
        + [recipient_leg(AccountKind.PAYABLE_TO_SCHOOLS, -amount, recipient) for recipient, amount in paying],
    )


# Runs with remittance advice: confirmed, and on through sent to the bank and paid.
REMITTED = (PaymentRun.Status.CONFIRMED, PaymentRun.Status.SENT, PaymentRun.Status.PAID)


def recipient_leg(account: AccountKind, amount: int, recipient: Recipient) -> LegSpec:
    """A leg naming whom it pays: the school, or the payee (and then no school)."""
    kind, ident = recipient
    if kind == "school":
        return LegSpec(account, amount, school_id=ident)
    return LegSpec(account, amount, payee_id=ident)


def _enqueue_remittances(*, tenant_id: int, payment_run_id: int) -> None:
    outbox_enqueue(task="pooling.remittances_build", kwargs={"tenant_id": tenant_id, "payment_run_id": payment_run_id})


def remittances_request(*, actor: User, tenant: ResponsibleBody, payment_run_id: int) -> PaymentRun:
    """Ask again for a confirmed run's remittance advice (say, after the task queue was
    down). Only what is missing is built, so asking twice is harmless."""
    with tenant_context(tenant), transaction.atomic():
        run = PaymentRun.objects.filter(pk=payment_run_id).first()
        if run is None:
            raise NotFound("No such payment run.")
        if run.status not in REMITTED:
            raise ConflictError("Only a confirmed run has remittance advice.", code=PoolingError.RUN_NOT_CONFIRMED)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.REMITTANCE_REQUESTED,
            obj=run,
            label=f"Remittance advice requested for payment run {run.pk}",
        )
        _enqueue_remittances(tenant_id=tenant.pk, payment_run_id=run.pk)
    return run


def _store(remittance: Remittance, field: str, filename: str, content: bytes) -> str:
    """Save ``content`` under a name fixed by the run and school, replacing any partial
    file from an interrupted build, so rebuilding never leaves a second file set."""
    file_field = getattr(remittance, field)
    name = file_field.field.generate_filename(remittance, filename)
    with storage_guard("saved"):
        if file_field.storage.exists(name):
            file_field.storage.delete(name)
        file_field.save(filename, ContentFile(content), save=False)
    return hashlib.sha256(content).hexdigest()


def remittances_build(*, tenant: ResponsibleBody, payment_run_id: int) -> list[Remittance]:
    """Build each line's remittance advice (CSV and PDF) for a confirmed run, addressed to
    the school or to the other payee it pays, store them privately and record their
    SHA-256. Idempotent: a line with both files is left alone."""
    built: list[Remittance] = []
    with tenant_context(tenant):
        run = PaymentRun.objects.select_related("pool").filter(pk=payment_run_id).first()
        if run is None or run.status not in REMITTED:
            return built
        lines = list(run.lines.select_related("school", "payee").order_by("school__name", "payee__name", "pk"))
        by_recipient: dict[Recipient, list[Instalment]] = defaultdict(list)
        for instalment in (
            Instalment.objects.filter(payment_run=run)
            .select_related("schedule")
            .order_by("due_on", "schedule_id", "pk")
        ):
            by_recipient[recipient_of(instalment.schedule)].append(instalment)
        labels = source_labels(
            (i.schedule.source_type, i.schedule.source_id) for rows in by_recipient.values() for i in rows
        )
    for line in lines:
        with tenant_context(tenant), transaction.atomic():
            try:
                with transaction.atomic():
                    Remittance.objects.get_or_create(line=line, defaults={"responsible_body": tenant})
            except IntegrityError as exc:  # built at the same moment by another worker: wait for its lock below
                if not violates(exc, "pooling_remittance_line_id_key"):
                    raise
            remittance = lock_rows(Remittance.objects).get(line=line)
            if remittance.sha256_csv and remittance.sha256_pdf and remittance.csv_file and remittance.pdf_file:
                built.append(remittance)
                continue
            recipient = line_recipient(line)
            advice = remittances.advice_for(
                body=tenant, run=run, line=line, instalments=by_recipient[recipient], labels=labels
            )
            stem = f"{tenant.pk}-run{run.pk}-{remittances.line_tag(line)}-remittance"
            remittance.sha256_csv = _store(remittance, "csv_file", f"{stem}.csv", remittances.advice_csv(advice))
            remittance.sha256_pdf = _store(remittance, "pdf_file", f"{stem}.pdf", remittances.advice_pdf(advice))
            remittance.save(update_fields=["csv_file", "pdf_file", "sha256_csv", "sha256_pdf"])
            audit_record(
                actor=None,
                tenant=tenant,
                verb=AuditVerb.REMITTANCE_BUILT,
                obj=remittance,
                label=f"Remittance advice for {line.paid_to_name}, payment run {run.pk}"[:300],
                after={"sha256_csv": remittance.sha256_csv, "sha256_pdf": remittance.sha256_pdf},
            )
            built.append(remittance)
    return built


__all__ = [
    "PreviewLine",
    "Recipient",
    "RunPreview",
    "ScheduleStopped",
    "ScheduledAward",
    "account_codes_set",
    "award_commit_and_schedule",
    "payment_run_confirm",
    "payment_run_preview",
    "pool_close",
    "pool_reopen",
    "remittances_build",
    "remittances_request",
    "schedule_create",
    "schedule_parts",
    "schedule_stop",
    "schedule_vary",
    "split_by_days",
]


def remittance_file_missing(*, tenant: ResponsibleBody, remittance_id: int) -> None:
    """A remittance's stored file is gone (a restore without its files, a lost disk): say so
    on the run (the advice shows as not built, with an audit event) and build it again from
    the ledger through the outbox. Never a 500."""
    with tenant_context(tenant), transaction.atomic():
        remittance = Remittance.objects.select_for_update().select_related("line").filter(pk=remittance_id).first()
        if remittance is None or not (remittance.sha256_csv or remittance.sha256_pdf):
            return
        remittance.sha256_csv = remittance.sha256_pdf = ""
        remittance.save(update_fields=["sha256_csv", "sha256_pdf"])
        audit_record(
            actor=None,
            tenant=tenant,
            verb=AuditVerb.REMITTANCE_FILE_MISSING,
            obj=remittance,
            label=f"Stored remittance advice missing for payment run {remittance.line.payment_run_id}; rebuilding",
        )
        _enqueue_remittances(tenant_id=tenant.pk, payment_run_id=remittance.line.payment_run_id)
