"""The specialist provision register for the partnership's area: settings, the places
commissioned in each by primary need and phase (with the number on roll), and planned
new places."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy import TenantOwnedModel
from partnerships.models.vocab import NEED_CHOICES, NEED_CODES, PHASES, Phase


class SettingKind(models.TextChoices):
    SPECIAL_SCHOOL = "special_school", "Special school"
    RESOURCED_PROVISION = "resourced_provision", "Resourced provision (inclusion base)"
    SEN_UNIT = "sen_unit", "SEN unit"
    ALTERNATIVE_PROVISION = "alternative_provision", "Alternative provision"


class ProvisionSetting(TenantOwnedModel):
    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.PROTECT, related_name="settings")
    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=SettingKind.choices)
    locality = models.CharField(
        max_length=60, blank=True, help_text="For example a postcode district or a named locality."
    )
    gias_type = models.CharField("GIAS type of establishment", max_length=120, blank=True)
    gias_capacity = models.PositiveIntegerField("capacity published in GIAS", null=True, blank=True)
    gias_number_on_roll = models.PositiveIntegerField("number on roll in GIAS", null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["name", "kind"]
        indexes = [models.Index(fields=["responsible_body", "partnership"], name="psetting_body_partnership")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in SettingKind]), name="psetting_kind_valid"),
            models.UniqueConstraint(
                fields=["partnership", "school", "kind"], condition=Q(school__isnull=False), name="psetting_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display().lower()})"


class CommissionedPlaces(TenantOwnedModel):
    setting = models.ForeignKey(ProvisionSetting, on_delete=models.CASCADE, related_name="places")
    need = models.CharField("primary need", max_length=10, choices=NEED_CHOICES)
    phase = models.CharField(max_length=20, choices=Phase.choices)
    places = models.PositiveIntegerField()
    on_roll = models.PositiveIntegerField("number on roll")

    class Meta:
        base_manager_name = "objects"
        ordering = ["need", "phase"]
        verbose_name_plural = "commissioned places"
        constraints = [
            models.UniqueConstraint(fields=["setting", "need", "phase"], name="places_once_per_need_phase"),
            models.CheckConstraint(condition=Q(need__in=NEED_CODES), name="places_need_valid"),
            models.CheckConstraint(condition=Q(phase__in=PHASES), name="places_phase_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.places} {self.need} {self.phase} places"


class PlannedPlaces(TenantOwnedModel):
    setting = models.ForeignKey(ProvisionSetting, on_delete=models.CASCADE, related_name="planned")
    need = models.CharField("primary need", max_length=10, choices=NEED_CHOICES)
    phase = models.CharField(max_length=20, choices=Phase.choices)
    places = models.PositiveIntegerField()
    opens_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        base_manager_name = "objects"
        ordering = ["opens_on", "need"]
        verbose_name_plural = "planned places"
        constraints = [
            models.CheckConstraint(condition=Q(places__gte=1), name="planned_places_positive"),
            models.CheckConstraint(condition=Q(need__in=NEED_CODES), name="planned_need_valid"),
            models.CheckConstraint(condition=Q(phase__in=PHASES), name="planned_phase_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.places} planned {self.need} places from {self.opens_on}"
