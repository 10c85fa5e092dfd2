from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.tenancy import TenantOwnedModel


class IdempotencyKey(TenantOwnedModel):
    """The answer given to one money-moving API request sent with an ``Idempotency-Key``
    header, kept so a retry of the same request gets the same answer instead of moving the
    money twice. Written in the request's own transaction (``core.idempotency.services``):
    it exists only if the request's change committed. One row per body, user and key."""

    user_id = models.BigIntegerField()
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_sha256 = models.CharField(max_length=64, help_text="Method, path and body, canonical JSON.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_json = models.TextField(blank=True, help_text="The response body exactly as first rendered.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["responsible_body", "user_id", "key"], name="idempotency_key_per_user"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
