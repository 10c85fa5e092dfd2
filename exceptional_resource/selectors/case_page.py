"""The case page's read of its case (issue 22): ``case_get``'s case and rows, less what the
page does not show. Its school, pupil and policy are read for the columns the page shows
of them (a school has thirty), and its decisions and awards only when it has some: a case
not yet decided has neither, and Django built and compiled a query of each with three
related tables to find none (over a third of the page's Python)."""

from __future__ import annotations

from django.db.models import BooleanField, prefetch_related_objects

from accounts.models import ResponsibleBody
from core.errors import NotFound
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, Decision
from exceptional_resource.selectors.cases import SchoolScope, case_relations, case_rows
from exceptional_resource.selectors.of_the_case import OfTheCase

# The case's own columns, and of its pupil, school and policy what the page shows: the
# pupil's label, year, SEN status and needs (and, for naming them, their school and typed
# name), the school's name, the policy's areas of need and decision target. A column read
# anywhere else would cost a query, which the page's exact query budget would catch.
PAGE_COLUMNS = (
    *(field.name for field in Case._meta.concrete_fields),
    "pupil__reference", "pupil__school_id", "pupil__name_encrypted", "pupil__year_group", "pupil__sen_status",
    "pupil__primary_need", "pupil__secondary_need",
    "school__name",
    "policy__areas_of_need", "policy__decision_target_working_days",
)  # fmt: skip


def _has(model: type[Decision] | type[Award]) -> OfTheCase:
    return OfTheCase(
        f"SELECT EXISTS (SELECT 1 FROM {model._meta.db_table} x WHERE x.case_id = {{case}}.id)", (), BooleanField()
    )


def case_page_get(*, tenant: ResponsibleBody, case_id: int, school_ids: SchoolScope) -> Case:
    """One case for its page, with the rows ``case_get`` reads (``case_decisions`` and
    ``case_awards`` answer for the decisions and awards, read only when it has some)."""
    with tenant_context(tenant):
        case = (
            case_rows(tenant=tenant, school_ids=school_ids)
            .select_related("pupil", "school", "policy")
            .only(*PAGE_COLUMNS)
            .annotate(has_decisions=_has(Decision), has_awards=_has(Award))
            .filter(pk=case_id)
            .first()
        )
        if case is None:
            raise NotFound("No such case.")
        prefetch_related_objects([case], *case_relations(decisions=case.has_decisions, awards=case.has_awards))
    return case
