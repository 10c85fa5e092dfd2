"""The local inclusion plan: numbered versions of priorities and actions. A published
version is immutable (PostgreSQL triggers refuse changes); a new draft starts as a copy."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy import TenantOwnedModel


class PlanVersion(TenantOwnedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.PROTECT, related_name="plans")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)
    published_by_label = models.CharField(max_length=254, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        base_manager_name = "objects"
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "number"], name="plan_version_number_unique"),
            models.UniqueConstraint(
                fields=["partnership"], condition=Q(status="draft"), name="plan_one_draft_at_a_time"
            ),
            models.CheckConstraint(condition=Q(status__in=["draft", "published"]), name="plan_status_valid"),
            models.CheckConstraint(
                condition=Q(status="draft", published_at__isnull=True)
                | Q(status="published", published_at__isnull=False),
                name="plan_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.number})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class PlanPriority(TenantOwnedModel):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="priorities")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        base_manager_name = "objects"
        ordering = ["position", "pk"]
        verbose_name_plural = "plan priorities"

    def __str__(self) -> str:
        return self.title


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DELAYED = "delayed", "Delayed"


class PlanAction(TenantOwnedModel):
    priority = models.ForeignKey(PlanPriority, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey("partnerships.PartnershipMember", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED)

    class Meta:
        base_manager_name = "objects"
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ActionStatus]), name="plan_action_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.description[:80]
