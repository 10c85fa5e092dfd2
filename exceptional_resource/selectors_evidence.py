"""Reads of a case's evidence. Every selector takes ``tenant=`` and the schools the reader
is limited to (``school_ids``: ``None`` for body-wide roles); a row outside either is the
same 404 as a missing one."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import ResponsibleBody
from core.errors import NotFound
from core.tenancy import tenant_context
from exceptional_resource.models import Case, CaseDocument


def evidence_case_get(*, tenant: ResponsibleBody, case_id: int, school_ids: set[int] | None) -> Case:
    with tenant_context(tenant):
        qs = Case.objects.for_tenant(tenant).filter(pk=case_id)
        if school_ids is not None:
            qs = qs.filter(school_id__in=school_ids)
        case = qs.first()
    if case is None:
        raise NotFound("No such case.")
    return case


def evidence_list(*, tenant: ResponsibleBody, case_id: int) -> QuerySet[CaseDocument]:
    """The case's documents, oldest first (one query)."""
    with tenant_context(tenant):
        return CaseDocument.objects.for_tenant(tenant).filter(case_id=case_id).order_by("uploaded_at", "id")


def evidence_get(*, tenant: ResponsibleBody, casedocument_id: int, school_ids: set[int] | None) -> CaseDocument:
    with tenant_context(tenant):
        qs = CaseDocument.objects.for_tenant(tenant).select_related("case").filter(pk=casedocument_id)
        if school_ids is not None:
            qs = qs.filter(case__school_id__in=school_ids)
        document = qs.first()
    if document is None:
        raise NotFound("No such document.")
    return document
