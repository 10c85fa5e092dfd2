"""Celery tasks for pooling (found by Celery's autodiscovery, like every app's ``tasks.py``).
Thin: ids in, a tenant context, one service call, safe to run twice (a repeated
calculation posts nothing; a remittance already stored is left alone)."""

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


# --- Payments -------------------------------------------------------------------------------


@shared_task(name="pooling.remittances_build", bind=True, max_retries=5, default_retry_delay=30)
def remittances_build_task(self, *, tenant_id: int, payment_run_id: int) -> int:  # type: ignore[no-untyped-def]
    """Build the remittance advice of a confirmed payment run. Safe to run twice: a school
    whose advice is already stored is left alone, so there is only ever one file set."""
    from pooling.services.payments import remittances_build

    tenant = ResponsibleBody.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return 0
    try:
        return len(remittances_build(tenant=tenant, payment_run_id=payment_run_id))
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task(name="pooling.payment_runs_settle_due")
def payment_runs_settle_due_task() -> int:
    """Daily (Celery beat): enqueue, through the outbox, the settling of every run sent to
    the bank whose payment date has come."""
    from pooling.services.payment_runs import payment_runs_settle_due

    return payment_runs_settle_due()


@shared_task(name="pooling.payment_run_settle", bind=True, max_retries=5, default_retry_delay=60)
def payment_run_settle_task(self, *, tenant_id: int, payment_run_id: int) -> bool:  # type: ignore[no-untyped-def]
    """A run sent to the bank is paid on its payment date. Safe to run twice: a run already
    paid is left alone and its payment is posted once (its idempotency key)."""
    from pooling.services.payment_runs import payment_run_settle

    tenant = ResponsibleBody.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return False
    try:
        return payment_run_settle(tenant=tenant, payment_run_id=payment_run_id)
    except OperationalError as exc:
        raise self.retry(exc=exc) from exc
