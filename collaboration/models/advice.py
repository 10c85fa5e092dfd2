"""Collaboration: peer advice on a case (a per-object grant with django-guardian) and the
expertise directory. Nothing here holds or links to pool money, a decision or an award;
a case is referred to by id only and read through ``groupings.case_summaries``."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from guardian.managers import UserObjectPermissionManager
from guardian.models import UserObjectPermissionBase

from accounts.models import User
from core.tenancy import TenantManager, TenantOwnedModel

ADVISE_CODENAME = "advise_on_case"
ADVISE_PERMISSION = ADVISE_CODENAME


class AdviceStatus(models.TextChoices):
    OPEN = "open", "Open"
    REVOKED = "revoked", "Access revoked"
    EXPIRED = "expired", "Access ended"


class AdviceRequest(TenantOwnedModel):
    """A school asks one named colleague for advice on one of its cases, for a limited time.

    The adviser's access is a guardian object permission (``advise_on_case``) on this row
    (``AdviceRequestUserObjectPermission``), live only while the request is open and before
    ``expires_at``."""

    case = models.ForeignKey("exceptional_resource.Case", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    asked_by_label = models.CharField(max_length=254)
    adviser = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    adviser_label = models.CharField(max_length=254)
    question = models.TextField()
    status = models.CharField(max_length=10, choices=AdviceStatus.choices, default=AdviceStatus.OPEN)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        default_permissions = ()
        permissions = [(ADVISE_CODENAME, "Read a case's pseudonymous summary and advise on it")]
        indexes = [
            models.Index(fields=["responsible_body", "school", "-created_at"], name="advice_body_school"),
            models.Index(fields=["responsible_body", "adviser", "-created_at"], name="advice_body_adviser"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[s.value for s in AdviceStatus]), name="advice_status_valid"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="advice_expires_after_created"),
            models.CheckConstraint(condition=~Q(asked_by=F("adviser")), name="advice_not_to_self"),
            models.CheckConstraint(
                condition=Q(status="open", ended_at__isnull=True) | (~Q(status="open") & Q(ended_at__isnull=False)),
                name="advice_ended_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"Advice request {self.pk} to {self.adviser_label}"

    def is_live(self, now: Any = None) -> bool:
        return self.status == AdviceStatus.OPEN and (now or timezone.now()) < self.expires_at


def advice_grant_is_live(user: Any, obj: Any) -> bool:
    return isinstance(obj, AdviceRequest) and obj.is_live()


class AdviceMessage(TenantOwnedModel):
    """Advice from the adviser, or the school's reply. Words only: never a vote or a score."""

    class Kind(models.TextChoices):
        ADVICE = "advice", "Advice"
        REPLY = "reply", "Reply from the school"

    advice_request = models.ForeignKey(AdviceRequest, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    author_label = models.CharField(max_length=254)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the school chose to put this advice on the case's record for the decision.
    attached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        base_manager_name = "objects"
        indexes = [models.Index(fields=["responsible_body", "advice_request", "created_at"], name="advice_msg_req")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["advice", "reply"]), name="advice_message_kind_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="advice_message_not_empty"),
            models.CheckConstraint(
                condition=Q(attached_at__isnull=True) | Q(kind="advice"), name="only_advice_is_attached"
            ),
        ]


class TenantUserObjectPermissionManager(UserObjectPermissionManager, TenantManager[Any]):
    """Guardian's manager (``assign_perm``/``remove_perm``) over a tenant-filtered queryset."""


class AdviceRequestUserObjectPermission(TenantOwnedModel, UserObjectPermissionBase):
    """Guardian's direct-foreign-key table for grants on advice requests. Unlike guardian's
    generic table it is tenant-owned, so row-level security hides another body's grants
    and a grant cannot name another body's request (``save`` checks the active tenant)."""

    content_object = models.ForeignKey(AdviceRequest, on_delete=models.CASCADE, related_name="user_grants")

    objects = TenantUserObjectPermissionManager()  # type: ignore[misc]  # guardian declares it a ClassVar

    class Meta(UserObjectPermissionBase.Meta):
        base_manager_name = "objects"
        indexes = [models.Index(fields=["responsible_body", "user"], name="advice_perm_body_user")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.responsible_body_id is None:
            self.responsible_body_id = self.content_object.responsible_body_id
        super().save(*args, **kwargs)


class ExpertiseProfile(TenantOwnedModel):
    """What one person in the grouping knows, written by themselves."""

    class Qualification(models.TextChoices):
        NASENCO = "nasenco", "NASENCO (National Award for SEN Co-ordination)"
        EP = "ep", "Educational psychologist"
        SPECIALIST_TEACHER = "specialist_teacher", "Specialist teacher"
        SALT = "salt", "Speech and language therapist"
        OT = "ot", "Occupational therapist"
        OTHER = "other", "Other"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    display_name = models.CharField(max_length=200)
    areas_of_need = ArrayField(models.CharField(max_length=60), default=list)
    qualifications = ArrayField(models.CharField(max_length=30), default=list)
    summary = models.CharField(max_length=500, blank=True)
    availability = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        indexes = [models.Index(fields=["responsible_body", "display_name"], name="expertise_body_name")]
        constraints = [
            models.UniqueConstraint(fields=["responsible_body", "user"], name="one_expertise_profile_per_person"),
        ]

    def __str__(self) -> str:
        return self.display_name
