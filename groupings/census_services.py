"""Writes for the school census figures (platform reference data, not tenant-owned).

``school_census_import`` upserts one academic year's figures by (URN, year) from a file
``groupings.census`` has read. All or nothing: a file with any rejected row writes
nothing, and every write happens in one transaction under the register's import lock.
Idempotent: a row already stored with the same figures is counted as unchanged and not
written. Rows of that year for URNs the file does not have are left alone."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from django.db import connection
from django.utils import timezone

from accounts.models import User
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError
from core.tenancy import platform_context
from groupings.error_codes import GroupingError
from groupings.gias import ParsedFile, Row
from groupings.models import School, SchoolCensus
from groupings.register_services import _IMPORT_LOCK, LOOKUP_CHUNK, ImportCounts, _apply, _plan

FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class CensusImportReport:
    academic_year: int
    counts: ImportCounts
    national_rows_skipped: int
    not_in_register: int
    dry_run: bool


def school_census_import(
    *, parsed: ParsedFile, academic_year: int, actor: User | None = None, dry_run: bool = False
) -> CensusImportReport:
    """Store ``parsed`` as the census figures of ``academic_year`` (2022 for 2022/23)."""
    if not FIRST_YEAR <= academic_year <= LAST_YEAR:
        raise ApplicationError(
            f"{academic_year} is not an academic year between {FIRST_YEAR} and {LAST_YEAR}.",
            code=GroupingError.CENSUS_YEAR_INVALID,
            field="academic_year",
        )
    if parsed.rejections:
        total = len(parsed.rejections)
        raise ApplicationError(
            f"{total} row{'s' if total != 1 else ''} rejected in {parsed.source}; nothing was imported.",
            code=GroupingError.CENSUS_ROWS_REJECTED,
        )
    if not parsed.rows:
        raise ApplicationError(
            f"{parsed.source} has no school rows; nothing was imported.", code=GroupingError.CENSUS_EMPTY
        )
    source = parsed.source[:200]  # SchoolCensus.source max_length
    keyed = replace(
        parsed,
        rows=[Row(row.line, {**row.values, "academic_year": academic_year, "source": source}) for row in parsed.rows],
    )
    with platform_context():  # one transaction for every write
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK])
        plan = _plan(SchoolCensus, keyed, key_fields=("urn", "academic_year"))
        counts = plan.counts()
        report = CensusImportReport(
            academic_year=academic_year,
            counts=counts,
            national_rows_skipped=sum(parsed.skipped.values()),
            not_in_register=_not_in_register([row.values["urn"] for row in parsed.rows]),
            dry_run=dry_run,
        )
        if dry_run or not (counts.created or counts.updated):
            return report
        _apply(plan, stamp=timezone.now())
        audit_record(
            actor=actor,
            tenant=None,
            verb=AuditVerb.SCHOOL_CENSUS_IMPORTED,
            object_type="groupings.schoolcensus",
            label=f"SEN census {academic_year}/{(academic_year + 1) % 100:02d}: {parsed.source}",
            after={**asdict(counts), "academic_year": academic_year, "not_in_register": report.not_in_register},
        )
    return report


def _not_in_register(urns: list[int]) -> int:
    known: set[int] = set()
    for start in range(0, len(urns), LOOKUP_CHUNK):
        chunk = urns[start : start + LOOKUP_CHUNK]
        known.update(School.objects.filter(urn__in=chunk).values_list("urn", flat=True))
    return len(set(urns) - known)
