"""IMF allocations, expected contributions and receipts.

- An **allocation** is a school's IMF for a funding period, entered by hand or imported
  from a DfE file. It is not money yet, so it may be changed (audited, before and after).
- A **contribution** is what a member school is expected to pool for the period:
  allocation × pooled share × days in the grouping ÷ days in the period, rounded half up
  to the penny on the exact fraction (``expected_contribution_pence``; docs/money.md).
  Calculating posts only the difference from what the ledger already holds for it, and
  sets aside the urgent-case reserve the same way, so recalculating is always safe.
- A **receipt** is money received against a contribution (a bank transfer, or for a
  trust's own academies an internal top-slice). Arrears are expected less received.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.money import apply_rate, format_pence
from core.tenancy import tenant_context
from groupings.models import Arrangement, ArrangementBasis, GroupingPolicy, School
from pooling.allocation_files import AllocationRow, Problem, Table, parse_allocations, resolve_columns
from pooling.error_codes import PoolingError
from pooling.models import (
    AccountKind,
    Contribution,
    ImfAllocation,
    ImfAllocationImport,
    Pool,
    PoolStatus,
    Receipt,
    TransactionKind,
)
from pooling.periods import Calendar, Period, grant_year, overlap_days
from pooling.selectors.contributions import POOLED_STATUSES, ledger_by_source
from pooling.services.ledger import LegSpec, post

# Receipts may be dated from a month before the period to six months after it ends.
RECEIPT_DAYS_BEFORE_PERIOD = 31
RECEIPT_DAYS_AFTER_PERIOD = 183
# Bases where the body holds the school's budget and may top-slice it instead of invoicing.
TOP_SLICE_BASES = frozenset({ArrangementBasis.OWN_ACADEMY, ArrangementBasis.MAINTAINED_VIA_LA})
CONTRIBUTION_FIELDS = ("allocation", "policy", "share_bp", "member_days", "period_days", "expected_pence")
RECEIPT_FIELDS = ("contribution", "amount_pence", "received_on", "method", "reference")


def divide_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, exactly (both non-negative integers)."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("divide_half_up takes a non-negative numerator and a positive denominator.")
    quotient, remainder = divmod(numerator, denominator)
    return quotient + (1 if 2 * remainder >= denominator else 0)


def expected_contribution_pence(*, allocation_pence: int, share_bp: int, member_days: int, period_days: int) -> int:
    """The one rounding rule for contributions: allocation × share × member days ÷ period
    days, computed on the exact fraction in integers and rounded half up to the penny once."""
    return divide_half_up(allocation_pence * share_bp * member_days, 10_000 * period_days)


def _period_of(pool: Pool) -> Period:
    return Period(Calendar.GRANT_YEAR, pool.starts_on.year, pool.starts_on, pool.ends_on)


def _check_period(period_label: str) -> str:
    try:
        return grant_year(period_label).label
    except ValueError as exc:
        raise ApplicationError(str(exc), code=PoolingError.INVALID_PERIOD, field="period_label") from exc


def _refuse_closed_period(period_label: str) -> None:
    pool = Pool.objects.filter(label=period_label).first()
    if pool is not None and pool.status != PoolStatus.OPEN:
        raise ConflictError(
            f"Pool {period_label} is closed: its allocations can no longer change.", code=PoolingError.POOL_CLOSED
        )


# --- Allocations ------------------------------------------------------------------------


def allocation_set(
    *, actor: User, tenant: ResponsibleBody, period_label: str, urn: int, amount_pence: int
) -> ImfAllocation:
    """Record (or change) one school's IMF allocation for a period. Audited before and after;
    changing it does not move money until contributions are recalculated."""
    period_label = _check_period(period_label)
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int):
        raise ApplicationError(
            "Enter the amount in whole pence.", code=PoolingError.INVALID_AMOUNT, field="amount_pence"
        )
    if amount_pence < 0:
        raise ApplicationError(
            "Enter an allocation of £0.00 or more.", code=PoolingError.NEGATIVE_AMOUNT, field="amount_pence"
        )
    school = School.objects.filter(urn=urn).first()
    if school is None:
        raise ApplicationError(f"URN {urn} is not in the school register.", code=PoolingError.UNKNOWN_URN, field="urn")
    with tenant_context(tenant), transaction.atomic():
        _refuse_closed_period(period_label)
        allocation = lock_rows(ImfAllocation.objects).filter(period_label=period_label, school=school).first()
        if allocation is None:
            allocation = ImfAllocation(
                responsible_body=tenant,
                period_label=period_label,
                school=school,
                amount_pence=amount_pence,
                entered_by_label=actor.email,
            )
            allocation.save()
            audit_record(
                actor=actor,
                tenant=tenant,
                verb=AuditVerb.ALLOCATION_SET,
                obj=allocation,
                label=f"{school.name} ({school.urn}) {period_label}: {format_pence(amount_pence)}",
                after=snapshot(allocation, ("period_label", "school", "amount_pence")),
            )
            return allocation
        if allocation.amount_pence == amount_pence:
            return allocation
        before = snapshot(allocation, ("amount_pence", "source_import", "entered_by_label"))
        allocation.amount_pence = amount_pence
        allocation.source_import = None
        allocation.entered_by_label = actor.email
        allocation.save(update_fields=["amount_pence", "source_import", "entered_by_label"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.ALLOCATION_CHANGED,
            obj=allocation,
            label=f"{school.name} ({school.urn}) {period_label}: {format_pence(amount_pence)}",
            before=before,
            after=snapshot(allocation, ("amount_pence", "source_import", "entered_by_label")),
        )
    return allocation


@dataclass(frozen=True)
class PreviewRow:
    line: int
    urn: int
    school_name: str
    amount_pence: int
    current_pence: int | None


@dataclass(frozen=True)
class AllocationImportPreview:
    """What importing a file would do, and every reason it cannot."""

    file_name: str
    sha256: str
    period_label: str
    urn_column: str
    amount_column: str
    problems: list[Problem]
    rows: list[PreviewRow] = field(repr=False)
    new_count: int = 0
    changed_count: int = 0
    unchanged_count: int = 0
    total_pence: int = 0

    @property
    def can_import(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def row_count(self) -> int:
        return len(self.rows)


def _preview(
    *, tenant: ResponsibleBody, period_label: str, table: Table, urn_column: str, amount_column: str
) -> tuple[AllocationImportPreview, list[tuple[AllocationRow, School]]]:
    urn_column, amount_column = resolve_columns(table, urn_column=urn_column, amount_column=amount_column)
    parsed, problems = parse_allocations(table, urn_column=urn_column, amount_column=amount_column)
    schools = {s.urn: s for s in School.objects.filter(urn__in=[r.urn for r in parsed]).only("pk", "urn", "name")}
    matched: list[tuple[AllocationRow, School]] = []
    for row in parsed:
        school = schools.get(row.urn)
        if school is None:
            problems.append(
                Problem(row.line, urn_column, str(row.urn), f"URN {row.urn} is not in the school register.")
            )
        else:
            matched.append((row, school))
    problems.sort(key=lambda p: (p.line, p.column != urn_column))
    if not parsed and not problems:
        problems.append(Problem(0, "", "", "The file has no rows of allocations under its header."))
    with tenant_context(tenant):
        current = dict(
            ImfAllocation.objects.filter(period_label=period_label, school__in=[s for _, s in matched]).values_list(
                "school_id", "amount_pence"
            )
        )
    rows = [PreviewRow(r.line, r.urn, s.name, r.amount_pence, current.get(s.pk)) for r, s in matched]
    preview = AllocationImportPreview(
        file_name=table.name,
        sha256=table.sha256,
        period_label=period_label,
        urn_column=urn_column,
        amount_column=amount_column,
        problems=problems,
        rows=rows,
        new_count=sum(1 for r in rows if r.current_pence is None),
        changed_count=sum(1 for r in rows if r.current_pence is not None and r.current_pence != r.amount_pence),
        unchanged_count=sum(1 for r in rows if r.current_pence == r.amount_pence),
        total_pence=sum(r.amount_pence for r in rows),
    )
    return preview, matched


def allocation_import_preview(
    *, tenant: ResponsibleBody, period_label: str, table: Table, urn_column: str, amount_column: str
) -> AllocationImportPreview:
    """Check a file against the chosen columns and the register; writes nothing."""
    period_label = _check_period(period_label)
    preview, _ = _preview(
        tenant=tenant, period_label=period_label, table=table, urn_column=urn_column, amount_column=amount_column
    )
    return preview


def allocation_import_confirm(
    *,
    actor: User,
    tenant: ResponsibleBody,
    period_label: str,
    table: Table,
    urn_column: str,
    amount_column: str,
) -> ImfAllocationImport:
    """Import every row of a checked file, or nothing: any problem refuses the whole file
    (``allocation_file_invalid``, with each problem and its line number)."""
    period_label = _check_period(period_label)
    preview, matched = _preview(
        tenant=tenant, period_label=period_label, table=table, urn_column=urn_column, amount_column=amount_column
    )
    if preview.problems:
        count = len(preview.problems)
        raise ApplicationError(
            f"The file has {count} problem{'s' if count != 1 else ''}: nothing was imported. "
            "Correct the file and upload it again.",
            code=PoolingError.ALLOCATION_FILE_INVALID,
            field="file",
            extra={"problems": [p.as_dict() for p in preview.problems]},
        )
    urn_column, amount_column = preview.urn_column, preview.amount_column
    with tenant_context(tenant), transaction.atomic():
        _refuse_closed_period(period_label)
        current = dict(
            lock_rows(ImfAllocation.objects)
            .filter(period_label=period_label, school__in=[s for _, s in matched])
            .values_list("school_id", "amount_pence")
        )
        record = ImfAllocationImport(
            responsible_body=tenant,
            period_label=period_label,
            file_name=table.name[:200],
            file_sha256=table.sha256,
            urn_column=urn_column[:120],
            amount_column=amount_column[:120],
            rows_imported=len(matched),
            imported_by_label=actor.email,
        )
        record.save()
        ImfAllocation.objects.bulk_create(
            [
                ImfAllocation(
                    responsible_body=tenant,
                    period_label=period_label,
                    school=school,
                    amount_pence=row.amount_pence,
                    source_import=record,
                    entered_by_label=actor.email,
                )
                for row, school in matched
            ],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["responsible_body", "period_label", "school"],
            update_fields=["amount_pence", "source_import", "entered_by_label"],
        )
        changed = [(r, s) for r, s in matched if s.pk in current and current[s.pk] != r.amount_pence]
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.ALLOCATIONS_IMPORTED,
            obj=record,
            label=f"{record.file_name}: {len(matched)} allocations for {period_label}",
            before={"changed": {str(r.urn): current[s.pk] for r, s in changed}},
            after={
                "file_sha256": record.file_sha256,
                "urn_column": record.urn_column,
                "amount_column": record.amount_column,
                "rows": len(matched),
                "new": preview.new_count,
                "unchanged": preview.unchanged_count,
                "total_pence": preview.total_pence,
                "changed": {str(r.urn): r.amount_pence for r, _ in changed},
            },
        )
    return record


# --- Contributions ------------------------------------------------------------------------


@dataclass(frozen=True)
class NotCalculated:
    """A member whose contribution could not be calculated, and why."""

    arrangement_id: int
    school_name: str
    urn: int
    reason: str


@dataclass(frozen=True)
class ContributionCalculation:
    contributions: list[Contribution]
    changed: int
    expected_posted_pence: int
    reserve_posted_pence: int
    not_calculated: list[NotCalculated]


def _policy_on(policies: list[GroupingPolicy], day: date) -> GroupingPolicy | None:
    """The version in force on ``day`` (``policies`` sorted by ``effective_from``)."""
    in_force = None
    for policy in policies:
        if policy.effective_from <= day:
            in_force = policy
    return in_force


def _posting_date(pool: Pool) -> date:
    """Today, kept inside the pool's period (a late correction is dated its last day)."""
    return min(max(timezone.localdate(), pool.starts_on), pool.ends_on)


def _in_period(arrangement: Arrangement, period: Period) -> int:
    if arrangement.status not in POOLED_STATUSES:
        return 0
    return overlap_days(arrangement.start_date, arrangement.end_date, period)


def contributions_calculate(
    *,
    actor: User | None,
    tenant: ResponsibleBody,
    pool: Pool,
    arrangement_ids: Collection[int] | None = None,
) -> ContributionCalculation:
    """Calculate every member's expected contribution to ``pool`` (or only the given
    arrangements') and post the differences from what the ledger holds.

    Members are arrangements that are active, under notice or ended and overlap the
    period, with an IMF allocation for it. The share is the arrangement's override or the
    pooled share of the policy version in force on the later of its start and the pool's
    start. A repeated calculation posts nothing. ``actor`` is None for the system."""
    with tenant_context(tenant), transaction.atomic():
        locked = lock_rows(Pool.objects).filter(pk=pool.pk).first()
        if locked is None:
            raise NotFound("No such pool.")
        if locked.status != PoolStatus.OPEN:
            raise ConflictError(
                f"Pool {locked.label} is closed: contributions can no longer change.", code=PoolingError.POOL_CLOSED
            )
        period = _period_of(locked)
        existing = {
            c.arrangement_id: c
            for c in Contribution.objects.filter(pool=locked).select_related("allocation", "policy")
            if arrangement_ids is None or c.arrangement_id in arrangement_ids
        }
        members = Arrangement.objects.filter(status__in=POOLED_STATUSES, start_date__lte=period.ends_on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=period.starts_on)
        )
        if arrangement_ids is not None:
            members = members.filter(pk__in=arrangement_ids)
        arrangements = {
            a.pk: a
            for a in Arrangement.objects.filter(Q(pk__in=members.values("pk")) | Q(pk__in=list(existing)))
            .select_related("school")
            .order_by("school__name", "start_date")
        }
        allocations = {
            a.school_id: a
            for a in ImfAllocation.objects.filter(
                period_label=locked.label, school_id__in={a.school_id for a in arrangements.values()}
            )
        }
        policies = list(GroupingPolicy.objects.order_by("effective_from"))
        posted = ledger_by_source(
            tenant=tenant,
            pool=locked,
            account_kind=AccountKind.CONTRIBUTIONS_RECEIVABLE,
            source_type="contribution",
            source_ids=[c.pk for c in existing.values()],
        )
        reserved = ledger_by_source(
            tenant=tenant,
            pool=locked,
            account_kind=AccountKind.RESERVE,
            source_type="contribution_reserve",
            source_ids=[c.pk for c in existing.values()],
        )
        posted_on = _posting_date(locked)
        results: list[Contribution] = []
        not_calculated: list[NotCalculated] = []
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        expected_total = reserve_total = 0
        for arrangement in arrangements.values():
            contribution = existing.get(arrangement.pk)
            school = arrangement.school
            allocation = allocations.get(school.pk) or (contribution.allocation if contribution else None)
            policy = _policy_on(policies, max(arrangement.start_date, period.starts_on)) or (
                contribution.policy if contribution else None
            )
            if allocation is None or policy is None:
                day = max(arrangement.start_date, period.starts_on)
                reason = (
                    f"No IMF allocation is recorded for {locked.label}."
                    if allocation is None
                    else f"No grouping policy was in force on {day:%-d %B %Y}."
                )
                not_calculated.append(NotCalculated(arrangement.pk, school.name, school.urn, reason))
                continue
            share_bp = (
                arrangement.pooled_share_override_bp
                if arrangement.pooled_share_override_bp is not None
                else policy.pooled_share_bp
            )
            member_days = _in_period(arrangement, period)
            values = {
                "allocation": allocation,
                "policy": policy,
                "share_bp": share_bp,
                "member_days": member_days,
                "period_days": period.days,
                "expected_pence": expected_contribution_pence(
                    allocation_pence=allocation.amount_pence,
                    share_bp=share_bp,
                    member_days=member_days,
                    period_days=period.days,
                ),
            }
            key = f"{school.urn}/{arrangement.pk}"
            if contribution is None:
                contribution = Contribution(
                    responsible_body=tenant, pool=locked, arrangement=arrangement, school=school, **values
                )
                contribution.save()
                before[key] = None
                after[key] = snapshot(contribution, CONTRIBUTION_FIELDS)
            else:
                changed = {k: v for k, v in values.items() if getattr(contribution, k) != v}
                if changed:
                    before[key] = snapshot(contribution, CONTRIBUTION_FIELDS)
                    for name, value in changed.items():
                        setattr(contribution, name, value)
                    contribution.calculated_at = timezone.now()
                    contribution.save(update_fields=[*changed, "calculated_at"])
                    after[key] = snapshot(contribution, CONTRIBUTION_FIELDS)
            source = str(contribution.pk)
            expected_total += _post_difference(
                actor=actor,
                tenant=tenant,
                pool=locked,
                contribution=contribution,
                posted_on=posted_on,
                already=posted.get(source),
                target=contribution.expected_pence,
                what="contribution",
                debit=AccountKind.CONTRIBUTIONS_RECEIVABLE,
                credit=AccountKind.CONTRIBUTIONS,
                kind=TransactionKind.CONTRIBUTION_EXPECTED,
                description=f"Contribution expected: {school.name} ({school.urn}), {locked.label}",
            )
            reserve_total += _post_difference(
                actor=actor,
                tenant=tenant,
                pool=locked,
                contribution=contribution,
                posted_on=posted_on,
                already=reserved.get(source),
                target=apply_rate(contribution.expected_pence, basis_points=policy.urgent_reserve_bp),
                what="contribution_reserve",
                debit=AccountKind.CONTRIBUTIONS,
                credit=AccountKind.RESERVE,
                kind=TransactionKind.RESERVE_SET_ASIDE,
                description=f"Reserve for urgent cases: {school.name} ({school.urn}), {locked.label}",
            )
            results.append(contribution)
        if after:
            audit_record(
                actor=actor,
                tenant=tenant,
                verb=AuditVerb.CONTRIBUTIONS_CALCULATED,
                obj=locked,
                label=f"Contributions for pool {locked.label}: {len(after)} calculated or changed",
                before=before,
                after=after,
            )
    return ContributionCalculation(
        contributions=results,
        changed=len(after),
        expected_posted_pence=expected_total,
        reserve_posted_pence=reserve_total,
        not_calculated=not_calculated,
    )


def _post_difference(
    *,
    actor: User | None,
    tenant: ResponsibleBody,
    pool: Pool,
    contribution: Contribution,
    posted_on: date,
    already: tuple[int, int] | None,
    target: int,
    what: str,
    debit: AccountKind,
    credit: AccountKind,
    kind: str,
    description: str,
) -> int:
    """Post ``target`` less what is already posted for this contribution (Dr ``debit``, Cr
    ``credit``; a negative difference reverses the signs). The key names the contribution,
    how many postings it already has and the move, so a retry posts nothing twice."""
    posted_total, postings = already or (0, 0)
    if credit == AccountKind.RESERVE:
        posted_total = -posted_total  # the reserve is read from its credit side
    difference = target - posted_total
    if difference == 0:
        return 0
    post(
        actor=actor,
        tenant=tenant,
        pool=pool,
        kind=kind,
        posted_on=posted_on,
        description=description,
        idempotency_key=f"{tenant.pk}:{what}:{contribution.pk}:{postings}:{posted_total}>{target}",
        source_type=what,
        source_id=str(contribution.pk),
        legs=[
            LegSpec(debit, difference, contribution.school_id),
            LegSpec(credit, -difference, contribution.school_id),
        ],
    )
    return difference


def contributions_recalculate_for_arrangement(
    *, actor: User | None, tenant: ResponsibleBody, arrangement_id: int
) -> list[Contribution]:
    """Recalculate one arrangement's contributions in every open pool that has one (after it
    ended, say). Closed pools are left as they were closed."""
    with tenant_context(tenant):
        pools = list(
            Pool.objects.filter(status=PoolStatus.OPEN, contributions__arrangement_id=arrangement_id)
            .distinct()
            .order_by("starts_on")
        )
    recalculated: list[Contribution] = []
    for pool in pools:
        try:
            result = contributions_calculate(actor=actor, tenant=tenant, pool=pool, arrangement_ids=[arrangement_id])
        except ConflictError as exc:
            if exc.code == "pool_closed":
                continue  # closed since the list was read
            raise
        recalculated.extend(result.contributions)
    return recalculated


# --- Receipts -------------------------------------------------------------------------------


def receipt_window(pool: Pool) -> tuple[date, date]:
    """The dates a receipt for ``pool`` may carry."""
    return (
        pool.starts_on - timedelta(days=RECEIPT_DAYS_BEFORE_PERIOD),
        pool.ends_on + timedelta(days=RECEIPT_DAYS_AFTER_PERIOD),
    )


def receipt_record(
    *,
    actor: User,
    tenant: ResponsibleBody,
    contribution_id: int,
    amount_pence: int,
    received_on: date,
    method: str,
    reference: str = "",
    request_key: str = "",
) -> Receipt:
    """Record money received against a contribution: Dr pool bank, Cr contributions
    receivable. Refuses more than is outstanding. ``request_key`` (the form's or client's
    token) makes a repeated submission return the first receipt instead of a second."""
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int):
        raise ApplicationError(
            "Enter the amount in whole pence.", code=PoolingError.INVALID_AMOUNT, field="amount_pence"
        )
    if amount_pence <= 0:
        raise ApplicationError(
            "Enter an amount received of more than £0.00.", code=PoolingError.AMOUNT_NOT_POSITIVE, field="amount_pence"
        )
    if method not in Receipt.Method.values:
        raise ApplicationError("Choose how the money was received.", code=PoolingError.INVALID_METHOD, field="method")
    reference = reference.strip()
    if len(reference) > 100:
        raise ApplicationError(
            "Enter a reference of 100 characters or fewer.", code=PoolingError.REFERENCE_TOO_LONG, field="reference"
        )
    with tenant_context(tenant), transaction.atomic():
        contribution = (
            lock_rows(Contribution.objects)
            .select_related("pool", "school", "arrangement")
            .filter(pk=contribution_id)
            .first()
        )
        if contribution is None:
            raise NotFound("No such contribution.")
        key = f"{tenant.pk}:receipt-request:{request_key}" if request_key else ""
        if key:
            earlier = Receipt.objects.filter(pk__in=_receipt_ids_posted_with(key), contribution=contribution).first()
            if earlier is not None:
                return earlier
        pool = contribution.pool
        if pool.status != PoolStatus.OPEN:
            raise ConflictError(f"Pool {pool.label} is closed: no further receipts.", code=PoolingError.POOL_CLOSED)
        earliest, latest = receipt_window(pool)
        if not earliest <= received_on <= latest:
            raise ApplicationError(
                f"The date received must be between {earliest:%-d %B %Y} and {latest:%-d %B %Y} for pool {pool.label}.",
                code=PoolingError.RECEIVED_ON_OUTSIDE_PERIOD,
                field="received_on",
            )
        if received_on > timezone.localdate():
            raise ApplicationError(
                "The date received must be today or in the past.",
                code=PoolingError.RECEIVED_ON_IN_FUTURE,
                field="received_on",
            )
        if method == Receipt.Method.TOP_SLICE and contribution.arrangement.basis not in TOP_SLICE_BASES:
            raise ApplicationError(
                f"{contribution.school.name} is not funded by this body, so its contribution cannot be "
                "top-sliced: record the bank transfer.",
                code=PoolingError.TOP_SLICE_NOT_ALLOWED,
                field="method",
            )
        outstanding = contribution_outstanding_pence(tenant=tenant, contribution=contribution)
        if amount_pence > outstanding:
            raise ApplicationError(
                f"Only {format_pence(max(outstanding, 0))} is outstanding from {contribution.school.name}: "
                "enter no more than that.",
                code=PoolingError.MORE_THAN_OUTSTANDING,
                field="amount_pence",
                extra={"outstanding_pence": outstanding},
            )
        receipt = Receipt(
            responsible_body=tenant,
            contribution=contribution,
            amount_pence=amount_pence,
            received_on=received_on,
            method=method,
            reference=reference,
            recorded_by_label=actor.email,
        )
        receipt.save()
        _, created = post(
            actor=actor,
            tenant=tenant,
            pool=pool,
            kind=TransactionKind.RECEIPT,
            posted_on=received_on,
            description=(
                f"{receipt.get_method_display()} from {contribution.school.name} ({contribution.school.urn})"
                + (f": {reference}" if reference else "")
            ),
            idempotency_key=key or f"{tenant.pk}:receipt:{receipt.pk}",
            source_type="receipt",
            source_id=str(receipt.pk),
            legs=[
                LegSpec(AccountKind.POOL_BANK, amount_pence, contribution.school_id),
                LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, -amount_pence, contribution.school_id),
            ],
        )
        if not created:
            raise ConflictError("That receipt has already been recorded.", code=PoolingError.DUPLICATE_RECEIPT)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.RECEIPT_RECORDED,
            obj=receipt,
            label=f"{format_pence(amount_pence)} from {contribution.school.name} ({contribution.school.urn})",
            after=snapshot(receipt, RECEIPT_FIELDS),
        )
    return receipt


def _receipt_ids_posted_with(key: str) -> list[int]:
    from pooling.models import Transaction

    return [
        int(source_id)
        for source_id in Transaction.objects.filter(idempotency_key=key, source_type="receipt").values_list(
            "source_id", flat=True
        )
    ]


def contribution_outstanding_pence(*, tenant: ResponsibleBody, contribution: Contribution) -> int:
    """Expected (as posted) less received (as posted) for one contribution."""
    from pooling.selectors.contributions import contribution_ledger_totals

    totals = contribution_ledger_totals(tenant=tenant, pool=contribution.pool, contribution_ids=[contribution.pk])
    expected, received = totals.get(contribution.pk, (0, 0))
    return expected - received
