"""Celery task announcing a case's timeline entry by email (see ``notifications.py``)."""

from __future__ import annotations

from celery import shared_task

from accounts.models import ResponsibleBody
from exceptional_resource.notifications import case_event_notify


@shared_task(name="exceptional_resource.notify_case_event", bind=True, max_retries=5, default_retry_delay=30)
def notify_case_event(self, *, tenant_id: int, event_id: int) -> int:  # type: ignore[no-untyped-def]
    """Queue the emails for one case event. Idempotent: running it again queues nothing new."""
    body = ResponsibleBody.objects.get(pk=tenant_id)
    return case_event_notify(tenant=body, event_id=event_id)
