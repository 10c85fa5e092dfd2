from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    """One task to run because a change committed. Holds a task name and ids only (the
    task opens its own tenant context), so it is platform data, not a tenant's: no
    row-level security, read by the sweep across every body."""

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to the broker.")
    acked_at = models.DateTimeField(null=True, blank=True, help_text="The task finished.")
    last_error = models.CharField(max_length=500, blank=True)
    dead_at = models.DateTimeField(
        null=True, blank=True, help_text="Given up after OUTBOX_MAX_ATTEMPTS tries; manage.py outbox_dead lists it."
    )

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="outbox_unacked_idx", condition=Q(acked_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"
