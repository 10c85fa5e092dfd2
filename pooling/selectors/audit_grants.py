"""Reads for auditors' per-pool grants: which pools an auditor may read today, the body's
grants for its administrators, and the auditors a pool can be granted to."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.audit_scope import GrantedPeriod
from accounts.models import Membership, ResponsibleBody, Role, User
from accounts.policy import current_memberships_q
from core.errors import NotFound
from core.tenancy import tenant_context
from pooling.models import Pool, PoolAuditGrant
from pooling.models.audit_grants import AUDIT_POOL_CODENAME


def _live_grants(*, tenant: ResponsibleBody, user: User) -> QuerySet[PoolAuditGrant]:
    """``user``'s guardian grants that count today (a revoked grant is deleted; an
    expired one ends after its ``valid_until`` day). Call inside ``tenant``'s context."""
    return PoolAuditGrant.objects.for_tenant(tenant).filter(
        user=user, permission__codename=AUDIT_POOL_CODENAME, valid_until__gte=timezone.localdate()
    )


def audit_pool_ids(*, tenant: ResponsibleBody, user: User) -> set[int]:
    """The pools ``user`` holds a live guardian grant on today (none once it ends)."""
    with tenant_context(tenant):
        return set(_live_grants(tenant=tenant, user=user).values_list("content_object_id", flat=True))


def audit_pool_labels(*, tenant: ResponsibleBody, user: User) -> list[str]:
    """The funding periods (labels) of the pools ``user`` holds a live grant on today: one
    query, the grants joined to their pools."""
    with tenant_context(tenant):
        return list(_live_grants(tenant=tenant, user=user).values_list("content_object__label", flat=True))


def audit_periods(tenant: ResponsibleBody, user: User) -> list[GrantedPeriod]:
    """The funding periods of the pools ``user`` holds a live grant on today, in one query:
    what an auditor's audit log is limited to (``accounts.audit_scope``)."""
    with tenant_context(tenant):
        granted = _live_grants(tenant=tenant, user=user).values("content_object_id")
        rows = Pool.objects.for_tenant(tenant).filter(pk__in=granted).values_list("starts_on", "ends_on", "label")
        return [GrantedPeriod(starts_on=starts, ends_on=ends, label=label) for starts, ends, label in rows]


def audit_pool_list(*, tenant: ResponsibleBody, user: User) -> QuerySet[Pool]:
    with tenant_context(tenant):
        ids = audit_pool_ids(tenant=tenant, user=user)
        return Pool.objects.for_tenant(tenant).filter(pk__in=ids).order_by("-starts_on")


def pool_audit_grant_list(*, tenant: ResponsibleBody) -> QuerySet[PoolAuditGrant]:
    with tenant_context(tenant):
        return (
            PoolAuditGrant.objects.for_tenant(tenant)
            .select_related("user", "content_object")
            .order_by("-valid_until", "id")
        )


def pool_audit_grant_get(*, tenant: ResponsibleBody, poolauditgrant_id: int) -> PoolAuditGrant:
    with tenant_context(tenant):
        grant = pool_audit_grant_list(tenant=tenant).filter(pk=poolauditgrant_id).first()
    if grant is None:
        raise NotFound("No such grant.")
    return grant


def auditor_choices(*, tenant: ResponsibleBody) -> list[tuple[int, str]]:
    """The body's current auditors (their memberships end on a date)."""
    with tenant_context(tenant):
        rows = (
            Membership.objects.for_tenant(tenant)
            .filter(current_memberships_q(), role=Role.AUDITOR)
            .select_related("user")
            .order_by("user__email")
        )
        return [(m.user_id, f"{m.user.email} (auditor until {m.valid_to:%d %B %Y})") for m in rows]
