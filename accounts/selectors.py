"""Reads for accounts. Tenant-owned reads take ``tenant=`` and run in its context."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from accounts.audit_scope import AuditLogScope, events_within
from accounts.models import ApiToken, Membership, ResponsibleBody, User
from accounts.policy import current_memberships_q, token_actions_available
from core.errors import NotFound
from core.models import AuditEvent
from core.tenancy import user_context


def body_list_for_user(*, user: User) -> list[tuple[ResponsibleBody, list[Membership]]]:
    """The bodies where ``user`` holds a current membership, with those memberships."""
    with user_context(user.pk):
        memberships = list(
            Membership.objects.filter(current_memberships_q(), user=user)
            .select_related("responsible_body", "school")
            .order_by("responsible_body__legal_name", "role")
        )
    grouped: dict[int, tuple[ResponsibleBody, list[Membership]]] = {}
    for m in memberships:
        grouped.setdefault(m.responsible_body_id, (m.responsible_body, []))[1].append(m)
    return list(grouped.values())


def membership_list(*, tenant: ResponsibleBody, include_ended: bool = False) -> QuerySet[Membership]:
    qs = Membership.objects.for_tenant(tenant).select_related("user", "school").order_by("user__email", "role")
    if not include_ended:
        qs = qs.filter(current_memberships_q())
    return qs


def membership_get(*, tenant: ResponsibleBody, membership_id: int) -> Membership:
    membership = membership_list(tenant=tenant, include_ended=True).filter(pk=membership_id).first()
    if membership is None:
        raise NotFound("No such membership.")
    return membership


def audit_event_list(
    *,
    tenant: ResponsibleBody,
    verb: str = "",
    object_type: str = "",
    actor: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    scope: AuditLogScope | None,
) -> QuerySet[AuditEvent]:
    """The body's audit events, newest first, within ``scope`` (``audit_log_scope`` of the
    reader; None: every event) and the filters."""
    qs = events_within(AuditEvent.objects.filter(responsible_body=tenant).order_by("-id"), scope)
    filters: dict[str, Any] = {}
    if verb:
        filters["verb__startswith"] = verb
    if object_type:
        filters["object_type"] = object_type
    if actor:
        filters["actor_label__icontains"] = actor
    if date_from:
        filters["created_at__date__gte"] = date_from
    if date_to:
        filters["created_at__date__lte"] = date_to
    return qs.filter(**filters)


def body_by_slug(*, slug: str) -> ResponsibleBody:
    """A responsible body by its public slug (the public grouping page), or ``NotFound``."""
    body = ResponsibleBody.objects.filter(slug=slug).first()
    if body is None:
        raise NotFound("No such grouping.")
    return body


def api_token_get(*, user: User, token_id: int) -> ApiToken:
    """One of the person's own live tokens; anyone else's, or a revoked one, is not found."""
    token = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound("No such token.")
    return token


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The person's own API tokens, newest first (revoked and expired ones too, marked)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def token_actions_for_user(*, user: User) -> list[str]:
    """What ``user`` may put on an API token: what their current roles (in any body) allow."""
    with user_context(user.pk):
        roles = {m.role for m in Membership.objects.filter(current_memberships_q(), user=user)}
    return [str(a) for a in token_actions_available(roles)]
