"""The outbox: a row in the change's transaction, delivered after commit, acknowledged by
the task when it finishes, swept again when the broker was away."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from core.outbox.models import OutboxMessage
from core.outbox.services import outbox_deliver, outbox_enqueue
from tests.worker import running_worker

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_acked(message_id: int, timeout: float = 30.0) -> OutboxMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = OutboxMessage.objects.get(pk=message_id)
        if message.acked_at is not None:
            return message
        time.sleep(0.2)
    raise AssertionError(f"outbox message {message_id} not acknowledged within {timeout}s")


def test_a_message_written_in_a_rolled_back_transaction_never_exists() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(task="accounts.ping", kwargs={})
        raise RuntimeError("the change fails")
    assert OutboxMessage.objects.count() == 0


def test_enqueue_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox_enqueue(task="accounts.ping", kwargs={})


@pytest.mark.worker
def test_a_message_is_delivered_after_commit_and_acknowledged_by_the_task() -> None:
    with running_worker():
        with transaction.atomic():
            message = outbox_enqueue(task="accounts.ping", kwargs={})
            assert OutboxMessage.objects.get(pk=message.pk).sent_at is None  # not before commit
        done = _wait_acked(message.pk)
    assert (done.attempts, done.last_error) == (1, "")
    assert done.sent_at is not None
    assert done.acked_at >= done.sent_at
    assert outbox_deliver() == 0  # acknowledged: the sweep never sends it again


def _messages(n: int) -> list[OutboxMessage]:
    """``n`` messages written but never handed over (as after a crash before commit hooks)."""
    return [OutboxMessage.objects.create(task_name="accounts.ping", kwargs={}) for _ in range(n)]


@pytest.mark.worker
def test_a_message_that_cannot_be_handed_over_does_not_block_the_ones_after_it(settings, monkeypatch) -> None:
    """Its own error (not the broker's) is counted and kept on the row, the sweep goes on to
    the next message, and after OUTBOX_MAX_ATTEMPTS tries the message is dead: listed, not
    retried for ever. The others reach real Redis and a real worker acknowledges them."""
    from io import StringIO

    from django.core.management import call_command
    from kombu.exceptions import EncodeError

    import core.outbox.services as outbox

    settings.OUTBOX_MAX_ATTEMPTS = 3
    first, poisoned, last = _messages(3)
    real_publish = outbox._publish

    def publish(message: OutboxMessage) -> None:
        if message.pk == poisoned.pk:
            raise EncodeError("Object of type bytes is not JSON serializable")
        real_publish(message)

    monkeypatch.setattr(outbox, "_publish", publish)
    with running_worker():
        assert outbox_deliver() == 2
        assert _wait_acked(first.pk).attempts == 1
        assert _wait_acked(last.pk).attempts == 1
        bad = OutboxMessage.objects.get(pk=poisoned.pk)
        assert (bad.attempts, bad.sent_at, bad.dead_at) == (1, None, None)
        assert bad.last_error == "EncodeError: Object of type bytes is not JSON serializable"
        assert outbox.outbox_health() == {"pending": 1, "dead": 0}

        assert outbox_deliver() == 0
        assert outbox_deliver() == 0
        bad = OutboxMessage.objects.get(pk=poisoned.pk)
        assert bad.attempts == 3
        assert bad.dead_at is not None
        assert outbox_deliver() == 0  # dead: not tried again
        assert OutboxMessage.objects.get(pk=poisoned.pk).attempts == 3
        assert outbox.outbox_health() == {"pending": 0, "dead": 1}

        listing = StringIO()
        call_command("outbox_dead", stdout=listing)
        assert f"#{poisoned.pk} accounts.ping" in listing.getvalue()
        assert "attempts=3" in listing.getvalue()
        assert "EncodeError: Object of type bytes is not JSON serializable" in listing.getvalue()

        monkeypatch.setattr(outbox, "_publish", real_publish)  # the cause is fixed
        revived = StringIO()
        call_command("outbox_dead", "--revive", str(poisoned.pk), stdout=revived)
        assert "Revived 1 of 1" in revived.getvalue()
        assert outbox_deliver() == 1
        done = _wait_acked(poisoned.pk)
    assert (done.attempts, done.dead_at, done.last_error) == (1, None, "")
    assert outbox.outbox_health() == {"pending": 0, "dead": 0}


@pytest.mark.worker
def test_the_broker_away_stops_the_sweep_and_counts_no_attempt(settings, monkeypatch) -> None:
    """A refused connection (a real one: a broker URL on a closed port) is the broker's
    fault: the sweep stops at the first message, counts nothing against any of them and
    never kills one, however long the outage; web processes back off."""
    import socket

    from celery import Celery

    import core.outbox.services as outbox

    settings.OUTBOX_MAX_ATTEMPTS = 2
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    away = Celery("broker-away", broker=f"redis://127.0.0.1:{closed_port}/0", set_as_current=False)
    away.conf.broker_transport_options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    away.conf.broker_connection_timeout = settings.CELERY_BROKER_CONNECTION_TIMEOUT
    monkeypatch.setattr(outbox, "current_app", away)
    monkeypatch.setattr(outbox, "_broker_backoff_until", 0.0)
    messages = _messages(3)

    for _ in range(4):  # an outage longer than OUTBOX_MAX_ATTEMPTS sweeps
        started = time.monotonic()
        assert outbox_deliver() == 0
        assert time.monotonic() - started < 5
    rows = list(OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).order_by("pk"))
    assert [(m.attempts, m.sent_at, m.dead_at) for m in rows] == [(0, None, None)] * 3
    assert rows[0].last_error.startswith("OperationalError")
    assert [m.last_error for m in rows[1:]] == ["", ""]  # never tried: the sweep stopped
    assert outbox.outbox_deliver_after_commit(message_ids=[rows[1].pk]) == 0  # backing off
    assert outbox.outbox_health() == {"pending": 3, "dead": 0}

    monkeypatch.undo()  # the broker is back
    with running_worker():
        assert outbox_deliver() == 3
        done = [_wait_acked(m.pk) for m in messages]
    assert [(m.attempts, m.last_error, m.dead_at) for m in done] == [(1, "", None)] * 3


def test_a_message_handed_over_the_most_times_and_never_acknowledged_is_marked_dead(settings) -> None:
    from datetime import timedelta

    from django.utils import timezone

    settings.OUTBOX_MAX_ATTEMPTS = 4
    [stuck] = _messages(1)
    long_ago = timezone.now() - timedelta(seconds=settings.OUTBOX_REDELIVER_AFTER_SECONDS + 1)
    OutboxMessage.objects.filter(pk=stuck.pk).update(attempts=4, sent_at=long_ago)
    assert outbox_deliver() == 0
    dead = OutboxMessage.objects.get(pk=stuck.pk)
    assert dead.dead_at is not None
    assert dead.last_error == "handed over but never acknowledged: the task keeps failing"
