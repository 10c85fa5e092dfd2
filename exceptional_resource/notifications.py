"""Emails about cases. The kinds are registered with ``notifications`` when the
app is ready; the case services call ``after_case_event`` for each timeline entry they
write, and the entries named in ``VERB_KINDS`` are announced once the change has committed:
who should hear is worked out and their messages queued in the database (no broker
needed), then each immediate email goes by the ``accounts.send_notification`` task.

No email names or describes a pupil, a case reference, a school or an amount: only what
happened, in a sentence, and a link to the page (where access is checked)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.models import Membership, ResponsibleBody, Role, User
from accounts.policy import current_memberships_q
from core.tenancy import tenant_context
from exceptional_resource.models import Case, CaseEvent, CaseStatus, Decision
from notifications import IMMEDIATE, register_kind
from notifications.services import notification_queue


@dataclass(frozen=True)
class CaseEmail:
    label: str
    description: str
    subject: str
    text: str
    default: str = IMMEDIATE


KINDS: dict[str, CaseEmail] = {
    "case_submitted": CaseEmail(
        "Cases submitted for a decision",
        "For decision officers: a school has submitted a case.",
        "A case has been submitted for a decision",
        "A school has submitted a case for exceptional resource to {body}. The decision clock has started.",
    ),
    "case_information_requested": CaseEmail(
        "Information requested on your school's cases",
        "For headteachers and SENDCOs: a decision officer has asked for more information.",
        "More information has been asked for on a case",
        "A decision officer at {body} has asked for more information on one of your school's cases. "
        "The decision clock is paused until you answer.",
    ),
    "case_decided": CaseEmail(
        "Decisions on your school's cases",
        "For headteachers and SENDCOs: a case has been decided.",
        "A decision has been made on a case",
        "{body} has made a decision on one of your school's cases. The decision and the reasons are on the case.",
    ),
    "case_review_due": CaseEmail(
        "Reviews due",
        "For headteachers and SENDCOs: an award's review date has come.",
        "A review is due on a case",
        "The review date has come for an award to your school from {body}. "
        "Record progress against each intended outcome.",
    ),
    "case_reconsideration_requested": CaseEmail(
        "Requests to reconsider a decision",
        "For decision officers: a school has asked for a decision to be looked at again.",
        "A school has asked for a decision to be reconsidered",
        "A school has asked {body} to reconsider a decision. A different officer from the one who made it decides.",
    ),
    "case_reconsideration_decided": CaseEmail(
        "Reconsidered decisions",
        "For headteachers and SENDCOs: a reconsidered decision has been made.",
        "A decision has been reconsidered",
        "{body} has reconsidered a decision on one of your school's cases. The outcome and reasons are on the case.",
    ),
    "pool_headroom_shortfall": CaseEmail(
        "Pool cannot fund a decision",
        "For finance officers and trustees: a decision could not be approved because the pool has too "
        "little headroom; it needs resolving at governance level.",
        "The pool cannot fund a decision",
        "A decision officer at {body} could not approve an award because the pool does not have enough "
        "headroom. The shortfall needs resolving at governance level.",
    ),
}


def register_kinds() -> None:
    """Called from ``AppConfig.ready``: the kinds people choose between on their email settings."""
    for order, (key, email) in enumerate(KINDS.items()):
        register_kind(key, email.label, email.description, default=email.default, order=30 + order)


DECISION_VERBS = frozenset({"approve", "partly_approve", "decline"})
VERB_KINDS = {
    "submit": "case_submitted",
    "request_information": "case_information_requested",
    "review_due": "case_review_due",
    "request_reconsideration": "case_reconsideration_requested",
    "headroom_shortfall": "pool_headroom_shortfall",
    **dict.fromkeys(DECISION_VERBS, "case_decided"),
}
SCHOOL_ROLES = (Role.HEAD, Role.SENDCO)


def after_case_event(event: CaseEvent) -> None:
    """Called by the case services for each timeline entry they write: the entries that
    people must hear about are announced once the transaction commits."""
    if event.verb not in VERB_KINDS:
        return
    tenant_id, event_id = event.responsible_body_id, event.pk
    transaction.on_commit(lambda: _announce(tenant_id, event_id), robust=True)


def _announce(tenant_id: int, event_id: int) -> None:
    case_event_notify(tenant=ResponsibleBody.objects.get(pk=tenant_id), event_id=event_id)


def _members(case: Case, roles: tuple[str, ...], *, school_only: bool) -> set[int]:
    qs = Membership.objects.filter(current_memberships_q(), role__in=roles)
    if school_only:
        qs = qs.filter(school_id=case.school_id)
    return set(qs.values_list("user_id", flat=True))


def _officers(case: Case, *, exclude_deciding_officer: bool) -> set[int]:
    """The body's decision officers, without those who hold a role at the case's school
    (they must stand aside) and, for a reconsideration, the officer who decided."""
    officers = _members(case, (Role.DECISION_OFFICER,), school_only=False)
    officers -= _members(case, SCHOOL_ROLES, school_only=True)
    if exclude_deciding_officer:
        last = Decision.objects.filter(case=case).order_by("-decided_at").values_list("officer_id", flat=True).first()
        officers.discard(last)
    return officers


def recipients(kind_key: str, case: Case) -> set[int]:
    """Who hears about ``kind_key`` on ``case`` (run inside the body's tenant context)."""
    if kind_key == "case_submitted":
        return _officers(case, exclude_deciding_officer=False)
    if kind_key == "case_reconsideration_requested":
        return _officers(case, exclude_deciding_officer=True)
    if kind_key == "pool_headroom_shortfall":
        return _members(case, (Role.FINANCE_OFFICER, Role.TRUSTEE), school_only=False)
    return _members(case, SCHOOL_ROLES, school_only=True)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def case_event_notify(*, tenant: ResponsibleBody, event_id: int) -> int:
    """Queue the emails for one timeline entry. Safe to repeat: each person gets one
    message per entry. Returns how many were queued."""
    with tenant_context(tenant):
        event = CaseEvent.objects.select_related("case").filter(pk=event_id).first()
        if event is None or event.verb not in VERB_KINDS:
            return 0
        case = event.case
        kind_key = VERB_KINDS[event.verb]
        if kind_key == "case_decided" and event.from_status == CaseStatus.RECONSIDERATION_REQUESTED:
            kind_key = "case_reconsideration_decided"
        people = recipients(kind_key, case)
        people -= set(User.objects.filter(email=event.actor_label).values_list("pk", flat=True))
    if kind_key == "pool_headroom_shortfall":
        link = _absolute(reverse("pooling:dashboard", kwargs={"body_slug": tenant.slug}))
    else:
        link = _absolute(reverse("cases:detail", kwargs={"body_slug": tenant.slug, "case_id": case.pk}))
    email = KINDS[kind_key]
    queued = notification_queue(
        tenant=tenant,
        kind_key=kind_key,
        user_ids=people,
        subject=email.subject,
        text=email.text.format(body=tenant.legal_name),
        link=link,
        dedupe_key=f"{kind_key}:case {case.pk}:event {event.pk}",
    )
    return len(queued)
