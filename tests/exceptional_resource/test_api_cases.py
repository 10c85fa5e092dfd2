"""The cases API: drafting, every transition, the headroom an officer sees, refusals by
role and tenant, bad values on every field, and list query budgets."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import reset_queries

from accounts.models import Role
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource.models import Case, CaseEvent, Outcome
from exceptional_resource.services import cases as case_services
from pooling.models import Instalment
from pooling.selectors import pool_headroom
from tests.exceptional_resource.api_support import (
    CRITERIA,
    api,
    approve_terms,
    case_row,
    counts,
    field_error,
    url,
)
from tests.exceptional_resource.conftest import draft_case
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db


def _submitted(scene: Any, requested_pence: int | None = None) -> Case:
    case = draft_case(scene, requested_pence=requested_pence)
    case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    return case


def test_a_head_drafts_a_case_through_the_api_and_submits_it(scene) -> None:
    head = api(scene.head.user)
    pupil = head.post(
        url(scene.body, "pupils/create/"),
        {"school_id": scene.school.pk, "year_group": "Y5", "sen_status": "ehc_plan", "primary_need": "ASD"},
        format="json",
    )
    assert pupil.status_code == 201, pupil.json()
    created = head.post(url(scene.body, "cases/create/"), {"pupil_id": pupil.json()["id"]}, format="json")
    assert created.status_code == 201, created.json()
    case = created.json()
    assert (case["status"], case["school_id"], case["pupil"]["reference"]) == (
        "draft",
        scene.school.pk,
        pupil.json()["reference"],
    )
    assert set(case["missing_for_submission"]) == {
        "need_description",
        "provision",
        "resource_lines",
        "outcomes",
        "parents_involved",
        "pupil_involved",
    }
    base = url(scene.body, f"cases/{case['id']}/")
    updated = head.post(
        base + "update/",
        {
            "need_description": "Needs a speech and language programme daily.",
            "own_imf_pence": 3_000_00,
            "notional_sen_pence": 6_000_00,
            "parents_involved": True,
            "parents_summary": "Met parents",
            "pupil_involved": False,
            "urgency": "urgent",
        },
        format="json",
    )
    assert updated.status_code == 200, updated.json()
    assert (updated.json()["own_imf_pence"], updated.json()["urgency"]) == (3_000_00, "urgent")
    provision = head.post(
        base + "provision/",
        {
            "provision": "Speech group",
            "staff_role": "TA",
            "group_size": 4,
            "sessions_per_week": 3,
            "minutes_per_session": 30,
            "weeks": 38,
            "hourly_cost_pence": 20_00,
        },
        format="json",
    )
    assert provision.status_code == 201, provision.json()
    # £20 an hour, 1.5 hours a week, 38 weeks, shared by 4 pupils: £285.00
    assert provision.json()["provision"][0]["cost_pence"] == 285_00
    assert provision.json()["provision_total_pence"] == 285_00
    line = head.post(
        base + "resource-lines/",
        {
            "kind": "therapy",
            "description": "Speech and language therapist",
            "quantity": 30,
            "unit_cost_pence": 300_00,
            "starts_on": "2026-12-01",
            "ends_on": "2027-03-31",
        },
        format="json",
    )
    assert line.status_code == 201, line.json()
    assert line.json()["requested_total_pence"] == 9_000_00
    outcome = head.post(
        base + "outcomes/",
        {"description": "Uses 50 signs", "measure": "Therapist's count", "review_on": "2027-03-01"},
        format="json",
    )
    assert outcome.status_code == 201, outcome.json()
    assert outcome.json()["missing_for_submission"] == {}
    submitted = head.post(base + "submit/", format="json")
    assert submitted.status_code == 200, submitted.json()
    body = submitted.json()
    assert body["status"] == "submitted"
    assert body["submitted_on"] is not None
    assert body["decision_due_on"] is not None
    assert body["clock"]["running"] is True
    assert body["clock"]["target_working_days"] == 10
    assert [e["verb"] for e in body["timeline"]] == ["submit"]
    with tenant_context(scene.body):
        verbs = set(AuditEvent.objects.filter(object_id=str(case["id"])).values_list("verb", flat=True))
    assert {
        "case.drafted",
        "case.draft_updated",
        "case.provision_added",
        "case.resource_added",
        "case.outcome_added",
        "case.submit",
    } <= verbs


def test_rows_can_be_removed_from_a_draft(scene) -> None:
    case = draft_case(scene)
    head = api(scene.head.user)
    detail = head.get(url(scene.body, f"cases/{case.pk}/")).json()
    base = url(scene.body, f"cases/{case.pk}/")
    row, line, outcome = detail["provision"][0]["id"], detail["resource_lines"][0]["id"], detail["outcomes"][0]["id"]
    assert head.post(base + f"provision/{row}/remove/").json()["provision"] == []
    assert head.post(base + f"resource-lines/{line}/remove/").json()["resource_lines"] == []
    after = head.post(base + f"outcomes/{outcome}/remove/").json()
    assert after["outcomes"] == []
    assert set(after["missing_for_submission"]) == {"provision", "resource_lines", "outcomes"}
    missing = head.post(base + f"outcomes/{outcome}/remove/")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_information_requested_pauses_the_clock_and_the_answer_restarts_it(scene) -> None:
    case = _submitted(scene)
    base = url(scene.body, f"cases/{case.pk}/")
    asked = api(scene.officer.user).post(base + "request-information/", {"question": "Latest EP report?"})
    assert asked.status_code == 200, asked.json()
    assert asked.json()["status"] == "information_requested"
    assert (asked.json()["clock"]["paused"], asked.json()["clock"]["running"]) == (True, False)
    answered = api(scene.head.user).post(base + "provide-information/", {"answer": "Attached: EP report, May 2026"})
    assert answered.status_code == 200, answered.json()
    assert answered.json()["status"] == "submitted"
    assert answered.json()["clock"]["running"] is True
    assert [e["verb"] for e in answered.json()["timeline"]] == ["submit", "request_information", "provide_information"]


def test_the_officer_sees_the_headroom_then_approves_and_the_money_is_committed(scene) -> None:
    case = _submitted(scene)
    officer = api(scene.officer.user)
    base = url(scene.body, f"cases/{case.pk}/")
    seen = officer.get(base + "headroom/", {"pool_id": scene.pool.pk})
    assert seen.status_code == 200, seen.json()
    assert {k: seen.json()[k] for k in ("available_pence", "amount_pence", "available_after_pence", "can_fund")} == {
        "available_pence": 40_000_00,
        "amount_pence": 9_000_00,  # what the school asked for
        "available_after_pence": 31_000_00,
        "can_fund": True,
    }
    assert (seen.json()["officer_limit_pence"], seen.json()["within_limit"]) == (25_000_00, True)
    decided = officer.post(base + "decide/", approve_terms(scene.pool.pk), format="json")
    assert decided.status_code == 201, decided.json()
    body = decided.json()
    assert body["decision"]["outcome"] == "approved"
    assert body["decision"]["criteria_met"] == CRITERIA
    assert body["decision"]["policy_version"] == 1
    assert body["case"]["status"] == "active"
    assert body["award_id"] is not None
    assert pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence == 9_000_00
    with tenant_context(scene.body):
        amounts = list(
            Instalment.objects.filter(schedule__source_id=str(body["award_id"]))
            .order_by("due_on")
            .values_list("amount_pence", flat=True)
        )
    assert len(amounts) == 4
    assert sum(amounts) == 9_000_00
    after = officer.get(base + "headroom/", {"pool_id": scene.pool.pk, "amount_pence": 1_000_00}).json()
    assert (after["available_pence"], after["available_after_pence"]) == (31_000_00, 30_000_00)


def test_a_decision_the_pool_cannot_fund_is_a_409_and_the_shortfall_is_recorded(scene) -> None:
    case = _submitted(scene, requested_pence=50_000_00)
    before = counts(scene.body)
    response = api(scene.senior.user).post(
        url(scene.body, f"cases/{case.pk}/decide/"), approve_terms(scene.pool.pk, amount=50_000_00), format="json"
    )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "insufficient_headroom"
    assert response.json()["detail"] == {
        "shortfall_pence": 10_000_00,
        "available_pence": 40_000_00,
        "requested_pence": 50_000_00,
    }
    after = counts(scene.body)
    assert after["Decision"] == before["Decision"]
    assert after["Award"] == before["Award"]
    assert case_row(scene.body, case.pk)["status"] == "submitted"
    with tenant_context(scene.body):
        assert CaseEvent.objects.filter(case=case, verb="headroom_shortfall").count() == 1
        assert AuditEvent.objects.filter(verb="case.headroom_shortfall", object_id=str(case.pk)).count() == 1
    assert pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence == 0


def test_above_the_officers_limit_is_a_409_and_nothing_is_decided(scene) -> None:
    case = _submitted(scene, requested_pence=30_000_00)
    response = api(scene.officer.user).post(
        url(scene.body, f"cases/{case.pk}/decide/"), approve_terms(scene.pool.pk, amount=30_000_00), format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "over_delegated_limit")
    assert case_row(scene.body, case.pk)["status"] == "submitted"


def test_partly_approve_and_decline(scene) -> None:
    partly = _submitted(scene)
    officer = api(scene.officer.user)
    response = officer.post(
        url(scene.body, f"cases/{partly.pk}/decide/"),
        approve_terms(scene.pool.pk, amount=4_000_00, outcome="partly_approved", frequency="termly"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["decision"]["outcome"], response.json()["decision"]["amount_pence"]) == (
        "partly_approved",
        4_000_00,
    )
    declined = _submitted(scene)
    response = officer.post(
        url(scene.body, f"cases/{declined.pk}/decide/"),
        {"outcome": "declined", "reasons": "The school's own provision meets the need."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["case"]["status"], response.json()["award_id"]) == ("declined", None)
    assert response.json()["decision"]["amount_pence"] == 0


def test_reconsideration_is_requested_by_the_school_and_decided_by_another_officer(scene) -> None:
    case = _submitted(scene)
    base = url(scene.body, f"cases/{case.pk}/")
    declined = api(scene.officer.user).post(
        base + "decide/", {"outcome": "declined", "reasons": "Not beyond the school's means."}, format="json"
    )
    assert declined.status_code == 201
    asked = api(scene.head.user).post(base + "request-reconsideration/", {"grounds": "New EP report shows more need."})
    assert (asked.status_code, asked.json()["status"]) == (200, "reconsideration_requested")
    same = api(scene.officer.user).post(base + "decide/", approve_terms(scene.pool.pk), format="json")
    assert (same.status_code, same.json()["code"]) == (409, "same_officer_reconsideration")
    other = api(scene.senior.user).post(base + "decide/", approve_terms(scene.pool.pk), format="json")
    assert other.status_code == 201, other.json()
    assert other.json()["decision"]["is_reconsideration"] is True
    assert other.json()["case"]["status"] == "active"
    assert [d["outcome"] for d in other.json()["case"]["decisions"]] == ["approved", "declined"]


def test_a_draft_never_sent_can_be_withdrawn(scene) -> None:
    draft = draft_case(scene)
    response = api(scene.head.user).post(url(scene.body, f"cases/{draft.pk}/withdraw/"), {"reason": "Pupil moved"})
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["submitted_on"]) == ("withdrawn", None)


def test_withdraw_a_submitted_case_but_not_twice(scene) -> None:
    head = api(scene.head.user)
    submitted = _submitted(scene)
    withdrawn = head.post(url(scene.body, f"cases/{submitted.pk}/withdraw/"), {"reason": "Pupil moved"})
    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    again = head.post(url(scene.body, f"cases/{submitted.pk}/withdraw/"))
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")


def test_the_school_and_the_officer_comment_on_a_case_and_others_cannot(scene) -> None:
    case = _submitted(scene)
    base = url(scene.body, f"cases/{case.pk}/comments/")
    assert api(scene.head.user).post(base + "add/", {"text": "Report attached"}).status_code == 201
    assert api(scene.officer.user).post(base + "add/", {"text": "Thanks"}).status_code == 201
    auditor = api(member(Role.AUDITOR, scene.body).user)
    assert auditor.post(base + "add/", {"text": "Auditor note"}).status_code == 403
    empty = api(scene.head.user).post(base + "add/", {"text": ""})
    assert (empty.status_code, field_error(empty)) == (400, {"text"})
    listed = auditor.get(base).json()["results"]
    assert [(c["author_label"], c["text"]) for c in listed] == [
        (scene.head.user.email, "Report attached"),
        (scene.officer.user.email, "Thanks"),
    ]
    other_school = api(member(Role.HEAD, scene.body, school=own_academy(scene.body)).user)
    assert other_school.get(base).status_code == 404
    assert other_school.post(base + "add/", {"text": "x"}).status_code == 404


def test_case_detail_is_audited_and_lists_filter_by_status_and_school(scene) -> None:
    draft = draft_case(scene)
    submitted = _submitted(scene)
    officer = api(scene.officer.user)
    listed = officer.get(url(scene.body, "cases/"), {"status": "submitted"}).json()
    assert [c["id"] for c in listed["results"]] == [submitted.pk]
    by_school = officer.get(url(scene.body, "cases/"), {"school_id": scene.school.pk}).json()
    assert {c["id"] for c in by_school["results"]} == {draft.pk, submitted.pk}
    bad = officer.get(url(scene.body, "cases/"), {"status": "pending"})
    assert (bad.status_code, field_error(bad)) == (400, {"status"})
    officer.get(url(scene.body, f"cases/{draft.pk}/"))
    with tenant_context(scene.body):
        viewed = AuditEvent.objects.filter(verb="case.viewed", object_id=str(draft.pk))
        assert [e.actor_label for e in viewed] == [scene.officer.user.email]


# --- Refusals by role and tenant ---------------------------------------------------------------

WRITES_OF_THE_SCHOOL = [
    ("update/", {"need_description": "x"}),
    ("provision/", {}),
    ("resource-lines/", {}),
    ("outcomes/", {}),
    ("submit/", {}),
    ("withdraw/", {}),
    ("provide-information/", {"answer": "x"}),
    ("request-reconsideration/", {"grounds": "x"}),
    ("review/", {"results": []}),
]
WRITES_OF_THE_OFFICER = [
    ("request-information/", {"question": "x"}),
    ("decide/", {"outcome": "declined", "reasons": "x"}),
    ("review-decision/", {"decision": "end", "reasons": "x"}),
]


@pytest.mark.parametrize(("path", "payload"), WRITES_OF_THE_OFFICER)
def test_a_head_cannot_do_an_officers_work(scene, path: str, payload: dict[str, Any]) -> None:
    case = _submitted(scene)
    before = counts(scene.body)
    response = api(scene.head.user).post(url(scene.body, f"cases/{case.pk}/{path}"), payload, format="json")
    assert response.status_code == 403
    assert counts(scene.body) == before


@pytest.mark.parametrize(("path", "payload"), WRITES_OF_THE_SCHOOL)
def test_an_officer_cannot_write_the_schools_case(scene, path: str, payload: dict[str, Any]) -> None:
    case = draft_case(scene)
    before = counts(scene.body)
    response = api(scene.officer.user).post(url(scene.body, f"cases/{case.pk}/{path}"), payload, format="json")
    assert response.status_code == 403
    assert counts(scene.body) == before


@pytest.mark.parametrize(("path", "payload"), WRITES_OF_THE_SCHOOL + WRITES_OF_THE_OFFICER)
def test_an_auditor_reads_but_cannot_write(scene, path: str, payload: dict[str, Any]) -> None:
    case = _submitted(scene)
    auditor = api(member(Role.AUDITOR, scene.body).user)
    assert auditor.get(url(scene.body, f"cases/{case.pk}/")).status_code == 200
    assert auditor.post(url(scene.body, f"cases/{case.pk}/{path}"), payload, format="json").status_code == 403


def test_an_officer_without_mfa_cannot_decide(scene) -> None:
    case = _submitted(scene)
    no_mfa = member(Role.DECISION_OFFICER, scene.body, decision_limit_pence=25_000_00)
    response = api(no_mfa.user).post(url(scene.body, f"cases/{case.pk}/decide/"), approve_terms(scene.pool.pk))
    assert (response.status_code, response.json()["code"]) == (403, "mfa_required")
    assert case_row(scene.body, case.pk)["status"] == "submitted"


@pytest.mark.parametrize("role", [Role.FINANCE_OFFICER, Role.TRUSTEE, Role.BODY_ADMIN, Role.PARTNERSHIP_LEAD])
def test_roles_without_case_access_get_404_for_cases(scene, role: str) -> None:
    case = _submitted(scene)
    client = api(member(role, scene.body, mfa=True).user)
    assert client.get(url(scene.body, "cases/")).status_code == 404
    assert client.get(url(scene.body, f"cases/{case.pk}/")).status_code == 404
    assert client.post(url(scene.body, f"cases/{case.pk}/submit/")).status_code == 404


def test_a_head_of_another_school_sees_none_of_this_schools_cases(scene) -> None:
    case = _submitted(scene)
    other_school = own_academy(scene.body, name="Other Academy")
    other = api(member(Role.SENDCO, scene.body, school=other_school).user)
    assert other.get(url(scene.body, "cases/")).json()["results"] == []
    for method, path in (("get", ""), ("get", "headroom/"), ("post", "withdraw/"), ("post", "update/")):
        response = getattr(other, method)(url(scene.body, f"cases/{case.pk}/{path}"), {}, format="json")
        assert response.status_code == 404, path
    assert case_row(scene.body, case.pk)["status"] == "submitted"


def test_another_bodys_members_get_404(scene) -> None:
    case = _submitted(scene)
    stranger = member(Role.DECISION_OFFICER, mfa=True)
    client = api(stranger.user)
    assert client.get(url(scene.body, "cases/")).status_code == 404
    assert client.get(url(stranger.responsible_body, f"cases/{case.pk}/")).status_code == 404
    assert client.post(url(stranger.responsible_body, f"cases/{case.pk}/decide/"), {}).status_code == 404


# --- Bad values ------------------------------------------------------------------------------

BAD_DRAFT_VALUES = [
    ("update/", {"own_imf_pence": 12.345}, "own_imf_pence"),
    ("update/", {"own_imf_pence": "1,250.505"}, "own_imf_pence"),
    ("update/", {"notional_sen_pence": -100}, "notional_sen_pence"),
    ("update/", {"urgency": "yesterday"}, "urgency"),
    ("update/", {"parents_involved": "perhaps"}, "parents_involved"),
    ("update/", {"parents_summary": "x" * 501}, "parents_summary"),
    ("provision/", {"staff_role": "TA", "group_size": 1, "sessions_per_week": 1, "minutes_per_session": 30,
                    "weeks": 10, "hourly_cost_pence": 2000}, "provision"),
    ("provision/", {"provision": "Group", "staff_role": "TA", "group_size": 0, "sessions_per_week": 1,
                    "minutes_per_session": 30, "weeks": 10, "hourly_cost_pence": 2000}, "group_size"),
    ("provision/", {"provision": "Group", "staff_role": "TA", "group_size": 2, "sessions_per_week": 1,
                    "minutes_per_session": 30, "weeks": 53, "hourly_cost_pence": 2000}, "weeks"),
    ("provision/", {"provision": "Group", "staff_role": "TA", "group_size": 2, "sessions_per_week": 1,
                    "minutes_per_session": 30, "weeks": 10, "hourly_cost_pence": 19.999}, "hourly_cost_pence"),
    ("resource-lines/", {"kind": "therapy", "description": "SALT", "quantity": -2, "unit_cost_pence": 100,
                         "starts_on": "2026-12-01", "ends_on": "2027-03-31"}, "quantity"),
    ("resource-lines/", {"kind": "therapy", "description": "SALT", "quantity": 0, "unit_cost_pence": 100,
                         "starts_on": "2026-12-01", "ends_on": "2027-03-31"}, "quantity"),
    ("resource-lines/", {"kind": "therapy", "description": "SALT", "quantity": 3, "unit_cost_pence": 100.005,
                         "starts_on": "2026-12-01", "ends_on": "2027-03-31"}, "unit_cost_pence"),
    ("resource-lines/", {"kind": "therapy", "description": "SALT", "quantity": 3, "unit_cost_pence": 100,
                         "starts_on": "2027-03-31", "ends_on": "2026-12-01"}, "ends_on"),
    ("resource-lines/", {"kind": "holiday", "description": "SALT", "quantity": 3, "unit_cost_pence": 100,
                         "starts_on": "2026-12-01", "ends_on": "2027-03-31"}, "kind"),
    ("resource-lines/", {"kind": "therapy", "description": "SALT", "quantity": 3, "unit_cost_pence": 100,
                         "starts_on": "2026-13-01", "ends_on": "2027-03-31"}, "starts_on"),
    ("resource-lines/", {"kind": "therapy", "quantity": 3, "unit_cost_pence": 100,
                         "starts_on": "2026-12-01", "ends_on": "2027-03-31"}, "description"),
    ("outcomes/", {"description": "Reads 100 words", "measure": "Reading check"}, "review_on"),
    ("outcomes/", {"description": "Reads 100 words", "measure": "Reading check", "review_on": "soon"}, "review_on"),
    ("outcomes/", {"measure": "Reading check", "review_on": "2027-03-01"}, "description"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "payload", "field"), BAD_DRAFT_VALUES)
def test_bad_draft_values_are_a_clear_field_error_and_change_nothing(
    scene, path: str, payload: dict[str, Any], field: str
) -> None:
    case = draft_case(scene)
    before, row = counts(scene.body), case_row(scene.body, case.pk)
    response = api(scene.head.user).post(url(scene.body, f"cases/{case.pk}/{path}"), payload, format="json")
    assert response.status_code == 400, response.json()
    assert field_error(response) == {field}
    assert response.json()["fields"][field][0]  # a message a person can read
    assert counts(scene.body) == before
    assert case_row(scene.body, case.pk) == row


def test_a_fifth_outcome_is_refused_on_the_outcomes_field(scene) -> None:
    case = draft_case(scene)
    head = api(scene.head.user)
    for n in range(3):
        payload = {"description": f"Outcome {n}", "measure": "Count", "review_on": "2027-03-01"}
        assert head.post(url(scene.body, f"cases/{case.pk}/outcomes/"), payload).status_code == 201
    before = counts(scene.body)
    fifth = head.post(
        url(scene.body, f"cases/{case.pk}/outcomes/"),
        {"description": "Fifth", "measure": "Count", "review_on": "2027-03-01"},
    )
    assert (fifth.status_code, fifth.json()["code"], fifth.json()["field"]) == (400, "too_many_outcomes", "outcomes")
    assert counts(scene.body) == before


def test_submitting_without_outcomes_names_the_outcomes_field_and_keeps_the_draft(scene) -> None:
    case = draft_case(scene)
    with tenant_context(scene.body):
        Outcome.objects.filter(case=case).delete()
    row = case_row(scene.body, case.pk)
    response = api(scene.head.user).post(url(scene.body, f"cases/{case.pk}/submit/"))
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("incomplete_case", "outcomes")
    assert case_row(scene.body, case.pk) == row


def test_a_case_cannot_be_started_for_a_pupil_of_another_body_or_school(scene) -> None:
    stranger_head = member(Role.HEAD)
    body_b = stranger_head.responsible_body
    with tenant_context(body_b):
        from exceptional_resource.models import Pupil

        b_pupil = Pupil.objects.create(
            responsible_body=body_b,
            school=stranger_head.school,
            year_group="Y2",
            sen_status="sen_support",
            primary_need="SLCN",
        )
    own = draft_case(scene)
    other_school_head = member(Role.HEAD, scene.body, school=own_academy(scene.body))
    before = counts(scene.body)
    for client, pupil_id in ((api(scene.head.user), b_pupil.pk), (api(other_school_head.user), own.pupil_id)):
        response = client.post(url(scene.body, "cases/create/"), {"pupil_id": pupil_id}, format="json")
        assert response.status_code == 400, response.json()
        assert (response.json()["code"], response.json()["field"]) == ("invalid_pupil", "pupil_id")
    missing = api(scene.head.user).post(url(scene.body, "cases/create/"), {}, format="json")
    assert field_error(missing) == {"pupil_id"}
    assert counts(scene.body) == before


BAD_DECISIONS = [
    ({"amount_pence": 9000.125}, "amount_pence"),
    ({"amount_pence": -5}, "amount_pence"),
    ({"amount_pence": 0}, "amount_pence"),
    ({"ends_on": "2026-11-30"}, "ends_on"),
    ({"outcome": "maybe"}, "outcome"),
    ({"frequency": "weekly"}, "frequency"),
    ({"frequency": ""}, "frequency"),
    ({"reasons": ""}, "reasons"),
    ({"review_on": None}, "review_on"),
    ({"pool_id": None}, "pool_id"),
    ({"starts_on": "not a date"}, "starts_on"),
    ({"criteria_met": ["Whatever the officer likes"]}, "criteria_met"),
]


@pytest.mark.parametrize(("change", "field"), BAD_DECISIONS)
def test_bad_decision_values_are_a_field_error_and_decide_nothing(scene, change: dict[str, Any], field: str) -> None:
    case = _submitted(scene)
    before = counts(scene.body)
    response = api(scene.officer.user).post(
        url(scene.body, f"cases/{case.pk}/decide/"), {**approve_terms(scene.pool.pk), **change}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert field_error(response) == {field}
    assert counts(scene.body) == before
    assert case_row(scene.body, case.pk)["status"] == "submitted"
    assert pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence == 0


def test_a_missing_required_field_is_named(scene) -> None:
    case = _submitted(scene)
    response = api(scene.officer.user).post(url(scene.body, f"cases/{case.pk}/decide/"), {}, format="json")
    assert response.status_code == 400
    assert field_error(response) == {"outcome", "reasons"}
    info = api(scene.officer.user).post(url(scene.body, f"cases/{case.pk}/request-information/"), {}, format="json")
    assert field_error(info) == {"question"}


# --- Query budgets ---------------------------------------------------------------------------


def _cases(scene: Any, n: int) -> None:
    for i in range(n):
        case = draft_case(scene)
        if i % 2:
            case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)


@pytest.mark.parametrize("who", ["officer", "head"])
def test_the_case_list_costs_the_same_for_1_and_10_cases(scene, who: str, django_assert_max_num_queries) -> None:
    client = api(getattr(scene, who).user)
    _cases(scene, 1)
    reset_queries()  # the query log is a bounded deque: start each count from empty
    with django_assert_max_num_queries(13) as one:
        assert len(client.get(url(scene.body, "cases/")).json()["results"]) == 1
    budget = len(one.captured_queries)
    _cases(scene, 9)
    reset_queries()  # the query log is a bounded deque: start each count from empty
    with django_assert_max_num_queries(budget):
        assert len(client.get(url(scene.body, "cases/")).json()["results"]) == 10


def test_dates_in_case_output_are_iso(scene) -> None:
    case = _submitted(scene)
    body = api(scene.officer.user).get(url(scene.body, f"cases/{case.pk}/")).json()
    assert date.fromisoformat(body["submitted_on"]) == date.today()
    assert body["resource_lines"][0]["total_pence"] == 9_000_00


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("update/", {"need_description": "Changed after sending"}),
        ("outcomes/", {"description": "Another", "measure": "Count", "review_on": "2027-03-01"}),
        ("resource-lines/", {"kind": "equipment", "description": "iPad", "quantity": 1, "unit_cost_pence": 300_00,
                             "starts_on": "2026-12-01", "ends_on": "2027-01-31"}),
    ],
)  # fmt: skip
def test_a_sent_case_is_no_longer_a_draft_to_edit(scene, path: str, payload: dict[str, Any]) -> None:
    case = _submitted(scene)
    before, row = counts(scene.body), case_row(scene.body, case.pk)
    response = api(scene.head.user).post(url(scene.body, f"cases/{case.pk}/{path}"), payload, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "case_not_draft")
    assert counts(scene.body) == before
    assert case_row(scene.body, case.pk) == row


def test_the_comment_list_costs_the_same_for_1_and_10_comments(scene, django_assert_max_num_queries) -> None:
    case = _submitted(scene)
    head = api(scene.head.user)
    base = url(scene.body, f"cases/{case.pk}/comments/")
    head.post(base + "add/", {"text": "First"})
    reset_queries()
    with django_assert_max_num_queries(18) as one:
        assert len(head.get(base).json()["results"]) == 1
    budget = len(one.captured_queries)
    for n in range(9):
        head.post(base + "add/", {"text": f"Comment {n}"})
    reset_queries()
    with django_assert_max_num_queries(budget):
        assert len(head.get(base).json()["results"]) == 10


def test_the_schema_documents_every_case_operation() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = {p for p in schema["paths"] if p.startswith("/api/v1/bodies/{body_slug}/")}
    for expected in (
        "pupils/",
        "pupils/create/",
        "pupils/{pupil_id}/",
        "cases/",
        "cases/create/",
        "cases/{case_id}/",
        "cases/{case_id}/update/",
        "cases/{case_id}/provision/",
        "cases/{case_id}/provision/{provisionrow_id}/remove/",
        "cases/{case_id}/resource-lines/",
        "cases/{case_id}/resource-lines/{resourceline_id}/remove/",
        "cases/{case_id}/outcomes/",
        "cases/{case_id}/outcomes/{outcome_id}/remove/",
        "cases/{case_id}/submit/",
        "cases/{case_id}/request-information/",
        "cases/{case_id}/provide-information/",
        "cases/{case_id}/headroom/",
        "cases/{case_id}/decide/",
        "cases/{case_id}/withdraw/",
        "cases/{case_id}/request-reconsideration/",
        "cases/{case_id}/comments/",
        "cases/{case_id}/comments/add/",
        "cases/{case_id}/letter/",
        "cases/{case_id}/review/",
        "cases/{case_id}/review-decision/",
        "reviews-due/",
        "awards/",
        "awards/{award_id}/",
        "awards/{award_id}/vary/",
        "awards/{award_id}/end/",
    ):
        assert "/api/v1/bodies/{body_slug}/" + expected in paths, expected
    decide = schema["paths"]["/api/v1/bodies/{body_slug}/cases/{case_id}/decide/"]["post"]
    assert {"201", "409"} <= set(decide["responses"])
    clock = schema["components"]["schemas"]["Clock"]["properties"]
    assert {"elapsed_working_days", "target_working_days", "paused", "overdue"} <= set(clock)


def test_only_a_decision_officer_sees_the_headroom_for_a_case(scene) -> None:
    case = _submitted(scene)
    path = url(scene.body, f"cases/{case.pk}/headroom/")
    assert api(scene.head.user).get(path).status_code == 403
    assert api(member(Role.AUDITOR, scene.body).user).get(path).status_code == 403
    closed = api(scene.officer.user).get(path, {"pool_id": 999999})
    assert (closed.status_code, closed.json()["code"], closed.json()["field"]) == (400, "invalid_pool", "pool_id")
    bad = api(scene.officer.user).get(path, {"amount_pence": "12.345"})
    assert (bad.status_code, field_error(bad)) == (400, {"amount_pence"})
