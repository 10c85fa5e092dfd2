"""Reads for peer advice. A school sees its own requests; an adviser sees only the requests
they hold a live guardian grant on; nobody else (a decision officer included) sees any."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import Membership, ResponsibleBody, Role, User
from accounts.policy import ROLE_ACTIONS, Action, current_memberships_q
from collaboration.models import ADVISE_CODENAME, AdviceMessage, AdviceRequest, AdviceStatus, ExpertiseProfile
from core.errors import NotFound
from core.tenancy import tenant_context
from groupings.selectors import grouping_members_on

SchoolScope = set[int] | None
# People who decide or move money are never advisers: advice must not reach a decision.
NEVER_ADVISERS = (Role.DECISION_OFFICER, Role.FINANCE_OFFICER)


def _with_messages(qs: QuerySet[AdviceRequest]) -> QuerySet[AdviceRequest]:
    return qs.select_related("school").prefetch_related(
        Prefetch("messages", queryset=AdviceMessage.objects.order_by("created_at", "id"))
    )


def advice_request_list_for_school(*, tenant: ResponsibleBody, school_ids: SchoolScope) -> QuerySet[AdviceRequest]:
    """The requests a school's head or SENDCO made (``school_ids`` None: none, since only
    school-scoped roles ask for advice)."""
    with tenant_context(tenant):
        qs = AdviceRequest.objects.for_tenant(tenant)
        qs = qs.none() if school_ids is None else qs.filter(school_id__in=school_ids)
        return qs.select_related("school").order_by("-created_at", "-id")


def advice_request_list_for_adviser(*, tenant: ResponsibleBody, user: User) -> QuerySet[AdviceRequest]:
    """The requests ``user`` may read now: a guardian grant on each, open and not expired."""
    with tenant_context(tenant):
        live = AdviceRequest.objects.for_tenant(tenant).filter(
            adviser=user, status=AdviceStatus.OPEN, expires_at__gt=timezone.now()
        )
        # Guardian's grant rows for this model live in its direct table (tenant-owned, RLS):
        # joined here in the same query rather than through guardian's content-type lookups.
        granted = live.filter(user_grants__user=user, user_grants__permission__codename=ADVISE_CODENAME)
        return granted.select_related("school").order_by("expires_at", "id")


def advice_request_get(*, tenant: ResponsibleBody, advice_request_id: int) -> AdviceRequest:
    """One request of the tenant with its messages; 404 for a missing or another body's
    row. Whether the reader may see it is the policy layer's answer, asked by the caller."""
    with tenant_context(tenant):
        request = _with_messages(AdviceRequest.objects.for_tenant(tenant)).filter(pk=advice_request_id).first()
    if request is None:
        raise NotFound("No such request for advice.")
    return request


def eligible_advisers(*, tenant: ResponsibleBody, school_id: int) -> list[tuple[int, str]]:
    """Who a school may ask: heads and SENDCOs of the grouping's other schools (those in
    the grouping today, not every school the body knows), and the body's specialist staff
    (body-wide members with an expertise profile); never someone who decides or moves
    money, nor anyone at the asking school."""
    with tenant_context(tenant):
        current = Membership.objects.for_tenant(tenant).filter(current_memberships_q())
        excluded = set(current.filter(role__in=NEVER_ADVISERS).values_list("user_id", flat=True)) | set(
            current.filter(school_id=school_id).values_list("user_id", flat=True)
        )
        in_grouping = {a.school_id for a in grouping_members_on(tenant=tenant)} - {school_id}
        peers = set(
            current.filter(role__in=[Role.HEAD, Role.SENDCO], school_id__in=in_grouping).values_list(
                "user_id", flat=True
            )
        )
        body_wide = set(
            current.filter(school__isnull=True, role__in=ROLE_ACTIONS[Action.COLLABORATE]).values_list(
                "user_id", flat=True
            )
        )
        specialists = set(
            ExpertiseProfile.objects.for_tenant(tenant).filter(user_id__in=body_wide).values_list("user_id", flat=True)
        )
        ids = (peers | specialists) - excluded
        people = User.objects.filter(pk__in=ids, is_active=True).order_by("full_name", "email")
        return [(u.pk, f"{u.full_name} ({u.email})" if u.full_name else u.email) for u in people]
