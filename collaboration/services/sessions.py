"""Writes for sessions: schedule (with invitations), confirm or decline, notes, materials,
and the transitions held and cancelled. Each transition locks the row, checks the
transition table (``SESSION_TRANSITIONS``, ``INVITATION_TRANSITIONS``), writes and audits.

Sessions are organised without aligning funding to them: nothing here reads or writes
pool money, a case or a decision (import-linter holds it)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from collaboration import verbs
from collaboration.error_codes import CollaborationError as Code
from collaboration.models import (
    INVITATION_TRANSITIONS,
    SESSION_TRANSITIONS,
    ForumSession,
    InvitationResponse,
    SessionInvitation,
    SessionMaterial,
    SessionPurpose,
    SessionStatus,
)
from collaboration.notifications import SESSION_CANCELLED, SESSION_INVITED, forum_notify_on_commit
from collaboration.selectors.forum import forum_people, may_organise, session_get
from core.audit import audit_record, text_fingerprint
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.storage import storage_guard, stored_file_verified
from core.tenancy import tenant_context
from core.uploads import validate_upload
from groupings.selectors import policy_in_force

MATERIAL_TYPES = frozenset({"pdf", "docx", "xlsx", "png", "jpg", "jpeg"})
MAX_TITLE, MAX_PLACE, MAX_LONG_TEXT, MAX_INVITEES = 200, 300, 5000, 60


def text_field(value: Any, *, field: str, limit: int, required: bool, what: str) -> str:
    """Trimmed text, refused when it is required and empty, or too long."""
    text = (value if isinstance(value, str) else "").strip()
    if required and not text:
        raise ApplicationError(f"Enter {what}.", code=Code.TEXT_REQUIRED, field=field)
    if len(text) > limit:
        raise ApplicationError(f"Keep {what} to {limit} characters or fewer.", code=Code.TEXT_TOO_LONG, field=field)
    return text


def _not_found() -> NotFound:
    return NotFound("No such session.")


def _can_manage(access: BodyAccess, session: ForumSession) -> bool:
    return session.organiser_id == access.user.pk or access.can(Action.OVERSEE_FORUM)


def session_schedule(
    *,
    actor: User,
    tenant: ResponsibleBody,
    purpose: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    agenda: str = "",
    invitee_ids: list[int],
) -> ForumSession:
    """Schedule a session for the grouping and invite people of the grouping to it."""
    if purpose not in SessionPurpose.values:
        raise ApplicationError("Choose what the session is for.", code=Code.PURPOSE_UNKNOWN, field="purpose")
    values = {
        "title": text_field(title, field="title", limit=MAX_TITLE, required=True, what="a title"),
        "place": text_field(place, field="place", limit=MAX_PLACE, required=True, what="the place or link"),
        "agenda": text_field(agenda, field="agenda", limit=MAX_LONG_TEXT, required=False, what="the agenda"),
    }
    if starts_at < timezone.now():
        raise ApplicationError("The session must start in the future.", code=Code.DATE_IN_PAST, field="starts_at")
    if ends_at <= starts_at:
        raise ApplicationError("The session must end after it starts.", code=Code.DATES_BACKWARDS, field="ends_at")
    wanted = sorted({int(i) for i in invitee_ids} - {actor.pk})
    if not wanted:
        raise ApplicationError("Invite at least one person.", code=Code.INVITEES_REQUIRED, field="invitee_ids")
    if len(wanted) > MAX_INVITEES:
        raise ApplicationError(
            f"Invite {MAX_INVITEES} people or fewer.", code=Code.TOO_MANY_INVITEES, field="invitee_ids"
        )
    with tenant_context(tenant), transaction.atomic():
        access = BodyAccess.load(actor, tenant)
        if not may_organise(access=access, tenant=tenant):
            raise ApplicationError(
                "Only the body's staff, or a SENDCO when the grouping policy allows it, organise sessions.",
                code=Code.NOT_ALLOWED,
            )
        people = dict(forum_people(tenant=tenant))
        if any(i not in people for i in wanted):
            raise ApplicationError(
                "Invite only people in the grouping.", code=Code.INVITEE_NOT_IN_GROUPING, field="invitee_ids"
            )
        policy = policy_in_force(tenant=tenant)
        session = ForumSession(
            responsible_body=tenant,
            purpose=purpose,
            starts_at=starts_at,
            ends_at=ends_at,
            organiser=actor,
            organiser_label=actor.email,
            policy_version=policy.version if policy else 0,
            **values,
        )
        session.full_clean()
        session.save(force_insert=True)
        invitees = {u.pk: u.email for u in User.objects.filter(pk__in=wanted)}
        SessionInvitation.objects.bulk_create(
            [
                SessionInvitation(responsible_body=tenant, session=session, invitee_id=i, invitee_label=invitees[i])
                for i in wanted
            ]
        )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verbs.SESSION_SCHEDULED,
            obj=session,
            after={
                "purpose": purpose,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "invitee_ids": wanted,
                "policy_version": session.policy_version,
                "title": text_fingerprint(session.title),
            },
        )
        forum_notify_on_commit(
            tenant=tenant,
            kind_key=SESSION_INVITED,
            user_ids=wanted,
            url_name="session",
            url_kwargs={"forumsession_id": session.pk},
            occurrence=f"session {session.pk}",
        )
        return session


def _respond(*, actor: User, tenant: ResponsibleBody, session_id: int, to: str, verb: AuditVerb) -> SessionInvitation:
    with tenant_context(tenant), transaction.atomic():
        invitation = (
            lock_rows(SessionInvitation.objects.for_tenant(tenant))
            .select_related("session")
            .filter(session_id=session_id, invitee=actor)
            .first()
        )
        if invitation is None:
            raise _not_found()
        if invitation.session.status != SessionStatus.SCHEDULED:
            raise ConflictError(
                "This session is no longer scheduled.", code=Code.SESSION_NOT_SCHEDULED, field="response"
            )
        if to not in INVITATION_TRANSITIONS[invitation.response]:
            raise ConflictError(
                f"You have already said: {invitation.get_response_display().lower()}.",
                code=Code.TRANSITION_NOT_ALLOWED,
                field="response",
            )
        before = {"response": invitation.response}
        invitation.response = to
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["response", "responded_at"])
        audit_record(
            actor=actor, tenant=tenant, verb=verb, obj=invitation.session, before=before, after={"response": to}
        )
        return invitation


def session_invitation_accept(*, actor: User, tenant: ResponsibleBody, session_id: int) -> SessionInvitation:
    """The invitee confirms they will come."""
    return _respond(
        actor=actor,
        tenant=tenant,
        session_id=session_id,
        to=InvitationResponse.ACCEPTED,
        verb=verbs.SESSION_INVITATION_ACCEPTED,
    )


def session_invitation_decline(*, actor: User, tenant: ResponsibleBody, session_id: int) -> SessionInvitation:
    """The invitee says they cannot come."""
    return _respond(
        actor=actor,
        tenant=tenant,
        session_id=session_id,
        to=InvitationResponse.DECLINED,
        verb=verbs.SESSION_INVITATION_DECLINED,
    )


def locked_session(tenant: ResponsibleBody, access: BodyAccess, session_id: int) -> ForumSession:
    """The session, locked, for its organiser or the body's staff; invitees and anyone else
    who may not change it get 404 (invitees see it, but the change is not theirs)."""
    session = lock_rows(ForumSession.objects.for_tenant(tenant)).filter(pk=session_id).first()
    if session is None or not _can_manage(access, session):
        raise _not_found()
    return session


def session_notes_save(*, actor: User, tenant: ResponsibleBody, session_id: int, notes: str) -> ForumSession:
    """The organiser writes the session's notes (before or after it is held)."""
    with tenant_context(tenant), transaction.atomic():
        session = locked_session(tenant, BodyAccess.load(actor, tenant), session_id)
        text = text_field(notes, field="notes", limit=MAX_LONG_TEXT, required=True, what="the notes")
        if session.status == SessionStatus.CANCELLED:
            raise ConflictError("This session was cancelled.", code=Code.SESSION_NOT_SCHEDULED, field="notes")
        before = {"notes": text_fingerprint(session.notes)}
        session.notes = text
        session.save(update_fields=["notes"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=verbs.SESSION_NOTES_SAVED,
            obj=session,
            before=before,
            after={"notes": text_fingerprint(text)},
        )
        return session


def _move(*, actor: User, tenant: ResponsibleBody, session_id: int, to: str, verb: AuditVerb) -> ForumSession:
    with tenant_context(tenant), transaction.atomic():
        session = locked_session(tenant, BodyAccess.load(actor, tenant), session_id)
        if to not in SESSION_TRANSITIONS[session.status]:
            raise ConflictError(
                f"A session that is {session.get_status_display().lower()} cannot be marked "
                f"{SessionStatus(to).label.lower()}.",
                code=Code.TRANSITION_NOT_ALLOWED,
            )
        before = {"status": session.status}
        session.status = to
        session.status_changed_at = timezone.now()
        session.status_changed_by_label = actor.email
        session.save(update_fields=["status", "status_changed_at", "status_changed_by_label"])
        audit_record(actor=actor, tenant=tenant, verb=verb, obj=session, before=before, after={"status": to})
        return session


def session_mark_held(*, actor: User, tenant: ResponsibleBody, session_id: int) -> ForumSession:
    """The organiser records that the session took place."""
    return _move(actor=actor, tenant=tenant, session_id=session_id, to=SessionStatus.HELD, verb=verbs.SESSION_HELD)


def session_cancel(*, actor: User, tenant: ResponsibleBody, session_id: int) -> ForumSession:
    """The organiser cancels a session that has not been held; the invitees who had not
    declined are told (through their preferences)."""
    with tenant_context(tenant), transaction.atomic():
        session = _move(
            actor=actor, tenant=tenant, session_id=session_id, to=SessionStatus.CANCELLED, verb=verbs.SESSION_CANCELLED
        )
        told = (
            SessionInvitation.objects.for_tenant(tenant)
            .filter(session=session)
            .exclude(response=InvitationResponse.DECLINED)
            .values_list("invitee_id", flat=True)
        )
        forum_notify_on_commit(
            tenant=tenant,
            kind_key=SESSION_CANCELLED,
            user_ids=list(told),
            url_name="session",
            url_kwargs={"forumsession_id": session.pk},
            occurrence=f"session {session.pk} cancelled",
        )
        return session


def session_material_add(*, actor: User, tenant: ResponsibleBody, session_id: int, upload: File) -> SessionMaterial:
    """Share a file with the session's invitees: checked (type by extension and content,
    size, virus scan) before anything is stored, kept under a random name."""
    with tenant_context(tenant):
        locked_session(tenant, BodyAccess.load(actor, tenant), session_id)  # 404 before any complaint about the file
    checked = validate_upload(upload, allowed=MATERIAL_TYPES, field="file")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with tenant_context(tenant), transaction.atomic():
        session = locked_session(tenant, BodyAccess.load(actor, tenant), session_id)
        if session.status == SessionStatus.CANCELLED:
            raise ConflictError("This session was cancelled.", code=Code.SESSION_NOT_SCHEDULED, field="file")
        material = SessionMaterial(
            responsible_body=tenant,
            session=session,
            original_name=checked.name,
            content_type=checked.content_type,
            size_bytes=checked.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
            uploaded_by_label=actor.email,
        )
        with storage_guard("saved", field="file"):
            material.file.save(f"upload.{checked.extension}", upload, save=False)
        stored = str(material.file.name)
        try:
            material.save(force_insert=True)
            audit_record(
                actor=actor,
                tenant=tenant,
                verb=verbs.SESSION_MATERIAL_ADDED,
                obj=session,
                after={"material_id": material.pk, "content_type": checked.content_type, "size_bytes": checked.size},
            )
        except BaseException:
            material.file.storage.delete(stored)
            raise
    return material


def session_material_open(
    *, actor: User, tenant: ResponsibleBody, session_material_id: int
) -> tuple[SessionMaterial, File]:
    """Open a shared file for someone who may see its session, after checking it still has
    its recorded SHA-256; the read is audited. The caller streams and closes the file."""
    with tenant_context(tenant), transaction.atomic():
        material = SessionMaterial.objects.for_tenant(tenant).filter(pk=session_material_id).first()
        if material is None:
            raise NotFound("No such file.")
        session_get(tenant=tenant, access=BodyAccess.load(actor, tenant), session_id=material.session_id)
        handle = stored_file_verified(
            material.file.storage, str(material.file.name), sha256=material.sha256, what="file"
        )
        try:
            audit_record(
                actor=actor,
                tenant=tenant,
                verb=verbs.SESSION_MATERIAL_DOWNLOADED,
                obj=material,
                label=f"Material {material.pk} of session {material.session_id}",
                after={"session_id": material.session_id},
            )
        except BaseException:
            handle.close()
            raise
    return material, handle
