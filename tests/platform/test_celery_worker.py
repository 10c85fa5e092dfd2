"""A real worker process on Redis runs a task and stores its result in PostgreSQL."""

from __future__ import annotations

import pytest
from django_celery_results.models import TaskResult

from accounts.tasks import ping
from tests.worker import running_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_real_worker_runs_ping_and_stores_the_result_in_postgres() -> None:
    with running_worker():
        result = ping.apply_async()
        assert result.get(timeout=30) == "pong"
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS"
    assert stored.task_name == "accounts.ping"
    assert stored.result == '"pong"'
