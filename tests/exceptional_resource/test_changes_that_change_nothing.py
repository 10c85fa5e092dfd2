"""Varying an award to the total it already has is refused with ``amount_unchanged`` on the
amount, by the service, the page and the API: nothing is written and the page keeps what the
officer typed. A review's "change" at the same total is how an officer keeps the award as it
is and sets the next review date: allowed, with no change letter. (A reconsideration upheld
at the same amount is a decision of its own, and stays allowed.)"""

from __future__ import annotations

import html
from datetime import date

import pytest

from core.errors import ApplicationError
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.letters import change_letters
from exceptional_resource.models import Award, Case, CaseEvent, Outcome
from exceptional_resource.selectors.cases import case_get
from exceptional_resource.services import awards
from exceptional_resource.services.awards import awards_mark_reviews_due, review_record
from pooling.models import Transaction
from tests.exceptional_resource.api_support import api
from tests.exceptional_resource.api_support import url as api_url
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.pages_support import approved_case, client_for, field_error, input_value, text, url

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]
UNCHANGED = "The award is already £9,000.00: enter a different total to change it."


def _nothing_changed(scene: Scene, case: Case, status: str) -> None:
    with tenant_context(scene.body):
        award = Award.objects.get(case=case)
        assert (award.amount_pence, award.status, Case.objects.get(pk=case.pk).status) == (9_000_00, "active", status)
        verbs = set(CaseEvent.objects.filter(case=case).values_list("verb", flat=True))
        assert not verbs & {"award_varied", "review_change"}  # no change letter is read from them
        assert not AuditEvent.objects.filter(verb__in=["award.varied", "case.review_changed"]).exists()
        assert Transaction.objects.filter(source_type="award", source_id=str(award.pk)).count() == 1


def _award(scene: Scene, case: Case) -> Award:
    with tenant_context(scene.body):
        return Award.objects.get(case=case)


def test_varying_an_award_to_its_own_total_is_refused_by_the_service_page_and_api(scene: Scene) -> None:
    case = approved_case(scene)
    award = _award(scene, case)
    with pytest.raises(ApplicationError) as refused:
        awards.award_vary(
            actor=scene.senior.user, tenant=scene.body, award_id=award.pk, new_amount_pence=9_000_00, reason="Same"
        )
    assert (refused.value.code, refused.value.field, refused.value.message) == (
        "amount_unchanged",
        "new_amount_pence",
        UNCHANGED,
    )
    page = client_for(scene.senior.user).post(
        url("award-vary", scene.body, award_id=award.pk), {"new_amount": "9,000.00", "reason": "Typed reason"}
    )
    assert page.status_code == 200
    assert field_error(page, "id_new_amount") == UNCHANGED
    assert input_value(page, "new_amount") == "9,000.00"
    assert "Typed reason</textarea>" in html.unescape(text(page))
    response = api(scene.senior.user).post(
        api_url(scene.body, f"awards/{award.pk}/vary/"), {"new_amount_pence": 9_000_00, "reason": "Same"}, format="json"
    )
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("amount_unchanged", "new_amount_pence")
    _nothing_changed(scene, case, "active")
    varied = awards.award_vary(
        actor=scene.senior.user, tenant=scene.body, award_id=award.pk, new_amount_pence=9_000_01, reason="A penny"
    )
    assert varied.amount_pence == 9_000_01


def _reviewed(scene: Scene) -> Case:
    case = approved_case(scene)
    awards_mark_reviews_due(tenant=scene.body, today=date(2027, 3, 1))
    with tenant_context(scene.body):
        outcomes = list(Outcome.objects.filter(case=case).values_list("pk", flat=True))
    review_record(
        actor=scene.head.user,
        tenant=scene.body,
        case_id=case.pk,
        results={pk: ("partly", "40 signs") for pk in outcomes},
    )
    return case


def test_a_review_keeps_the_award_as_it_is_and_sets_the_next_review_date(scene: Scene) -> None:
    """The review page fills in the award's total; "change" with it and a new review date
    leaves the award as it is, sets the date and sends no change letter (a reviewer found
    the refusal of the same total left no way to do this)."""
    case = _reviewed(scene)
    client = client_for(scene.senior.user)
    prefilled = input_value(client.get(url("review-decide", scene.body, case_id=case.pk)), "amount")
    assert prefilled == "9000.00"
    posted = client.post(
        url("review-decide", scene.body, case_id=case.pk),
        {"decision": "change", "reasons": "Going well; carry on", "amount": prefilled, "review_on": "2027-07-01"},
    )
    assert posted.status_code == 302
    loaded = case_get(tenant=scene.body, case_id=case.pk, school_ids=None)
    assert change_letters(body=scene.body, case=loaded) == []
    with tenant_context(scene.body):
        award = Award.objects.get(case=case)
        assert (award.amount_pence, award.status, loaded.status) == (9_000_00, "active", "active")
        assert set(Outcome.objects.filter(case=case).values_list("review_on", flat=True)) == {date(2027, 7, 1)}
        assert Transaction.objects.filter(source_type="award", source_id=str(award.pk)).count() == 1
        assert not CaseEvent.objects.filter(case=case, verb="award_varied").exists()
