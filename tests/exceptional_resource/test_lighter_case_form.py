"""The lighter case form (issue 20, point 8): for a pupil already recorded, a new case
carries forward what the school told the pool last time (provision in place, who was
involved) for it to confirm, so sending it takes no more than 12 typed answers; "Save and
continue" on an empty section says what is missing; check answers lists the evidence."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.audit_verbs import AuditVerb
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import Case, CaseStatus, ProvisionRow
from exceptional_resource.services.evidence import evidence_upload
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.evidence_files import PDF
from tests.exceptional_resource.pages_support import client_for, field_error, submitted_case, text, url

pytestmark = pytest.mark.django_db
MAX_REQUIRED_INPUTS = 12
DATE_PART = re.compile(r"_(day|month|year)$")


def _prefilled(page: str) -> dict[str, str]:
    """What a section's page already holds: text inputs' values, checked radios, selected
    options and textareas, as a browser would send them untouched."""
    found: dict[str, str] = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r'\bname="([^"]+)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if not name or name.group(1) == "csrfmiddlewaretoken":
            continue
        kind = (re.search(r'\btype="([^"]+)"', tag) or [None, "text"])[1]
        if kind in ("radio", "checkbox"):
            if " checked" in tag and value:
                found[name.group(1)] = html.unescape(value.group(1))
        elif value:
            found[name.group(1)] = html.unescape(value.group(1))
    for name, body in re.findall(r'<textarea\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        if body.strip():
            found[name] = html.unescape(body.strip())
    for name, options in re.findall(r'<select\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        selected = re.search(r'<option value="([^"]*)" selected>', options)
        if selected and selected.group(1):
            found[name] = selected.group(1)
    return found


class Person:
    """A head going through the case form's pages, counting the answers they had to type
    (a date's three boxes are one answer) beside what the pages had already filled in."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.client = client_for(scene.head.user)
        self.typed: list[str] = []

    def section(self, name: str, case: Case, answers: dict[str, str], action: str = "continue") -> Any:
        page = text(self.client.get(url(name, self.scene.body, case_id=case.pk)))
        data = _prefilled(page)
        for key, value in answers.items():
            if data.get(key) != value:
                question = DATE_PART.sub("", key)
                if question not in self.typed:
                    self.typed.append(question)
            data[key] = value
        response = self.client.post(url(name, self.scene.body, case_id=case.pk), {**data, "action": action})
        assert response.status_code == 302, (name, field_error(response, "id_provision"), text(response)[:3000])
        return response


def _second_case(scene: Scene) -> tuple[Case, Case]:
    first = submitted_case(scene)
    response = client_for(scene.head.user).post(
        url("new", scene.body), {"school": scene.school.pk, "pupil": first.pupil_id}
    )
    assert response.status_code == 302
    with tenant_context(scene.body):
        second = Case.objects.exclude(pk=first.pk).get(pupil_id=first.pupil_id)
    return first, second


def test_a_new_case_for_a_recorded_pupil_carries_forward_provision_and_involvement(scene: Scene) -> None:
    first, second = _second_case(scene)
    with tenant_context(scene.body):
        rows = list(ProvisionRow.objects.filter(case=second).values_list("provision", "hourly_cost_pence", "weeks"))
        second.refresh_from_db()
        event = AuditEvent.objects.get(verb=AuditVerb.CASE_DRAFTED, object_id=str(second.pk))
    assert rows == [("Speech group", 20_00, 38)]
    assert (second.parents_involved, second.parents_summary) == (True, "Met parents on 2 Nov")
    assert (second.pupil_involved, second.pupil_summary) == (True, "Pupil views recorded")
    assert second.need_description == ""  # the need is this case's own: never carried
    assert event.after["carried_forward_from"] == first.reference
    client = client_for(scene.head.user)
    notice = f"Carried forward from case {first.reference}"
    assert notice in text(client.get(url("draft", scene.body, case_id=second.pk)))
    for section in ("draft-provision", "draft-involvement"):
        assert notice in text(client.get(url(section, scene.body, case_id=second.pk))), section
    assert notice not in text(client.get(url("draft-need", scene.body, case_id=second.pk)))


def test_nothing_is_carried_from_a_draft_that_was_never_sent(scene: Scene) -> None:
    earlier = draft_case(scene)
    client_for(scene.head.user).post(url("new", scene.body), {"school": scene.school.pk, "pupil": earlier.pupil_id})
    with tenant_context(scene.body):
        second = Case.objects.exclude(pk=earlier.pk).get(pupil_id=earlier.pupil_id)
        assert not ProvisionRow.objects.filter(case=second).exists()
    assert second.parents_involved is None


def test_a_case_for_a_recorded_pupil_is_sent_with_no_more_than_12_typed_answers(scene: Scene) -> None:
    first = submitted_case(scene)
    head = Person(scene)
    response = head.client.post(url("new", scene.body), {"school": scene.school.pk, "pupil": str(first.pupil_id)})
    assert response.status_code == 302
    head.typed.append("pupil")
    with tenant_context(scene.body):
        case = Case.objects.exclude(pk=first.pk).get(pupil_id=first.pupil_id)

    head.section("draft-need", case, {"need_description": "Needs more signing support this term."})
    head.section("draft-provision", case, {})  # carried forward: confirmed as it is
    head.section("draft-funding", case, {})  # optional
    head.section("draft-resources", case, {"kind": "staffing_hours", "quantity": "100", "unit_cost": "19.50"})
    head.section(
        "draft-outcomes",
        case,
        {
            "description": "Uses 80 signs",
            "review_on_day": "1",
            "review_on_month": "3",
            "review_on_year": str(case.created_at.year + 1),
        },
    )
    head.section("draft-involvement", case, {})  # carried forward: confirmed as it is
    sent = head.client.post(url("draft-check", scene.body, case_id=case.pk))
    assert sent.status_code == 302, text(sent)[:3000]
    with tenant_context(scene.body):
        case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert head.typed == ["pupil", "need_description", "kind", "quantity", "unit_cost", "description", "review_on"]
    assert len(head.typed) <= MAX_REQUIRED_INPUTS


@pytest.mark.parametrize(
    ("section", "message", "field", "field_message"),
    [
        (
            "draft-provision",
            "Add at least one row of the provision already in place, with its cost",
            "provision",
            "Name the provision",
        ),
        ("draft-resources", "Add what you are asking for", "kind", "Choose what kind of resource this is"),
        (
            "draft-outcomes",
            "Add at least one intended outcome with a review date",
            "description",
            "Describe the intended outcome",
        ),
    ],
)
def test_save_and_continue_on_an_empty_section_says_what_is_missing(
    scene: Scene, section: str, message: str, field: str, field_message: str
) -> None:
    """It used to move on to the next section without a word."""
    client = client_for(scene.head.user)
    response = client.post(
        url("new", scene.body),
        {
            "school": scene.school.pk,
            "pupil": "new",
            "year_group": "Y4",
            "sen_status": "sen_support",
            "primary_need": "ASD",
        },
    )
    with tenant_context(scene.body):
        case = Case.objects.get()
    response = client.post(url(section, scene.body, case_id=case.pk), {"action": "continue"})
    assert response.status_code == 200
    page = html.unescape(text(response))
    assert "There is a problem" in page
    assert message in page
    assert field_error(response, f"id_{field}") == field_message
    assert f'href="{url("draft", scene.body, case_id=case.pk)}"' in page  # the way out: come back later
    with tenant_context(scene.body):
        assert not ProvisionRow.objects.filter(case=case).exists()
        assert not case.resource_lines.exists()
        assert not case.outcomes.exists()


def test_check_answers_lists_the_evidence_attached(scene: Scene, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_VIRUS_SCANNER = "tests.exceptional_resource.evidence_files.EicarScanner"
    case = draft_case(scene)
    client = client_for(scene.head.user)
    empty = text(client.get(url("draft-check", scene.body, case_id=case.pk)))
    assert "No documents are attached." in empty
    evidence_upload(
        actor=scene.head.user,
        tenant=scene.body,
        case_id=case.pk,
        upload=SimpleUploadedFile("EP report.pdf", PDF),
    )
    page = text(client.get(url("draft-check", scene.body, case_id=case.pk)))
    assert "Evidence attached" in page
    assert re.search(r"<li>EP report\.pdf \(\d+\xa0bytes, added \d+ \w+ \d{4}\)</li>", page), page
    assert "No documents are attached." not in page
