"""Auditors' samples: a seeded, recorded, reproducible random draw of a period's ledger
transactions, each of which the auditor opens down its chain (transaction, award,
decision, case summary, documents), read-only and audited."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy import TenantOwnedModel


class AuditSample(TenantOwnedModel):
    class Population(models.TextChoices):
        ALL = "all", "Every transaction in the period"
        AWARDS = "awards", "Transactions caused by awards"

    pool = models.ForeignKey("pooling.Pool", on_delete=models.PROTECT, related_name="+")
    population = models.CharField(max_length=10, choices=Population.choices, default=Population.ALL)
    size = models.PositiveIntegerField()
    seed = models.BigIntegerField(
        help_text="Seed of the random draw: the same seed over the same population draws the same sample."
    )
    population_count = models.PositiveIntegerField()
    population_max_transaction_id = models.BigIntegerField(
        help_text="The population is the matching transactions up to this id (the ledger is append-only)."
    )
    transaction_ids = ArrayField(models.BigIntegerField())
    drawn_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    drawn_by_label = models.CharField(max_length=254)
    drawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "exceptional_resource_auditsample"
        base_manager_name = "objects"
        ordering = ["-drawn_at", "-id"]
        indexes = [models.Index(fields=["responsible_body", "-drawn_at"], name="auditsample_body_recent")]
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=1), name="auditsample_size_positive"),
            models.CheckConstraint(
                condition=Q(size__lte=models.F("population_count")), name="auditsample_within_population"
            ),
            models.CheckConstraint(condition=Q(population__in=["all", "awards"]), name="auditsample_population_valid"),
            models.CheckConstraint(condition=Q(seed__gte=0), name="auditsample_seed_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Sample of {self.size} from {self.population_count} (seed {self.seed})"
