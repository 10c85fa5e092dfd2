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
    settings.HEALTHZ_DETAIL_NETWORKS = ["127.0.0.0/8"]
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


def test_healthz_details_are_not_shown_to_loopback_unless_listed_as_behind_a_same_host_proxy(
    settings,  # type: ignore[no-untyped-def]
) -> None:
    """Behind nginx on the same host every visitor's REMOTE_ADDR is 127.0.0.1 and the real
    address is only in X-Forwarded-For, which a client can write: neither may unlock the
    details. Only a listed network (or platform staff) sees them."""
    settings.HEALTHZ_WORKER_TIMEOUT_SECONDS = 0.5
    settings.HEALTHZ_CACHE_SECONDS = 0
    settings.HEALTHZ_DETAIL_NETWORKS = []
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 198.51.100.7")
    body = proxied.get("/healthz").json()
    assert body["checks"]["worker"] == {"ok": False}

    settings.HEALTHZ_DETAIL_NETWORKS = ["10.20.0.0/16"]
    spoofed = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.20.1.5")
    assert spoofed.get("/healthz").json()["checks"]["worker"] == {"ok": False}
    monitor = Client(REMOTE_ADDR="10.20.1.5")
    worker = monitor.get("/healthz").json()["checks"]["worker"]
    assert worker["ok"] is False
    assert "no worker answered a ping within 0.5s" in worker["error"]


def test_healthz_details_are_shown_to_platform_staff_from_anywhere(settings) -> None:  # type: ignore[no-untyped-def]
    from accounts.models import User

    settings.HEALTHZ_WORKER_TIMEOUT_SECONDS = 0.5
    settings.HEALTHZ_CACHE_SECONDS = 0
    settings.HEALTHZ_DETAIL_NETWORKS = []
    staff = User.objects.create_user(email="platform@example.org", password="x" * 16, is_staff=True)
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.force_login(staff)
    assert "no worker answered" in client.get("/healthz").json()["checks"]["worker"]["error"]
    client.logout()
    assert client.get("/healthz").json()["checks"]["worker"] == {"ok": False}


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "not-a-network", "127.0.0.1/8/2"])
def test_a_bad_healthz_detail_network_stops_start_up_with_a_clear_message(bad: str) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**__import__("os").environ, "HEALTHZ_DETAIL_NETWORKS": bad},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert f"HEALTHZ_DETAIL_NETWORKS: {bad!r} is not a network" in result.stderr


def test_healthz_counts_waiting_and_dead_outbox_messages_without_failing_on_them(settings) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from core.outbox.models import OutboxMessage

    settings.HEALTHZ_WORKER_TIMEOUT_SECONDS = 0.5
    settings.HEALTHZ_DETAIL_NETWORKS = ["127.0.0.0/8"]
    OutboxMessage.objects.create(task_name="accounts.ping", kwargs={})
    OutboxMessage.objects.create(task_name="accounts.ping", kwargs={}, attempts=20, dead_at=timezone.now())
    body = Client().get("/healthz").json()
    assert body["failing"] == ["worker"]  # no worker in this test; the dead message fails nothing
    assert body["outbox"] == {"pending": 1, "dead": 1}
    assert "outbox" not in Client(REMOTE_ADDR="203.0.113.9").get("/healthz").json()
