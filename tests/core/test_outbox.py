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
