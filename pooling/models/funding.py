"""IMF allocations, expected contributions and receipts."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy import TenantOwnedModel


class ImfAllocationImport(TenantOwnedModel):
    """One upload of a DfE per-school allocation file (all-or-nothing)."""

    period_label = models.CharField(max_length=7)
    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    urn_column = models.CharField(max_length=120)
    amount_column = models.CharField(max_length=120)
    rows_imported = models.PositiveIntegerField(default=0)
    imported_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.period_label})"


class ImfAllocation(TenantOwnedModel):
    """A school's IMF allocation for a funding period, as the body recorded it. Kept for
    schools outside the grouping too; only members' allocations are pooled."""

    period_label = models.CharField(max_length=7)
    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, related_name="+")
    amount_pence = models.BigIntegerField()
    source_import = models.ForeignKey(
        ImfAllocationImport, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    entered_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["period_label", "school__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["responsible_body", "period_label", "school"], name="one_allocation_per_school_period"
            ),
            models.CheckConstraint(condition=Q(amount_pence__gte=0), name="allocation_not_negative"),
            models.CheckConstraint(condition=Q(period_label__regex=r"^\d{4}-\d{2}$"), name="allocation_period_format"),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.period_label}: {self.amount_pence}p"


class Contribution(TenantOwnedModel):
    """What a member school is expected to pool for a period: pooled share × allocation,
    pro-rated by its days of membership. Recalculating posts the difference."""

    pool = models.ForeignKey("pooling.Pool", on_delete=models.PROTECT, related_name="contributions")
    arrangement = models.ForeignKey("groupings.Arrangement", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, related_name="+")
    allocation = models.ForeignKey(ImfAllocation, on_delete=models.PROTECT, related_name="contributions")
    policy = models.ForeignKey("groupings.GroupingPolicy", on_delete=models.PROTECT, related_name="+")
    share_bp = models.PositiveIntegerField()
    member_days = models.PositiveIntegerField()
    period_days = models.PositiveIntegerField()
    expected_pence = models.BigIntegerField()
    calculated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["school__name"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "arrangement"], name="one_contribution_per_arrangement_pool"),
            models.CheckConstraint(condition=Q(expected_pence__gte=0), name="contribution_not_negative"),
            models.CheckConstraint(
                condition=Q(member_days__lte=models.F("period_days")), name="member_days_within_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.pool.label}: {self.expected_pence}p"


class Receipt(TenantOwnedModel):
    """Money actually received against a contribution: a bank transfer, or for a trust's
    own academies an internal top-slice."""

    class Method(models.TextChoices):
        TRANSFER = "transfer", "Bank transfer"
        TOP_SLICE = "top_slice", "Internal top-slice"

    contribution = models.ForeignKey(Contribution, on_delete=models.PROTECT, related_name="receipts")
    amount_pence = models.BigIntegerField()
    received_on = models.DateField()
    method = models.CharField(max_length=20, choices=Method.choices)
    reference = models.CharField(max_length=100, blank=True)
    recorded_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_pence=0), name="receipt_not_zero"),
            models.CheckConstraint(condition=Q(method__in=["transfer", "top_slice"]), name="receipt_method_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.amount_pence}p on {self.received_on}"
