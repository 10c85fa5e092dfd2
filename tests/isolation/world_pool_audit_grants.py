"""An auditor's grant on each body's pool (``poolauditgrant_id``); the pools come from
world_cases."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.utils import timezone

from core.tenancy import platform_context
from pooling.models import Pool, PoolAuditGrant
from pooling.models.audit_grants import AUDIT_POOL_CODENAME
from tests.factories import UserFactory
from tests.isolation.world import World


def extend(world: World) -> None:
    permission = Permission.objects.get(codename=AUDIT_POOL_CODENAME)
    for body, secret in ((world.body_a, "alpha.pool.auditor"), (world.body_b, "bravo.secret.pool.auditor")):
        auditor = UserFactory(email=f"{secret}@example.org")
        with platform_context():
            pool = Pool.objects.filter(responsible_body=body).order_by("id").first()
            assert pool is not None
            PoolAuditGrant.objects.create(
                responsible_body=body,
                content_object=pool,
                user=auditor,
                permission=permission,
                valid_until=timezone.localdate() + timedelta(days=30),
                granted_by_label="admin@example.org",
            )
    world.b_markers.append("bravo.secret.pool.auditor@example.org")
