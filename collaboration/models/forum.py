"""The grouping's forum: supervision, moderation and training sessions, the actions agreed
at them or at a peer review, and peer reviews of a school's inclusion against the body's
own framework. Words, dates and people only: never pool money, a case or a decision.

Each workflow has a status with a database check and a transition table beside its model;
one service per transition (``collaboration/services/``) locks, checks, writes and audits."""

from __future__ import annotations

import secrets

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from core.tenancy import TenantOwnedModel


class SessionPurpose(models.TextChoices):
    SUPERVISION = "supervision", "Supervision"
    MODERATION = "moderation", "Moderation of provision maps"
    TRAINING = "training", "Training"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


# from → the statuses it may move to (the organiser or the body's staff move it).
SESSION_TRANSITIONS: dict[str, frozenset[str]] = {
    SessionStatus.SCHEDULED: frozenset({SessionStatus.HELD, SessionStatus.CANCELLED}),
    SessionStatus.HELD: frozenset(),
    SessionStatus.CANCELLED: frozenset(),
}


class ForumSession(TenantOwnedModel):
    """A session the grouping holds, organised by the body's staff or (by policy) a SENDCO.
    The policy version in force when it was scheduled is kept with it."""

    purpose = models.CharField(max_length=12, choices=SessionPurpose.choices)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.CharField(max_length=300, help_text="Where it happens, or the link to join.")
    agenda = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED)
    organiser = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organiser_label = models.CharField(max_length=254)
    policy_version = models.PositiveIntegerField()
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        indexes = [models.Index(fields=["responsible_body", "starts_at"], name="forum_session_body_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=[p.value for p in SessionPurpose]), name="forum_session_purpose_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in SessionStatus]), name="forum_session_status_valid"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="forum_session_ends_after_start"),
            models.CheckConstraint(condition=~Q(title=""), name="forum_session_title_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title


class InvitationResponse(models.TextChoices):
    INVITED = "invited", "Not answered yet"
    ACCEPTED = "accepted", "Coming"
    DECLINED = "declined", "Not coming"


# An invitee confirms or declines, and may change their mind while the session is scheduled.
INVITATION_TRANSITIONS: dict[str, frozenset[str]] = {
    InvitationResponse.INVITED: frozenset({InvitationResponse.ACCEPTED, InvitationResponse.DECLINED}),
    InvitationResponse.ACCEPTED: frozenset({InvitationResponse.DECLINED}),
    InvitationResponse.DECLINED: frozenset({InvitationResponse.ACCEPTED}),
}


class SessionInvitation(TenantOwnedModel):
    session = models.ForeignKey(ForumSession, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    invitee_label = models.CharField(max_length=254)
    response = models.CharField(max_length=10, choices=InvitationResponse.choices, default=InvitationResponse.INVITED)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        base_manager_name = "objects"
        indexes = [models.Index(fields=["responsible_body", "invitee"], name="forum_invitation_invitee")]
        constraints = [
            models.UniqueConstraint(fields=["session", "invitee"], name="one_invitation_per_person"),
            models.CheckConstraint(
                condition=Q(response__in=[r.value for r in InvitationResponse]), name="forum_invitation_response_valid"
            ),
        ]


def material_path(instance: SessionMaterial, filename: str) -> str:
    """A random name: the original (which may say anything) stays in the row only."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"forum/{instance.responsible_body_id}/{secrets.token_hex(16)}.{suffix}"


class SessionMaterial(TenantOwnedModel):
    """A file shared with a session's invitees, checked by ``core.uploads`` before it is stored."""

    session = models.ForeignKey(ForumSession, on_delete=models.CASCADE, related_name="materials")
    file = models.FileField(upload_to=material_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        indexes = [models.Index(fields=["responsible_body", "session"], name="forum_material_session")]


class PeerReviewStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    SHARED = "shared", "Findings shared"
    RESPONDED = "responded", "School responded"
    CLOSED = "closed", "Closed"


# PLANNED → SHARED: the body's staff or a reviewer share the findings with the school.
# SHARED → RESPONDED: the school's head responds. RESPONDED → CLOSED: the body's staff close it.
PEER_REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    PeerReviewStatus.PLANNED: frozenset({PeerReviewStatus.SHARED}),
    PeerReviewStatus.SHARED: frozenset({PeerReviewStatus.RESPONDED}),
    PeerReviewStatus.RESPONDED: frozenset({PeerReviewStatus.CLOSED}),
    PeerReviewStatus.CLOSED: frozenset(),
}


class PeerReview(TenantOwnedModel):
    """A review of one school's inclusion by a pair from two other schools of the grouping,
    against the headings of the framework in force when it was planned (kept with it)."""

    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, related_name="+")
    reviewer_one = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reviewer_one_label = models.CharField(max_length=254)
    reviewer_two = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reviewer_two_label = models.CharField(max_length=254)
    visit_on = models.DateField()
    follow_up_on = models.DateField()
    headings = ArrayField(models.CharField(max_length=200))
    policy_version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=PeerReviewStatus.choices, default=PeerReviewStatus.PLANNED)
    school_response = models.TextField(blank=True)
    responded_by_label = models.CharField(max_length=254, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        indexes = [models.Index(fields=["responsible_body", "-visit_on"], name="peer_review_body_visit")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PeerReviewStatus]), name="peer_review_status_valid"
            ),
            models.CheckConstraint(condition=~Q(reviewer_one=F("reviewer_two")), name="peer_review_two_reviewers"),
            models.CheckConstraint(condition=Q(follow_up_on__gt=F("visit_on")), name="peer_review_follow_up_after"),
        ]

    def __str__(self) -> str:
        return f"Peer review {self.pk}"

    @property
    def reviewer_ids(self) -> set[int]:
        return {self.reviewer_one_id, self.reviewer_two_id}


class PeerReviewFinding(TenantOwnedModel):
    """What the reviewers found under one heading of the framework."""

    review = models.ForeignKey(PeerReview, on_delete=models.CASCADE, related_name="findings")
    position = models.PositiveSmallIntegerField()
    heading = models.CharField(max_length=200)
    text = models.TextField()

    class Meta:
        base_manager_name = "objects"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["review", "position"], name="one_finding_per_heading"),
            models.CheckConstraint(condition=~Q(text=""), name="peer_review_finding_not_empty"),
        ]


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


ACTION_TRANSITIONS: dict[str, frozenset[str]] = {
    ActionStatus.OPEN: frozenset({ActionStatus.DONE}),
    ActionStatus.DONE: frozenset(),
}


class AgreedAction(TenantOwnedModel):
    """An action agreed at a session or a peer review: who does what by when, tracked to done."""

    session = models.ForeignKey(ForumSession, null=True, blank=True, on_delete=models.CASCADE, related_name="actions")
    peer_review = models.ForeignKey(PeerReview, null=True, blank=True, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    owner_label = models.CharField(max_length=254)
    due_on = models.DateField()
    status = models.CharField(max_length=4, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by_label = models.CharField(max_length=254, blank=True)
    created_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["responsible_body", "owner", "status", "due_on"], name="agreed_action_owner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(session__isnull=False) & Q(peer_review__isnull=True))
                | (Q(session__isnull=True) & Q(peer_review__isnull=False)),
                name="agreed_action_one_parent",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ActionStatus]), name="agreed_action_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True) | Q(status="done", done_at__isnull=False),
                name="agreed_action_done_matches_status",
            ),
            models.CheckConstraint(condition=~Q(description=""), name="agreed_action_not_empty"),
        ]

    def __str__(self) -> str:
        return self.description
