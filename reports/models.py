"""Report runs and the files they produce.

A ``ReportRun`` is one request for one report type with its parameters (a governance pack
for a pool, an auditor export for a period). A Celery task claims it, runs the registered
builder and stores its files; ``ReportFile`` records each file's name, size, SHA-256 and
private storage path. Both are tenant-owned and under row-level security."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy import TenantOwnedModel


class ReportRun(TenantOwnedModel):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    report_type = models.CharField(max_length=60)
    label = models.CharField(max_length=300, help_text="What was asked for, in words (no pupil data).")
    parameters = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by_label = models.CharField(max_length=254, help_text="Email, or 'schedule' for scheduled runs.")
    schedule_key = models.CharField(
        max_length=120, blank=True, help_text="Set for scheduled runs; one run per body and key."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    progress_note = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="How many times a worker has claimed the run.")
    task_id = models.CharField(max_length=64, blank=True, help_text="Celery task that holds the claim.")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_reportrun"
        base_manager_name = "objects"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["responsible_body", "-created_at"], name="reportrun_body_created"),
            models.Index(fields=["status", "finished_at"], name="reportrun_status_finished"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed", "expired"]),
                name="reportrun_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(progress_percent__gte=0) & Q(progress_percent__lte=100),
                name="reportrun_progress_percent_range",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["succeeded", "failed", "expired"]) | Q(finished_at__isnull=False),
                name="reportrun_finished_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error_message=""), name="reportrun_failure_has_message"
            ),
            models.UniqueConstraint(
                fields=["responsible_body", "schedule_key"],
                condition=~Q(schedule_key=""),
                name="reportrun_one_per_schedule_key",
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk}: {self.label}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED, self.Status.EXPIRED}

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class ReportFile(TenantOwnedModel):
    run = models.ForeignKey(ReportRun, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(max_length=200)
    label = models.CharField(
        max_length=200, blank=True, default="", help_text='What the file is ("Summary", "Appendix A, part 2 of 3").'
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="The order the build made the files in: the report page and API list them so."
    )
    content_type = models.CharField(max_length=120)
    size_bytes = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_path = models.CharField(max_length=400, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True, help_text="When retention removed the stored file.")

    class Meta:
        db_table = "accounts_reportfile"
        base_manager_name = "objects"
        ordering = ["run", "name"]
        indexes = [models.Index(fields=["responsible_body", "run"], name="reportfile_body_run")]
        constraints = [
            models.UniqueConstraint(fields=["run", "name"], name="reportfile_one_name_per_run"),
            models.CheckConstraint(condition=Q(size_bytes__gte=0), name="reportfile_size_not_negative"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="reportfile_sha256_hex"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.run_id and self.responsible_body_id != self.run.responsible_body_id:
            raise ValueError("A report file belongs to its run's responsible body.")
        super().save(*args, **kwargs)
