"""Instalment schedules: how an award's commitment is paid, monthly or termly, in
instalments that sum exactly to it; varying and stopping them.

Schedules are plans, not money: an award's money is committed, varied and released only
through ``commitment_post``. Idempotency keys (``f"{tenant.pk}:…"``):
``award-commit:<source_type>:<source_id>`` for the first commitment and
``award-change:<source_type>:<source_id>:<n>`` for a variation or a stop (``n`` counts the
source's postings under the schedule's row lock, so a retried change posts nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.constraints import violates
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from groupings.models import School
from pooling.error_codes import PoolingError
from pooling.models import Instalment, InstalmentSchedule, Payee, Pool, PoolStatus, Transaction
from pooling.schedule_dates import extra_instalment_on, schedule_parts, split_by_days
from pooling.selectors import Headroom
from pooling.services.ledger import commitment_post
from pooling.source_labels import source_labels

MAX_INSTALMENTS = 120
SCHEDULE_FIELDS = ("pool", "school", "payee", "frequency", "starts_on", "ends_on", "total_pence", "stopped_on")


def _check_schedule(
    *,
    tenant: ResponsibleBody,
    pool: Pool,
    school_id: int,
    total_pence: int,
    starts_on: date,
    ends_on: date,
    frequency: str,
) -> list[tuple[date, date]]:
    if frequency not in InstalmentSchedule.Frequency.values:
        raise ApplicationError(
            "Choose monthly or termly instalments.", code=PoolingError.INVALID_FREQUENCY, field="frequency"
        )
    if not isinstance(total_pence, int) or isinstance(total_pence, bool) or total_pence < 1:
        raise ApplicationError("Enter an amount of at least 1p.", code=PoolingError.INVALID_AMOUNT, field="total_pence")
    if ends_on < starts_on:
        raise ApplicationError(
            "The last day must be on or after the first day.", code=PoolingError.DATES_OUT_OF_ORDER, field="ends_on"
        )
    if pool.responsible_body_id != tenant.pk:
        raise NotFound("No such pool.", field="pool")
    if pool.status != PoolStatus.OPEN:
        raise ConflictError(f"Pool {pool.label} is closed: no new schedules.", code=PoolingError.POOL_CLOSED)
    if not School.objects.filter(pk=school_id).exists():
        raise ApplicationError(
            "Choose a school from the register.", code=PoolingError.UNKNOWN_SCHOOL, field="school_id"
        )
    parts = schedule_parts(starts_on=starts_on, ends_on=ends_on, frequency=frequency)
    if len(parts) > MAX_INSTALMENTS:
        raise ApplicationError(
            f"A schedule can have at most {MAX_INSTALMENTS} instalments: shorten the period.",
            code=PoolingError.SCHEDULE_TOO_LONG,
            field="ends_on",
        )
    return parts


def schedule_create(
    *,
    tenant: ResponsibleBody,
    pool: Pool,
    school_id: int,
    source_type: str,
    source_id: str,
    total_pence: int,
    starts_on: date,
    ends_on: date,
    frequency: str,
    actor: User | None = None,
    payee_id: int | None = None,
) -> InstalmentSchedule:
    """Plan how an award's commitment is paid: one instalment per calendar month (or term)
    the award touches, due on the first day of each, pro-rated by days and summing exactly.

    Idempotent per ``(source_type, source_id)``: the existing schedule is returned. The
    money itself is committed by the caller (see ``award_commit_and_schedule``)."""
    source_type, source_id = str(source_type)[:60], str(source_id)[:64]
    with tenant_context(tenant), transaction.atomic():
        existing = InstalmentSchedule.objects.filter(source_type=source_type, source_id=source_id).first()
        if existing is not None:
            return existing
        parts = _check_schedule(
            tenant=tenant,
            pool=pool,
            school_id=school_id,
            total_pence=total_pence,
            starts_on=starts_on,
            ends_on=ends_on,
            frequency=frequency,
        )
        schedule = InstalmentSchedule(
            responsible_body=tenant,
            pool=pool,
            school_id=school_id,
            payee_id=payee_id,
            source_type=source_type,
            source_id=source_id,
            frequency=frequency,
            starts_on=starts_on,
            ends_on=ends_on,
            total_pence=total_pence,
        )
        try:
            with transaction.atomic():
                schedule.save()
        except IntegrityError as exc:
            if not violates(exc, "one_schedule_per_source"):
                raise
            return InstalmentSchedule.objects.get(source_type=source_type, source_id=source_id)
        Instalment.objects.bulk_create(
            [
                Instalment(responsible_body=tenant, schedule=schedule, due_on=start, amount_pence=amount)
                for (start, _end), amount in zip(parts, split_by_days(total_pence, parts), strict=True)
            ]
        )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SCHEDULE_CREATED,
            obj=schedule,
            label=f"{source_type} {source_id}: {len(parts)} {frequency} instalments",
            after=snapshot(schedule, SCHEDULE_FIELDS),
        )
    return schedule


@dataclass(frozen=True)
class ScheduledAward:
    schedule: InstalmentSchedule
    transaction: Transaction
    headroom: Headroom


def _named(tenant: ResponsibleBody, source_type: str, source_id: str) -> str:
    """What is committed, as people know it: "Case IP-2026-0001: award"."""
    with tenant_context(tenant):
        name = source_labels([(source_type, source_id)])[(source_type, source_id)]
    return f"{name}: {'award' if source_type == 'award' else 'commitment'}"


def award_commit_and_schedule(
    *,
    actor: User,
    tenant: ResponsibleBody,
    pool: Pool,
    school_id: int,
    source_type: str,
    source_id: str,
    total_pence: int,
    starts_on: date,
    ends_on: date,
    frequency: str,
    may_use_reserve: bool = False,
) -> ScheduledAward:
    """Commit an award's money and plan its instalments, in one transaction: the service
    the cases app calls when an award is approved. Safe to call twice."""
    return _commit_and_schedule(
        actor=actor,
        tenant=tenant,
        pool=pool,
        school_id=school_id,
        source_type=source_type,
        source_id=source_id,
        total_pence=total_pence,
        starts_on=starts_on,
        ends_on=ends_on,
        frequency=frequency,
        may_use_reserve=may_use_reserve,
        idempotency_key=f"{tenant.pk}:award-commit:{source_type}:{source_id}",
        description=f"{_named(tenant, source_type, source_id)} committed",
    )


def commitment_commit_and_schedule(
    *,
    actor: User,
    tenant: ResponsibleBody,
    pool: Pool,
    school_id: int,
    source_type: str,
    source_id: str,
    total_pence: int,
    starts_on: date,
    ends_on: date,
    frequency: str,
    description: str,
    may_use_reserve: bool = False,
    payee_id: int | None = None,
) -> ScheduledAward:
    """Commit money for any purpose other than an award (say, a shared resource's cost for a
    period) and plan its instalments, with the same headroom check, locks and schedule rules
    as an award. ``source_type`` names the purpose; pooling never imports the app behind it.
    ``payee_id`` pays the instalments to that payee (an employer or provider) rather than to
    ``school_id``, which the commitment is still attributed to.
    Varied and stopped with ``schedule_vary``/``schedule_stop``; carried by a period close
    like an award. Key ``f"{tenant.pk}:commit:<source_type>:<source_id>"``. Safe to call twice."""
    if source_type == "award":
        raise ApplicationError("Awards are committed with award_commit_and_schedule.", code=PoolingError.WRONG_PURPOSE)
    return _commit_and_schedule(
        actor=actor,
        tenant=tenant,
        pool=pool,
        school_id=school_id,
        source_type=source_type,
        source_id=source_id,
        total_pence=total_pence,
        starts_on=starts_on,
        ends_on=ends_on,
        frequency=frequency,
        may_use_reserve=may_use_reserve,
        idempotency_key=f"{tenant.pk}:commit:{source_type}:{source_id}",
        description=description[:300],
        payee_id=payee_id,
    )


def _commit_and_schedule(
    *,
    actor: User,
    tenant: ResponsibleBody,
    pool: Pool,
    school_id: int,
    source_type: str,
    source_id: str,
    total_pence: int,
    starts_on: date,
    ends_on: date,
    frequency: str,
    may_use_reserve: bool,
    idempotency_key: str,
    description: str,
    payee_id: int | None = None,
) -> ScheduledAward:
    with tenant_context(tenant), transaction.atomic():
        if payee_id is not None and not Payee.objects.filter(pk=payee_id).exists():
            raise NotFound("No such payee.", field="payee_id")
        if not InstalmentSchedule.objects.filter(source_type=source_type, source_id=source_id).exists():
            _check_schedule(
                tenant=tenant,
                pool=pool,
                school_id=school_id,
                total_pence=total_pence,
                starts_on=starts_on,
                ends_on=ends_on,
                frequency=frequency,
            )
        txn, headroom = commitment_post(
            actor=actor,
            tenant=tenant,
            pool=pool,
            school_id=school_id,
            amount_pence=total_pence,
            source_type=source_type,
            source_id=source_id,
            idempotency_key=idempotency_key,
            description=description,
            may_use_reserve=may_use_reserve,
        )
        schedule = schedule_create(
            actor=actor,
            tenant=tenant,
            pool=pool,
            school_id=school_id,
            source_type=source_type,
            source_id=source_id,
            total_pence=total_pence,
            starts_on=starts_on,
            ends_on=ends_on,
            frequency=frequency,
            payee_id=payee_id,
        )
    return ScheduledAward(schedule=schedule, transaction=txn, headroom=headroom)


def _schedule_for_update(*, source_type: str, source_id: str) -> InstalmentSchedule:
    """The schedule, locked after its pool: the order payment runs and bank returns take (the
    pool, then the instalments). A variation or stop locks the instalments and then posts,
    which needs the pool; taken the other way round, it deadlocked with a return of the same
    payment (``tests/exceptional_resource/test_vary_return_race.py``)."""
    pool_id = (
        InstalmentSchedule.objects.filter(source_type=source_type, source_id=str(source_id))
        .values_list("pool_id", flat=True)
        .first()
    )
    if pool_id is None:
        raise NotFound("No instalment schedule for that award.")
    lock_rows(Pool.objects).filter(pk=pool_id).first()
    schedule = (
        lock_rows(InstalmentSchedule.objects)
        .select_related("pool")
        .filter(source_type=source_type, source_id=str(source_id))
        .first()
    )
    if schedule is None:
        raise NotFound("No instalment schedule for that award.")
    return schedule


def _change_key(tenant: ResponsibleBody, schedule: InstalmentSchedule) -> str:
    """A key for the next change to a schedule's commitment, stable under the row lock."""
    n = Transaction.objects.filter(source_type=schedule.source_type, source_id=schedule.source_id).count()
    return f"{tenant.pk}:award-change:{schedule.source_type}:{schedule.source_id}:{n}"


def schedule_vary(
    *,
    actor: User,
    tenant: ResponsibleBody,
    source_type: str,
    source_id: str,
    new_total_pence: int,
    new_ends_on: date | None = None,
    may_use_reserve: bool = False,
    reason: str = "",
) -> InstalmentSchedule:
    """Change an award's total (and optionally its last day): what is paid stays paid, and
    the rest of the new total is re-split over the unpaid instalments by days. When every
    instalment is already paid, an increase is one more instalment, due that day (or on the
    award's first or last day, if that day is outside them), never on a day a paid
    instalment was due (``schedule_dates.extra_instalment_on``). The change
    in commitment is posted through ``commitment_post`` (so an increase is checked against
    headroom). Varying to the current total changes nothing."""
    if not isinstance(new_total_pence, int) or isinstance(new_total_pence, bool) or new_total_pence < 0:
        raise ApplicationError(
            "Enter an amount of 0 or more.", code=PoolingError.INVALID_AMOUNT, field="new_total_pence"
        )
    with tenant_context(tenant), transaction.atomic():
        schedule = _schedule_for_update(source_type=source_type, source_id=source_id)
        if schedule.stopped_on is not None:
            raise ConflictError("This award's payments have been stopped.", code=PoolingError.SCHEDULE_STOPPED)
        instalments = list(lock_rows(schedule.instalments).order_by("due_on", "id"))
        paid = [i for i in instalments if i.status == Instalment.Status.PAID]
        scheduled = [i for i in instalments if i.status == Instalment.Status.SCHEDULED]
        paid_pence = sum(i.amount_pence for i in paid)
        ends_on = new_ends_on or schedule.ends_on
        if ends_on < schedule.starts_on:
            raise ApplicationError(
                "The last day must be on or after the award's first day.",
                code=PoolingError.DATES_OUT_OF_ORDER,
                field="ends_on",
            )
        if paid and ends_on < max(i.due_on for i in paid):
            raise ConflictError(
                "Instalments after that day are already paid: choose a later last day.",
                code=PoolingError.ENDS_BEFORE_PAID,
                field="ends_on",
            )
        if new_total_pence < paid_pence:
            raise ConflictError(
                f"£{paid_pence / 100:,.2f} is already paid: the total cannot be less.",
                code=PoolingError.BELOW_PAID,
                field="new_total_pence",
            )
        if new_total_pence == schedule.total_pence and ends_on == schedule.ends_on:
            return schedule
        parts = schedule_parts(starts_on=schedule.starts_on, ends_on=ends_on, frequency=schedule.frequency)
        if len(parts) > MAX_INSTALMENTS:
            raise ApplicationError(
                f"A schedule can have at most {MAX_INSTALMENTS} instalments.",
                code=PoolingError.SCHEDULE_TOO_LONG,
                field="ends_on",
            )
        paid_dues = {i.due_on for i in paid}
        open_parts = [p for p in parts if p[0] not in paid_dues]
        remaining = new_total_pence - paid_pence
        if remaining > 0 and not open_parts:  # every instalment is paid: one more for the increase
            top_up_on = extra_instalment_on(
                varied_on=timezone.localdate(), starts_on=schedule.starts_on, ends_on=ends_on, paid_dues=paid_dues
            )
            open_parts = [(top_up_on, top_up_on)]
        before = snapshot(schedule, SCHEDULE_FIELDS) | {
            "instalments": [(str(i.due_on), i.amount_pence) for i in scheduled]
        }
        delta = new_total_pence - schedule.total_pence
        if delta:
            commitment_post(
                actor=actor,
                tenant=tenant,
                pool=schedule.pool,
                school_id=schedule.school_id,
                amount_pence=delta,
                source_type=schedule.source_type,
                source_id=schedule.source_id,
                idempotency_key=_change_key(tenant, schedule),
                description=f"{_named(tenant, schedule.source_type, schedule.source_id)} varied"
                + (f": {reason.strip()}" if reason.strip() else ""),
                may_use_reserve=may_use_reserve,
            )
        new_amounts = dict(
            zip((p[0] for p in open_parts), split_by_days(remaining, open_parts) if open_parts else [], strict=True)
        )
        by_due = {i.due_on: i for i in scheduled}
        changed, released = [], []
        for instalment in scheduled:
            if instalment.due_on in new_amounts:
                instalment.amount_pence = new_amounts[instalment.due_on]
                changed.append(instalment)
            else:
                instalment.status = Instalment.Status.RELEASED
                released.append(instalment)
        Instalment.objects.bulk_update(changed, ["amount_pence"])
        Instalment.objects.bulk_update(released, ["status"])
        Instalment.objects.bulk_create(
            [
                Instalment(responsible_body=tenant, schedule=schedule, due_on=due, amount_pence=amount)
                for due, amount in new_amounts.items()
                if due not in by_due
            ]
        )
        schedule.total_pence = new_total_pence
        schedule.ends_on = ends_on
        schedule.save(update_fields=["total_pence", "ends_on"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SCHEDULE_VARIED,
            obj=schedule,
            label=f"{schedule.source_type} {schedule.source_id} varied"
            + (f": {reason.strip()}" if reason.strip() else ""),
            before=before,
            after=snapshot(schedule, SCHEDULE_FIELDS)
            | {"instalments": sorted((str(d), a) for d, a in new_amounts.items())},
        )
    return schedule


@dataclass(frozen=True)
class ScheduleStopped:
    schedule: InstalmentSchedule
    released_pence: int
    released_count: int


def schedule_stop(
    *, actor: User | None, tenant: ResponsibleBody, source_type: str, source_id: str, stop_on: date
) -> ScheduleStopped:
    """Stop an award's payments after ``stop_on``: every unpaid instalment due after it is
    released and exactly their sum is released from the commitment. Safe to call twice."""
    with tenant_context(tenant), transaction.atomic():
        schedule = _schedule_for_update(source_type=source_type, source_id=source_id)
        to_release = list(
            lock_rows(schedule.instalments).filter(status=Instalment.Status.SCHEDULED, due_on__gt=stop_on)
        )
        released_pence = sum(i.amount_pence for i in to_release)
        before = snapshot(schedule, SCHEDULE_FIELDS)
        if released_pence:
            commitment_post(
                actor=actor,
                tenant=tenant,
                pool=schedule.pool,
                school_id=schedule.school_id,
                amount_pence=-released_pence,
                source_type=schedule.source_type,
                source_id=schedule.source_id,
                idempotency_key=_change_key(tenant, schedule),
                description=f"{_named(tenant, schedule.source_type, schedule.source_id)} "
                f"stopped after {stop_on:%-d %B %Y}",
            )
        Instalment.objects.filter(pk__in=[i.pk for i in to_release]).update(status=Instalment.Status.RELEASED)
        schedule.total_pence -= released_pence
        if schedule.stopped_on is None or stop_on < schedule.stopped_on:
            schedule.stopped_on = stop_on
        schedule.save(update_fields=["total_pence", "stopped_on"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.SCHEDULE_STOPPED,
            obj=schedule,
            label=f"{schedule.source_type} {schedule.source_id}: {len(to_release)} instalments released",
            before=before,
            after=snapshot(schedule, SCHEDULE_FIELDS) | {"released_pence": released_pence},
        )
    return ScheduleStopped(schedule=schedule, released_pence=released_pence, released_count=len(to_release))
