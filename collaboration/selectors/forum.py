"""Reads for the grouping's forum: who may take part, the sessions and actions a person
sees, and peer reviews with their progress. Who sees a session: its organiser, its
invitees and the body's staff. Who sees a peer review: the body's staff, its two
reviewers and the reviewed school's head and SENDCO. Anyone else gets the same 404 as for
another body's row."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Membership, ResponsibleBody, Role, User
from accounts.policy import ROLE_ACTIONS, Action, BodyAccess, current_memberships_q
from collaboration.models import (
    ActionStatus,
    AgreedAction,
    ForumSession,
    InvitationResponse,
    PeerReview,
    PeerReviewFinding,
    PeerReviewStatus,
    SessionInvitation,
    SessionStatus,
)
from core.errors import NotFound
from core.tenancy import tenant_context
from groupings.selectors import grouping_members_on, policy_in_force


def _person_label(user: User) -> str:
    return f"{user.full_name} ({user.email})" if user.full_name else user.email


def forum_member_ids(*, tenant: ResponsibleBody) -> QuerySet[Membership, int]:
    """The ids of the forum's people (see ``forum_people``), as a subquery to filter by."""
    with tenant_context(tenant):
        in_grouping = [a.school_id for a in grouping_members_on(tenant=tenant)]
        return (
            Membership.objects.for_tenant(tenant)
            .filter(current_memberships_q(), role__in=ROLE_ACTIONS[Action.COLLABORATE])
            .filter(Q(school__isnull=True) | Q(school_id__in=in_grouping))
            .values_list("user_id", flat=True)
        )


def forum_people(*, tenant: ResponsibleBody) -> list[tuple[int, str]]:
    """The people of the grouping who take part in its forum: current heads and SENDCOs of
    the schools in the grouping today, and the body's staff (the roles that collaborate),
    by name. A school the body knows that never joined, or has left, is not in the forum."""
    with tenant_context(tenant):
        ids = forum_member_ids(tenant=tenant)
        people = User.objects.filter(pk__in=set(ids), is_active=True).order_by("full_name", "email")
        return [(u.pk, _person_label(u)) for u in people]


def may_organise(*, access: BodyAccess, tenant: ResponsibleBody) -> bool:
    """The body's staff organise sessions; a SENDCO does only when the grouping policy in
    force lets them."""
    if access.can(Action.OVERSEE_FORUM):
        return True
    if not access.can(Action.ORGANISE_SESSION):
        return False
    with tenant_context(tenant):
        policy = policy_in_force(tenant=tenant)
    return policy is not None and policy.sendco_may_organise_sessions


def _visible_sessions(tenant: ResponsibleBody, access: BodyAccess) -> QuerySet[ForumSession]:
    qs = ForumSession.objects.for_tenant(tenant)
    if access.can(Action.OVERSEE_FORUM):
        return qs
    invited = SessionInvitation.objects.filter(session=OuterRef("pk"), invitee=access.user)
    return qs.filter(Q(organiser=access.user) | Exists(invited))


def session_list(*, tenant: ResponsibleBody, access: BodyAccess) -> QuerySet[ForumSession]:
    """The sessions ``access``'s person may see, soonest first, with their invitation counts."""
    with tenant_context(tenant):
        return (
            _visible_sessions(tenant, access)
            .annotate(
                invited_count=Count("invitations", distinct=True),
                accepted_count=Count(
                    "invitations", filter=Q(invitations__response=InvitationResponse.ACCEPTED), distinct=True
                ),
            )
            .order_by("-starts_at", "-id")
        )


def session_get(*, tenant: ResponsibleBody, access: BodyAccess, session_id: int) -> ForumSession:
    """One session with its invitations, materials and actions, for someone who may see it."""
    with tenant_context(tenant):
        session = (
            _visible_sessions(tenant, access)
            .prefetch_related(
                Prefetch("invitations", queryset=SessionInvitation.objects.order_by("invitee_label", "id")),
                "materials",
                Prefetch("actions", queryset=AgreedAction.objects.order_by("due_on", "id")),
            )
            .filter(pk=session_id)
            .first()
        )
    if session is None:
        raise NotFound("No such session.")
    return session


def upcoming_sessions_for(*, tenant: ResponsibleBody, user: User, limit: int = 5) -> list[ForumSession]:
    """Scheduled sessions still to come that ``user`` organises or was invited to and has not
    declined: their title, time, purpose and place (what a home page lists of them)."""
    with tenant_context(tenant):
        coming = SessionInvitation.objects.filter(session=OuterRef("pk"), invitee=user).exclude(
            response=InvitationResponse.DECLINED
        )
        return list(
            ForumSession.objects.for_tenant(tenant)
            .filter(status=SessionStatus.SCHEDULED, starts_at__gte=timezone.now())
            .filter(Q(organiser=user) | Exists(coming))
            .order_by("starts_at", "id")
            .only("id", "title", "starts_at", "purpose", "place")[:limit]
        )


def open_actions_for(*, tenant: ResponsibleBody, user: User) -> QuerySet[AgreedAction]:
    """``user``'s own open actions, the earliest due first."""
    with tenant_context(tenant):
        return (
            AgreedAction.objects.for_tenant(tenant)
            .filter(owner=user, status=ActionStatus.OPEN)
            .select_related("session", "peer_review__school")
            .order_by("due_on", "id")
        )


def _visible_reviews(tenant: ResponsibleBody, access: BodyAccess) -> QuerySet[PeerReview]:
    qs = PeerReview.objects.for_tenant(tenant)
    if access.can(Action.OVERSEE_FORUM):
        return qs
    user = access.user
    own_schools = {m.school_id for m in access.memberships if m.role in {Role.HEAD, Role.SENDCO} and m.school_id}
    return qs.filter(Q(reviewer_one=user) | Q(reviewer_two=user) | Q(school_id__in=own_schools))


def peer_review_list(*, tenant: ResponsibleBody, access: BodyAccess) -> QuerySet[PeerReview]:
    """Reviews ``access``'s person may see, latest visit first, with their actions open and done."""
    with tenant_context(tenant):
        return (
            _visible_reviews(tenant, access)
            .select_related("school")
            .annotate(
                actions_open=Count("actions", filter=Q(actions__status=ActionStatus.OPEN)),
                actions_done=Count("actions", filter=Q(actions__status=ActionStatus.DONE)),
            )
            .order_by("-visit_on", "-id")
        )


def peer_review_get(*, tenant: ResponsibleBody, access: BodyAccess, peer_review_id: int) -> PeerReview:
    with tenant_context(tenant):
        review = (
            _visible_reviews(tenant, access)
            .select_related("school")
            .prefetch_related(
                Prefetch("findings", queryset=PeerReviewFinding.objects.order_by("position")),
                Prefetch("actions", queryset=AgreedAction.objects.order_by("due_on", "id")),
            )
            .filter(pk=peer_review_id)
            .first()
        )
    if review is None:
        raise NotFound("No such peer review.")
    return review


def findings_visible(*, access: BodyAccess, review: PeerReview) -> bool:
    """The body's staff and the reviewers see draft findings; the school sees them once shared."""
    return (
        access.can(Action.OVERSEE_FORUM)
        or access.user.pk in review.reviewer_ids
        or review.status != PeerReviewStatus.PLANNED
    )


def reviewable_schools(*, tenant: ResponsibleBody, day: date | None = None) -> list[tuple[int, str]]:
    """The schools in the grouping today, by name."""
    return [(a.school_id, a.school.name) for a in grouping_members_on(tenant=tenant, day=day)]


def reviewer_candidates(*, tenant: ResponsibleBody) -> list[tuple[int, int, str]]:
    """(user id, school id, label) for each current head and SENDCO of a grouping school:
    the people a reviewing pair is drawn from (never from the reviewed school)."""
    with tenant_context(tenant):
        rows = (
            Membership.objects.for_tenant(tenant)
            .filter(current_memberships_q(), role__in=[Role.HEAD, Role.SENDCO], school__isnull=False)
            .select_related("user", "school")
            .order_by("user__full_name", "user__email", "school__name")
        )
        return [
            (m.user_id, m.school.pk, f"{_person_label(m.user)}, {m.school.name}")
            for m in rows
            if m.user.is_active and m.school is not None
        ]
