from __future__ import annotations

from django.db import models
from django.utils import timezone


class School(models.Model):
    """An establishment from the GIAS register. Platform reference data, not tenant-owned:
    which pool a school is in is decided by dated arrangements, not by this row."""

    urn = models.PositiveIntegerField("URN", unique=True)
    name = models.CharField(max_length=200)
    la_code = models.CharField("LA code", max_length=3, db_index=True)
    la_name = models.CharField("LA name", max_length=100, blank=True)
    establishment_number = models.CharField(max_length=4, blank=True)
    type_name = models.CharField("type of establishment", max_length=120, blank=True)
    type_group = models.CharField("establishment type group", max_length=120, blank=True)
    status = models.CharField(max_length=60, blank=True)
    phase = models.CharField("phase of education", max_length=60, blank=True)
    number_of_pupils = models.PositiveIntegerField(null=True, blank=True)
    trust_uid = models.PositiveIntegerField("GIAS trust UID", null=True, blank=True, db_index=True)
    trust_name = models.CharField(max_length=200, blank=True)
    ukprn = models.PositiveIntegerField("UKPRN", null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"

    @property
    def is_open(self) -> bool:
        return self.status.lower().startswith("open")
