"""An award's terms are checked once, in the service (``award_terms_check``), for the
decision page, the decide API and a renewal after review (issue 18: the API serializer,
the page form and the service each had their own copy, with different messages and codes).
The same bad terms now get the same field, message and code on the page and in the API."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.errors import ApplicationError
from exceptional_resource.services import cases as case_services
from tests.exceptional_resource.api_support import api, approve_terms
from tests.exceptional_resource.api_support import url as api_url
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.pages_support import CRITERIA, client_for, field_error, fresh, submitted_case, url

pytestmark = pytest.mark.django_db

BAD_TERMS = [
    # (API change, page change, field, message, code)
    ({"ends_on": "2026-11-30"}, {"ends_on": "2026-11-30"}, "ends_on", "The last day must be on or after the first day.",
     "invalid_dates"),
    ({"amount_pence": 0}, {"amount": ""}, "amount_pence", "Enter the amount awarded.", "amount_required"),
    ({"starts_on": None}, {"starts_on": ""}, "starts_on", "Enter the first day of the award.", "invalid_dates"),
    ({"review_on": None}, {"review_on": ""}, "review_on", "Enter the review date.", "review_required"),
]  # fmt: skip
PAGE_FIELDS = {"amount_pence": "amount", "pool_id": "pool"}


def _page_terms(scene: Scene, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "outcome": "approved",
        "criteria_met": CRITERIA,
        "reasons": "Meets the published criteria.",
        "amount": "9000.00",
        "pool": str(scene.pool.pk),
        "frequency": "monthly",
        "starts_on": "2026-12-01",
        "ends_on": "2027-03-31",
        "review_on": "2027-03-01",
        "conditions": "Termly progress note.",
        "action": "decide",
    }
    return {**data, **changes}


@pytest.mark.parametrize(("api_change", "page_change", "field", "message", "code"), BAD_TERMS)
def test_the_page_and_the_api_refuse_bad_terms_alike(
    scene: Scene, api_change: dict[str, Any], page_change: dict[str, Any], field: str, message: str, code: str
) -> None:
    first, second = submitted_case(scene), submitted_case(scene)
    response = api(scene.officer.user).post(
        api_url(scene.body, f"cases/{first.pk}/decide/"), {**approve_terms(scene.pool.pk), **api_change}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert (response.json()["code"], response.json()["field"], response.json()["message"]) == (code, field, message)
    page = client_for(scene.officer.user).post(
        url("decide", scene.body, case_id=second.pk), _page_terms(scene, **page_change)
    )
    assert page.status_code == 200
    assert field_error(page, f"id_{PAGE_FIELDS.get(field, field)}") == message
    assert (fresh(scene, first).status, fresh(scene, second).status) == ("submitted", "submitted")


def test_the_service_checks_the_terms_when_called_directly(scene: Scene) -> None:
    case = submitted_case(scene)
    terms = {**approve_terms(scene.pool.pk), "starts_on": date(2026, 12, 1), "ends_on": None, "review_on": None}
    with pytest.raises(ApplicationError) as refused:
        case_services.case_decide(actor=scene.officer.user, tenant=scene.body, case_id=case.pk, **terms)
    assert (refused.value.code, refused.value.field) == ("invalid_dates", "ends_on")
