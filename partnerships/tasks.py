"""Celery tasks for partnerships. Thin: they call one service and are safe to run twice
(each run adds a snapshot; pages and the API show the latest)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="partnerships.need_signals_refresh_all")
def need_signals_refresh_all_task() -> int:
    from partnerships.services.demand import need_signals_refresh_all

    return need_signals_refresh_all()
