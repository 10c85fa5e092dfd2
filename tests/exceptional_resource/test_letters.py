"""The decision letter: a plain-English page and a PDF with the decision, reasons, criteria,
amount, period, payments, conditions, review date and how to ask for reconsideration; for
the school's head or SENDCO and decision officers only; every opening audited; no name."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from accounts.models import Role
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import Case
from exceptional_resource.services import cases as case_services
from exceptional_resource.services.pupils import pupil_create
from tests.core.pdf_support import assert_tagged_pdf
from tests.exceptional_resource.api_support import CRITERIA
from tests.exceptional_resource.conftest import draft_case
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(scene: Any, case: Case) -> str:
    return f"/b/{scene.body.slug}/cases/{case.pk}/letter/"


def _approved(scene: Any, **kwargs: Any) -> Case:
    case = draft_case(scene)
    with tenant_context(scene.body):
        pupil = Case.objects.get(pk=case.pk).pupil
    case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    terms: dict[str, Any] = dict(
        actor=scene.officer.user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="partly_approved",
        criteria_met=CRITERIA,
        reasons="The therapy is needed; the equipment is within the school's own means.",
        amount_pence=7_500_00,
        pool_id=scene.pool.pk,
        frequency="monthly",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 3, 31),
        review_on=date(2027, 3, 1),
        conditions="Send termly progress notes to the decision officer.",
    )
    terms.update(kwargs)
    case_services.case_decide(**terms)
    assert pupil.reference
    return case


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_letter_page_says_what_was_decided_and_why_in_plain_english(scene) -> None:
    case = _approved(scene)
    response = _client(scene.head.user).get(_page(scene, case))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "We have agreed to fund part of what your school asked for",
        "£7,500.00 of the £9,000.00 requested",
        "The therapy is needed",
        CRITERIA[0],
        "Criteria not met",
        "1 December 2026 to 31 March 2027",
        "Monthly, in 4 instalments",
        "Send termly progress notes",
        "1 March 2027",
        "Uses 50 signs",
        "Ask for reconsideration",
        "did not make this decision",
        case.reference,
    ):
        assert text in html, text
    with tenant_context(scene.body):
        assert AuditEvent.objects.filter(verb="decision_letter.viewed", actor_label=scene.head.user.email).count() == 1


def test_the_pdf_carries_the_same_figures_and_text(scene) -> None:
    case = _approved(scene)
    response = _client(scene.officer.user).get(_page(scene, case) + "pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(f'attachment; filename="decision-{case.reference}-')
    assert_tagged_pdf(response.content, title_contains=f"Decision letter – case {case.reference}")
    text = " ".join(_pdf_text(response.content).split())
    with tenant_context(scene.body):
        pupil_reference = Case.objects.select_related("pupil").get(pk=case.pk).pupil.reference
    for expected in (
        "Decision letter: partly approved",
        f"Case {case.reference}",
        f"pupil {pupil_reference}",
        "£7,500.00 of the £9,000.00 requested",
        "Amount awarded £7,500.00",
        "1 December 2026 to 31 March 2027",
        "Send termly progress notes to the decision officer.",
        "Review date 1 March 2027",
        "ask for this decision to be reconsidered",
        "Page 1 of",
    ):
        assert expected in text, expected
    # The payment schedule: four monthly instalments that sum to the award exactly.
    due = [d for d in ("1 December 2026", "1 January 2027", "1 February 2027", "1 March 2027") if d in text]
    assert len(due) == 4
    assert "Total £7,500.00" in text
    with tenant_context(scene.body):
        downloads = AuditEvent.objects.filter(verb="decision_letter.downloaded")
        assert [e.actor_label for e in downloads] == [scene.officer.user.email]


def test_the_letter_never_names_the_pupil(scene) -> None:
    with tenant_context(scene.body):
        pupil = pupil_create(
            actor=scene.head.user,
            tenant=scene.body,
            school_id=scene.school.pk,
            year_group="Y3",
            sen_status="sen_support",
            primary_need="SLCN",
            name="Florence Nightingale",
            upn="C123456789012",
        )
    case = _approved(scene)
    with tenant_context(scene.body):
        Case.objects.filter(pk=case.pk).update(pupil=pupil)
    client = _client(scene.head.user)
    html = client.get(_page(scene, case)).content.decode()
    pdf = _pdf_text(client.get(_page(scene, case) + "pdf/").content)
    for document in (html, pdf):
        assert "Florence" not in document
        assert "C123456789012" not in document
        assert pupil.reference in document


def test_a_decline_has_no_payments_and_explains_reconsideration(scene) -> None:
    case = draft_case(scene)
    case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    case_services.case_decide(
        actor=scene.officer.user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="declined",
        criteria_met=[],
        reasons="The school's own provision can meet this need.",
    )
    text = " ".join(_pdf_text(_client(scene.head.user).get(_page(scene, case) + "pdf/").content).split())
    assert "We have decided not to fund" in text
    assert "The school's own provision can meet this need." in text
    assert "When you will be paid" not in text
    assert "ask for this decision to be reconsidered" in text


def test_an_earlier_decision_letter_says_it_was_replaced(scene) -> None:
    case = draft_case(scene)
    case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    first = case_services.case_decide(
        actor=scene.officer.user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="declined",
        criteria_met=[],
        reasons="Not beyond the school's means.",
    )
    case_services.case_request_reconsideration(actor=scene.head.user, tenant=scene.body, case_id=case.pk, grounds="New")
    case_services.case_decide(
        actor=scene.senior.user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="approved",
        criteria_met=CRITERIA,
        reasons="The new report shows the need.",
        amount_pence=9_000_00,
        pool_id=scene.pool.pk,
        frequency="termly",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 3, 31),
        review_on=date(2027, 3, 1),
    )
    client = _client(scene.head.user)
    latest = client.get(_page(scene, case)).content.decode()
    assert "made when your school asked for the earlier decision to be reconsidered" in latest
    earlier = client.get(_page(scene, case) + f"?decision={first.decision.pk}").content.decode()
    assert "A later decision has replaced this one" in earlier
    assert "Not beyond the school" in earlier
    assert client.get(_page(scene, case) + "?decision=999999").status_code == 404
    assert client.get(_page(scene, case) + "?decision=abc").status_code == 404


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.FINANCE_OFFICER, Role.TRUSTEE, Role.BODY_ADMIN])
def test_other_roles_get_404_for_the_letter(scene, role: str) -> None:
    case = _approved(scene)
    client = _client(member(role, scene.body, mfa=True).user)
    assert client.get(_page(scene, case)).status_code == 404
    assert client.get(_page(scene, case) + "pdf/").status_code == 404


def test_another_schools_head_and_another_bodys_officer_get_404(scene) -> None:
    case = _approved(scene)
    other_head = member(Role.HEAD, scene.body, school=own_academy(scene.body))
    stranger = member(Role.DECISION_OFFICER, mfa=True)
    for user, slug in ((other_head.user, scene.body.slug), (stranger.user, stranger.responsible_body.slug)):
        client = _client(user)
        assert client.get(f"/b/{slug}/cases/{case.pk}/letter/").status_code == 404
        assert client.get(f"/b/{slug}/cases/{case.pk}/letter/pdf/").status_code == 404
    with tenant_context(scene.body):
        assert not AuditEvent.objects.filter(verb__startswith="decision_letter.").exists()


def test_a_case_without_a_decision_has_no_letter(scene) -> None:
    case = draft_case(scene)
    assert _client(scene.head.user).get(_page(scene, case)).status_code == 404


def test_the_api_serves_the_same_pdf_to_the_same_people(scene) -> None:
    from tests.exceptional_resource.api_support import api, url

    case = _approved(scene)
    response = api(scene.head.user).get(url(scene.body, f"cases/{case.pk}/letter/"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(_pdf_text(response.content).split())
    assert "£7,500.00 of the £9,000.00 requested" in text
    assert "Total £7,500.00" in text
    for user in (member(Role.AUDITOR, scene.body).user, member(Role.FINANCE_OFFICER, scene.body, mfa=True).user):
        assert api(user).get(url(scene.body, f"cases/{case.pk}/letter/")).status_code == 404
    other_head = member(Role.HEAD, scene.body, school=own_academy(scene.body))
    assert api(other_head.user).get(url(scene.body, f"cases/{case.pk}/letter/")).status_code == 404
    missing = api(scene.head.user).get(url(scene.body, f"cases/{case.pk}/letter/"), {"decision_id": "999999"})
    assert missing.status_code == 404
    with tenant_context(scene.body):
        downloads = AuditEvent.objects.filter(verb="decision_letter.downloaded")
        assert [e.actor_label for e in downloads] == [scene.head.user.email]
