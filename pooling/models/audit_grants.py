"""An external auditor's read access to one pool (one funding period), time-boxed.

The grant is a django-guardian object permission (``audit_pool`` on ``Pool``) kept in
guardian's direct-foreign-key table for pools. Unlike guardian's generic table, this one
is tenant-owned and under row-level security, so a grant can never name or reveal another
body's pool, and it carries its own end date (``valid_until``): a body administrator
grants it, and revoking it deletes the row."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from guardian.managers import UserObjectPermissionManager
from guardian.models import UserObjectPermissionBase

from core.tenancy import TenantManager, TenantOwnedModel
from pooling.models.ledger import Pool

AUDIT_POOL_CODENAME = "audit_pool"


class TenantPoolPermissionManager(UserObjectPermissionManager, TenantManager[Any]):
    """Guardian's manager over a tenant-filtered queryset."""


class PoolAuditGrant(TenantOwnedModel, UserObjectPermissionBase):
    content_object = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="auditor_grants")
    valid_until = models.DateField()
    granted_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantPoolPermissionManager()  # type: ignore[misc]  # guardian declares it a ClassVar

    class Meta(UserObjectPermissionBase.Meta):
        base_manager_name = "objects"
        indexes = [models.Index(fields=["responsible_body", "user"], name="pool_audit_grant_body_user")]

    def __str__(self) -> str:
        return f"Audit grant on pool {self.content_object_id} until {self.valid_until}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.responsible_body_id is None:
            self.responsible_body_id = self.content_object.responsible_body_id
        super().save(*args, **kwargs)


def pool_grant_is_live(user: Any, obj: Any) -> bool:
    """A grant on ``obj`` (a pool) counts until the end of its ``valid_until`` day."""
    return (
        isinstance(obj, Pool)
        and PoolAuditGrant.objects.filter(content_object=obj, user=user, valid_until__gte=timezone.localdate()).exists()
    )
