"""Experts at Hand: the service's capacity in days per profession and term, and its
allocation to schools (days planned and used)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from core.tenancy import TenantOwnedModel
from partnerships.models.vocab import PROFESSIONS, TERM_PATTERN, Profession

DAYS = {"max_digits": 6, "decimal_places": 1, "validators": [MinValueValidator(Decimal("0"))]}


class ExpertCapacity(TenantOwnedModel):
    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.PROTECT, related_name="capacity")
    term = models.CharField(max_length=20, help_text="For example 2026/27 autumn.")
    profession = models.CharField(max_length=20, choices=Profession.choices)
    days = models.DecimalField(**DAYS)  # type: ignore[arg-type]

    class Meta:
        base_manager_name = "objects"
        ordering = ["term", "profession"]
        verbose_name_plural = "expert capacity"
        constraints = [
            models.UniqueConstraint(fields=["partnership", "term", "profession"], name="capacity_once"),
            models.CheckConstraint(condition=Q(profession__in=PROFESSIONS), name="capacity_profession_valid"),
            models.CheckConstraint(condition=Q(term__regex=TERM_PATTERN), name="capacity_term_valid"),
            models.CheckConstraint(condition=Q(days__gte=0), name="capacity_days_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.days} days of {self.get_profession_display().lower()}, {self.term}"


class ExpertAllocation(TenantOwnedModel):
    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.PROTECT, related_name="allocations")
    term = models.CharField(max_length=20)
    profession = models.CharField(max_length=20, choices=Profession.choices)
    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, related_name="+")
    days_planned = models.DecimalField(**DAYS)  # type: ignore[arg-type]
    days_used = models.DecimalField(default=Decimal("0"), **DAYS)  # type: ignore[arg-type]

    class Meta:
        base_manager_name = "objects"
        ordering = ["term", "profession", "school__name"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "term", "profession", "school"], name="allocation_once"),
            models.CheckConstraint(condition=Q(profession__in=PROFESSIONS), name="allocation_profession_valid"),
            models.CheckConstraint(condition=Q(term__regex=TERM_PATTERN), name="allocation_term_valid"),
            models.CheckConstraint(
                condition=Q(days_planned__gte=0, days_used__gte=0), name="allocation_days_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.profession} {self.term}"
