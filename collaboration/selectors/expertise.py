"""Reads for the expertise directory."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import ResponsibleBody, User
from collaboration.models import ExpertiseProfile
from collaboration.selectors.forum import forum_member_ids
from core.tenancy import tenant_context


def expertise_list(*, tenant: ResponsibleBody, area: str = "") -> QuerySet[ExpertiseProfile]:
    """The directory of the grouping's people, by name: the entries of those who take part
    in the forum today (a person who left, or whose school is not in the grouping, drops
    out); ``area`` (a need code) keeps those who list it."""
    with tenant_context(tenant):
        qs = ExpertiseProfile.objects.for_tenant(tenant).filter(user_id__in=forum_member_ids(tenant=tenant))
        if area:
            qs = qs.filter(areas_of_need__contains=[area])
        return qs.order_by("display_name", "id")


def expertise_own(*, tenant: ResponsibleBody, user: User) -> ExpertiseProfile | None:
    with tenant_context(tenant):
        return ExpertiseProfile.objects.for_tenant(tenant).filter(user=user).first()
