"""Closing a case: only once its award has ended (the last step of the workflow), by a
decision officer, audited and on the case's timeline; the demo closes one this way."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from core.errors import ApplicationError, ConflictError
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import Case, CaseEvent
from exceptional_resource.services import cases
from exceptional_resource.services.awards import award_end_early
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.test_workflow import _approve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(date(2026, 11, 20), tick=False):
        yield


def _ended(scene: Scene) -> Case:
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    award = _approve(scene, case).award
    # Ended before its first instalment (1 December): nothing is left to pay.
    award_end_early(
        actor=scene.officer.user, tenant=scene.body, award_id=award.pk, end_on=date(2026, 11, 20), reason="Left."
    )
    return case


def test_an_officer_closes_a_case_whose_award_has_ended(scene: Scene) -> None:
    case = _ended(scene)
    cases.case_close(actor=scene.officer.user, tenant=scene.body, case_id=case.pk, note=" Paid in full. ")
    with tenant_context(scene.body):
        assert Case.objects.get(pk=case.pk).status == "closed"
        event = CaseEvent.objects.filter(case=case).latest("pk")
        assert (event.verb, event.from_status, event.to_status, event.note) == (
            "close",
            "ended",
            "closed",
            "Paid in full.",
        )
        audit = AuditEvent.objects.filter(verb="case.close").get()
        assert (audit.before, audit.after) == ({"status": "ended"}, {"status": "closed"})


def test_a_case_still_running_or_a_head_cannot_close_it(scene: Scene) -> None:
    running = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=running.pk)
    _approve(scene, running)
    with pytest.raises(ConflictError) as refused:
        cases.case_close(actor=scene.officer.user, tenant=scene.body, case_id=running.pk)
    assert refused.value.code == "invalid_transition"
    ended = _ended(scene)
    with pytest.raises(ApplicationError) as not_allowed:
        cases.case_close(actor=scene.head.user, tenant=scene.body, case_id=ended.pk)
    assert not_allowed.value.code == "not_allowed"
    with tenant_context(scene.body):
        assert set(Case.objects.values_list("status", flat=True)) == {"active", "ended"}
        assert not AuditEvent.objects.filter(verb="case.close").exists()
