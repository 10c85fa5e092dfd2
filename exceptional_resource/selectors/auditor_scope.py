"""What of the cases and awards an external auditor may read (issue 16, point 5): a body
administrator grants an auditor read access to chosen pools only (a django-guardian grant
per pool, ``pooling.models.audit_grants``), so the case pages, the awards page and the case
and award API show an auditor no decision or award of a pool they hold no live grant on.

``ungranted_pools`` is ``None`` for everyone who reads cases in another role (a school's
staff, a decision officer): nothing is hidden from them here; their school scope applies as
before. For someone who reads cases only as an auditor it is the body's pools they hold no
live grant on: a case with a decision or an award in one of those is the same 404 as a
missing case, and such an award is left out of every list and total. A case not yet decided
belongs to no pool and stays readable, as before the grants."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Exists, Model, OuterRef, QuerySet

from accounts.models import ResponsibleBody, Role
from accounts.policy import ROLE_ACTIONS, Action, BodyAccess
from core.errors import NotFound
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, Decision
from pooling.models import Pool
from pooling.selectors.audit_grants import audit_pool_ids

HiddenPools = set[int] | None
M = TypeVar("M", bound=Model)
# Roles that read cases for their own work, not as an auditor of a period.
_CASE_ROLES = ROLE_ACTIONS[Action.VIEW_CASE] - {Role.AUDITOR}


def ungranted_pools(*, access: BodyAccess, tenant: ResponsibleBody) -> HiddenPools:
    """The body's pools ``access``'s reader may not see the money of (None: no limit)."""
    roles = access.roles
    if Role.AUDITOR not in roles or roles & _CASE_ROLES:
        return None
    with tenant_context(tenant):
        pools = set(Pool.objects.for_tenant(tenant).values_list("pk", flat=True))
        return pools - audit_pool_ids(tenant=tenant, user=access.user)


def cases_within(qs: QuerySet[M], hidden: HiddenPools, *, case_field: str = "pk") -> QuerySet[M]:
    """``qs`` (cases, or rows with a case) without those whose case has a decision or an
    award in a hidden pool. ``case_field`` names the case's id on the row (``pk`` for cases)."""
    if not hidden:
        return qs
    case = OuterRef(case_field)
    return qs.exclude(Exists(Decision.objects.filter(case_id=case, pool_id__in=hidden))).exclude(
        Exists(Award.objects.filter(case_id=case, pool_id__in=hidden))
    )


def awards_within(qs: QuerySet[Award], hidden: HiddenPools) -> QuerySet[Award]:
    return qs if not hidden else qs.exclude(pool_id__in=hidden)


def case_within_or_404(*, tenant: ResponsibleBody, case: Case, hidden: HiddenPools) -> Case:
    """``case`` itself, or the same 404 as a missing case when its money is in a hidden pool."""
    if hidden:
        with tenant_context(tenant):
            seen = cases_within(Case.objects.for_tenant(tenant).filter(pk=case.pk), hidden).exists()
        if not seen:
            raise NotFound("No such case.")
    return case
