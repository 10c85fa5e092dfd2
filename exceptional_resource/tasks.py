from __future__ import annotations

from celery import shared_task

from accounts.models import ResponsibleBody
from accounts.tenancy import platform_context
from exceptional_resource.services.awards import awards_mark_reviews_due


@shared_task(name="exceptional_resource.mark_reviews_due", bind=True, max_retries=3, default_retry_delay=60)
def mark_reviews_due(self) -> int:  # type: ignore[no-untyped-def]
    """Daily (Celery beat): move cases whose review date has come to ``review_due``.
    Idempotent: a case already marked is not marked again."""
    with platform_context():
        body_ids = list(ResponsibleBody.objects.values_list("pk", flat=True))
    total = 0
    for body_id in body_ids:
        body = ResponsibleBody.objects.get(pk=body_id)
        total += len(awards_mark_reviews_due(tenant=body))
    return total
