"""Accountable decisions and the awards they create."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy import TenantOwnedModel


class Decision(TenantOwnedModel):
    """What a named officer decided on a case, why, against which published criteria and
    policy version. A reconsideration is a new decision by a different officer."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        PARTLY_APPROVED = "partly_approved", "Partly approved"
        DECLINED = "declined", "Declined"

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        TERMLY = "termly", "Termly"

    case = models.ForeignKey("exceptional_resource.Case", on_delete=models.PROTECT, related_name="decisions")
    officer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    officer_label = models.CharField(max_length=254)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    criteria_met = ArrayField(models.CharField(max_length=300), default=list, blank=True)
    reasons = models.TextField()
    amount_pence = models.BigIntegerField(default=0)
    pool = models.ForeignKey("pooling.Pool", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    frequency = models.CharField(max_length=10, choices=Frequency.choices, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    conditions = models.TextField(blank=True)
    review_on = models.DateField(null=True, blank=True)
    policy = models.ForeignKey("groupings.GroupingPolicy", on_delete=models.PROTECT, related_name="+")
    is_reconsideration = models.BooleanField(default=False)
    used_reserve = models.BooleanField(default=False)
    decided_at = models.DateTimeField(default=timezone.now)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        help_text="The case's previous decision, which this one replaces (both stay on the record).",
    )
    acts_on_award = models.ForeignKey(
        "exceptional_resource.Award",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="later_decisions",
        help_text="The running award this decision varied or ended.",
    )
    award_effect = models.CharField(
        max_length=10,
        blank=True,
        help_text="What the decision did to the case's money: new, varied, ended, renewed or none.",
    )

    class Meta:
        base_manager_name = "objects"
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["approved", "partly_approved", "declined"]), name="decision_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome="declined", amount_pence=0)
                | (
                    ~Q(outcome="declined")
                    & Q(
                        amount_pence__gt=0,
                        pool__isnull=False,
                        starts_on__isnull=False,
                        ends_on__isnull=False,
                        review_on__isnull=False,
                    )
                    & ~Q(frequency="")
                ),
                name="decision_award_terms_complete",
            ),
            models.CheckConstraint(
                condition=Q(award_effect__in=["", "new", "varied", "ended", "renewed", "none"]),
                name="decision_award_effect_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.case}"


class Award(TenantOwnedModel):
    """Money committed to a school for a case, paid by instalment schedule in pooling
    (``source_type="award"``, ``source_id`` = this award's id)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    case = models.ForeignKey("exceptional_resource.Case", on_delete=models.PROTECT, related_name="awards")
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="award")
    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, related_name="+")
    pool = models.ForeignKey("pooling.Pool", on_delete=models.PROTECT, related_name="+")
    amount_pence = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="award_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=["active", "ended"]), name="award_status_valid"),
        ]

    def __str__(self) -> str:
        return f"Award {self.pk} for {self.case}"
