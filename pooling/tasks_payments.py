"""Celery tasks for payments. Thin: ids only, the tenant's context, one idempotent service.

Celery's autodiscovery imports ``pooling.tasks``; that module imports this one so the
worker registers these tasks."""

from __future__ import annotations

from celery import shared_task

from accounts.models import ResponsibleBody


@shared_task(name="pooling.remittances_build", bind=True, max_retries=5, default_retry_delay=30)
def remittances_build_task(self, *, tenant_id: int, paymentrun_id: int) -> int:  # type: ignore[no-untyped-def]
    """Build the remittance advice of a confirmed payment run. Safe to run twice: a school
    whose advice is already stored is left alone, so there is only ever one file set."""
    from pooling.services.payments import remittances_build

    tenant = ResponsibleBody.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return 0
    try:
        return len(remittances_build(tenant=tenant, payment_run_id=paymentrun_id))
    except OSError as exc:
        raise self.retry(exc=exc) from exc
