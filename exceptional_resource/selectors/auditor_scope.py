"""What of the cases and awards a reader may see (issue 16, point 5): a body administrator
grants an external auditor read access to chosen pools only (a django-guardian grant per
pool, ``pooling.models.audit_grants``).

A reader's reach is the union of the routes their memberships give (``accounts.policy``'s
``ReadScope``): a role held over the whole body in its own right (a decision officer) sees
every case; a school role (head, SENDCO) its own schools' cases; the auditor role only the
cases and awards of the pools they hold a live grant on. So a head who also audits one
period reads their own school's cases, and another school's only through a grant.

Through a grant: a case is readable when any of its decisions or awards is in a granted
pool, and an award when it is itself in a granted pool, so an award readable this way
always has a readable case; that case's awards and decisions of other pools, and the
entries of its timeline about them (``CaseEvent.pool``), are left out of what the auditor
sees. A case not yet decided belongs to no pool and stays readable, as before the
grants. Anything out of reach is the same 404 as a missing row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import ResponsibleBody
from accounts.policy import Action, BodyAccess
from core.errors import NotFound
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, CaseEvent, Decision, Pupil
from pooling.selectors.audit_grants import audit_pool_ids

_PoolRow = TypeVar("_PoolRow", Decision, CaseEvent)


@dataclass(frozen=True)
class CaseScope:
    """``schools``: None for a body-wide reader, else the schools their school roles cover.
    ``granted_pools``: the pools an auditor reads through live grants (None: not an auditor)."""

    schools: frozenset[int] | None
    granted_pools: frozenset[int] | None = None

    @property
    def body_wide(self) -> bool:
        return self.schools is None

    def cases(self, qs: QuerySet[Case]) -> QuerySet[Case]:
        """``qs`` (cases) limited to those within reach."""
        if self.schools is None:
            return qs
        reach = Q(school_id__in=self.schools)
        if self.granted_pools is not None:
            reach |= self._through_grants(self.granted_pools)
        return qs.filter(reach)

    def pupils(self, qs: QuerySet[Pupil]) -> QuerySet[Pupil]:
        """``qs`` (pupils) limited to those within reach: their school's, for a school role;
        through grants, the pupils with a case within reach (an auditor reads a pupil only
        for a case they may read, never the body's register of pupils)."""
        if self.schools is None:
            return qs
        reach = Q(school_id__in=self.schools)
        if self.granted_pools is not None:
            cases = Case.objects.filter(pupil_id=OuterRef("pk")).filter(self._through_grants(self.granted_pools))
            reach |= Q(Exists(cases))
        return qs.filter(reach)

    @staticmethod
    def _through_grants(granted: frozenset[int]) -> Q:
        """The cases (``OuterRef("pk")``) an auditor of ``granted`` reads: one of their
        decisions or awards is in a granted pool, or they have none yet."""
        case = OuterRef("pk")
        decided = Decision.objects.filter(case_id=case, pool__isnull=False)
        awarded = Award.objects.filter(case_id=case)
        return Q(
            Exists(decided.filter(pool_id__in=granted))
            | Exists(awarded.filter(pool_id__in=granted))
            | (~Exists(decided) & ~Exists(awarded))
        )

    def awards(self, qs: QuerySet[Award]) -> QuerySet[Award]:
        """``qs`` (awards) limited to those within reach: their school's, or a granted pool's."""
        if self.schools is None:
            return qs
        reach = Q(school_id__in=self.schools)
        if self.granted_pools is not None:
            reach |= Q(pool_id__in=self.granted_pools)
        return qs.filter(reach)

    def decision_items(self, case: Case, decisions: Iterable[Decision]) -> list[Decision]:
        """A readable case's decisions the reader sees: all of them through a school or
        body-wide role; through grants only, those of granted pools (and those of none)."""
        return self._of_granted_pools(case, decisions)

    def event_items(self, case: Case, events: Iterable[CaseEvent]) -> list[CaseEvent]:
        """The same rule on a readable case's timeline: through grants only, the entries
        about the case itself and those about a granted pool's award or decision."""
        return self._of_granted_pools(case, events)

    def _of_granted_pools(self, case: Case, rows: Iterable[_PoolRow]) -> list[_PoolRow]:
        if self.schools is None or case.school_id in self.schools or self.granted_pools is None:
            return list(rows)
        granted = self.granted_pools
        return [row for row in rows if row.pool_id is None or row.pool_id in granted]

    def award_items(self, awards: Iterable[Award]) -> list[Award]:
        """The same rule on awards already loaded (a case's prefetched awards): no query."""
        return [a for a in awards if self.schools is None or self._reaches(a)]

    def _reaches(self, award: Award) -> bool:
        assert self.schools is not None
        granted = self.granted_pools is not None and award.pool_id in self.granted_pools
        return award.school_id in self.schools or granted


def case_scope(*, access: BodyAccess, tenant: ResponsibleBody) -> CaseScope:
    """``access``'s reader's reach over the body's cases and awards (``VIEW_CASE``)."""
    routes = access.read_scope(Action.VIEW_CASE)
    if routes.body_wide:
        return CaseScope(schools=None)
    granted = frozenset(audit_pool_ids(tenant=tenant, user=access.user)) if routes.through_grants else None
    return CaseScope(schools=routes.schools, granted_pools=granted)


def case_within_or_404(*, tenant: ResponsibleBody, case: Case, scope: CaseScope) -> Case:
    """``case`` (a row of ``tenant``) itself, or the same 404 as a missing case when it is
    out of ``scope``. ``scope.cases``'s rule is read off the loaded row where it can be, with
    no query: a body-wide reader, or a case of one of the reader's schools (a head's or
    SENDCO's case page), is within reach, and outside those schools a reader without grants
    is not; only a reach through grants (an auditor's) asks which pools the case is in."""
    if case.responsible_body_id != tenant.pk:
        raise NotFound("No such case.")
    if scope.schools is None or case.school_id in scope.schools:
        return case
    if scope.granted_pools is None:
        raise NotFound("No such case.")
    with tenant_context(tenant):
        seen = scope.cases(Case.objects.for_tenant(tenant).filter(pk=case.pk)).exists()
    if not seen:
        raise NotFound("No such case.")
    return case


def pupil_within_or_404(*, tenant: ResponsibleBody, pupil: Pupil, scope: CaseScope) -> Pupil:
    """``pupil`` (a row of ``tenant``) itself, or the same 404 as a missing pupil when it is
    out of ``scope``. As ``case_within_or_404``, ``scope.pupils``'s rule is read off the
    loaded row where it can be, with no query: a body-wide reader, or a pupil of one of the
    reader's schools (a head's or SENDCO's), is within reach, and outside those schools a
    reader without grants is not; only a reach through grants asks which cases reach it."""
    if pupil.responsible_body_id != tenant.pk:
        raise NotFound("No such pupil.")
    if scope.schools is None or pupil.school_id in scope.schools:
        return pupil
    if scope.granted_pools is None:
        raise NotFound("No such pupil.")
    with tenant_context(tenant):
        seen = scope.pupils(Pupil.objects.for_tenant(tenant).filter(pk=pupil.pk)).exists()
    if not seen:
        raise NotFound("No such pupil.")
    return pupil
