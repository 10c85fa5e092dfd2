"""The awards and reviews API: awards with their instalments, variation and early end
(money released exactly), the school's review of outcomes, the officer's decision after
it (renew, change, end), the reviews due, refusals and list query budgets."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import reset_queries

from accounts.models import Role
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, CaseEvent, Decision
from exceptional_resource.services import cases as case_services
from exceptional_resource.services.awards import awards_mark_reviews_due
from notifications.models import Notification
from pooling.selectors import pool_headroom
from tests.exceptional_resource.api_support import CRITERIA, api, case_row, counts, field_error, url
from tests.exceptional_resource.conftest import draft_case
from tests.factories import member, own_academy
from tests.outbox_support import outbox_mark, run_outbox
from tests.pooling.audit_grants_support import pool_auditor

# Written against the funding period 2026-27: the clock is frozen inside it (make test-dates).
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]


def _award(scene: Any, amount: int = 9_000_00) -> tuple[Case, Award]:
    case = draft_case(scene, requested_pence=amount)
    case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    result = case_services.case_decide(
        actor=scene.officer.user,
        tenant=scene.body,
        case_id=case.pk,
        outcome="approved",
        criteria_met=CRITERIA,
        reasons="Meets the criteria",
        amount_pence=amount,
        pool_id=scene.pool.pk,
        frequency="monthly",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 3, 31),
        review_on=date(2027, 3, 1),
    )
    assert result.award is not None
    return case, result.award


def _review_due(scene: Any) -> tuple[Case, Award]:
    case, award = _award(scene)
    assert awards_mark_reviews_due(tenant=scene.body, today=date(2027, 3, 2)) == [case.pk]
    return case, award


def _record_review(scene: Any, case: Case) -> Any:
    detail = api(scene.head.user).get(url(scene.body, f"cases/{case.pk}/")).json()
    results = [{"outcome_id": o["id"], "result": "partly", "note": "40 signs of 50"} for o in detail["outcomes"]]
    return api(scene.head.user).post(url(scene.body, f"cases/{case.pk}/review/"), {"results": results}, format="json")


def test_a_head_sees_their_schools_awards_with_instalments(scene) -> None:
    case, award = _award(scene)
    listed = api(scene.head.user).get(url(scene.body, "awards/"))
    assert listed.status_code == 200
    assert [(a["id"], a["amount_pence"], a["case_reference"]) for a in listed.json()["results"]] == [
        (award.pk, 9_000_00, case.reference)
    ]
    detail = api(scene.head.user).get(url(scene.body, f"awards/{award.pk}/")).json()
    assert [i["due_on"] for i in detail["instalments"]] == ["2026-12-01", "2027-01-01", "2027-02-01", "2027-03-01"]
    assert sum(i["amount_pence"] for i in detail["instalments"]) == 9_000_00
    assert (detail["scheduled_pence"], detail["paid_pence"], detail["released_pence"]) == (9_000_00, 0, 0)
    assert (detail["frequency"], detail["starts_on"], detail["review_on"]) == ("monthly", "2026-12-01", "2027-03-01")


def test_an_officer_varies_an_award_and_the_commitment_moves_by_the_difference(scene) -> None:
    _, award = _award(scene)
    response = api(scene.officer.user).post(
        url(scene.body, f"awards/{award.pk}/vary/"),
        {"new_amount_pence": 12_000_00, "reason": "Therapy twice a week"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["amount_pence"] == 12_000_00
    assert sum(i["amount_pence"] for i in response.json()["instalments"]) == 12_000_00
    assert pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence == 12_000_00


def test_ending_an_award_early_releases_exactly_the_unpaid_instalments(scene) -> None:
    case, award = _award(scene)
    response = api(scene.officer.user).post(
        url(scene.body, f"awards/{award.pk}/end/"), {"end_on": "2027-01-15", "reason": "Pupil left"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    released = [i for i in body["instalments"] if i["status"] == "released"]
    assert [i["due_on"] for i in released] == ["2027-02-01", "2027-03-01"]
    assert body["released_pence"] == sum(i["amount_pence"] for i in released)
    assert body["released_pence"] + body["scheduled_pence"] == 9_000_00
    assert (body["status"], body["ended_on"]) == ("ended", "2027-01-15")
    assert case_row(scene.body, case.pk)["status"] == "ended"
    committed = pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence
    assert committed == 9_000_00 - body["released_pence"]
    again = api(scene.officer.user).post(
        url(scene.body, f"awards/{award.pk}/end/"), {"end_on": "2027-01-15", "reason": "again"}, format="json"
    )
    assert (again.status_code, again.json()["code"]) == (409, "award_not_active")


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("vary/", {"new_amount_pence": 12_000.505, "reason": "x"}, "new_amount_pence"),
        # pounds with ".00", a float that happens to be whole, a boolean, an exponent: none are pence
        ("vary/", {"new_amount_pence": 12_000.0, "reason": "x"}, "new_amount_pence"),
        ("vary/", {"new_amount_pence": "12000.00", "reason": "x"}, "new_amount_pence"),
        ("vary/", {"new_amount_pence": True, "reason": "x"}, "new_amount_pence"),
        ("vary/", {"new_amount_pence": "1e6", "reason": "x"}, "new_amount_pence"),
        ("vary/", {"new_amount_pence": "1²", "reason": "x"}, "new_amount_pence"),  # a digit int() refuses
        ("vary/", {"new_amount_pence": -100, "reason": "x"}, "new_amount_pence"),
        ("vary/", {"new_amount_pence": 0, "reason": "x"}, "new_amount_pence"),
        ("vary/", {"new_amount_pence": 100}, "reason"),
        ("end/", {"end_on": "31/01/2027", "reason": "x"}, "end_on"),
        ("end/", {"reason": "x"}, "end_on"),
        ("end/", {"end_on": "2027-01-31"}, "reason"),
    ],
)
def test_bad_award_values_are_a_field_error_and_change_nothing(
    scene, path: str, payload: dict[str, Any], field: str
) -> None:
    _, award = _award(scene)
    before = counts(scene.body)
    response = api(scene.officer.user).post(url(scene.body, f"awards/{award.pk}/{path}"), payload, format="json")
    assert response.status_code == 400, response.json()
    assert field_error(response) == {field}
    assert counts(scene.body) == before
    with tenant_context(scene.body):
        assert Award.objects.get(pk=award.pk).amount_pence == 9_000_00
        assert Award.objects.get(pk=award.pk).status == "active"


def test_varying_above_the_limit_is_a_409(scene) -> None:
    _, award = _award(scene)
    response = api(scene.officer.user).post(
        url(scene.body, f"awards/{award.pk}/vary/"), {"new_amount_pence": 30_000_00, "reason": "More"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "over_delegated_limit")


@pytest.mark.parametrize("path", ["vary/", "end/"])
def test_only_a_decision_officer_changes_an_award(scene, path: str) -> None:
    _, award = _award(scene)
    payload = {"new_amount_pence": 100, "reason": "x", "end_on": "2027-01-31"}
    # An auditor who may read the award's pool (issue 16) still may not change it.
    for user in (scene.head.user, pool_auditor(scene.body)):
        assert api(user).post(url(scene.body, f"awards/{award.pk}/{path}"), payload, format="json").status_code == 403
    other_school = api(member(Role.HEAD, scene.body, school=own_academy(scene.body)).user)
    assert other_school.get(url(scene.body, f"awards/{award.pk}/")).status_code == 404
    stranger = member(Role.DECISION_OFFICER, mfa=True)
    assert api(stranger.user).get(url(stranger.responsible_body, f"awards/{award.pk}/")).status_code == 404
    assert api(scene.finance.user).get(url(scene.body, "awards/")).status_code == 404
    with tenant_context(scene.body):
        assert Award.objects.get(pk=award.pk).status == "active"


# --- Reviews ---------------------------------------------------------------------------------


def test_reviews_due_lists_the_case_and_the_school_records_progress(scene) -> None:
    case, _ = _review_due(scene)
    due = api(scene.officer.user).get(url(scene.body, "reviews-due/")).json()
    assert [(c["id"], c["status"], c["next_review_on"]) for c in due["results"]] == [
        (case.pk, "review_due", "2027-03-01")
    ]
    recorded = _record_review(scene, case)
    assert recorded.status_code == 200, recorded.json()
    assert [o["result"] for o in recorded.json()["outcomes"]] == ["partly"]
    assert recorded.json()["timeline"][-1]["verb"] == "review_recorded"


def test_the_officer_renews_after_the_review_with_a_new_award(scene) -> None:
    case, old = _review_due(scene)
    _record_review(scene, case)
    response = api(scene.officer.user).post(
        url(scene.body, f"cases/{case.pk}/review-decision/"),
        {
            "decision": "renew",
            "reasons": "Good progress; continue for the spring.",
            "criteria_met": CRITERIA,
            "amount_pence": 3_000_00,
            "pool_id": scene.pool.pk,
            "frequency": "monthly",
            "starts_on": "2027-03-01",
            "ends_on": "2027-03-31",
            "review_on": "2027-06-01",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "active"
    assert {o["review_on"] for o in body["outcomes"]} == {"2027-06-01"}
    assert [a["amount_pence"] for a in body["awards"]] == [3_000_00, 9_000_00]
    assert [e["verb"] for e in body["timeline"]][-2:] == ["renew", "award_committed"]
    # The renewal supersedes the running award (issue 14): it ends the day before the new
    # one starts and its March instalment (£9,000 x 31/121 days = £2,305.78, the last
    # instalment absorbing the rounding: £2,305.80) is released, so one child is never
    # funded twice for March: £9,000 - £2,305.80 + £3,000 = £9,694.20 committed.
    assert pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence == 9_694_20
    with tenant_context(scene.body):
        decisions = list(Decision.objects.filter(case=case).order_by("decided_at", "pk"))
        assert len(decisions) == 2
        assert decisions[1].supersedes_id == decisions[0].pk
        assert (decisions[1].acts_on_award_id, decisions[1].award_effect) == (old.pk, "renewed")
        ended = Award.objects.get(pk=old.pk)
        assert (ended.status, ended.ended_on) == ("ended", date(2027, 2, 28))


def test_the_officer_changes_the_award_after_the_review(scene) -> None:
    case, award = _review_due(scene)
    _record_review(scene, case)
    response = api(scene.officer.user).post(
        url(scene.body, f"cases/{case.pk}/review-decision/"),
        {"decision": "change", "reasons": "Less needed now", "amount_pence": 7_000_00, "review_on": "2027-06-01"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "active"
    with tenant_context(scene.body):
        assert Award.objects.get(pk=award.pk).amount_pence == 7_000_00


def test_the_officer_ends_the_award_after_the_review(scene) -> None:
    case, award = _review_due(scene)
    _record_review(scene, case)
    response = api(scene.officer.user).post(
        url(scene.body, f"cases/{case.pk}/review-decision/"),
        {"decision": "end", "reasons": "Outcomes achieved", "end_on": "2027-03-31"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ended"
    with tenant_context(scene.body):
        assert Award.objects.get(pk=award.pk).status == "ended"


def test_the_officer_cannot_decide_before_the_school_records_the_review(scene) -> None:
    case, _ = _review_due(scene)
    response = api(scene.officer.user).post(
        url(scene.body, f"cases/{case.pk}/review-decision/"),
        {"decision": "end", "reasons": "x"},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "review_not_recorded")
    assert case_row(scene.body, case.pk)["status"] == "review_due"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"decision": "extend", "reasons": "x"}, "decision"),
        ({"decision": "end"}, "reasons"),
        ({"decision": "change", "reasons": "x", "amount_pence": 700.001, "review_on": "2027-06-01"}, "amount_pence"),
        ({"decision": "change", "reasons": "x", "amount_pence": 70000}, "review_on"),
        ({"decision": "change", "reasons": "x", "amount_pence": 70000, "review_on": "2020-01-01"}, "review_on"),
        (
            {
                "decision": "renew",
                "reasons": "x",
                "amount_pence": 100,
                "pool_id": 1,
                "frequency": "monthly",
                "starts_on": "2027-03-31",
                "ends_on": "2027-03-01",
                "review_on": "2027-06-01",
            },
            "ends_on",
        ),
    ],
)
def test_bad_review_decisions_are_a_field_error(scene, payload: dict[str, Any], field: str) -> None:
    case, _ = _review_due(scene)
    _record_review(scene, case)
    before = counts(scene.body)
    response = api(scene.officer.user).post(
        url(scene.body, f"cases/{case.pk}/review-decision/"), payload, format="json"
    )
    assert response.status_code == 400, response.json()
    assert field_error(response) == {field}
    assert counts(scene.body) == before
    assert case_row(scene.body, case.pk)["status"] == "review_due"


@pytest.mark.parametrize(
    ("results", "field"),
    [
        ([], "results"),
        ([{"outcome_id": 1, "result": "brilliant"}], "results"),
        ([{"result": "achieved"}], "results"),
    ],
)
def test_bad_review_results_are_a_field_error(scene, results: list[Any], field: str) -> None:
    case, _ = _review_due(scene)
    response = api(scene.head.user).post(
        url(scene.body, f"cases/{case.pk}/review/"), {"results": results}, format="json"
    )
    assert response.status_code == 400
    assert field_error(response) == {field}


def test_a_review_missing_an_outcome_is_refused(scene) -> None:
    case, _ = _review_due(scene)
    response = api(scene.head.user).post(
        url(scene.body, f"cases/{case.pk}/review/"),
        {"results": [{"outcome_id": 999999, "result": "achieved"}]},
        format="json",
    )
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (
        400,
        "results_incomplete",
        "results",
    )


# --- Query budgets ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["awards/", "reviews-due/?within_days=366"])
def test_award_and_review_lists_cost_the_same_for_1_and_10_rows(
    scene, path: str, django_assert_max_num_queries
) -> None:
    client = api(scene.officer.user)
    _award(scene, amount=1_000_00)
    reset_queries()
    with django_assert_max_num_queries(13) as one:
        assert len(client.get(url(scene.body, path)).json()["results"]) == 1
    budget = len(one.captured_queries)
    for _ in range(9):
        _award(scene, amount=1_000_00)
    reset_queries()
    with django_assert_max_num_queries(budget):
        assert len(client.get(url(scene.body, path)).json()["results"]) == 10


def test_an_officer_who_works_at_the_school_cannot_decide_its_review(scene) -> None:
    case, _ = _review_due(scene)
    _record_review(scene, case)
    member(Role.HEAD, scene.body, user=scene.senior.user, school=scene.school)
    response = api(scene.senior.user).post(
        url(scene.body, f"cases/{case.pk}/review-decision/"), {"decision": "end", "reasons": "x"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "recused")
    assert case_row(scene.body, case.pk)["status"] == "review_due"


def test_a_renewal_the_pool_cannot_fund_is_a_409_and_the_shortfall_is_recorded(
    scene, django_capture_on_commit_callbacks
) -> None:
    case, _ = _review_due(scene)
    _record_review(scene, case)
    before = counts(scene.body)
    mark = outbox_mark()
    with django_capture_on_commit_callbacks(execute=False) as announced:
        response = api(scene.senior.user).post(
            url(scene.body, f"cases/{case.pk}/review-decision/"),
            {
                "decision": "renew",
                "reasons": "Continue",
                "amount_pence": 40_000_00,
                "pool_id": scene.pool.pk,
                "frequency": "monthly",
                "starts_on": "2027-03-01",
                "ends_on": "2027-03-31",
                "review_on": "2027-06-01",
            },
            format="json",
        )
    assert (response.status_code, response.json()["code"]) == (409, "insufficient_headroom")
    # The running award's March instalment (£2,305.80) would be released by the renewal, so
    # £31,000 + £2,305.80 is available: £40,000 is short by £6,694.20.
    assert response.json()["detail"]["shortfall_pence"] == 6_694_20
    after = counts(scene.body)
    assert (after["Decision"], after["Award"]) == (before["Decision"], before["Award"])
    assert case_row(scene.body, case.pk)["status"] == "review_due"
    with tenant_context(scene.body):
        assert CaseEvent.objects.filter(case=case, verb="headroom_shortfall").count() == 1
    # The finance officers hear of it once it commits (the shortfall is escalated).
    assert len(announced) == 1
    assert run_outbox(after=mark) == ["exceptional_resource.case_event_notify", "notifications.send_notification"]
    with tenant_context(scene.body):
        alerted = set(Notification.objects.filter(kind="pool_headroom_shortfall").values_list("user_id", flat=True))
    assert alerted == {scene.finance.user.pk}
