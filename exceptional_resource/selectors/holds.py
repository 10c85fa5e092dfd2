"""Reads for legal holds: the case a decision officer or the body's admin holds (any of the
body's cases; another body's is the same 404 as a missing one) and its holds."""

from __future__ import annotations

from accounts.models import ResponsibleBody
from core.errors import NotFound
from core.tenancy import tenant_context
from exceptional_resource.models import Case, LegalHold


def hold_case_get(*, tenant: ResponsibleBody, case_id: int) -> Case:
    with tenant_context(tenant):
        case = Case.objects.select_related("school").filter(pk=case_id).first()
    if case is None:
        raise NotFound("No such case.")
    return case


def hold_list(*, tenant: ResponsibleBody, case: Case) -> list[LegalHold]:
    with tenant_context(tenant):
        return list(LegalHold.objects.filter(case=case).order_by("-placed_at", "-id"))
