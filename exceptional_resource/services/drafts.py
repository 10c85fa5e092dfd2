"""Writing a case before it is submitted: the draft itself, its costed provision map, the
resource asked for and the intended outcomes. Only the school's head or SENDCO edits a
draft, and only while it is a draft; every change is audited. Each service validates its
own values and names the field at fault, so a page or API can show the error beside what
was typed and nothing already saved is lost."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.audit import audit_record, redact_text, snapshot
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Case, CaseStatus, Outcome, ProvisionRow, Pupil, ResourceLine
from exceptional_resource.selectors.queues import previous_case
from exceptional_resource.services.cases import MAX_OUTCOMES
from exceptional_resource.services.decision_terms import resource_end_check, review_date_check
from groupings.models import Arrangement

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
DRAFT_FIELDS = (
    "need_description",
    "own_imf_pence",
    "notional_sen_pence",
    "parents_involved",
    "parents_summary",
    "pupil_involved",
    "pupil_summary",
    "urgency",
)
PROVISION_FIELDS = (
    "provision",
    "staff_role",
    "group_size",
    "sessions_per_week",
    "minutes_per_session",
    "weeks",
    "hourly_cost_pence",
)
RESOURCE_FIELDS = ("kind", "description", "quantity", "unit_cost_pence", "starts_on", "ends_on")
OUTCOME_FIELDS = ("description", "measure", "review_on")
# Free text that may describe the child: the audit trail keeps a fingerprint, not the words.
FREE_TEXT = ("need_description", "parents_summary", "pupil_summary", "provision", "description", "measure")
_MAX_LENGTHS = {
    "parents_summary": 500,
    "pupil_summary": 500,
    "provision": 200,
    "staff_role": 100,
    "description": 300,
    "measure": 300,
}


def new_case_reference() -> str:
    return "ER-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def _may_raise(actor: User, tenant: ResponsibleBody, obj: Any) -> bool:
    return BodyAccess.load(actor, tenant).can(Action.RAISE_CASE, obj)


def _draft(*, actor: User, tenant: ResponsibleBody, case_id: int) -> Case:
    case = lock_rows(Case.objects).filter(pk=case_id).first()
    if case is None:
        raise NotFound("No such case.")
    if not _may_raise(actor, tenant, case):
        raise ApplicationError("Only the school's head or SENDCO edits a case.", code=CaseError.NOT_ALLOWED)
    if case.status != CaseStatus.DRAFT:
        raise ConflictError("Only a draft can be changed: this case has been sent.", code=CaseError.CASE_NOT_DRAFT)
    return case


def _touch(case: Case) -> None:
    case.updated_at = timezone.now()
    case.save(update_fields=["updated_at"])


def _whole(name: str, value: Any, *, minimum: int, maximum: int, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ApplicationError(message, code=CaseError.INVALID_VALUE, field=name)
    return value


def _text(name: str, value: Any, *, required: bool, message: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ApplicationError(message, code=CaseError.REQUIRED, field=name)
    limit = _MAX_LENGTHS.get(name)
    if limit is not None and len(text) > limit:
        raise ApplicationError(f"Keep this to {limit} characters or fewer.", code=CaseError.TOO_LONG, field=name)
    return text


def _pence(name: str, value: Any) -> int:
    return _whole(name, value, minimum=0, maximum=10**12, message="Enter an amount in whole pence, 0 or more.")


def _clean_draft_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise ApplicationError("That cannot be changed here.", code=CaseError.UNKNOWN_FIELD, field=sorted(unknown)[0])
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "need_description":
            clean[name] = _text(name, value, required=False, message="")
        elif name in ("own_imf_pence", "notional_sen_pence"):
            clean[name] = _pence(name, value)
        elif name in ("parents_involved", "pupil_involved"):
            if value is not None and not isinstance(value, bool):
                raise ApplicationError("Answer yes or no.", code=CaseError.INVALID_VALUE, field=name)
            clean[name] = value
        elif name in ("parents_summary", "pupil_summary"):
            clean[name] = _text(name, value, required=False, message="")
        elif name == "urgency":
            if value not in Case.Urgency.values:
                raise ApplicationError("Choose routine or urgent.", code=CaseError.INVALID_CHOICE, field=name)
            clean[name] = value
    return clean


INVOLVEMENT_FIELDS = ("parents_involved", "parents_summary", "pupil_involved", "pupil_summary")


def _carry_forward(*, tenant: ResponsibleBody, case: Case, given: dict[str, Any]) -> Case | None:
    """Copy the provision in place and the involvement of the pupil's last case into the new
    draft, for the school to confirm or change rather than type again. Fields given win."""
    last = previous_case(tenant=tenant, case=case)
    if last is None:
        return None
    carried = [name for name in INVOLVEMENT_FIELDS if name not in given]
    for name in carried:
        setattr(case, name, getattr(last, name))
    case.save(update_fields=carried)
    ProvisionRow.objects.bulk_create(
        ProvisionRow(responsible_body=tenant, case=case, **{name: getattr(row, name) for name in PROVISION_FIELDS})
        for row in last.provision.all()
    )
    return last


def case_create_draft(*, actor: User, tenant: ResponsibleBody, pupil_id: int, **fields: Any) -> Case:
    """Start a case for a pupil of the head's or SENDCO's school. Everything else may be
    filled in later; the draft is saved at once. For a pupil with an earlier case at the
    school, the provision in place and who was involved are carried forward from it."""
    clean = _clean_draft_fields(fields)
    with tenant_context(tenant), transaction.atomic():
        pupil = Pupil.objects.filter(pk=pupil_id).first()
        if pupil is None or not _may_raise(actor, tenant, pupil):
            raise ApplicationError(
                "Choose a pupil recorded at your school in this grouping.",
                code=CaseError.INVALID_PUPIL,
                field="pupil_id",
            )
        in_grouping = Arrangement.objects.filter(school_id=pupil.school_id, status__in=["active", "notice_given"])
        if not in_grouping.exists():
            raise ApplicationError(
                "The pupil's school is not a member of this grouping.",
                code=CaseError.SCHOOL_NOT_IN_GROUPING,
                field="pupil_id",
            )
        case = Case(
            responsible_body=tenant,
            reference=new_case_reference(),
            school_id=pupil.school_id,
            pupil=pupil,
            created_by_label=actor.email,
            **clean,
        )
        case.save()
        last = _carry_forward(tenant=tenant, case=case, given=clean)
        after = snapshot(case, ("reference", "pupil", "school", *clean))
        if last is not None:
            after |= {"carried_forward_from": last.reference, "provision_rows_carried": len(last.provision.all())}
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.CASE_DRAFTED,
            obj=case,
            after=redact_text(after, FREE_TEXT),
        )
    return case


def case_update_draft(*, actor: User, tenant: ResponsibleBody, case_id: int, **fields: Any) -> Case:
    """Change some of a draft's own fields (only those given)."""
    clean = _clean_draft_fields(fields)
    with tenant_context(tenant), transaction.atomic():
        case = _draft(actor=actor, tenant=tenant, case_id=case_id)
        before = snapshot(case, tuple(clean))
        for name, value in clean.items():
            setattr(case, name, value)
        case.updated_at = timezone.now()
        case.save(update_fields=[*clean, "updated_at"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.CASE_DRAFT_UPDATED,
            obj=case,
            before=redact_text(before, FREE_TEXT),
            after=redact_text(clean, FREE_TEXT),
        )
    return case


# --- Provision map ----------------------------------------------------------------------------


def _clean_provision(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "provision": _text("provision", values.get("provision"), required=True, message="Name the provision."),
        "staff_role": _text(
            "staff_role", values.get("staff_role"), required=False, message=""
        ),  # optional: the cost is what counts
        "group_size": _whole(
            "group_size", values.get("group_size"), minimum=1, maximum=60, message="Enter a group size from 1 to 60."
        ),
        "sessions_per_week": _whole(
            "sessions_per_week",
            values.get("sessions_per_week"),
            minimum=1,
            maximum=50,
            message="Enter sessions a week from 1 to 50.",
        ),
        "minutes_per_session": _whole(
            "minutes_per_session",
            values.get("minutes_per_session"),
            minimum=1,
            maximum=600,
            message="Enter minutes a session from 1 to 600.",
        ),
        "weeks": _whole("weeks", values.get("weeks"), minimum=1, maximum=52, message="Enter weeks from 1 to 52."),
        "hourly_cost_pence": _pence("hourly_cost_pence", values.get("hourly_cost_pence")),
    }


def provision_row_add(*, actor: User, tenant: ResponsibleBody, case_id: int, **values: Any) -> ProvisionRow:
    """Add a row to the costed provision map (what the school already provides)."""
    clean = _clean_provision(values)
    with tenant_context(tenant), transaction.atomic():
        case = _draft(actor=actor, tenant=tenant, case_id=case_id)
        row = ProvisionRow.objects.create(responsible_body=tenant, case=case, **clean)
        _touch(case)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.CASE_PROVISION_ADDED,
            obj=case,
            after=redact_text({"id": row.pk, **clean}, FREE_TEXT),
        )
    return row


def provision_row_remove(*, actor: User, tenant: ResponsibleBody, case_id: int, row_id: int) -> None:
    with tenant_context(tenant), transaction.atomic():
        case = _draft(actor=actor, tenant=tenant, case_id=case_id)
        row = ProvisionRow.objects.filter(pk=row_id, case=case).first()
        if row is None:
            raise NotFound("No such provision row on this case.", field="row_id")
        before = {"id": row.pk, **snapshot(row, PROVISION_FIELDS)}
        row.delete()
        _touch(case)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.CASE_PROVISION_REMOVED,
            obj=case,
            before=redact_text(before, FREE_TEXT),
        )


# --- Resource lines ---------------------------------------------------------------------------


def _date(name: str, value: Any) -> date:
    if not isinstance(value, date):
        raise ApplicationError("Enter a real date.", code=CaseError.INVALID_DATE, field=name)
    return value


def _clean_resource(values: dict[str, Any]) -> dict[str, Any]:
    kind = values.get("kind")
    if kind not in ResourceLine.Kind.values:
        raise ApplicationError("Choose what kind of resource this is.", code=CaseError.INVALID_CHOICE, field="kind")
    starts_on = _date("starts_on", values.get("starts_on"))
    ends_on = _date("ends_on", values.get("ends_on"))
    if ends_on < starts_on:
        raise ApplicationError(
            "The end date must be on or after the start date.", code=CaseError.INVALID_DATES, field="ends_on"
        )
    resource_end_check(ends_on=ends_on, today=timezone.localdate())
    return {
        "kind": kind,
        "description": _text(
            "description", values.get("description"), required=True, message="Describe what is asked for."
        ),
        "quantity": _whole(
            "quantity", values.get("quantity"), minimum=1, maximum=100_000, message="Enter a quantity of 1 or more."
        ),
        "unit_cost_pence": _pence("unit_cost_pence", values.get("unit_cost_pence")),
        "starts_on": starts_on,
        "ends_on": ends_on,
    }


def resource_line_add(*, actor: User, tenant: ResponsibleBody, case_id: int, **values: Any) -> ResourceLine:
    """Add a line to what is requested: quantity × unit cost, from a start to an end date."""
    clean = _clean_resource(values)
    with tenant_context(tenant), transaction.atomic():
        case = _draft(actor=actor, tenant=tenant, case_id=case_id)
        line = ResourceLine.objects.create(responsible_body=tenant, case=case, **clean)
        _touch(case)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.CASE_RESOURCE_ADDED,
            obj=case,
            after=redact_text({"id": line.pk, **clean}, FREE_TEXT),
        )
    return line


def resource_line_remove(*, actor: User, tenant: ResponsibleBody, case_id: int, line_id: int) -> None:
    with tenant_context(tenant), transaction.atomic():
        case = _draft(actor=actor, tenant=tenant, case_id=case_id)
        line = ResourceLine.objects.filter(pk=line_id, case=case).first()
        if line is None:
            raise NotFound("No such resource line on this case.", field="line_id")
        before = {"id": line.pk, **snapshot(line, RESOURCE_FIELDS)}
        line.delete()
        _touch(case)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.CASE_RESOURCE_REMOVED,
            obj=case,
            before=redact_text(before, FREE_TEXT),
        )


# --- Intended outcomes ------------------------------------------------------------------------


def _clean_outcome(values: dict[str, Any]) -> dict[str, Any]:
    review_on = _date("review_on", values.get("review_on"))
    review_date_check(review_on=review_on, today=timezone.localdate())
    return {
        "description": _text(
            "description", values.get("description"), required=True, message="Describe the intended outcome."
        ),
        "measure": _text(
            "measure", values.get("measure"), required=False, message=""
        ),  # optional: the outcome can say it
        "review_on": review_on,
    }


def outcome_add(*, actor: User, tenant: ResponsibleBody, case_id: int, **values: Any) -> Outcome:
    """Add an intended, measurable outcome with its review date (at most four a case)."""
    clean = _clean_outcome(values)
    with tenant_context(tenant), transaction.atomic():
        case = _draft(actor=actor, tenant=tenant, case_id=case_id)
        first_start = case.resource_lines.order_by("starts_on").values_list("starts_on", flat=True).first()
        review_date_check(review_on=clean["review_on"], today=timezone.localdate(), starts_on=first_start)
        if Outcome.objects.filter(case=case).count() >= MAX_OUTCOMES:
            raise ApplicationError(
                f"Keep to {MAX_OUTCOMES} intended outcomes or fewer.",
                code=CaseError.TOO_MANY_OUTCOMES,
                field="outcomes",
            )
        outcome = Outcome.objects.create(responsible_body=tenant, case=case, **clean)
        _touch(case)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.CASE_OUTCOME_ADDED,
            obj=case,
            after=redact_text({"id": outcome.pk, **clean}, FREE_TEXT),
        )
    return outcome


def outcome_remove(*, actor: User, tenant: ResponsibleBody, case_id: int, outcome_id: int) -> None:
    with tenant_context(tenant), transaction.atomic():
        case = _draft(actor=actor, tenant=tenant, case_id=case_id)
        outcome = Outcome.objects.filter(pk=outcome_id, case=case).first()
        if outcome is None:
            raise NotFound("No such outcome on this case.", field="outcome_id")
        before = {"id": outcome.pk, **snapshot(outcome, OUTCOME_FIELDS)}
        outcome.delete()
        _touch(case)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.CASE_OUTCOME_REMOVED,
            obj=case,
            before=redact_text(before, FREE_TEXT),
        )
