"""Legal holds: while a case has a hold in force, the retention job leaves it untouched."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy import TenantOwnedModel


class LegalHold(TenantOwnedModel):
    """A hold on one case (a complaint, a tribunal, a claim), placed and lifted with a reason
    by a decision officer or the body's admin. At most one hold is in force per case."""

    case = models.ForeignKey("exceptional_resource.Case", on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.CharField(max_length=500)
    placed_by_label = models.CharField(max_length=254)
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by_label = models.CharField(max_length=254, blank=True)
    lift_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        base_manager_name = "objects"
        ordering = ["-placed_at", "-id"]
        indexes = [models.Index(fields=["responsible_body", "case"], name="legalhold_body_case")]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(lifted_at__isnull=True), name="one_hold_in_force"),
            models.CheckConstraint(condition=~Q(reason=""), name="legalhold_reason_given"),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True, lift_reason="") | (Q(lifted_at__isnull=False) & ~Q(lift_reason="")),
                name="legalhold_lift_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Legal hold on case {self.case_id}"
