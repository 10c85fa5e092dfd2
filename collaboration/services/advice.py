"""Writes for peer advice: ask, read (audited), advise, reply, revoke, and the expiry sweep.

The adviser's access is a django-guardian object permission on the request, granted when
it is made and removed when the school revokes it or its time ends; the policy layer
(``BodyAccess.can_on(Action.GIVE_ADVICE, request)``) also refuses an expired grant before
the sweep has run, so access ends on time. Nothing here reads money or a decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from collaboration import verbs
from collaboration.error_codes import CollaborationError as Code
from collaboration.models import ADVISE_CODENAME, AdviceMessage, AdviceRequest, AdviceStatus
from collaboration.notifications import (
    ADVICE_ENDED,
    ADVICE_GIVEN,
    ADVICE_REQUESTED,
    advice_notify_on_commit,
    forum_notify_on_commit,
)
from collaboration.selectors.advice import advice_request_get, eligible_advisers
from core.audit import audit_record, text_fingerprint
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.tenancy import platform_context, tenant_context
from groupings.case_summaries import CaseSummary, case_choices_for, case_evidence_attach, case_summary_for

# Advice fits on the case record (its comments take 2,000 characters) with the note that says where it came from.
MAX_TEXT = 1900
MIN_DAYS, MAX_DAYS = 1, 28


def _text(value: str, *, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ApplicationError("Enter some text.", code=Code.TEXT_REQUIRED, field=field)
    if len(text) > MAX_TEXT:
        raise ApplicationError(f"Keep it to {MAX_TEXT} characters or fewer.", code=Code.TEXT_TOO_LONG, field=field)
    return text


def _label(user: User) -> str:
    return user.email


def advice_request_create(
    *, actor: User, tenant: ResponsibleBody, case_id: int, adviser_id: int, question: str, days: int
) -> AdviceRequest:
    """A school's head or SENDCO asks one eligible colleague to advise on one of its cases
    for ``days`` days (1 to 28)."""
    with tenant_context(tenant), transaction.atomic():
        access = BodyAccess.load(actor, tenant)
        scope = access.school_ids(Action.SEEK_ADVICE)
        if not access.can(Action.SEEK_ADVICE) or scope is None:
            raise ApplicationError("Only a school's head or SENDCO can ask for advice.", code=Code.NOT_ALLOWED)
        summary = case_summary_for(tenant=tenant, case_id=case_id, school_ids=scope)
        if summary is None or case_id not in {
            c.case_id for c in case_choices_for(tenant=tenant, school_id=summary.school_id)
        }:
            raise ApplicationError(
                "Choose one of your school's open cases.", code=Code.CASE_NOT_ADVISABLE, field="case_id"
            )
        if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
            raise ApplicationError(
                f"Access must last from {MIN_DAYS} to {MAX_DAYS} days.", code=Code.ACCESS_PERIOD_INVALID, field="days"
            )
        if adviser_id not in {pk for pk, _ in eligible_advisers(tenant=tenant, school_id=summary.school_id)}:
            raise ApplicationError(
                "Choose a colleague at another school of the grouping or one of the body's specialist staff.",
                code=Code.ADVISER_NOT_ELIGIBLE,
                field="adviser_id",
            )
        adviser = User.objects.get(pk=adviser_id)
        now = timezone.now()
        request = AdviceRequest(
            responsible_body=tenant,
            case_id=case_id,
            school_id=summary.school_id,
            asked_by=actor,
            asked_by_label=_label(actor),
            adviser=adviser,
            adviser_label=_label(adviser),
            question=_text(question, field="question"),
            expires_at=now + timedelta(days=days),
            created_at=now,
        )
        request.full_clean()
        request.save(force_insert=True)
        assign_perm(ADVISE_CODENAME, adviser, request)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verbs.ADVICE_REQUESTED,
            obj=request,
            after={
                "case_id": case_id,
                "adviser_id": adviser.pk,
                "expires_at": request.expires_at,
                "question": text_fingerprint(request.question),
                "permission": ADVISE_CODENAME,
            },
        )
        advice_notify_on_commit(
            tenant=tenant,
            kind_key=ADVICE_REQUESTED,
            user_ids=[adviser.pk],
            advice_request_id=request.pk,
            occurrence="asked",
        )
        return request


@dataclass(frozen=True)
class AdviceView:
    request: AdviceRequest
    as_adviser: bool
    summary: CaseSummary | None


def advice_request_open(*, actor: User, tenant: ResponsibleBody, advice_request_id: int) -> AdviceView:
    """What ``actor`` may see of one request: the asking school sees its request and the
    messages; the adviser, while the grant is live, also sees the pseudonymous summary, and
    every such read is audited. Anyone else, or the adviser after access ends: 404."""
    with tenant_context(tenant), transaction.atomic():
        request = advice_request_get(tenant=tenant, advice_request_id=advice_request_id)
        access = BodyAccess.load(actor, tenant)
        if access.can(Action.SEEK_ADVICE, request):
            return AdviceView(request=request, as_adviser=False, summary=None)
        if request.adviser_id != actor.pk or not access.can_on(Action.GIVE_ADVICE, request):
            raise NotFound("No such request for advice.")
        summary = case_summary_for(tenant=tenant, case_id=request.case_id, school_ids={request.school_id})
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verbs.ADVICE_SUMMARY_VIEWED,
            obj=request,
            after={"case_id": request.case_id, "permission": ADVISE_CODENAME},
        )
        return AdviceView(request=request, as_adviser=True, summary=summary)


def _locked(tenant: ResponsibleBody, advice_request_id: int) -> AdviceRequest:
    request = AdviceRequest.objects.for_tenant(tenant).select_for_update().filter(pk=advice_request_id).first()
    if request is None:
        raise NotFound("No such request for advice.")
    return request


def advice_give(*, actor: User, tenant: ResponsibleBody, advice_request_id: int, text: str) -> AdviceMessage:
    """The adviser writes advice, while their access is live. Words only: no vote, no score."""
    with tenant_context(tenant), transaction.atomic():
        request = _locked(tenant, advice_request_id)
        access = BodyAccess.load(actor, tenant)
        if request.adviser_id != actor.pk or not access.can_on(Action.GIVE_ADVICE, request):
            raise NotFound("No such request for advice.")
        message = AdviceMessage(
            responsible_body=tenant,
            advice_request=request,
            kind=AdviceMessage.Kind.ADVICE,
            author=actor,
            author_label=_label(actor),
            text=_text(text, field="text"),
        )
        message.save(force_insert=True)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verbs.ADVICE_GIVEN,
            obj=request,
            after={"message_id": message.pk, "text": text_fingerprint(message.text)},
        )
        advice_notify_on_commit(
            tenant=tenant,
            kind_key=ADVICE_GIVEN,
            user_ids=[request.asked_by_id],
            advice_request_id=request.pk,
            occurrence=f"message {message.pk}",
        )
        return message


def advice_reply(*, actor: User, tenant: ResponsibleBody, advice_request_id: int, text: str) -> AdviceMessage:
    """The asking school replies to the advice (while the request is open)."""
    with tenant_context(tenant), transaction.atomic():
        request = _locked(tenant, advice_request_id)
        if not BodyAccess.load(actor, tenant).can(Action.SEEK_ADVICE, request):
            raise NotFound("No such request for advice.")
        if not request.is_live():
            raise ConflictError("This request for advice has ended.", code=Code.ADVICE_REQUEST_CLOSED)
        message = AdviceMessage(
            responsible_body=tenant,
            advice_request=request,
            kind=AdviceMessage.Kind.REPLY,
            author=actor,
            author_label=_label(actor),
            text=_text(text, field="text"),
        )
        message.save(force_insert=True)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verbs.ADVICE_REPLIED,
            obj=request,
            after={"message_id": message.pk, "text": text_fingerprint(message.text)},
        )
        advice_notify_on_commit(
            tenant=tenant,
            kind_key=ADVICE_GIVEN,
            user_ids=[request.adviser_id],
            advice_request_id=request.pk,
            occurrence=f"message {message.pk}",
        )
        return message


def advice_attach_as_evidence(*, actor: User, tenant: ResponsibleBody, advice_message_id: int) -> AdviceMessage:
    """The asking school chooses to put one piece of advice on its case's record, where the
    decision officer reads it (as the school's comment). Only then does advice reach a
    decision, and only in the school's name; a reply or a message attached already is refused."""
    with tenant_context(tenant), transaction.atomic():
        message = (
            AdviceMessage.objects.for_tenant(tenant)
            .select_for_update(of=("self",))
            .select_related("advice_request")
            .filter(pk=advice_message_id)
            .first()
        )
        if message is None or not BodyAccess.load(actor, tenant).can(Action.SEEK_ADVICE, message.advice_request):
            raise NotFound("No such advice.")
        if message.kind != AdviceMessage.Kind.ADVICE:
            raise ApplicationError("Only advice can be attached, not a reply.", code=Code.NOT_ADVICE)
        if message.attached_at is not None:
            raise ConflictError("This advice is already on the case's record.", code=Code.ALREADY_ATTACHED)
        case_evidence_attach(actor=actor, tenant=tenant, case_id=message.advice_request.case_id, text=message.text)
        message.attached_at = timezone.now()
        message.save(update_fields=["attached_at"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verbs.ADVICE_ATTACHED,
            obj=message.advice_request,
            after={"message_id": message.pk, "case_id": message.advice_request.case_id},
        )
        return message


def _end(request: AdviceRequest, *, status: str, actor: User | None, tenant: ResponsibleBody, verb: AuditVerb) -> None:
    before = {"status": request.status}
    request.status = status
    request.ended_at = timezone.now()
    request.ended_by_label = _label(actor) if actor is not None else "system"
    request.save(update_fields=["status", "ended_at", "ended_by_label"])
    remove_perm(ADVISE_CODENAME, request.adviser, request)
    audit_record(
        actor=actor,
        tenant=tenant,
        verb=verb,
        obj=request,
        before=before,
        after={"status": status, "adviser_id": request.adviser_id, "permission": ADVISE_CODENAME},
    )


def advice_request_revoke(*, actor: User, tenant: ResponsibleBody, advice_request_id: int) -> AdviceRequest:
    """The asking school ends the adviser's access now (the grant row is removed)."""
    with tenant_context(tenant), transaction.atomic():
        request = _locked(tenant, advice_request_id)
        if not BodyAccess.load(actor, tenant).can(Action.SEEK_ADVICE, request):
            raise NotFound("No such request for advice.")
        if request.status != AdviceStatus.OPEN:
            raise ConflictError("The adviser's access has already ended.", code=Code.ADVICE_REQUEST_CLOSED)
        _end(request, status=AdviceStatus.REVOKED, actor=actor, tenant=tenant, verb=verbs.ADVICE_ACCESS_REVOKED)
        # The link is the collaboration home page: the request itself is now a 404 for them.
        # The key names the request like every advice email (":advice <id>:"), so the email
        # goes into the pupil's subject-access export and is erased with the case.
        forum_notify_on_commit(
            tenant=tenant,
            kind_key=ADVICE_ENDED,
            user_ids=[request.adviser_id],
            url_name="home",
            url_kwargs={},
            occurrence=f"advice {request.pk}:revoked",
        )
        return request


def advice_requests_expire(*, tenant: ResponsibleBody, now: datetime | None = None) -> int:
    """Mark the body's open requests past their time as ended and remove their grants.
    Safe to repeat. Access already ends at ``expires_at`` in the policy layer; this tidies
    the grant table and records the end in the audit trail."""
    moment = now or timezone.now()
    with tenant_context(tenant), transaction.atomic():
        due = list(
            AdviceRequest.objects.for_tenant(tenant)
            .select_for_update(skip_locked=True)
            .select_related("adviser")
            .filter(status=AdviceStatus.OPEN, expires_at__lte=moment)
            .order_by("id")
        )
        for request in due:
            _end(request, status=AdviceStatus.EXPIRED, actor=None, tenant=tenant, verb=verbs.ADVICE_ACCESS_EXPIRED)
        return len(due)


def platform_advice_bodies_due(*, now: datetime | None = None) -> list[int]:
    """The bodies with open requests past their time (ids only, for the periodic task)."""
    with platform_context():
        return sorted(
            set(
                AdviceRequest.objects.filter(
                    status=AdviceStatus.OPEN, expires_at__lte=now or timezone.now()
                ).values_list("responsible_body_id", flat=True)
            )
        )
