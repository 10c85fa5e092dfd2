from __future__ import annotations

import pytest
from django.test import Client

from tests.worker import running_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.worker
def test_healthz_is_ok_with_database_broker_and_worker() -> None:
    with running_worker():
        response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "broker": True,
        "cache": True,
        "worker": True,
    }


def test_healthz_names_the_worker_when_none_answers(settings) -> None:  # type: ignore[no-untyped-def]
    settings.HEALTHZ_WORKER_TIMEOUT_SECONDS = 0.5
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["worker"]
    assert "no worker answered" in body["checks"]["worker"]["error"]


def test_healthz_names_the_broker_when_it_is_down() -> None:
    from config.celery import app

    # The check opens its own connection to the configured broker URL (never the app's
    # pool), so pointing the URL at a closed port is the whole fault. The pool is left alone:
    # force-closing it broke every later publish in this test process ("Acquire on closed
    # pool", or a publish blocked for ever on an emptied pool).
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = Client().get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert "broker" in response.json()["failing"]


def test_healthz_hides_error_details_from_remote_callers(settings) -> None:  # type: ignore[no-untyped-def]
    settings.HEALTHZ_WORKER_TIMEOUT_SECONDS = 0.5
    response = Client(REMOTE_ADDR="203.0.113.9").get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {"ok": False}


def test_healthz_counts_waiting_and_dead_outbox_messages_without_failing_on_them(settings) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from core.outbox.models import OutboxMessage

    settings.HEALTHZ_WORKER_TIMEOUT_SECONDS = 0.5
    OutboxMessage.objects.create(task_name="accounts.ping", kwargs={})
    OutboxMessage.objects.create(task_name="accounts.ping", kwargs={}, attempts=20, dead_at=timezone.now())
    body = Client().get("/healthz").json()
    assert body["failing"] == ["worker"]  # no worker in this test; the dead message fails nothing
    assert body["outbox"] == {"pending": 1, "dead": 1}
    assert "outbox" not in Client(REMOTE_ADDR="203.0.113.9").get("/healthz").json()
