"""The retention job (#21 point 1): with the clock moved forward, a closed case's file is
erased and its pupil anonymised on the policy's date and not a day before, the financial
record stays, the erasure is recorded in the audit trail under the policy version, a held
case is untouched, a second run changes nothing, and collaboration's words about the pupil
and the emails about the case go too."""

from __future__ import annotations

import logging
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collaboration.models import AdviceMessage, AdviceRequest, ForumSession
from core.erasure import ERASED_TEXT
from core.errors import ApplicationError, ConflictError, NotFound
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import (
    Case,
    CaseComment,
    CaseDocument,
    CaseEvent,
    Decision,
    LegalHold,
    Outcome,
    ProvisionRow,
    Pupil,
    ResourceLine,
)
from exceptional_resource.services import retention as retention_module
from exceptional_resource.services.holds import legal_hold_lift, legal_hold_place
from exceptional_resource.services.retention import case_erase, retention_due, retention_run
from exceptional_resource.tasks import retention_run_task
from groupings.services.policy import policy_version_create
from notifications.models import Notification
from shared_resources.models import ResourceRequest
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.retention_support import (
    at,
    collaboration_about,
    declined_case,
    resource_request_about,
)
from tests.factories import TrustFactory, member

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]


@pytest.fixture(autouse=True)
def private_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_VIRUS_SCANNER = "tests.exceptional_resource.evidence_files.EicarScanner"
    return tmp_path


def _stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _state(scene: Scene) -> dict[str, Any]:
    """Every row the job may touch, as values: equal before and after a run that changes nothing."""
    with tenant_context(scene.body):
        return {
            "cases": list(Case.objects.order_by("pk").values()),
            "pupils": list(Pupil.objects.order_by("pk").values()),
            "provision": list(ProvisionRow.objects.order_by("pk").values()),
            "resources": list(ResourceLine.objects.order_by("pk").values()),
            "outcomes": list(Outcome.objects.order_by("pk").values()),
            "decisions": list(Decision.objects.order_by("pk").values()),
            "comments": list(CaseComment.objects.order_by("pk").values()),
            "events": list(CaseEvent.objects.order_by("pk").values()),
            "documents": list(CaseDocument.objects.order_by("pk").values()),
            "notifications": list(Notification.objects.order_by("pk").values()),
            "audit": AuditEvent.objects.count(),
        }


def test_a_closed_case_is_erased_on_its_date_keeping_the_financial_record(
    scene: Scene, private_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    case = declined_case(scene)
    assert len(_stored_files(private_root)) == 1
    with tenant_context(scene.body):
        resources_before = list(ResourceLine.objects.filter(case=case).values("quantity", "unit_cost_pence", "kind"))
        provision_before = list(ProvisionRow.objects.filter(case=case).values("hourly_cost_pence", "weeks"))

    with time_machine.travel(at(2032, 12, 6), tick=False):
        early = retention_run(tenant=scene.body)
    assert early.erased_case_ids == []
    assert early.anonymised_pupil_ids == []

    with time_machine.travel(at(2032, 12, 7), tick=False), django_capture_on_commit_callbacks(execute=True):
        result = retention_run(tenant=scene.body)

    assert result.erased_case_ids == [case.pk]
    assert result.anonymised_pupil_ids == [case.pupil_id]
    assert result.policy_version == 1
    assert _stored_files(private_root) == []
    with tenant_context(scene.body):
        erased = Case.objects.get(pk=case.pk)
        assert (erased.need_description, erased.parents_summary, erased.pupil_summary) == ("", "", "")
        assert erased.erased_at is not None
        assert erased.status == "declined"
        assert (erased.own_imf_pence, erased.notional_sen_pence, erased.reference) == (
            case.own_imf_pence,
            case.notional_sen_pence,
            case.reference,
        )
        assert erased.submitted_on == case.submitted_on
        assert list(ResourceLine.objects.filter(case=case).values("quantity", "unit_cost_pence", "kind")) == (
            resources_before
        )
        assert list(ResourceLine.objects.filter(case=case).values_list("description", flat=True)) == [ERASED_TEXT]
        assert list(ProvisionRow.objects.filter(case=case).values("hourly_cost_pence", "weeks")) == provision_before
        assert list(ProvisionRow.objects.filter(case=case).values_list("provision", flat=True)) == [ERASED_TEXT]
        assert list(Outcome.objects.filter(case=case).values_list("description", "measure")) == [("", "")]
        assert list(Decision.objects.filter(case=case).values_list("reasons", "outcome")) == [(ERASED_TEXT, "declined")]
        assert list(CaseComment.objects.filter(case=case).values_list("text", flat=True)) == [ERASED_TEXT]
        assert set(CaseEvent.objects.filter(case=case).values_list("note", flat=True)) == {""}
        assert not CaseDocument.objects.filter(case=case).exists()
        assert not Notification.objects.filter(dedupe_key__contains=f":case {case.pk}:").exists()
        pupil = Pupil.objects.get(pk=case.pupil_id)
        assert (bytes(pupil.name_encrypted), bytes(pupil.upn_encrypted), pupil.upn_hash) == (b"", b"", "")
        assert (pupil.reference, pupil.primary_need, pupil.sen_status) == (
            case.pupil.reference,
            "SLCN",
            "sen_support",
        )
        record = AuditEvent.objects.get(verb="case.erased", object_id=str(case.pk))
        anonymised = AuditEvent.objects.get(verb="pupil.anonymised", object_id=str(case.pupil_id))
    assert record.actor_label == "system"
    assert record.after["policy_version"] == 1
    assert record.after["closed_on"] == "2026-12-07"
    assert record.after["erase_on"] == "2032-12-07"
    assert record.after["erased_on"] == "2032-12-07"
    assert record.after["financial_record_kept_until"] == "2033-03-31"
    assert record.after["erased"]["evidence_files"] == 1
    assert record.after["erased"]["comments"] == 1
    assert record.after["erased"]["notifications"] == 1
    assert record.after["evidence"][0]["size_bytes"] > 0
    assert anonymised.after["erased"] == {
        "name": True,
        "upn": True,
        "subject_access_files": 0,
        "collaboration.advice_requests": 0,
        "collaboration.advice_messages": 0,
        "collaboration.forum_lines": 0,
        "shared_resources.request_notes": 0,
        "shared_resources.decision_reasons": 0,
    }
    assert anonymised.after["policy_version"] == 1
    assert "Ada" not in str(record.after) + str(anonymised.after)


def test_running_the_job_twice_changes_nothing_the_second_time(scene: Scene) -> None:
    case = declined_case(scene)
    with time_machine.travel(at(2033, 1, 10), tick=False):
        first = retention_run(tenant=scene.body)
        after_first = _state(scene)
        second = retention_run(tenant=scene.body)
        assert retention_run_task.apply(kwargs={"body_ids": [scene.body.pk]}).get() == 0
    assert first.erased_case_ids == [case.pk]
    assert (second.erased_case_ids, second.anonymised_pupil_ids) == ([], [])
    assert _state(scene) == after_first


def test_a_held_case_is_untouched_until_the_hold_is_lifted(
    scene: Scene, private_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    case = declined_case(scene)
    legal_hold_place(actor=scene.officer.user, tenant=scene.body, case_id=case.pk, reason="Tribunal appeal lodged")
    before = _state(scene)
    with time_machine.travel(at(2040, 1, 1), tick=False):
        held = retention_run(tenant=scene.body)
    assert held.erased_case_ids == []
    assert held.anonymised_pupil_ids == []
    assert held.held_case_ids == [case.pk]
    assert _state(scene) == before
    assert len(_stored_files(private_root)) == 1

    with time_machine.travel(at(2040, 1, 2), tick=False), django_capture_on_commit_callbacks(execute=True):
        legal_hold_lift(actor=scene.officer.user, tenant=scene.body, case_id=case.pk, reason="Tribunal decided")
        lifted = retention_run(tenant=scene.body)
    assert lifted.erased_case_ids == [case.pk]
    assert _stored_files(private_root) == []
    with tenant_context(scene.body):
        verbs = list(AuditEvent.objects.filter(object_id=str(case.pk)).values_list("verb", flat=True))
        assert {"case.hold_placed", "case.hold_lifted", "case.erased"} <= set(verbs)
        hold = LegalHold.objects.get(case=case)
        assert hold.reason == ERASED_TEXT
        assert hold.lifted_at is not None


def test_collaboration_words_about_an_erased_pupil_are_erased_too(scene: Scene) -> None:
    case = declined_case(scene)
    made = collaboration_about(scene, case)
    requested = resource_request_about(scene, case)
    with time_machine.travel(at(2033, 1, 10), tick=False):
        retention_run(tenant=scene.body)
    with tenant_context(scene.body):
        assert AdviceRequest.objects.get(pk=made["request"].pk).question == ERASED_TEXT
        assert AdviceMessage.objects.get(pk=made["message"].pk).text == ERASED_TEXT
        notes = ForumSession.objects.get(pk=made["session"].pk).notes
        record = AuditEvent.objects.get(verb="case.erased")
        anonymised = AuditEvent.objects.get(verb="pupil.anonymised")
    assert notes == f"Attendance good.\n{ERASED_TEXT}\nNext: moderation."
    with tenant_context(scene.body):
        erased_request = ResourceRequest.objects.get(pk=requested.pk)
    assert (erased_request.note, erased_request.decision_reason) == (ERASED_TEXT, ERASED_TEXT)
    assert (erased_request.status, erased_request.units, erased_request.case_id) == ("declined", 1, case.pk)
    assert record.after["erased"]["shared_resources.request_notes"] == 1
    assert record.after["erased"]["shared_resources.decision_reasons"] == 1
    assert record.after["erased"]["collaboration.advice_requests"] == 1
    assert record.after["erased"]["collaboration.advice_messages"] == 1
    assert anonymised.after["erased"]["collaboration.forum_lines"] == 1


def test_an_open_case_and_a_longer_policy_period_are_left_alone(scene: Scene) -> None:
    declined = declined_case(scene)
    from tests.exceptional_resource.conftest import draft_case

    open_case = draft_case(scene)
    policy_version_create(
        actor=scene.officer.user,
        tenant=scene.body,
        effective_from=date(2027, 4, 1),
        pooled_share_percent="10",
        urgent_reserve_percent="5",
        decision_target_working_days=10,
        decision_criteria=["Proportionate"],
        case_file_retention_years=10,
    )
    with time_machine.travel(at(2033, 1, 10), tick=False):
        assert retention_run(tenant=scene.body).erased_case_ids == []
    with time_machine.travel(at(2036, 12, 7), tick=False):
        result = retention_run(tenant=scene.body)
    assert result.erased_case_ids == [declined.pk]
    assert result.policy_version == 2
    with tenant_context(scene.body):
        assert Case.objects.get(pk=open_case.pk).erased_at is None
        assert AuditEvent.objects.get(verb="case.erased").after["case_file_retention_years"] == 10


def test_the_management_command_lists_then_erases_only_the_cases_named(scene: Scene) -> None:
    first = declined_case(scene)
    second = declined_case(scene, upn="B123456789012")
    with time_machine.travel(at(2033, 1, 10), tick=False):
        with CaptureQueriesContext(connection) as queries:
            due, held = retention_due(tenant=scene.body, today=date(2033, 1, 10))
        assert (due, held) == ([first.pk, second.pk], [])
        assert len(queries) <= 8  # the same whatever the number of closed cases
        before = _state(scene)
        out = StringIO()
        call_command("retention_run", "--dry-run", "--body", str(scene.body.pk), stdout=out)
        assert f"2 case(s) due [{first.pk}, {second.pk}]" in out.getvalue()
        assert _state(scene) == before
        out = StringIO()
        call_command("retention_run", "--case", str(second.pk), stdout=out)
        assert f"erased 1 case(s) [{second.pk}]" in out.getvalue()
    with tenant_context(scene.body):
        assert Case.objects.get(pk=first.pk).erased_at is None
        assert Case.objects.get(pk=second.pk).erased_at is not None


def test_holds_are_placed_and_lifted_only_by_officers_and_admins_with_a_reason(scene: Scene) -> None:
    case = declined_case(scene)
    with pytest.raises(ApplicationError) as refused:
        legal_hold_place(actor=scene.head.user, tenant=scene.body, case_id=case.pk, reason="Complaint")
    assert refused.value.code == "not_allowed"
    for bad in ("", "   ", "x" * 501):
        with pytest.raises(ApplicationError) as invalid:
            legal_hold_place(actor=scene.officer.user, tenant=scene.body, case_id=case.pk, reason=bad)
        assert invalid.value.field == "reason"
    with pytest.raises(ConflictError) as nothing:
        legal_hold_lift(actor=scene.officer.user, tenant=scene.body, case_id=case.pk, reason="No hold")
    assert nothing.value.code == "no_hold"
    other = member("body_admin", TrustFactory())
    with pytest.raises(NotFound):
        legal_hold_place(actor=other.user, tenant=other.responsible_body, case_id=case.pk, reason="Not mine")
    admin = member("body_admin", scene.body)
    legal_hold_place(actor=admin.user, tenant=scene.body, case_id=case.pk, reason="Complaint to the ombudsman")
    with pytest.raises(ConflictError):
        legal_hold_place(actor=scene.officer.user, tenant=scene.body, case_id=case.pk, reason="Again")
    with tenant_context(scene.body):
        assert LegalHold.objects.filter(case=case).count() == 1
        placed = AuditEvent.objects.get(verb="case.hold_placed")
    assert placed.after["reason"]["text"] == "redacted"


def test_the_hold_page_places_and_lifts_a_hold_and_a_head_cannot_see_it(scene: Scene) -> None:
    case = declined_case(scene)
    url = reverse("cases:legal-hold", kwargs={"body_slug": scene.body.slug, "case_id": case.pk})
    officer = Client()
    officer.force_login(scene.officer.user)
    detail = reverse("cases:detail", kwargs={"body_slug": scene.body.slug, "case_id": case.pk})
    assert f'href="{url}"' in officer.get(detail).content.decode()
    assert "No legal hold is in force" in officer.get(url).content.decode()
    empty = officer.post(url, {"action": "place", "reason": ""})
    assert empty.status_code == 200
    assert "Enter the reason for the hold" in empty.content.decode()
    assert officer.post(url, {"action": "place", "reason": "Tribunal appeal"}).status_code == 302
    assert "Tribunal appeal" in officer.get(url).content.decode()
    assert officer.post(url, {"action": "lift", "reason": "Appeal decided"}).status_code == 302
    with tenant_context(scene.body):
        assert LegalHold.objects.get(case=case).lift_reason == "Appeal decided"
    head = Client()
    head.force_login(scene.head.user)
    assert head.get(url).status_code == 404
    assert f'href="{url}"' not in head.get(detail).content.decode()


def test_the_hold_api_places_and_lifts_and_refuses_bad_input(scene: Scene) -> None:
    from rest_framework.test import APIClient

    case = declined_case(scene)
    url = reverse("cases-api:case-legal-hold", kwargs={"body_slug": scene.body.slug, "case_id": case.pk})
    client = APIClient()
    client.force_authenticate(scene.officer.user)
    assert client.post(url, {"reason": ""}, format="json").status_code == 400
    assert client.post(url, {"reason": 5 * "x" * 101}, format="json").status_code == 400
    placed = client.post(url, {"reason": "Claim threatened"}, format="json")
    assert placed.status_code == 201
    assert placed.json()["reason"] == "Claim threatened"
    assert client.get(url).json()["in_force"] is True
    assert client.post(url + "lift/", {"reason": ""}, format="json").status_code == 400
    lifted = client.post(url + "lift/", {"reason": "Claim withdrawn"}, format="json")
    assert lifted.status_code == 200
    assert lifted.json()["lifted_at"] is not None
    head = APIClient()
    head.force_authenticate(scene.head.user)
    assert head.post(url, {"reason": "Mine"}, format="json").status_code == 404


def test_a_failed_erasure_keeps_the_evidence_file_its_row_and_records_no_erasure(
    scene: Scene, private_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """M4: the evidence objects are deleted only once the erasure commits. An error after
    the point where the rows are deleted rolls everything back: the file is still in the
    store, its row is still there, the case is not erased and no ``case.erased`` is written."""
    case = declined_case(scene)
    assert len(_stored_files(private_root)) == 1

    def broken(**kwargs: Any) -> dict[str, int]:
        raise RuntimeError("collaboration handler failed")

    with (
        time_machine.travel(at(2032, 12, 7), tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        mock.patch("exceptional_resource.services.retention.case_erasure_run", broken),
        pytest.raises(RuntimeError, match="collaboration handler failed"),
    ):
        case_erase(tenant=scene.body, case_id=case.pk, today=date(2032, 12, 7))
    assert callbacks == []
    assert len(_stored_files(private_root)) == 1
    with tenant_context(scene.body):
        assert Case.objects.get(pk=case.pk).erased_at is None
        document = CaseDocument.objects.get(case=case)
        assert document.file.storage.exists(document.file.name)
        assert not AuditEvent.objects.filter(verb="case.erased").exists()


def test_one_case_that_fails_does_not_stop_the_others_and_the_failure_is_recorded(
    scene: Scene, private_root: Path, django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """S2: each case is erased in its own transaction; one that fails is rolled back, logged
    with its id and recorded in the audit trail, and the job carries on with the others."""
    failing = declined_case(scene)
    erasable = declined_case(scene, name="Grace Hopper", upn="B123456789012")
    real = retention_module.case_erasure_run

    def fails_for_one(**kwargs: Any) -> dict[str, int]:
        if kwargs["case_ids"] == [failing.pk]:
            raise RuntimeError("Ada's handler failed")
        return real(**kwargs)

    with (
        time_machine.travel(at(2032, 12, 7), tick=False),
        django_capture_on_commit_callbacks(execute=True),
        mock.patch("exceptional_resource.services.retention.case_erasure_run", fails_for_one),
        caplog.at_level(logging.ERROR, logger="exceptional_resource.services.retention"),
    ):
        erased = retention_run_task.apply(kwargs={"body_ids": [scene.body.pk]}).get()

    assert erased == 1
    assert f"case {failing.pk} of body {scene.body.pk} could not be erased" in caplog.text
    assert len(_stored_files(private_root)) == 1  # the failing case's evidence only
    with tenant_context(scene.body):
        assert Case.objects.get(pk=failing.pk).erased_at is None
        assert Case.objects.get(pk=erasable.pk).erased_at is not None
        assert CaseDocument.objects.filter(case=failing).count() == 1
        assert list(AuditEvent.objects.filter(verb="case.erased").values_list("object_id", flat=True)) == [
            str(erasable.pk)
        ]
        failure = AuditEvent.objects.get(verb="case.erasure_failed")
    assert failure.object_id == str(failing.pk)
    assert failure.actor_label == "system"
    assert failure.after == {"case_id": failing.pk, "attempted_on": "2032-12-07", "error": "RuntimeError"}
    assert "Ada" not in str(failure.after)
