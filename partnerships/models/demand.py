"""Forecast demand (entered or uploaded by the local authority) and need-signal
snapshots (counts only, from trusts that consented, refreshed on request)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy import TenantOwnedModel
from partnerships.models.vocab import NEED_CHOICES, NEED_CODES, PHASES, Phase


class DemandForecast(TenantOwnedModel):
    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded"
        MANUAL = "manual", "Entered by hand"

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.PROTECT, related_name="forecasts")
    need = models.CharField("primary need", max_length=10, choices=NEED_CHOICES)
    phase = models.CharField(max_length=20, choices=Phase.choices)
    year = models.PositiveSmallIntegerField(help_text="The academic year it starts in: 2027 is 2027/28.")
    pupils = models.PositiveIntegerField("pupils needing a specialist place")
    source = models.CharField(max_length=10, choices=Source.choices)
    updated_by_label = models.CharField(max_length=254)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["year", "need", "phase"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "need", "phase", "year"], name="forecast_once"),
            models.CheckConstraint(condition=Q(need__in=NEED_CODES), name="forecast_need_valid"),
            models.CheckConstraint(condition=Q(phase__in=PHASES), name="forecast_phase_valid"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="forecast_year_sensible"),
        ]

    def __str__(self) -> str:
        return f"{self.need} {self.phase} {self.year}: {self.pupils}"


class NeedSignalSnapshot(TenantOwnedModel):
    """One refresh of the need signals. ``trusts_included`` is how many consenting trusts
    were asked (not who: a count of one would not be shown)."""

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.PROTECT, related_name="snapshots")
    refreshed_at = models.DateTimeField(default=timezone.now)
    refreshed_by_label = models.CharField(max_length=254)
    trusts_included = models.PositiveIntegerField()

    class Meta:
        base_manager_name = "objects"
        ordering = ["-refreshed_at", "-pk"]

    def __str__(self) -> str:
        return f"Need signals of {self.refreshed_at:%d %b %Y %H:%M}"


class NeedSignalCount(TenantOwnedModel):
    """A published count: ``None`` means fewer than 5 (suppressed)."""

    snapshot = models.ForeignKey(NeedSignalSnapshot, on_delete=models.CASCADE, related_name="counts")
    area_of_need = models.CharField(max_length=100)
    phase = models.CharField(max_length=20)
    term = models.CharField(max_length=20)
    cases = models.PositiveIntegerField(null=True, blank=True)
    awards = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        base_manager_name = "objects"
        ordering = ["term", "area_of_need", "phase"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(cases__isnull=True) | Q(cases=0) | Q(cases__gte=5))
                & (Q(awards__isnull=True) | Q(awards=0) | Q(awards__gte=5)),
                name="signal_small_counts_suppressed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} {self.area_of_need} {self.phase}"
