"""Writes for the school register (GIAS platform reference data, not tenant-owned).

``school_register_import`` upserts schools by URN, establishment links by (URN, linked
URN, link type) and trusts by group UID from files ``groupings.gias`` has read. It is
all-or-nothing: a file with any rejected row writes nothing, and every write happens in
one transaction. It is idempotent: a row whose values are already stored is counted as
unchanged and not written, so re-importing the same file writes nothing at all. The bulk writes are
``upsert.py``'s."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.utils import timezone

from accounts.models import User
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError
from core.tenancy import platform_context
from groupings.error_codes import GroupingError
from groupings.gias import ParsedFile
from groupings.models import School, SchoolLink, Trust
from groupings.services.upsert import ImportCounts, UpsertPlan, reference_import_lock, upsert_apply, upsert_plan

ELIGIBILITY_FIELDS = ("is_imf_eligible", "eligibility_reason")


@dataclass(frozen=True)
class ImportReport:
    establishments: ImportCounts | None
    links: ImportCounts | None
    trusts: ImportCounts | None
    dry_run: bool

    @property
    def changed(self) -> bool:
        return any(c is not None and (c.created or c.updated) for c in (self.establishments, self.links, self.trusts))


def school_register_import(
    *,
    establishments: ParsedFile | None = None,
    links: ParsedFile | None = None,
    groups: ParsedFile | None = None,
    actor: User | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Upsert the register from parsed GIAS files; with ``dry_run``, count without writing."""
    files = [parsed for parsed in (establishments, links, groups) if parsed is not None]
    if not files:
        raise ApplicationError("Give at least one GIAS file to import.", code=GroupingError.GIAS_NOTHING_TO_IMPORT)
    refused = [parsed for parsed in files if parsed.rejections]
    if refused:
        total = sum(len(parsed.rejections) for parsed in refused)
        names = ", ".join(parsed.source for parsed in refused)
        raise ApplicationError(
            f"{total} row{'s' if total != 1 else ''} rejected in {names}; nothing was imported.",
            code=GroupingError.GIAS_ROWS_REJECTED,
        )
    now = timezone.now()
    with platform_context():  # one transaction for every write
        reference_import_lock()
        plans: dict[str, UpsertPlan] = {}
        if groups is not None:
            plans["trusts"] = upsert_plan(Trust, groups, key_fields=("uid",))
        if establishments is not None:
            plans["establishments"] = upsert_plan(
                School,
                establishments,
                key_fields=("urn",),
                derived=ELIGIBILITY_FIELDS,
                derive=School.refresh_eligibility,
            )
        if links is not None:
            plans["links"] = upsert_plan(SchoolLink, links, key_fields=("urn", "linked_urn", "link_type"))
        counts = {name: plan.counts() for name, plan in plans.items()}
        if groups is not None:
            counts["trusts"].skipped = sum(groups.skipped.values())
        report = ImportReport(
            establishments=counts.get("establishments"),
            links=counts.get("links"),
            trusts=counts.get("trusts"),
            dry_run=dry_run,
        )
        if dry_run or not report.changed:
            return report
        for name, plan in plans.items():
            upsert_apply(plan, stamp=now if name == "establishments" else None)
        audit_record(
            actor=actor,
            tenant=None,
            verb=AuditVerb.SCHOOL_REGISTER_IMPORTED,
            object_type="groupings.school",
            label="GIAS import: " + ", ".join(parsed.source for parsed in files),
            after={name: asdict(numbers) for name, numbers in counts.items()},
        )
    return report
