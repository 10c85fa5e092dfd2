"""The local inclusion plan: a draft version is edited (priorities, actions), then
published. Published versions never change (the database refuses it); the next draft
starts as a copy of the latest version, so the history of every version is kept."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError
from core.locking import lock_rows
from core.queries import one_or_not_found
from core.tenancy import tenant_context
from partnerships.error_codes import PartnershipError
from partnerships.models import ActionStatus, Partnership, PartnershipMember, PlanAction, PlanPriority, PlanVersion
from partnerships.services._common import check


def _draft(version_id: int) -> PlanVersion:
    version = one_or_not_found(lock_rows(PlanVersion.objects), "No such plan.", pk=version_id)
    if not version.is_draft:
        raise ConflictError(
            "This version is published and cannot be changed. Start a new draft to change the plan.",
            code=PartnershipError.PLAN_PUBLISHED,
        )
    return version


def plan_draft_start(*, actor: User, tenant: ResponsibleBody, partnership_id: int, title: str = "") -> PlanVersion:
    """Start the next version, copying the latest one's priorities and actions. Returns
    the open draft if there already is one."""
    with tenant_context(tenant):
        partnership = one_or_not_found(lock_rows(Partnership.objects), "No such partnership.", pk=partnership_id)
        existing = partnership.plans.filter(status=PlanVersion.Status.DRAFT).first()
        if existing is not None:
            return existing
        latest = partnership.plans.order_by("-number").first()
        number = (partnership.plans.aggregate(n=Max("number"))["n"] or 0) + 1
        version = PlanVersion(
            responsible_body=tenant,
            partnership=partnership,
            number=number,
            title=(title.strip() or (latest.title if latest else f"Local inclusion plan for {partnership.la_name}")),
            summary=latest.summary if latest else "",
            created_by_label=actor.email,
        )
        check(version)
        version.save()
        if latest is not None:
            for priority in latest.priorities.prefetch_related("actions"):
                copy = PlanPriority.objects.create(
                    responsible_body=tenant,
                    version=version,
                    position=priority.position,
                    title=priority.title,
                    description=priority.description,
                )
                PlanAction.objects.bulk_create(
                    PlanAction(
                        responsible_body=tenant,
                        priority=copy,
                        description=a.description,
                        owner_id=a.owner_id,
                        due_on=a.due_on,
                        status=a.status,
                    )
                    for a in priority.actions.all()
                )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PLAN_DRAFT_STARTED,
            obj=version,
            after={"number": number, "copied_from": latest.number if latest else None},
        )
    return version


def plan_draft_update(
    *, actor: User, tenant: ResponsibleBody, planversion_id: int, title: str, summary: str
) -> PlanVersion:
    with tenant_context(tenant):
        version = _draft(planversion_id)
        before = snapshot(version, ["title", "summary"])
        version.title, version.summary = title.strip(), summary.strip()
        check(version)
        version.save(update_fields=["title", "summary"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PLAN_DRAFT_UPDATED,
            obj=version,
            before=before,
            after=snapshot(version, ["title", "summary"]),
        )
    return version


def plan_priority_add(
    *, actor: User, tenant: ResponsibleBody, planversion_id: int, title: str, description: str = ""
) -> PlanPriority:
    with tenant_context(tenant):
        version = _draft(planversion_id)
        position = (version.priorities.aggregate(p=Max("position"))["p"] or 0) + 1
        priority = PlanPriority(
            responsible_body=tenant,
            version=version,
            position=position,
            title=title.strip(),
            description=description.strip(),
        )
        check(priority)
        priority.save()
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PLAN_PRIORITY_ADDED,
            obj=priority,
            after=snapshot(priority, ["version", "position", "title"]),
        )
    return priority


def _owner(version: PlanVersion, owner_id: int | None) -> PartnershipMember:
    owner = PartnershipMember.objects.filter(pk=owner_id or 0, partnership_id=version.partnership_id).first()
    if owner is None:
        raise ApplicationError(
            "Choose the member organisation that owns the action.", code=PartnershipError.UNKNOWN_OWNER, field="owner"
        )
    return owner


def _status(status: str) -> str:
    if status not in ActionStatus.values:
        raise ApplicationError("Choose the action's status.", code=PartnershipError.INVALID_STATUS, field="status")
    return status


def plan_action_add(
    *,
    actor: User,
    tenant: ResponsibleBody,
    planpriority_id: int,
    description: str,
    owner_id: int | None,
    due_on: date,
    status: str = ActionStatus.NOT_STARTED,
) -> PlanAction:
    with tenant_context(tenant):
        priority = one_or_not_found(
            PlanPriority.objects.select_related("version"), "No such priority.", pk=planpriority_id
        )
        version = _draft(priority.version_id)
        action = PlanAction(
            responsible_body=tenant,
            priority=priority,
            description=description.strip(),
            owner=_owner(version, owner_id),
            due_on=due_on,
            status=_status(status),
        )
        check(action)
        action.save()
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PLAN_ACTION_ADDED,
            obj=action,
            after=snapshot(action, ["priority", "description", "owner", "due_on", "status"]),
        )
    return action


def plan_action_update(
    *, actor: User, tenant: ResponsibleBody, planaction_id: int, status: str, due_on: date, owner_id: int | None
) -> PlanAction:
    fields = ["status", "due_on", "owner"]
    with tenant_context(tenant):
        action = one_or_not_found(PlanAction.objects.select_related("priority"), "No such action.", pk=planaction_id)
        version = _draft(action.priority.version_id)
        before = snapshot(action, fields)
        action.status, action.due_on, action.owner = _status(status), due_on, _owner(version, owner_id)
        check(action)
        action.save(update_fields=fields)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PLAN_ACTION_UPDATED,
            obj=action,
            before=before,
            after=snapshot(action, fields),
        )
    return action


def plan_publish(*, actor: User, tenant: ResponsibleBody, planversion_id: int) -> PlanVersion:
    with tenant_context(tenant), transaction.atomic():
        version = _draft(planversion_id)
        if not version.priorities.exists():
            raise ApplicationError("Add at least one priority before publishing.", code=PartnershipError.PLAN_EMPTY)
        version.status = PlanVersion.Status.PUBLISHED
        version.published_at = timezone.now()
        version.published_by_label = actor.email
        version.save(update_fields=["status", "published_at", "published_by_label"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PLAN_PUBLISHED,
            obj=version,
            after={"number": version.number, "published_at": version.published_at},
        )
    return version
