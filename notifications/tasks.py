"""Celery tasks for email notifications (found by ``autodiscover_tasks(related_name=
"tasks_notifications")`` in ``config/celery.py``). Thin: ids in, one service call."""

from __future__ import annotations

import smtplib
from datetime import date

import structlog
from celery import shared_task
from django.utils import timezone

from notifications import services

log = structlog.get_logger(__name__)
SMTP_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(name="accounts.send_notification", bind=True, max_retries=8, default_retry_delay=60)
def send_notification(self, *, tenant_id: int, notification_id: int) -> bool:  # type: ignore[no-untyped-def]
    """Send one immediate notification. Idempotent: a retried or repeated task sends once."""
    try:
        return services.notification_send(tenant_id=tenant_id, notification_id=notification_id)
    except SMTP_ERRORS as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc


@shared_task(name="accounts.send_notification_digests", bind=True, max_retries=5, default_retry_delay=300)
def send_notification_digests(self, *, day: str = "") -> int:  # type: ignore[no-untyped-def]
    """Daily (Celery beat): one summary email per person with entries waiting. Safe to run
    again the same day; a person whose email failed is retried by the task's retry."""
    on = date.fromisoformat(day) if day else timezone.localdate()
    sent = 0
    failed = False
    for user_id in services.notification_digests_due():
        try:
            sent += 1 if services.notification_digest_send(user_id=user_id, day=on) else 0
        except SMTP_ERRORS as exc:
            failed = True
            log.warning("notification_digest_failed", user_id=user_id, error=str(exc))
    if failed:
        raise self.retry(kwargs={"day": on.isoformat()})
    return sent


@shared_task(name="accounts.send_unsent_notifications")
def send_unsent_notifications(*, older_than_seconds: int = 600) -> int:
    """Every 10 minutes (Celery beat): queue again any immediate message still unsent, so a
    broker outage at commit time or an exhausted retry delays an email instead of losing
    it. Sending is idempotent, so a message queued twice goes once."""
    pending = services.notifications_unsent(older_than_seconds=older_than_seconds)
    for tenant_id, notification_id in pending:
        send_notification.delay(tenant_id=tenant_id, notification_id=notification_id)
    return len(pending)
