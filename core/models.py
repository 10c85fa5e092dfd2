"""The platform's own table: the append-only audit trail (``core.audit`` writes it).

The table keeps its original name, ``accounts_auditevent``: the model moved here from
``accounts`` in state only (``core/migrations/0001_initial.py``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.tenancy import TenantManager


class AuditEvent(models.Model):
    """Append-only record of every change (and of every read of pupil-level data).

    Written in the same transaction as the change. The database refuses UPDATE and DELETE
    (trigger ``audit_event_append_only``). ``hash`` chains each event to the previous event
    of the same body, so tampering is detectable by ``manage.py audit_verify``.
    ``responsible_body`` is null for platform events (creating a body)."""

    responsible_body = models.ForeignKey(
        "accounts.ResponsibleBody", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254, blank=True)
    verb = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = TenantManager["AuditEvent"]()

    class Meta:
        db_table = "accounts_auditevent"
        base_manager_name = "objects"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["responsible_body", "-id"], name="audit_body_recent"),
            models.Index(fields=["responsible_body", "object_type", "object_id"], name="audit_body_object"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.object_label}"
