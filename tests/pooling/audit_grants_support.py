"""An auditor of a body with a django-guardian grant on its pools (every pool unless
``pools`` names some), the way a body administrator gives one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.models import ResponsibleBody, Role, User
from core.tenancy import platform_context
from pooling.models import Pool, PoolAuditGrant
from pooling.models.audit_grants import AUDIT_POOL_CODENAME
from pooling.periods import period_of
from pooling.services.ledger import pool_open
from tests.factories import member


def grant_pools(body: ResponsibleBody, user: User, *, valid_until: date, pools: Iterable[Pool] | None = None) -> None:
    permission = Permission.objects.get(codename=AUDIT_POOL_CODENAME)
    with platform_context():
        for pool in pools if pools is not None else Pool.objects.filter(responsible_body=body):
            PoolAuditGrant.objects.create(
                responsible_body=body,
                content_object=pool,
                user=user,
                permission=permission,
                valid_until=valid_until,
                granted_by_label="admin@example.org",
            )


def pool_auditor(
    body: ResponsibleBody, *, valid_to: date = date(2027, 12, 31), pools: Iterable[Pool] | None = None
) -> User:
    user = member(Role.AUDITOR, body, valid_to=valid_to).user
    grant_pools(body, user, valid_until=valid_to, pools=pools)
    return user


def current_period_auditor(body: ResponsibleBody) -> User:
    """An auditor granted the pool of today's funding period (opened if need be), so the
    audit log shows them today's events."""
    today = timezone.localdate()
    pool = pool_open(actor=None, tenant=body, label=period_of(today).label)
    return pool_auditor(body, valid_to=today + timedelta(days=365), pools=[pool])
