from __future__ import annotations

from celery import shared_task

from accounts.models import ResponsibleBody
from core.tenancy import platform_context
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


@shared_task(name="exceptional_resource.end_awards_for_arrangement", bind=True, max_retries=5, default_retry_delay=30)
def end_awards_for_arrangement(self, *, tenant_id: int, school_id: int, end_date: str) -> int:  # type: ignore[no-untyped-def]
    """When a school's arrangement ends, its active awards end on the same day and their
    unpaid instalments after it are released. Idempotent."""
    from datetime import date

    from core.tenancy import tenant_context
    from exceptional_resource.models import Award
    from exceptional_resource.services.awards import award_end_early

    body = ResponsibleBody.objects.get(pk=tenant_id)
    with tenant_context(body):
        award_ids = list(
            Award.objects.filter(school_id=school_id, status=Award.Status.ACTIVE).values_list("pk", flat=True)
        )
    for award_id in award_ids:
        award_end_early(
            actor=None,
            tenant=body,
            award_id=award_id,
            end_on=date.fromisoformat(end_date),
            reason="The school's arrangement with the grouping ended",
        )
    return len(award_ids)
