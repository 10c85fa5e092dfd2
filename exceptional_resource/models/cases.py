"""Pupils (pseudonymous) and exceptional-resource cases with their costed provision map,
requested resource and intended outcomes."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy import TenantOwnedModel

YEAR_GROUPS = [("R", "Reception"), *[(f"Y{n}", f"Year {n}") for n in range(1, 12)]]
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_pupil_reference() -> str:
    return "P-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


class Pupil(TenantOwnedModel):
    """A pupil as the pool knows them: a system reference, their school, year group and
    SEN. Name and UPN are optional, encrypted at rest, and seen only by the school's head
    and SENDCO and the body's decision officers; every view of them is audited."""

    class SenStatus(models.TextChoices):
        SEN_SUPPORT = "sen_support", "SEN support"
        EHC_PLAN = "ehc_plan", "EHC plan"

    reference = models.CharField(max_length=12, unique=True, default=new_pupil_reference)
    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, related_name="+")
    year_group = models.CharField(max_length=3, choices=YEAR_GROUPS)
    sen_status = models.CharField(max_length=12, choices=SenStatus.choices)
    primary_need = models.CharField(max_length=10)
    secondary_need = models.CharField(max_length=10, blank=True)
    name_encrypted = models.BinaryField(blank=True, default=b"", editable=False)
    upn_encrypted = models.BinaryField(blank=True, default=b"", editable=False)
    upn_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the retention job removed the name and UPN (``services.retention``).
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        base_manager_name = "objects"
        ordering = ["reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["responsible_body", "upn_hash"], condition=~Q(upn_hash=""), name="one_pupil_per_upn_per_body"
            ),
            models.CheckConstraint(condition=Q(sen_status__in=["sen_support", "ehc_plan"]), name="pupil_sen_valid"),
            models.CheckConstraint(condition=Q(year_group__in=[y for y, _ in YEAR_GROUPS]), name="pupil_year_valid"),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    INFORMATION_REQUESTED = "information_requested", "Information requested"
    APPROVED = "approved", "Approved"
    PARTLY_APPROVED = "partly_approved", "Partly approved"
    DECLINED = "declined", "Declined"
    ACTIVE = "active", "Award active"
    REVIEW_DUE = "review_due", "Review due"
    RENEWED = "renewed", "Renewed"
    ENDED = "ended", "Ended"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    RECONSIDERATION_REQUESTED = "reconsideration_requested", "Reconsideration requested"


class Case(TenantOwnedModel):
    """A school's request for exceptional resource for one pupil."""

    class Urgency(models.TextChoices):
        ROUTINE = "routine", "Routine"
        URGENT = "urgent", "Urgent"

    reference = models.CharField(max_length=20, unique=True)
    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=30, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    need_description = models.TextField(blank=True)
    own_imf_pence = models.BigIntegerField(
        default=0, help_text="What the school funds from its own IMF for this pupil."
    )
    notional_sen_pence = models.BigIntegerField(default=0, help_text="…and from its notional SEN budget.")
    parents_involved = models.BooleanField(null=True)
    parents_summary = models.CharField(max_length=500, blank=True)
    pupil_involved = models.BooleanField(null=True)
    pupil_summary = models.CharField(max_length=500, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    policy = models.ForeignKey(
        "groupings.GroupingPolicy", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_on = models.DateField(null=True, blank=True)
    decision_due_on = models.DateField(null=True, blank=True)
    created_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Set when the retention job erased the case file, keeping its financial record.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        base_manager_name = "objects"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["responsible_body", "status", "submitted_on"], name="case_body_status"),
            models.Index(
                models.F("responsible_body"),
                models.F("updated_at").desc(),
                models.F("id").desc(),
                name="case_body_updated",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[s.value for s in CaseStatus]), name="case_status_valid"),
            models.CheckConstraint(
                condition=Q(own_imf_pence__gte=0) & Q(notional_sen_pence__gte=0),
                name="case_school_funding_not_negative",
            ),
            # A draft may be withdrawn before it is ever sent, so it has no submission date.
            models.CheckConstraint(
                condition=Q(status__in=["draft", "withdrawn"]) | Q(submitted_on__isnull=False),
                name="case_submitted_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ProvisionRow(TenantOwnedModel):
    """One row of the costed provision map: what the school already provides."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="provision")
    provision = models.CharField(max_length=200)
    staff_role = models.CharField(max_length=100)
    group_size = models.PositiveSmallIntegerField()
    sessions_per_week = models.PositiveSmallIntegerField()
    minutes_per_session = models.PositiveSmallIntegerField()
    weeks = models.PositiveSmallIntegerField()
    hourly_cost_pence = models.BigIntegerField()

    class Meta:
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(condition=Q(group_size__gte=1), name="provision_group_size_positive"),
            models.CheckConstraint(condition=Q(hourly_cost_pence__gte=0), name="provision_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return self.provision

    @property
    def cost_pence(self) -> int:
        """Cost to this pupil: hourly cost × hours a week × weeks ÷ group size, half up."""
        numerator = self.hourly_cost_pence * self.sessions_per_week * self.minutes_per_session * self.weeks
        denominator = 60 * self.group_size
        quotient, remainder = divmod(numerator, denominator)
        return quotient + (1 if remainder * 2 >= denominator else 0)


class ResourceLine(TenantOwnedModel):
    """One line of what is requested: quantity × unit cost, with dates."""

    class Kind(models.TextChoices):
        STAFFING_HOURS = "staffing_hours", "Staffing hours"
        SPECIALIST_TEACHING = "specialist_teaching", "Specialist teaching"
        EQUIPMENT = "equipment", "Equipment"
        THERAPY = "therapy", "Therapy input"
        SUPPORT_BASE_PLACE = "support_base_place", "Support-base place"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="resource_lines")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    description = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_cost_pence = models.BigIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(condition=Q(unit_cost_pence__gte=0), name="resource_cost_not_negative"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="resource_quantity_positive"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="resource_dates_ordered"),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def total_pence(self) -> int:
        return self.quantity * self.unit_cost_pence


class Outcome(TenantOwnedModel):
    """An intended, measurable outcome with its review date, and later its result."""

    class Result(models.TextChoices):
        ACHIEVED = "achieved", "Achieved"
        PARTLY = "partly", "Partly achieved"
        NOT_YET = "not_yet", "Not yet achieved"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outcomes")
    description = models.CharField(max_length=300)
    measure = models.CharField(max_length=300)
    review_on = models.DateField()
    result = models.CharField(max_length=10, choices=Result.choices, blank=True)
    result_note = models.CharField(max_length=500, blank=True)

    class Meta:
        base_manager_name = "objects"

    def __str__(self) -> str:
        return self.description


class CaseEvent(TenantOwnedModel):
    """The case's timeline: every transition, request and comment, in plain English."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    verb = models.CharField(max_length=60)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    note = models.TextField(blank=True)
    actor_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)
    pool = models.ForeignKey(
        "pooling.Pool",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The pool whose award or decision the entry is about (none: about the case itself).",
    )

    class Meta:
        base_manager_name = "objects"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.verb} {self.case}"
