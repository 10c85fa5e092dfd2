"""Reads for the expertise directory."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import ResponsibleBody, User
from collaboration.models import ExpertiseProfile
from core.tenancy import tenant_context


def expertise_list(*, tenant: ResponsibleBody, area: str = "") -> QuerySet[ExpertiseProfile]:
    """The body's directory, by name; ``area`` (a need code) keeps those who list it."""
    with tenant_context(tenant):
        qs = ExpertiseProfile.objects.for_tenant(tenant)
        if area:
            qs = qs.filter(areas_of_need__contains=[area])
        return qs.order_by("display_name", "id")


def expertise_own(*, tenant: ResponsibleBody, user: User) -> ExpertiseProfile | None:
    with tenant_context(tenant):
        return ExpertiseProfile.objects.for_tenant(tenant).filter(user=user).first()
