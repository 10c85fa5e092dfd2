"""The retention schedule, applied: the daily job that erases closed case files past their
date and anonymises their pupils, keeping the financial record intact.

A case is due when it is closed, ended, declined or withdrawn, its file has not been erased,
no legal hold is in force on it, and the grouping policy in force today says its file has
been kept long enough (``case_file_retention_years`` after the day it reached that status).
Erasing a case file removes what describes the child (the need, the involvement summaries,
the provision and resource descriptions, the outcomes, the decision reasons and conditions,
the comments, the timeline's notes, the evidence files and the emails about the case, and
what collaboration holds about it through ``core.erasure``) and keeps every amount, date,
status, the case and pupil references, the need category and the ledger.

A pupil is anonymised (name, UPN and its matching hash removed) once every case of theirs
is erased, or, with no case at all, once the record is older than the retention period; the
subject-access exports that name them, and the forum's lines naming their reference, go too.

Each erasure writes an event to the audit trail (``case.erased``, ``pupil.anonymised``):
what was erased, when, under which policy version. Running the job twice changes nothing
the second time: erased cases and anonymised pupils are skipped."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import ResponsibleBody
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.erasure import ERASED_TEXT, case_erasure_run
from core.locking import lock_rows
from core.storage import StorageUnavailable, storage_guard
from core.tenancy import tenant_context
from exceptional_resource.models import (
    Case,
    CaseComment,
    CaseDocument,
    CaseEvent,
    CaseStatus,
    Decision,
    LegalHold,
    Outcome,
    ProvisionRow,
    Pupil,
    ResourceLine,
)
from groupings.models import GroupingPolicy
from groupings.selectors import policy_in_force
from notifications.models import Notification
from reports.erasure import report_runs_erase

logger = logging.getLogger(__name__)

CLOSED_STATUSES = (CaseStatus.CLOSED, CaseStatus.ENDED, CaseStatus.DECLINED, CaseStatus.WITHDRAWN)
SUBJECT_ACCESS_REPORT = "subject_access"


@dataclass
class RetentionResult:
    policy_version: int | None = None
    erased_case_ids: list[int] = field(default_factory=list)
    anonymised_pupil_ids: list[int] = field(default_factory=list)
    held_case_ids: list[int] = field(default_factory=list)
    failed_case_ids: list[int] = field(default_factory=list)
    failed_pupil_ids: list[int] = field(default_factory=list)


def years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def financial_year_end(day: date) -> date:
    """The end of the UK public-sector financial year (31 March) that ``day`` falls in."""
    return date(day.year if day.month <= 3 else day.year + 1, 3, 31)


def _closed_on(case: Case) -> date:
    """The day the case reached its closed status: its latest timeline event into that
    status, or its last change when there is none (a draft withdrawn before the timeline)."""
    moved = (
        CaseEvent.objects.filter(case=case, to_status=case.status).aggregate(last=Max("created_at"))["last"]
        or case.updated_at
    )
    return timezone.localdate(moved) if isinstance(moved, datetime) else moved


def retention_due(*, tenant: ResponsibleBody, today: date) -> tuple[list[int], list[int]]:
    """In ``tenant``: the ids of the cases due for erasure today under the policy in force,
    and of the closed cases that would be due but are held."""
    with tenant_context(tenant):
        policy = policy_in_force(tenant=tenant, on=today)
        if policy is None:
            return [], []
        held = set(LegalHold.objects.filter(lifted_at__isnull=True).values_list("case_id", flat=True))
        due: list[int] = []
        kept: list[int] = []
        # One query, whatever the number of closed cases: each with the time of its move
        # into its closed status (``_closed_on`` for one case).
        moved = CaseEvent.objects.filter(case=OuterRef("pk"), to_status=OuterRef("status")).order_by("-created_at")
        closed = (
            Case.objects.filter(status__in=CLOSED_STATUSES, erased_at__isnull=True)
            .annotate(moved_at=Coalesce(Subquery(moved.values("created_at")[:1]), "updated_at"))
            .order_by("pk")
            .values_list("pk", "moved_at")
        )
        for case_id, moved_at in closed:
            if years_after(timezone.localdate(moved_at), policy.case_file_retention_years) > today:
                continue
            (kept if case_id in held else due).append(case_id)
        return due, kept


def _financial_record_until(case: Case, closed_on: date, policy: GroupingPolicy) -> date:
    last = Decision.objects.filter(case=case).aggregate(last=Max("ends_on"))["last"]
    latest = max(d for d in (closed_on, last) if d is not None)
    return years_after(financial_year_end(latest), policy.financial_retention_years)


def _delete_evidence(case: Case) -> list[dict[str, object]]:
    """Delete the case's evidence rows and, once the erasure has committed, their objects in
    the store (``transaction.on_commit``, as ``evidence_remove`` does): an erasure that fails
    and rolls back keeps every file with its row. A store that does not answer after the
    commit leaves an object with no row, which is logged with its name."""
    removed = []
    for document in CaseDocument.objects.filter(case=case).order_by("pk"):
        storage, name = document.file.storage, str(document.file.name)
        removed.append({"sha256": document.sha256, "size_bytes": document.size_bytes})
        document.delete()
        transaction.on_commit(partial(_delete_object, storage, name, case.pk))
    return removed


def _delete_object(storage: Storage, name: str, case_id: int) -> None:
    try:
        with storage_guard("deleted"):
            storage.delete(name)
    except StorageUnavailable:
        logger.error("retention: evidence object %s of erased case %s not deleted from the store", name, case_id)


def _blank(rows: QuerySet[Any], **values: str) -> int:
    """Set free-text ``values`` on ``rows`` where any differs; how many changed."""
    differs = Q(pk__in=[])
    for name, value in values.items():
        differs |= ~Q(**{name: value})
    return rows.filter(differs).update(**values)


def case_erase(*, tenant: ResponsibleBody, case_id: int, today: date) -> bool:
    """Erase one case's file if it is due today and not held; ``False`` (nothing written)
    otherwise. The financial record stays: amounts, dates, statuses, references, the need
    category, awards, schedules and the ledger."""
    with tenant_context(tenant), transaction.atomic():
        case = lock_rows(Case.objects).filter(pk=case_id).select_related("pupil").first()
        if case is None or case.erased_at is not None or case.status not in CLOSED_STATUSES:
            return False
        if LegalHold.objects.filter(case=case, lifted_at__isnull=True).exists():
            return False
        policy = policy_in_force(tenant=tenant, on=today)
        if policy is None:
            return False
        closed_on = _closed_on(case)
        erase_on = years_after(closed_on, policy.case_file_retention_years)
        if erase_on > today:
            return False
        evidence = _delete_evidence(case)
        erased: dict[str, object] = {
            "case_text": sum(1 for f in ("need_description", "parents_summary", "pupil_summary") if getattr(case, f)),
            "provision_rows": _blank(ProvisionRow.objects.filter(case=case), provision=ERASED_TEXT),
            "resource_lines": _blank(ResourceLine.objects.filter(case=case), description=ERASED_TEXT),
            "outcomes": _blank(Outcome.objects.filter(case=case), description="", measure="", result_note=""),
            "decisions": _blank(Decision.objects.filter(case=case), reasons=ERASED_TEXT, conditions=""),
            "comments": _blank(CaseComment.objects.filter(case=case), text=ERASED_TEXT),
            "timeline_notes": _blank(CaseEvent.objects.filter(case=case), note=""),
            "legal_hold_reasons": _blank(
                LegalHold.objects.filter(case=case), reason=ERASED_TEXT, lift_reason=ERASED_TEXT
            ),
            "evidence_files": len(evidence),
            "notifications": Notification.objects.filter(dedupe_key__contains=f":case {case.pk}:").delete()[0],
        }
        erased.update(case_erasure_run(tenant=tenant, case_ids=[case.pk], references=[case.reference]))
        now = timezone.now()
        case.need_description = case.parents_summary = case.pupil_summary = ""
        case.erased_at = case.updated_at = now
        case.save(update_fields=["need_description", "parents_summary", "pupil_summary", "erased_at", "updated_at"])
        audit_record(
            actor=None,
            tenant=tenant,
            verb=AuditVerb.CASE_ERASED,
            obj=case,
            after={
                "policy_id": policy.pk,
                "policy_version": policy.version,
                "case_file_retention_years": policy.case_file_retention_years,
                "closed_on": closed_on,
                "erase_on": erase_on,
                "erased_on": today,
                "erased": erased,
                "evidence": evidence,
                "kept": "amounts, dates, statuses, case and pupil references, need category, awards and the ledger",
                "financial_record_kept_until": _financial_record_until(case, closed_on, policy),
            },
        )
    return True


def pupil_anonymise(*, tenant: ResponsibleBody, pupil_id: int, today: date) -> bool:
    """Remove a pupil's name and UPN once every case of theirs is erased (or, with no case,
    once the record is older than the retention period); ``False`` if not due or done."""
    with tenant_context(tenant), transaction.atomic():
        pupil = lock_rows(Pupil.objects).filter(pk=pupil_id).first()
        if pupil is None or pupil.anonymised_at is not None:
            return False
        policy = policy_in_force(tenant=tenant, on=today)
        if policy is None:
            return False
        cases = Case.objects.filter(pupil=pupil)
        if cases.exists():
            if cases.filter(erased_at__isnull=True).exists():
                return False
        elif years_after(timezone.localdate(pupil.created_at), policy.case_file_retention_years) > today:
            return False
        had = {"name": bool(pupil.name_encrypted), "upn": bool(pupil.upn_encrypted)}
        pupil.name_encrypted = b""
        pupil.upn_encrypted = b""
        pupil.upn_hash = ""
        pupil.anonymised_at = timezone.now()
        pupil.save(update_fields=["name_encrypted", "upn_encrypted", "upn_hash", "anonymised_at"])
        files = report_runs_erase(report_type=SUBJECT_ACCESS_REPORT, parameter="pupil", value=pupil.pk)
        elsewhere = case_erasure_run(tenant=tenant, case_ids=[], references=[pupil.reference])
        audit_record(
            actor=None,
            tenant=tenant,
            verb=AuditVerb.PUPIL_ANONYMISED,
            obj=pupil,
            after={
                "policy_id": policy.pk,
                "policy_version": policy.version,
                "erased_on": today,
                "erased": {"name": had["name"], "upn": had["upn"], "subject_access_files": files, **elsewhere},
                "kept": "reference, school, year group, SEN status and need category",
            },
        )
    return True


def _erasure_failed(*, tenant: ResponsibleBody, case_id: int, today: date, exc: Exception) -> None:
    """Record that erasing ``case_id`` failed (its transaction rolled back: nothing erased):
    a logged error with the traceback, and an audit event naming the case and the error's
    kind (never its message, which may quote the case's text). The next run tries again."""
    logger.exception("retention: case %s of body %s could not be erased", case_id, tenant.pk)
    with tenant_context(tenant), transaction.atomic():
        case = Case.objects.filter(pk=case_id).first()
        audit_record(
            actor=None,
            tenant=tenant,
            verb=AuditVerb.CASE_ERASURE_FAILED,
            obj=case,
            object_type="" if case else "exceptional_resource.case",
            object_id="" if case else str(case_id),
            after={"case_id": case_id, "attempted_on": today, "error": type(exc).__name__},
        )


def retention_run(
    *, tenant: ResponsibleBody, today: date | None = None, case_ids: list[int] | None = None
) -> RetentionResult:
    """Apply the retention schedule in ``tenant`` (the daily job, the management command):
    erase every due case (or only those of ``case_ids`` that are due), then anonymise the
    pupils left with no unerased case. Idempotent."""
    today = today or timezone.localdate()
    due, held = retention_due(tenant=tenant, today=today)
    if case_ids is not None:
        due = [pk for pk in due if pk in set(case_ids)]
    with tenant_context(tenant):
        policy = policy_in_force(tenant=tenant, on=today)
    result = RetentionResult(policy_version=policy.version if policy else None, held_case_ids=held)
    for case_id in due:
        try:
            if case_erase(tenant=tenant, case_id=case_id, today=today):
                result.erased_case_ids.append(case_id)
        except StorageUnavailable:
            raise  # the store is down for every case: the task retries the whole run later
        except Exception as exc:  # noqa: BLE001 (logged with its traceback and audited by _erasure_failed)
            _erasure_failed(tenant=tenant, case_id=case_id, today=today, exc=exc)
            result.failed_case_ids.append(case_id)
    with tenant_context(tenant):
        pupils = Pupil.objects.filter(anonymised_at__isnull=True)
        if case_ids is not None:
            pupils = pupils.filter(cases__pk__in=case_ids)
        cutoff = today - timedelta(days=366)
        candidates = list(
            pupils.filter(Q(cases__erased_at__isnull=False) | Q(cases__isnull=True, created_at__date__lte=cutoff))
            .values_list("pk", flat=True)
            .distinct()
            .order_by("pk")
        )
    for pupil_id in candidates:
        try:
            if pupil_anonymise(tenant=tenant, pupil_id=pupil_id, today=today):
                result.anonymised_pupil_ids.append(pupil_id)
        except StorageUnavailable:
            raise
        except Exception:
            logger.exception("retention: pupil %s of body %s could not be anonymised", pupil_id, tenant.pk)
            result.failed_pupil_ids.append(pupil_id)
    return result
