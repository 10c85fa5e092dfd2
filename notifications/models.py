"""Notification preferences (per person, across bodies), queued notifications (per body,
under row-level security) and the daily digests sent."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy import TenantOwnedModel

DELIVERIES = ["immediate", "digest", "off"]


class NotificationPreference(models.Model):
    """How one person wants one kind of email. No row means the kind's default."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(max_length=60)
    delivery = models.CharField(max_length=10)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "accounts_notificationpreference"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_notification_preference_per_kind"),
            models.CheckConstraint(condition=Q(delivery__in=DELIVERIES), name="notification_preference_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}: {self.delivery}"


class NotificationDigest(models.Model):
    """One summary email for one person on one day (at most one, by constraint)."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    entries = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "accounts_notificationdigest"
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_notification_digest_per_day")]

    def __str__(self) -> str:
        return f"Digest for {self.user} on {self.day}"


class Notification(TenantOwnedModel):
    """One message for one person: sent at once, or waiting for their daily digest.
    ``dedupe_key`` names the occurrence (``case_submitted:case 7:event 31``), so queueing
    the same occurrence twice gives each person one message."""

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", "Immediate"
        DIGEST = "digest", "Daily digest"

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=60)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    subject = models.CharField(max_length=200)
    text = models.TextField()
    link = models.CharField(max_length=500)
    dedupe_key = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey(NotificationDigest, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        db_table = "accounts_notification"
        base_manager_name = "objects"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["responsible_body", "user"], condition=Q(sent_at__isnull=True), name="notification_unsent"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["responsible_body", "user", "dedupe_key"], name="one_notification_per_occurrence"
            ),
            models.CheckConstraint(condition=Q(delivery__in=["immediate", "digest"]), name="notification_delivery"),
        ]

    def __str__(self) -> str:
        return self.subject
