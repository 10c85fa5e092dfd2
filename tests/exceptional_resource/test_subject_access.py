"""Subject access (#21 point 2): a decision officer asks for one pupil's export, a worker
builds the zip, the requester downloads it, and the zip is compared with the database:
identity, every case, decision and letter, every evidence file byte for byte, the timeline
and every read of the record in the audit trail, with a manifest of SHA-256s. The request and
its delivery are audited; another body's pupil is a 404; a head cannot ask; nobody else can
download it; anonymising the pupil deletes it."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from collaboration.models import AdviceMessage, AdviceRequest
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource import pupil_data
from exceptional_resource.models import Case, CaseComment, CaseDocument, CaseEvent, Decision, Pupil
from exceptional_resource.services.retention import retention_run
from exceptional_resource.services.subject_access import subject_access_request
from notifications.models import Notification
from reports import services as report_services
from reports.models import ReportFile, ReportRun
from reports.tasks import report_email_task
from shared_resources.models import ResourceRequest
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.evidence_files import PDF
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


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _two_cases(scene: Scene) -> tuple[Pupil, list[Case]]:
    """One pupil with a declined case (evidence, a comment) and a draft, read once on a page."""
    first = declined_case(scene)
    second = draft_case(scene, need_description="A second request: hearing support")
    with tenant_context(scene.body):
        Case.objects.filter(pk=second.pk).update(pupil_id=first.pupil_id)
        pupil = Pupil.objects.get(pk=first.pupil_id)
    page = reverse("cases:detail", kwargs={"body_slug": scene.body.slug, "case_id": first.pk})
    assert _client(scene.officer.user).get(page).status_code == 200
    return pupil, [first, second]


def _produce(scene: Scene, pupil: Pupil) -> tuple[ReportRun, bytes]:
    run = subject_access_request(actor=scene.officer.user, tenant=scene.body, pupil_id=pupil.pk)
    assert report_services.report_run_execute(report_run_id=run.pk, task_id="t-1") == "succeeded"
    with tenant_context(scene.body):
        report_file = ReportFile.objects.get(run_id=run.pk)
    url = reverse(
        "cases:subject-access-file",
        kwargs={"body_slug": scene.body.slug, "reportrun_id": run.pk, "reportfile_id": report_file.pk},
    )
    response = _client(scene.officer.user).get(url)
    assert response.status_code == 200
    return run, b"".join(response.streaming_content)


def test_the_zip_holds_everything_the_database_holds_about_the_pupil(scene: Scene) -> None:
    pupil, cases = _two_cases(scene)
    advice = collaboration_about(scene, cases[0])
    resource_request = resource_request_about(scene, cases[0])
    with tenant_context(scene.body):
        Notification.objects.create(
            responsible_body=scene.body,
            user=scene.head.user,
            kind="advice_replied",
            delivery="digest",
            subject="Advice on your question",
            text="The adviser replied about Ada",
            link="/",
            dedupe_key=f"advice_replied:advice {advice['request'].pk}:message 1",
        )
    _, data = _produce(scene, pupil)

    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    names = sorted(n for n in archive.namelist() if n != "manifest.json")
    assert sorted(f["path"] for f in manifest["files"]) == names
    for entry in manifest["files"]:
        content = archive.read(entry["path"])
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["size_bytes"] == len(content)
    assert manifest["pupil"] == pupil.reference

    identity = json.loads(archive.read("identity.json"))
    assert identity["name"] == "Ada Lovelace" == pupil_data.decrypt(pupil.name_encrypted)
    assert identity["upn"] == "A123456789012"
    assert (identity["reference"], identity["primary_need"], identity["year_group"]) == (pupil.reference, "SLCN", "Y3")

    with tenant_context(scene.body):
        assert set(Case.objects.filter(pupil=pupil).values_list("reference", flat=True)) == {
            n.split("/")[1] for n in names if n.startswith("cases/")
        }
        for case in Case.objects.filter(pupil=pupil):
            base = f"cases/{case.reference}"
            record = json.loads(archive.read(f"{base}/case.json"))
            assert record["need_description"] == case.need_description
            assert record["own_imf_pence"] == case.own_imf_pence
            assert [r["unit_cost_pence"] for r in record["resource_lines"]] == list(
                case.resource_lines.order_by("pk").values_list("unit_cost_pence", flat=True)
            )
            assert [o["description"] for o in record["outcomes"]] == list(
                case.outcomes.order_by("pk").values_list("description", flat=True)
            )
            decided = json.loads(archive.read(f"{base}/decisions.json"))
            db_decisions = list(Decision.objects.filter(case=case).order_by("decided_at", "pk"))
            assert [(d["id"], d["outcome"], d["reasons"], d["amount_pence"]) for d in decided["decisions"]] == [
                (d.pk, d.outcome, d.reasons, d.amount_pence) for d in db_decisions
            ]
            letters = [n for n in names if n.startswith(f"{base}/letters/")]
            assert len(letters) == len(db_decisions)
            assert all(archive.read(n).startswith(b"%PDF") for n in letters)
            timeline = json.loads(archive.read(f"{base}/timeline.json"))
            assert [e["id"] for e in timeline["events"]] == list(
                CaseEvent.objects.filter(case=case).order_by("created_at", "pk").values_list("pk", flat=True)
            )
            assert [c["text"] for c in timeline["comments"]] == list(
                CaseComment.objects.filter(case=case).order_by("pk").values_list("text", flat=True)
            )
            emailed = json.loads(archive.read(f"{base}/notifications.json"))
            assert [(n["id"], n["subject"], n["text"]) for n in emailed] == list(
                Notification.objects.filter(dedupe_key__contains=f":case {case.pk}:")
                .order_by("pk")
                .values_list("pk", "subject", "text")
            )
            collaboration = json.loads(archive.read(f"{base}/collaboration.json"))
            assert [(r["id"], r["question"]) for r in collaboration["advice_requests"]] == list(
                AdviceRequest.objects.filter(case=case).order_by("pk").values_list("pk", "question")
            )
            assert [(m["id"], m["text"]) for r in collaboration["advice_requests"] for m in r["messages"]] == list(
                AdviceMessage.objects.filter(advice_request__case=case)
                .order_by("advice_request", "created_at", "pk")
                .values_list("pk", "text")
            )
            shared = json.loads(archive.read(f"{base}/shared_resources.json"))
            assert [
                (r["id"], r["note"], r["decision_reason"], r["status"]) for r in shared["resource_requests"]
            ] == list(
                ResourceRequest.objects.filter(case=case)
                .order_by("pk")
                .values_list("pk", "note", "decision_reason", "status")
            )
            for document in CaseDocument.objects.filter(case=case):
                stored = archive.read(f"{base}/evidence/{document.pk}-{document.original_name}")
                assert stored == PDF
                assert hashlib.sha256(stored).hexdigest() == document.sha256
        assert CaseDocument.objects.filter(case__pupil=pupil).count() == 1
        reads = list(
            AuditEvent.objects.filter(
                verb__in=["case.viewed", "pupil.identity_viewed", "case.evidence_downloaded"],
                object_id__in=[str(c.pk) for c in cases] + [str(pupil.pk)],
            )
            .order_by("id")
            .values_list("id", "verb", "actor_label")
        )
    # What each part of the zip names, against the rows made above: nothing left out.
    first = f"cases/{cases[0].reference}"
    collaboration = json.loads(archive.read(f"{first}/collaboration.json"))
    assert [r["question"] for r in collaboration["advice_requests"]] == ["How do we support Ada's communication?"]
    assert [m["text"] for m in collaboration["advice_requests"][0]["messages"]] == ["Try a visual timetable for Ada"]
    assert [n["text"] for n in collaboration["notifications"]] == ["The adviser replied about Ada"]
    [shared] = json.loads(archive.read(f"{first}/shared_resources.json"))["resource_requests"]
    assert (shared["id"], shared["note"], shared["resource"]) == (
        resource_request.pk,
        "A place for Ada, who is non-verbal",
        "Hill SEMH base",
    )
    assert [n["subject"] for n in json.loads(archive.read(f"{first}/notifications.json"))] == [
        f"Case {cases[0].reference} decided"
    ]
    second = f"cases/{cases[1].reference}"
    assert json.loads(archive.read(f"{second}/collaboration.json")) == {"advice_requests": [], "notifications": []}
    zipped_reads = [(r["id"], r["verb"], r["who"]) for r in json.loads(archive.read("audit/reads.json"))]
    assert zipped_reads == reads
    assert ("case.viewed", scene.officer.user.email) in [(v, who) for _, v, who in zipped_reads]


def test_the_request_and_its_delivery_are_audited_and_only_the_requester_downloads(scene: Scene) -> None:
    pupil, _ = _two_cases(scene)
    run, _ = _produce(scene, pupil)
    with tenant_context(scene.body):
        verbs = list(AuditEvent.objects.filter(object_id=str(run.pk)).order_by("id").values_list("verb", flat=True))
    assert verbs.count("subject_access.requested") == 1
    assert verbs.count("subject_access.delivered") == 1
    page = reverse("cases:subject-access-run", kwargs={"body_slug": scene.body.slug, "reportrun_id": run.pk})
    assert "Download subject-access-" in _client(scene.officer.user).get(page).content.decode()
    assert _client(scene.senior.user).get(page).status_code == 404
    assert _client(scene.head.user).get(page).status_code == 404
    assert report_email_task.apply(kwargs={"report_run_id": run.pk}).get() == 1
    [email] = [m for m in mail.outbox if m.subject.startswith("Your report is ready")]
    assert email.to == [scene.officer.user.email]
    assert page in email.body
    assert "Ada" not in email.subject + email.body


def test_another_bodys_pupil_is_a_404_and_a_head_cannot_ask(scene: Scene) -> None:
    pupil, _ = _two_cases(scene)
    other = member(Role.DECISION_OFFICER, TrustFactory(), mfa=True)
    api = APIClient()
    api.force_authenticate(other.user)
    url = reverse(
        "cases-api:pupil-subject-access", kwargs={"body_slug": other.responsible_body.slug, "pupil_id": pupil.pk}
    )
    assert api.post(url).status_code == 404
    head = APIClient()
    head.force_authenticate(scene.head.user)
    own = reverse("cases-api:pupil-subject-access", kwargs={"body_slug": scene.body.slug, "pupil_id": pupil.pk})
    assert head.post(own).status_code == 404
    assert (
        _client(scene.head.user).get(reverse("cases:subject-access", kwargs={"body_slug": scene.body.slug})).status_code
        == 404
    )
    with tenant_context(scene.body):
        assert not ReportRun.objects.filter(report_type="subject_access").exists()

    officer = APIClient()
    officer.force_authenticate(scene.officer.user)
    made = officer.post(own)
    assert made.status_code == 201
    assert made.json()["status"] == "queued"
    assert (
        officer.post(
            reverse("cases-api:pupil-subject-access", kwargs={"body_slug": scene.body.slug, "pupil_id": 10**9})
        ).status_code
        == 404
    )
    detail = officer.get(
        reverse(
            "cases-api:subject-access",
            kwargs={"body_slug": scene.body.slug, "reportrun_id": made.json()["report_run_id"]},
        )
    )
    assert detail.json()["description"] == f"Subject-access export, pupil {pupil.reference}"


def test_the_page_takes_a_reference_and_refuses_bad_ones(scene: Scene) -> None:
    pupil, _ = _two_cases(scene)
    url = reverse("cases:subject-access", kwargs={"body_slug": scene.body.slug})
    officer = _client(scene.officer.user)
    for bad, message in (("", "Enter the pupil&#x27;s reference"), ("P-NOTHERE", "No pupil with that reference")):
        response = officer.post(url, {"reference": bad})
        assert response.status_code == 200
        assert message in response.content.decode()
    admin = _client(member(Role.BODY_ADMIN, scene.body, mfa=True).user)
    made = admin.post(url, {"reference": pupil.reference.lower()})
    assert made.status_code == 302
    with tenant_context(scene.body):
        run = ReportRun.objects.get(report_type="subject_access")
    assert made["Location"].endswith(f"/cases/subject-access/{run.pk}/")
    assert run.parameters == {"pupil": pupil.pk}


def test_anonymising_the_pupil_deletes_their_export(scene: Scene, private_root: Path) -> None:
    case = declined_case(scene)
    with tenant_context(scene.body):
        pupil = Pupil.objects.get(pk=case.pupil_id)
    run, _ = _produce(scene, pupil)
    with tenant_context(scene.body):
        stored = ReportFile.objects.get(run_id=run.pk).storage_path
    assert (private_root / stored).exists()
    with time_machine.travel(at(2033, 1, 10), tick=False):
        result = retention_run(tenant=scene.body)
    assert result.anonymised_pupil_ids == [pupil.pk]
    assert not (private_root / stored).exists()
    with tenant_context(scene.body):
        assert ReportRun.objects.get(pk=run.pk).status == "expired"
        assert ReportFile.objects.get(run_id=run.pk).deleted_at is not None
        anonymised = AuditEvent.objects.get(verb="pupil.anonymised")
    assert anonymised.after["erased"]["subject_access_files"] == 1
