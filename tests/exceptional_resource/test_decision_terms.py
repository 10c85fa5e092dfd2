"""A decision cannot contradict itself: the outcome follows from the amount against what
was asked, and review dates fall after today and after the award starts. The same rules
answer the service, the decision page and the API, and the case form's outcome and
resource dates. Time is frozen: the rules depend on today."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine

from core.errors import ApplicationError
from core.tenancy import tenant_context
from exceptional_resource.models import Case, Outcome
from exceptional_resource.services import cases, drafts
from exceptional_resource.services.decision_terms import outcome_for_amount
from tests.exceptional_resource.api_support import api, approve_terms, counts, url
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.pages_support import client_for, text
from tests.exceptional_resource.pages_support import url as page_url

pytestmark = pytest.mark.django_db

CRITERIA = ["The intended outcomes are specific, measurable and have a review date."]
TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


def _submitted(scene: Scene, requested_pence: int) -> Any:
    case = draft_case(scene, requested_pence=requested_pence)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    return case


def _decide(scene: Scene, case: Any, **terms: Any) -> cases.DecisionResult:
    args: dict[str, Any] = dict(
        actor=scene.senior.user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="approved",
        criteria_met=CRITERIA,
        reasons="Meets the criteria",
        amount_pence=9_000_00,
        pool_id=scene.pool.pk,
        frequency="monthly",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 3, 31),
        review_on=date(2027, 3, 1),
    )
    args.update(terms)
    return cases.case_decide(**args)


def _refused(scene: Scene, case: Any, code: str, field: str, **terms: Any) -> ApplicationError:
    before = counts(scene.body)
    with pytest.raises(ApplicationError) as exc:
        _decide(scene, case, **terms)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert counts(scene.body) == before  # no decision, award or timeline entry
    return exc.value


def test_partly_approved_for_more_than_asked_is_refused(scene: Scene) -> None:
    # Seen in the browser: "partly approved" for £7,500 against £6,900 asked.
    case = _submitted(scene, 6_900_00)
    error = _refused(
        scene, case, "amount_above_request", "amount_pence", outcome="partly_approved", amount_pence=7_500_00
    )
    assert error.message == "The amount awarded cannot be more than the £6,900.00 the school asked for."


def test_approved_for_less_than_asked_is_refused(scene: Scene) -> None:
    # Seen in the browser: "approved" for £20,000 against £30,000 asked.
    case = _submitted(scene, 30_000_00)
    error = _refused(scene, case, "outcome_amount_mismatch", "amount_pence", amount_pence=20_000_00)
    assert error.message == "Approve funds all of the £30,000.00 asked for. To award less, choose partly approve."


def test_partly_approved_for_all_that_was_asked_is_refused(scene: Scene) -> None:
    case = _submitted(scene, 9_000_00)
    _refused(scene, case, "outcome_amount_mismatch", "amount_pence", outcome="partly_approved", amount_pence=9_000_00)


def test_consistent_outcomes_are_decided(scene: Scene) -> None:
    full = _decide(scene, _submitted(scene, 9_000_00))
    part = _decide(scene, _submitted(scene, 9_000_00), outcome="partly_approved", amount_pence=8_999_99)
    assert (full.decision.outcome, full.award.amount_pence) == ("approved", 9_000_00)  # type: ignore[union-attr]
    assert (part.decision.outcome, part.award.amount_pence) == ("partly_approved", 8_999_99)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("amount", "outcome"),
    [(9_000_00, "approved"), (1, "partly_approved"), (8_999_99, "partly_approved"), (9_000_01, None), (0, None)],
)
def test_the_only_outcome_an_amount_allows(amount: int, outcome: str | None) -> None:
    assert outcome_for_amount(amount_pence=amount, requested_pence=9_000_00) == outcome


@pytest.mark.parametrize(
    ("review_on", "code"),
    [
        (date(2026, 11, 30), "review_not_after_start"),  # before the award starts
        (date(2026, 12, 1), "review_not_after_start"),  # on the first day
        (TODAY, "review_not_after_today"),
        (date(2026, 1, 5), "review_not_after_today"),  # in the past
    ],
)
def test_a_decisions_review_date_is_after_today_and_after_the_award_starts(
    scene: Scene, review_on: date, code: str
) -> None:
    case = _submitted(scene, 9_000_00)
    _refused(scene, case, code, "review_on", review_on=review_on)


def test_a_review_the_day_after_the_award_starts_is_accepted(scene: Scene) -> None:
    result = _decide(scene, _submitted(scene, 9_000_00), review_on=date(2026, 12, 2))
    assert result.decision.review_on == date(2026, 12, 2)


def test_the_decision_page_shows_the_contradiction_on_the_amount_and_decides_nothing(scene: Scene) -> None:
    case = _submitted(scene, 6_900_00)
    before = counts(scene.body)
    response = client_for(scene.senior.user).post(
        page_url("decide", scene.body, case_id=case.pk),
        {
            "outcome": "partly_approved",
            "criteria_met": CRITERIA,
            "reasons": "Meets the criteria",
            "amount": "7500.00",
            "pool": str(scene.pool.pk),
            "frequency": "monthly",
            "starts_on": "2026-12-01",
            "ends_on": "2027-03-31",
            "review_on": "2026-11-01",
            "action": "decide",
        },
    )
    assert response.status_code == 200
    assert "The amount awarded cannot be more than the £6,900.00 the school asked for." in text(response)
    # The page says which outcome each amount means before the officer chooses.
    assert "Approve funds all of the £6,900.00 the school asked for. Partly approve funds less than that." in text(
        response
    )
    assert counts(scene.body) == before


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"amount_pence": 7_500_00, "outcome": "partly_approved"}, "amount_above_request", "amount_pence"),
        ({"amount_pence": 5_000_00}, "outcome_amount_mismatch", "amount_pence"),
        ({"review_on": "2026-11-25"}, "review_not_after_start", "review_on"),
        ({"review_on": "2026-10-01"}, "review_not_after_today", "review_on"),
    ],
)
def test_the_api_refuses_the_same_contradictions(scene: Scene, changes: dict[str, Any], code: str, field: str) -> None:
    case = _submitted(scene, 6_900_00 if changes.get("outcome") else 9_000_00)
    before = counts(scene.body)
    response = api(scene.senior.user).post(
        url(scene.body, f"cases/{case.pk}/decide/"), approve_terms(scene.pool.pk, **changes), format="json"
    )
    assert response.status_code == 400, response.json()
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert counts(scene.body) == before


def _draft(scene: Scene) -> Any:
    return draft_case(scene)


def test_an_intended_outcome_reviewed_today_or_earlier_is_refused(scene: Scene) -> None:
    case = _draft(scene)
    before = counts(scene.body)
    for day, code in ((TODAY, "review_not_after_today"), (date(2026, 12, 1), "review_not_after_start")):
        with pytest.raises(ApplicationError) as exc:
            drafts.outcome_add(
                actor=scene.head.user,
                tenant=scene.body,
                case_id=case.pk,
                description="Reads 100 words",
                measure="Teacher's count",
                review_on=day,
            )
        assert (exc.value.code, exc.value.field) == (code, "review_on")
    assert counts(scene.body) == before


def test_a_resource_line_that_has_already_ended_is_refused(scene: Scene) -> None:
    case = _draft(scene)
    before = counts(scene.body)
    with pytest.raises(ApplicationError) as exc:
        drafts.resource_line_add(
            actor=scene.head.user,
            tenant=scene.body,
            case_id=case.pk,
            kind="equipment",
            description="Laptop",
            quantity=1,
            unit_cost_pence=500_00,
            starts_on=date(2026, 9, 1),
            ends_on=date(2026, 11, 19),
        )
    assert (exc.value.code, exc.value.field) == ("date_in_past", "ends_on")
    assert counts(scene.body) == before


def test_the_api_refuses_an_outcome_review_in_the_past(scene: Scene) -> None:
    case = _draft(scene)
    before = counts(scene.body)
    response = api(scene.head.user).post(
        url(scene.body, f"cases/{case.pk}/outcomes/"),
        {"description": "Uses 50 signs", "measure": "Count", "review_on": "2026-11-01"},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "review_not_after_today")
    assert counts(scene.body) == before


def test_a_draft_whose_review_date_has_passed_cannot_be_submitted(scene: Scene) -> None:
    case = _draft(scene)  # its outcome is reviewed on 1 March 2027
    with time_machine.travel(date(2027, 3, 2), tick=False), pytest.raises(ApplicationError) as exc:
        cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    assert (exc.value.code, exc.value.field) == ("incomplete_case", "outcomes")
    assert "The review date must be after today (2 March 2027)." in exc.value.message
    with tenant_context(scene.body):
        assert Outcome.objects.filter(case=case).count() == 1
        assert Case.objects.get(pk=case.pk).status == "draft"
