"""IMF allocations: a school's IMF for a funding period, entered by hand or imported from
a DfE file. It is not money yet, so it may be changed (audited, before and after)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from accounts.models import ResponsibleBody, User
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError
from core.locking import lock_rows
from core.money import format_pence
from core.tenancy import tenant_context
from groupings.models import School
from pooling.allocation_files import AllocationRow, Problem, Table, parse_allocations, resolve_columns
from pooling.error_codes import PoolingError
from pooling.models import (
    ImfAllocation,
    ImfAllocationImport,
    Pool,
    PoolStatus,
)
from pooling.periods import grant_year


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
