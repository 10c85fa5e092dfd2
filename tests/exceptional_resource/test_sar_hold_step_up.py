"""Subject access and legal holds need MFA and a fresh step-up proof (review S5): asking for
a pupil's export, downloading it, and placing or lifting a hold. Without MFA set up, the page
sends the person to set it up and the API answers 403 ``mfa_required``; with a stale proof,
the page asks for a code and the API answers 403 ``step_up_required``, and nothing is done
until a right code is given."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from core.tenancy import tenant_context
from exceptional_resource.models import LegalHold
from exceptional_resource.services.holds import legal_hold_place
from exceptional_resource.services.subject_access import subject_access_request
from reports import services as report_services
from reports.models import ReportFile, ReportRun
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.retention_support import declined_case
from tests.factories import member, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]


@pytest.fixture(autouse=True)
def private_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_VIRUS_SCANNER = "tests.exceptional_resource.evidence_files.EicarScanner"
    return tmp_path


def later(minutes: int = 16) -> Any:
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


def _page(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _urls(scene: Scene, case: Any, run: ReportRun, file_id: int) -> dict[str, str]:
    body = {"body_slug": scene.body.slug}
    return {
        "sar_page": reverse("cases:subject-access", kwargs=body),
        "sar_file_page": reverse(
            "cases:subject-access-file", kwargs={**body, "reportrun_id": run.pk, "reportfile_id": file_id}
        ),
        "hold_page": reverse("cases:legal-hold", kwargs={**body, "case_id": case.pk}),
        "sar_api": reverse("cases-api:pupil-subject-access", kwargs={**body, "pupil_id": case.pupil_id}),
        "sar_file_api": reverse(
            "cases-api:subject-access-file", kwargs={**body, "reportrun_id": run.pk, "reportfile_id": file_id}
        ),
        "hold_api": reverse("cases-api:case-legal-hold", kwargs={**body, "case_id": case.pk}),
        "lift_api": reverse("cases-api:case-legal-hold-lift", kwargs={**body, "case_id": case.pk}),
    }


def _made(scene: Scene) -> tuple[Any, ReportRun, int]:
    case = declined_case(scene)
    run = subject_access_request(actor=scene.officer.user, tenant=scene.body, pupil_id=case.pupil_id)
    assert report_services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "succeeded"
    with tenant_context(scene.body):
        file_id = ReportFile.objects.get(run_id=run.pk).pk
        case.pupil.refresh_from_db()  # its reference, read here in the body's context
    return case, run, file_id


def _runs(scene: Scene) -> int:
    with tenant_context(scene.body):
        return ReportRun.objects.filter(report_type="subject_access").count()


def _holds(scene: Scene) -> int:
    with tenant_context(scene.body):
        return LegalHold.objects.count()


def test_without_mfa_the_pages_send_to_set_up_and_the_api_answers_mfa_required(scene: Scene) -> None:
    case, run, file_id = _made(scene)
    urls = _urls(scene, case, run, file_id)
    officer = member(Role.DECISION_OFFICER, scene.body)  # no authenticator
    page = _page(officer.user)
    for name in ("sar_page", "hold_page"):
        sent = page.get(urls[name])
        assert sent.status_code == 302, name
        assert sent["Location"].startswith(reverse("mfa_activate_totp")), name
    posted = page.post(urls["sar_page"], {"reference": case.pupil.reference})
    assert posted.status_code == 302
    assert posted["Location"].startswith(reverse("mfa_activate_totp"))
    assert page.post(urls["hold_page"], {"action": "place", "reason": "Complaint"})["Location"].startswith(
        reverse("mfa_activate_totp")
    )
    api = _api(officer.user)
    for method, name, data in (
        ("post", "sar_api", None),
        ("post", "hold_api", {"reason": "Complaint"}),
        ("post", "lift_api", {"reason": "Done"}),
        ("get", "hold_api", None),
    ):
        refused = getattr(api, method)(urls[name], data, format="json")
        assert refused.status_code == 403, name
        assert refused.json()["code"] == "mfa_required", name
    assert _runs(scene) == 1
    assert _holds(scene) == 0


def test_a_stale_proof_asks_for_a_code_before_an_export_is_requested_or_downloaded(scene: Scene) -> None:
    case, run, file_id = _made(scene)
    urls = _urls(scene, case, run, file_id)
    page = _page(scene.officer.user)
    api = _api(scene.officer.user)
    with later():
        asked = page.post(urls["sar_page"], {"reference": case.pupil.reference})
        assert asked.status_code == 200
        assert "Confirm it is you" in asked.content.decode()
        assert _runs(scene) == 1
        wrong = page.post(urls["sar_page"], {"reference": case.pupil.reference, "step_up_code": "000000"})
        assert wrong.status_code == 403
        assert _runs(scene) == 1
        made = page.post(
            urls["sar_page"], {"reference": case.pupil.reference, "step_up_code": totp_code(scene.officer.user)}
        )
        assert made.status_code == 302
        assert _runs(scene) == 2

    with later(32):
        download = page.get(urls["sar_file_page"])
        assert download.status_code == 200
        assert "Confirm it is you" in download.content.decode()
        assert not hasattr(download, "streaming_content")
        got = page.post(urls["sar_file_page"], {"step_up_code": totp_code(scene.officer.user)})
        assert got.status_code == 200
        assert b"".join(got.streaming_content)[:2] == b"PK"

    with later(48):
        for method, name in (("post", "sar_api"), ("get", "sar_file_api")):
            refused = getattr(api, method)(urls[name])
            assert refused.status_code == 403, name
            assert refused.json()["code"] == "step_up_required", name
        assert _runs(scene) == 2
        zipped = api.get(urls["sar_file_api"], HTTP_X_MFA_CODE=totp_code(scene.officer.user))
        assert zipped.status_code == 200
        assert b"".join(zipped.streaming_content)[:2] == b"PK"
        assert api.post(urls["sar_api"]).status_code == 201  # the proof now counts for this credential
        assert _runs(scene) == 3


def test_a_stale_proof_asks_for_a_code_before_a_hold_is_placed_or_lifted(scene: Scene) -> None:
    case, run, file_id = _made(scene)
    urls = _urls(scene, case, run, file_id)
    page = _page(scene.officer.user)
    with later():
        asked = page.post(urls["hold_page"], {"action": "place", "reason": "Tribunal appeal"})
        assert asked.status_code == 200
        assert "Confirm it is you" in asked.content.decode()
        assert _holds(scene) == 0
        placed = page.post(
            urls["hold_page"],
            {"action": "place", "reason": "Tribunal appeal", "step_up_code": totp_code(scene.officer.user)},
        )
        assert placed.status_code == 302
        assert _holds(scene) == 1

    api = _api(scene.senior.user)
    with later(32):
        refused = api.post(urls["lift_api"], {"reason": "Decided"}, format="json")
        assert refused.status_code == 403
        assert refused.json()["code"] == "step_up_required"
        with tenant_context(scene.body):
            assert LegalHold.objects.get().lifted_at is None
        lifted = api.post(
            urls["lift_api"], {"reason": "Decided"}, format="json", HTTP_X_MFA_CODE=totp_code(scene.senior.user)
        )
        assert lifted.status_code == 200
        assert lifted.json()["lifted_at"] is not None

    with later(64):
        refused = api.post(urls["hold_api"], {"reason": "New complaint"}, format="json")
        assert refused.json()["code"] == "step_up_required"
        assert _holds(scene) == 1
    legal_hold_place(actor=scene.officer.user, tenant=scene.body, case_id=case.pk, reason="Service still works")
    assert _holds(scene) == 2
