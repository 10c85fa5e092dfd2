from __future__ import annotations

import logging

from celery import shared_task

from accounts.models import ResponsibleBody
from core.tenancy import platform_context
from exceptional_resource.services.awards import awards_mark_reviews_due

logger = logging.getLogger(__name__)


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


@shared_task(name="exceptional_resource.case_event_notify", bind=True, max_retries=5, default_retry_delay=30)
def case_event_notify_task(self, *, tenant_id: int, event_id: int) -> int:  # type: ignore[no-untyped-def]
    """Queue the emails for one case timeline entry (from the outbox). Idempotent: each
    person gets one message per entry."""
    from exceptional_resource.notifications import case_event_notify

    body = ResponsibleBody.objects.filter(pk=tenant_id).first()
    return 0 if body is None else case_event_notify(tenant=body, event_id=event_id)


@shared_task(name="exceptional_resource.retention_run", bind=True, max_retries=3, default_retry_delay=15 * 60)
def retention_run_task(self, body_ids: list[int] | None = None, case_ids: list[int] | None = None) -> int:  # type: ignore[no-untyped-def]
    """Daily (Celery beat): apply each body's retention schedule (``services.retention``):
    erase the case files past their date and anonymise their pupils. Idempotent; a store
    that does not answer leaves the rest for a retry."""
    from core.storage import StorageUnavailable
    from exceptional_resource.services.retention import retention_run

    if body_ids is None:
        with platform_context():
            body_ids = list(ResponsibleBody.objects.order_by("pk").values_list("pk", flat=True))
    erased = 0
    for body_id in body_ids:
        body = ResponsibleBody.objects.get(pk=body_id)
        try:
            result = retention_run(tenant=body, case_ids=case_ids)
        except StorageUnavailable as exc:
            raise self.retry(exc=exc) from exc
        except Exception:
            # One body's failure (each case's own is recorded by ``retention_run``) never
            # stops the others' erasures; it is logged and the next night tries again.
            logger.exception("retention: body %s's retention run failed", body_id)
            continue
        erased += len(result.erased_case_ids)
    return erased
