"""Celery tasks for pooling. Thin: ids in, a tenant context, one service call, safe to run
twice (a repeated calculation posts nothing)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from accounts.models import ResponsibleBody
from core.tenancy import tenant_context
from groupings.models import Arrangement

# --- Contributions ----------------------------------------------------------------------


@shared_task(name="pooling.recalculate_contributions_for_arrangement", bind=True, max_retries=5, default_retry_delay=60)
def recalculate_contributions_for_arrangement(self, *, tenant_id: int, arrangement_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Recalculate an arrangement's contributions (after it ended) as the system. Returns
    the ids of the contributions recalculated."""
    from pooling.services.contributions import contributions_recalculate_for_arrangement

    tenant = ResponsibleBody.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return []
    with tenant_context(tenant):
        if not Arrangement.objects.filter(pk=arrangement_id).exists():
            return []
    try:
        contributions = contributions_recalculate_for_arrangement(
            actor=None, tenant=tenant, arrangement_id=arrangement_id
        )
    except OperationalError as exc:  # a lock timeout or a lost connection: try again later
        raise self.retry(exc=exc) from exc
    return [c.pk for c in contributions]
