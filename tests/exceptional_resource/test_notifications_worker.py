"""The whole chain with a real worker: a case is submitted and committed, the officers'
messages are queued on commit, and the worker sends each officer's email once."""

from __future__ import annotations

import time

import pytest

from core.tenancy import tenant_context
from exceptional_resource.services import cases
from notifications.models import Notification
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.worker import running_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _sent(scene: Scene) -> list[tuple[int, bool]]:
    with tenant_context(scene.body):
        return sorted((n.user_id, n.sent_at is not None) for n in Notification.objects.all())


def test_submitting_a_case_emails_the_officers_through_the_worker(scene: Scene) -> None:
    case = draft_case(scene)
    officers = sorted([scene.officer.user_id, scene.senior.user_id])
    with running_worker():
        cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _sent(scene) != [(u, True) for u in officers]:
            time.sleep(0.2)
    assert _sent(scene) == [(u, True) for u in officers]
    with tenant_context(scene.body):
        assert {n.kind for n in Notification.objects.all()} == {"case_submitted"}
