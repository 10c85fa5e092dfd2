"""Celery tasks of the collaboration app (found by ``autodiscover_tasks``). Thin: ids in,
one service call per body, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from accounts.models import ResponsibleBody
from collaboration.services.advice import advice_requests_expire, platform_advice_bodies_due


@shared_task(name="collaboration.expire_advice_requests")
def expire_advice_requests() -> int:
    """Every 10 minutes (Celery beat): mark requests past their time as ended and remove
    their guardian grants. Access already ends on time in the policy layer; this tidies
    the grant table and records the end in each body's audit trail."""
    ended = 0
    for body_id in platform_advice_bodies_due():
        body = ResponsibleBody.objects.get(pk=body_id)
        ended += advice_requests_expire(tenant=body)
    return ended
