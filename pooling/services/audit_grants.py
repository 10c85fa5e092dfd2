"""Writes for auditors' per-pool grants (django-guardian object permissions on pools):
grant, revoke, and the audit record of every read made through a grant."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import get_perms_for_model

from accounts.models import Membership, ResponsibleBody, Role, User
from accounts.policy import Action, BodyAccess, current_memberships_q
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.tenancy import tenant_context
from pooling.error_codes import PoolingError
from pooling.models import Pool, PoolAuditGrant
from pooling.models.audit_grants import AUDIT_POOL_CODENAME

VERB_GRANTED = AuditVerb.POOL_AUDIT_GRANTED
VERB_REVOKED = AuditVerb.POOL_AUDIT_REVOKED
VERB_READ = AuditVerb.POOL_AUDIT_READ


def pool_audit_grant(
    *, actor: User, tenant: ResponsibleBody, pool_id: int, auditor_id: int, valid_until: date
) -> PoolAuditGrant:
    """A body administrator lets one of the body's auditors read one pool until a date
    (today at the earliest, and no later than the auditor's membership ends)."""
    with tenant_context(tenant), transaction.atomic():
        if not BodyAccess.load(actor, tenant).can(Action.MANAGE_MEMBERS):
            raise ApplicationError(
                "Only a body administrator can grant an auditor access.", code=PoolingError.NOT_ALLOWED
            )
        pool = Pool.objects.for_tenant(tenant).filter(pk=pool_id).first()
        if pool is None:
            raise ApplicationError("Choose one of the body's pools.", code=PoolingError.UNKNOWN_POOL, field="pool_id")
        membership = (
            Membership.objects.for_tenant(tenant)
            .filter(current_memberships_q(), role=Role.AUDITOR, user_id=auditor_id)
            .select_related("user")
            .order_by("-valid_to")
            .first()
        )
        if membership is None:
            raise ApplicationError(
                "Choose one of the body's current auditors.",
                code=PoolingError.NOT_AN_AUDITOR,
                field="auditor_id",
            )
        today = timezone.localdate()
        if (
            not isinstance(valid_until, date)
            or valid_until < today
            or (membership.valid_to is not None and valid_until > membership.valid_to)
        ):
            raise ApplicationError(
                "The access must end between today and the end of the auditor's membership "
                f"({membership.valid_to:%d %B %Y}).",
                code=PoolingError.INVALID_END_DATE,
                field="valid_until",
            )
        if PoolAuditGrant.objects.for_tenant(tenant).filter(content_object=pool, user_id=auditor_id).exists():
            raise ConflictError(
                "That auditor already has access to this pool: revoke it first to change the date.",
                code=PoolingError.ALREADY_GRANTED,
                field="pool_id",
            )
        permission = get_perms_for_model(Pool).get(codename=AUDIT_POOL_CODENAME)
        grant = PoolAuditGrant(
            responsible_body=tenant,
            content_object=pool,
            user=membership.user,
            permission=permission,
            valid_until=valid_until,
            granted_by_label=actor.email,
        )
        grant.save(force_insert=True)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=VERB_GRANTED,
            obj=pool,
            after={"auditor_id": auditor_id, "valid_until": valid_until, "permission": AUDIT_POOL_CODENAME},
        )
        return grant


def pool_audit_revoke(*, actor: User, tenant: ResponsibleBody, poolauditgrant_id: int) -> None:
    """End an auditor's access to a pool now: the guardian row is deleted."""
    with tenant_context(tenant), transaction.atomic():
        if not BodyAccess.load(actor, tenant).can(Action.MANAGE_MEMBERS):
            raise ApplicationError(
                "Only a body administrator can revoke an auditor's access.", code=PoolingError.NOT_ALLOWED
            )
        grant = (
            PoolAuditGrant.objects.for_tenant(tenant)
            .select_for_update()
            .select_related("content_object")
            .filter(pk=poolauditgrant_id)
            .first()
        )
        if grant is None:
            raise NotFound("No such grant.")
        pool, before = grant.content_object, {"auditor_id": grant.user_id, "valid_until": grant.valid_until}
        grant.delete()
        audit_record(actor=actor, tenant=tenant, verb=VERB_REVOKED, obj=pool, before=before)


def pool_audit_read(
    *, actor: User, tenant: ResponsibleBody, pool_id: int, via: str, access: BodyAccess | None = None
) -> Pool:
    """The pool ``actor`` reads through a live guardian grant (404 otherwise), recording
    the read in the audit trail in the same transaction. ``access``: ``actor``'s access to
    ``tenant`` as the caller has just loaded it (a page's), instead of loading it again: its
    user, its body and every one of its memberships must be ``actor``'s in ``tenant``. An
    access that is not (another user's, another body's, or holding another's memberships) is
    a programming error, not a refusal: ValueError, a 500, never a 404."""
    if access is not None and not _access_is_of(access, actor, tenant):
        raise ValueError("The access given is not the actor's in this body.")
    with tenant_context(tenant), transaction.atomic():
        pool = Pool.objects.for_tenant(tenant).filter(pk=pool_id).first()
        if pool is None or not (access or BodyAccess.load(actor, tenant)).can_on(Action.AUDIT_POOL, pool):
            raise NotFound("No such pool.")
        audit_record(actor=actor, tenant=tenant, verb=VERB_READ, obj=pool, after={"via": via})
        return pool


def _access_is_of(access: BodyAccess, actor: User, tenant: ResponsibleBody) -> bool:
    """Whether ``access`` is ``actor``'s in ``tenant``: its user and body, and each membership."""
    return (
        access.user.pk == actor.pk
        and access.body.pk == tenant.pk
        and all(m.user_id == actor.pk and m.responsible_body_id == tenant.pk for m in access.memberships)
    )
