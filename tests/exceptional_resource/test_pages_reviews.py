"""Reviews due, the school recording progress against each outcome, and the officer's
decision after it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, Outcome
from exceptional_resource.services.awards import awards_mark_reviews_due
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.pages_support import approved_case, client_for, field_error, fresh, text, url
from tests.factories import member, own_academy
from tests.pooling.audit_grants_support import pool_auditor

pytestmark = pytest.mark.django_db


def _review_due(scene: Scene) -> Case:
    case = approved_case(scene)
    awards_mark_reviews_due(tenant=scene.body, today=date(2027, 3, 1))
    return fresh(scene, case)


def _outcome(scene: Scene, case: Case) -> Outcome:
    with tenant_context(scene.body):
        return Outcome.objects.get(case=case)


def test_reviews_due_now_and_soon_by_role(scene: Scene) -> None:
    due = _review_due(scene)
    soon = approved_case(scene)
    with tenant_context(scene.body):
        Outcome.objects.filter(case=soon).update(review_on=timezone.localdate() + timedelta(days=10))
    for user in (scene.head.user, scene.officer.user, pool_auditor(scene.body)):
        page = text(client_for(user).get(url("reviews", scene.body)))
        assert due.reference in page
        assert soon.reference in page
    other_head = member(Role.HEAD, scene.body, school=own_academy(scene.body))
    page = text(client_for(other_head.user).get(url("reviews", scene.body)))
    assert due.reference not in page
    assert "No reviews are due now." in page
    assert client_for(scene.finance.user).get(url("reviews", scene.body)).status_code == 404


def test_the_school_records_progress_and_a_missing_result_is_refused(scene: Scene) -> None:
    case = _review_due(scene)
    outcome = _outcome(scene, case)
    client = client_for(scene.head.user)
    page = text(client.get(url("review-record", scene.body, case_id=case.pk)))
    assert "Uses 50 signs" in page
    missing = client.post(url("review-record", scene.body, case_id=case.pk), {f"note_{outcome.pk}": "Typed note"})
    assert field_error(missing, f"id_result_{outcome.pk}") == "Choose a result for “Uses 50 signs”"
    assert "Typed note" in text(missing)
    response = client.post(
        url("review-record", scene.body, case_id=case.pk),
        {f"result_{outcome.pk}": "partly", f"note_{outcome.pk}": "Uses 30 signs"},
    )
    assert response.status_code == 302
    saved = _outcome(scene, case)
    assert (saved.result, saved.result_note) == ("partly", "Uses 30 signs")
    # Officers decide, they do not record the school's progress.
    assert client_for(scene.officer.user).get(url("review-record", scene.body, case_id=case.pk)).status_code == 404


def test_the_officer_decides_only_after_progress_is_recorded_and_can_end(scene: Scene) -> None:
    case = _review_due(scene)
    outcome = _outcome(scene, case)
    officer = client_for(scene.officer.user)
    waiting = text(officer.get(url("review-decide", scene.body, case_id=case.pk)))
    assert "The school has not yet recorded progress against every outcome." in waiting
    client_for(scene.head.user).post(
        url("review-record", scene.body, case_id=case.pk), {f"result_{outcome.pk}": "achieved"}
    )
    page = text(officer.get(url("review-decide", scene.body, case_id=case.pk)))
    assert "Achieved" in page
    blank = officer.post(url("review-decide", scene.body, case_id=case.pk), {"decision": "end", "reasons": ""})
    assert field_error(blank, "id_reasons") == "Give the reasons for the decision"
    response = officer.post(
        url("review-decide", scene.body, case_id=case.pk),
        {"decision": "end", "reasons": "Outcome achieved.", "end_on": "2027-03-01"},
    )
    assert response.status_code == 302
    assert fresh(scene, case).status == "ended"
    with tenant_context(scene.body):
        assert Award.objects.get(case=case).status == "ended"


def test_changing_after_review_needs_a_next_review_date(scene: Scene) -> None:
    case = _review_due(scene)
    outcome = _outcome(scene, case)
    client_for(scene.head.user).post(
        url("review-record", scene.body, case_id=case.pk), {f"result_{outcome.pk}": "not_yet"}
    )
    officer = client_for(scene.officer.user)
    data = {"decision": "change", "reasons": "Continue at a lower level.", "amount": "8000"}
    refused = officer.post(url("review-decide", scene.body, case_id=case.pk), data)
    assert field_error(refused, "id_review_on") == "Enter the next review date, after today."
    next_review = (timezone.localdate() + timedelta(days=90)).isoformat()
    response = officer.post(url("review-decide", scene.body, case_id=case.pk), {**data, "review_on": next_review})
    assert response.status_code == 302
    assert fresh(scene, case).status == "active"
    with tenant_context(scene.body):
        assert Award.objects.get(case=case).amount_pence == 8_000_00


def test_renewing_after_review_commits_a_new_award(scene: Scene) -> None:
    case = _review_due(scene)
    outcome = _outcome(scene, case)
    client_for(scene.head.user).post(
        url("review-record", scene.body, case_id=case.pk), {f"result_{outcome.pk}": "partly"}
    )
    officer = client_for(scene.officer.user)
    next_review = (timezone.localdate() + timedelta(days=60)).isoformat()
    data = {
        "decision": "renew",
        "reasons": "Good progress; continue.",
        "amount": "3000.00",
        "pool": str(scene.pool.pk),
        "frequency": "termly",
        "starts_on": "2027-01-01",
        "ends_on": "2027-03-31",
        "review_on": next_review,
    }
    too_much = officer.post(url("review-decide", scene.body, case_id=case.pk), {**data, "amount": "30000.00"})
    assert "This is above your delegated limit" in text(too_much)
    bad = officer.post(url("review-decide", scene.body, case_id=case.pk), {**data, "amount": "3000.001"})
    assert field_error(bad, "id_amount") == "Enter an amount with no more than 2 decimal places (pence)"
    response = officer.post(url("review-decide", scene.body, case_id=case.pk), data)
    assert response.status_code == 302
    assert fresh(scene, case).status == "active"
    with tenant_context(scene.body):
        amounts = sorted(Award.objects.filter(case=case).values_list("amount_pence", flat=True))
    assert amounts == [3_000_00, 9_000_00]


def test_reviews_coming_up_are_paged_in_review_date_order_and_bad_pages_fall_back(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("exceptional_resource.views.reviews.REVIEWS_PER_PAGE", 2)
    soon = []
    for days in (7, 5, 6):
        case = approved_case(scene)
        with tenant_context(scene.body):
            Outcome.objects.filter(case=case).update(review_on=timezone.localdate() + timedelta(days=days))
        soon.append((days, case.reference))
    by_date = [ref for _, ref in sorted(soon)]
    client = client_for(scene.officer.user)
    first = text(client.get(url("reviews", scene.body)))
    assert "Coming up in the next six weeks (3)" in first
    assert by_date[0] in first
    assert by_date[1] in first
    assert by_date[2] not in first
    assert "?soon_page=2" in client.get(url("reviews", scene.body)).content.decode()
    second = text(client.get(url("reviews", scene.body) + "?soon_page=2&page=1"))
    assert by_date[2] in second
    assert by_date[0] not in second
    for bad, shown in (("abc", by_date[0]), ("0", by_date[0]), ("999", by_date[2]), ("-1", by_date[0])):
        response = client.get(url("reviews", scene.body) + f"?soon_page={bad}")
        assert response.status_code == 200, bad
        assert shown in text(response), bad
