"""Letters as records. Seen in the browser: after an award was varied to £5,940.00 the
decision letter still said "£7,500.00 of the … requested" above a payment schedule that
totalled £5,940.00. A decision letter is the decision as made; each later change to the
award has its own dated letter (page and PDF) stating the change, and the case page lists
every letter."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
import time_machine
from pypdf import PdfReader

from accounts.models import Role
from core.tenancy import tenant_context
from exceptional_resource import letters
from exceptional_resource.models import Award, Case, CaseEvent
from exceptional_resource.services import awards as award_services
from exceptional_resource.services import cases as case_services
from tests.core.pdf_support import assert_tagged_pdf
from tests.exceptional_resource.api_support import CRITERIA
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.pages_support import client_for, text, url
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(date(2026, 11, 20), tick=False):
        yield


def _varied(scene: Scene) -> tuple[Case, Award]:
    """Partly approved for £7,500.00 of £9,000.00, then varied down to £5,940.00."""
    case = draft_case(scene)
    case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    award = case_services.case_decide(
        actor=scene.officer.user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="partly_approved",
        criteria_met=CRITERIA,
        reasons="The therapy is needed.",
        amount_pence=7_500_00,
        pool_id=scene.pool.pk,
        frequency="monthly",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 3, 31),
        review_on=date(2027, 3, 1),
    ).award
    assert award is not None
    with time_machine.travel(date(2026, 12, 3), tick=False):
        award_services.award_vary(
            actor=scene.officer.user,
            tenant=scene.body,
            award_id=award.pk,
            new_amount_pence=5_940_00,
            reason="Fewer therapy sessions are needed.",
        )
    return case, award


def _pdf_text(content: bytes) -> str:
    return " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())


def test_the_decision_letter_stays_the_decision_as_made_after_a_variation(scene: Scene) -> None:
    case, _ = _varied(scene)
    page = text(client_for(scene.head.user).get(url("letter", scene.body, case_id=case.pk)))
    assert "£7,500.00 of the £9,000.00 requested" in page
    total = re.search(r">Total</th><td[^>]*><strong>(£[\d,.]+)</strong>", page)
    assert total is not None
    assert total.group(1) == "£7,500.00"
    assert "£5,940.00" not in page
    with tenant_context(scene.body):
        _, letter = letters.letter_for_case(body=scene.body, case=Case.objects.get(pk=case.pk))
    assert letter.payments_total_pence == letter.amount_pence == 7_500_00
    assert [p.due_on for p in letter.payments] == [
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
        date(2027, 3, 1),
    ]


def test_a_variation_and_an_end_each_have_their_own_dated_letter_listed_on_the_case(scene: Scene) -> None:
    case, award = _varied(scene)
    with time_machine.travel(date(2027, 1, 15), tick=False):
        award_services.award_end_early(
            actor=scene.officer.user,
            tenant=scene.body,
            award_id=award.pk,
            end_on=date(2027, 1, 31),
            reason="Moved school",
        )
    with tenant_context(scene.body):
        varied, ended = (
            CaseEvent.objects.filter(case=case, verb__in=["award_varied", "award_ended"])
            .order_by("created_at")
            .values_list("pk", flat=True)
        )
    head = client_for(scene.head.user)
    detail = text(head.get(url("detail", scene.body, case_id=case.pk)))
    listed = re.search(r'<ul class="govuk-list" id="case-letters">(.*?)</ul>', detail, re.S)
    assert listed is not None
    items = [re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li>(.*?)</li>", listed.group(1))]
    assert items == [
        "Decision letter: partly approved, 20 November 2026",
        "The award has changed, 3 December 2026",
        "The award has ended, 15 January 2027",
    ]
    change = head.get(url("change-letter", scene.body, case_id=case.pk, caseevent_id=varied))
    assert change.status_code == 200
    page = text(change)
    assert "From £7,500.00 to £5,940.00: Fewer therapy sessions are needed." in page
    assert "3 December 2026" in page
    pdf = head.get(url("change-letter-pdf", scene.body, case_id=case.pk, caseevent_id=ended))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert_tagged_pdf(pdf.content, title_contains=f"case {case.reference}")
    assert pdf["Content-Disposition"] == f'attachment; filename="award-change-{case.reference}-20270115-{ended}.pdf"'
    words = _pdf_text(pdf.content)
    assert "The award has ended" in words
    assert "Ended on 31 January 2027: Moved school" in words
    assert "15 January 2027" in words


def test_a_change_letter_is_only_for_the_school_and_officers_and_only_for_a_change(scene: Scene) -> None:
    case, _ = _varied(scene)
    with tenant_context(scene.body):
        submit = CaseEvent.objects.get(case=case, verb="submit").pk
        varied = CaseEvent.objects.get(case=case, verb="award_varied").pk
    other_head = member(Role.HEAD, scene.body, school=own_academy(scene.body, name="Other Academy"))
    assert (
        client_for(other_head.user)
        .get(url("change-letter", scene.body, case_id=case.pk, caseevent_id=varied))
        .status_code
        == 404
    )
    assert (
        client_for(scene.finance.user)
        .get(url("change-letter", scene.body, case_id=case.pk, caseevent_id=varied))
        .status_code
        == 404
    )
    # A timeline entry that is not a change to the award has no letter.
    assert (
        client_for(scene.head.user)
        .get(url("change-letter", scene.body, case_id=case.pk, caseevent_id=submit))
        .status_code
        == 404
    )
    assert (
        client_for(scene.officer.user)
        .get(url("change-letter", scene.body, case_id=case.pk, caseevent_id=varied))
        .status_code
        == 200
    )
