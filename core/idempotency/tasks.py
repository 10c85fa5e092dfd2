"""Expired idempotency keys are deleted hourly (Celery beat, ``config.settings.base``)."""

from __future__ import annotations

from celery import shared_task

from core.idempotency.services import idempotency_purge_expired


@shared_task(name="idempotency.purge_expired", ignore_result=True)
def idempotency_purge_expired_task() -> int:
    return idempotency_purge_expired()
