"""My school's cases, awards and payments, case detail, the audited pupil identity page,
comments, and the school's own actions on a case, by role."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts.models import Role
from core.models import AuditEvent
from core.money import format_pence
from core.tenancy import tenant_context
from exceptional_resource.models import CaseComment, CaseEvent, Pupil
from exceptional_resource.services import pupil_create
from exceptional_resource.services.awards import awards_mark_reviews_due
from exceptional_resource.services.cases import case_request_information
from groupings.services.arrangements import arrangement_activate, arrangement_propose
from pooling.models import Instalment
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.pages_support import (
    approved_case,
    client_for,
    field_error,
    fresh,
    input_value,
    submitted_case,
    text,
    url,
)
from tests.factories import member, own_academy
from tests.pooling.audit_grants_support import pool_auditor
from tests.pooling.payments_support import confirm_and_pay

pytestmark = pytest.mark.django_db


def _users(scene: Scene) -> dict[str, Any]:
    other_school = own_academy(scene.body, name="Hillside Academy")
    return {
        "head": scene.head.user,
        "sendco": member(Role.SENDCO, scene.body, school=scene.school).user,
        "officer": scene.officer.user,
        # An auditor reads the cases of the pools they hold a grant on (issue 16): all of them here.
        "auditor": pool_auditor(scene.body),
        "other_head": member(Role.HEAD, scene.body, school=other_school).user,
        "trustee": member(Role.TRUSTEE, scene.body).user,
        "finance": scene.finance.user,
        "stranger": member(Role.BODY_ADMIN).user,  # of another body
        "other_school": other_school,
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("head", 200),
        ("sendco", 200),
        ("officer", 200),
        ("auditor", 200),
        ("other_head", 404),
        ("trustee", 404),
        ("finance", 404),
        ("stranger", 404),
    ],
)
def test_case_detail_by_role(scene: Scene, who: str, status: int) -> None:
    case = approved_case(scene)
    user = _users(scene)[who]
    response = client_for(user).get(url("detail", scene.body, case_id=case.pk))
    assert response.status_code == status
    with tenant_context(scene.body):
        reads = list(
            AuditEvent.objects.filter(verb="case.viewed", object_id=str(case.pk)).values_list("actor_label", "after")
        )
    # Every read of a case is audited; a refused one (404) reads nothing.
    assert reads == ([(user.email, {"via": "page"})] if status == 200 else [])
    if status == 200:
        page = text(response)
        assert case.reference in page
        assert "Award active" in page
        assert "£9,000.00" in page  # the award
        assert "Speech and language therapist" in page  # the resource asked for
        assert "Money committed" in page  # the timeline


@pytest.mark.parametrize(
    ("who", "sees_mine", "sees_other"),
    [("head", True, False), ("officer", True, True), ("auditor", True, True), ("other_head", False, True)],
)
def test_the_list_is_scoped_to_the_school(scene: Scene, who: str, sees_mine: bool, sees_other: bool) -> None:
    users = _users(scene)
    mine = submitted_case(scene)
    other_school_id = users["other_school"].pk
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True)
    arrangement = arrangement_propose(
        actor=admin.user,
        tenant=scene.body,
        school_id=other_school_id,
        basis="own_academy",
        counterparty="Trust",
        start_date=date(2026, 4, 1),
    )
    arrangement_activate(actor=admin.user, tenant=scene.body, arrangement_id=arrangement.pk)
    with tenant_context(scene.body):
        pupil = Pupil.objects.create(
            responsible_body=scene.body,
            school_id=other_school_id,
            year_group="Y1",
            sen_status="ehc_plan",
            primary_need="VI",
        )
    other = draft_case(scene, school_id=other_school_id, pupil=pupil)
    page = text(client_for(users[who]).get(url("list", scene.body)))
    assert (mine.reference in page) is sees_mine
    assert (other.reference in page) is sees_other


@pytest.mark.parametrize("who", ["trustee", "finance", "stranger"])
def test_lists_are_404_for_roles_without_cases(scene: Scene, who: str) -> None:
    client = client_for(_users(scene)[who])
    for name in ("list", "awards", "reviews", "queue"):
        assert client.get(url(name, scene.body)).status_code == 404, name


def test_the_list_says_what_happens_next_and_shows_the_clock(scene: Scene) -> None:
    case = submitted_case(scene)
    page = text(client_for(scene.head.user).get(url("list", scene.body)))
    assert "Submitted" in page
    assert "A decision officer decides it within the target number of working days." in page
    assert "0 of 10 working days" in page
    case_request_information(actor=scene.officer.user, tenant=scene.body, case_id=case.pk, question="Send the plan")
    page = text(client_for(scene.head.user).get(url("list", scene.body)))
    assert "Paused" in page
    assert "Answer the officer&#x27;s question. The decision clock is paused until you do." in page


def test_awards_page_shows_what_is_committed_and_when_it_is_paid(scene: Scene) -> None:
    approved_case(scene)
    users = _users(scene)
    page = text(client_for(scene.head.user).get(url("awards", scene.body)))
    assert "£9,000.00" in page
    for due in ("1 December 2026", "1 January 2027", "1 February 2027", "1 March 2027"):
        assert due in page
    with tenant_context(scene.body):
        amounts = list(Instalment.objects.filter(schedule__source_type="award").values_list("amount_pence", flat=True))
    assert sum(amounts) == 9_000_00
    for amount in amounts:
        assert format_pence(amount) in page
    other = text(client_for(users["other_head"]).get(url("awards", scene.body)))
    assert "Nothing has been awarded yet." in other


def test_pupil_identity_is_shown_only_through_the_audited_view_beyond_the_school(scene: Scene) -> None:
    with tenant_context(scene.body):
        pupil = pupil_create(
            actor=scene.head.user,
            tenant=scene.body,
            school_id=scene.school.pk,
            year_group="Y3",
            sen_status="sen_support",
            primary_need="SLCN",
            name="Ada Lovelace",
            upn="A123456789012",
        )
    case = draft_case(scene, pupil=pupil)
    users = _users(scene)
    detail = text(client_for(scene.head.user).get(url("detail", scene.body, case_id=case.pk)))
    # The school's own head sees the name it typed (issue 20); the UPN stays on the audited page.
    assert f"Ada Lovelace ({pupil.reference})" in detail
    assert "A123456789012" not in detail
    assert "Show name and UPN" in detail
    officer_detail = text(client_for(users["officer"]).get(url("detail", scene.body, case_id=case.pk)))
    assert "Ada Lovelace" not in officer_detail
    assert "Show name and UPN" in officer_detail
    for who in ("head", "officer"):
        page = client_for(users[who]).get(url("pupil-identity", scene.body, case_id=case.pk))
        assert "Ada Lovelace" in text(page)
        assert "A123456789012" in text(page)
    with tenant_context(scene.body):
        viewed = AuditEvent.objects.filter(verb="pupil.identity_viewed", object_id=str(pupil.pk)).count()
    assert viewed == 2
    for who in ("auditor", "other_head", "trustee"):
        assert client_for(users[who]).get(url("pupil-identity", scene.body, case_id=case.pk)).status_code == 404
    auditor_detail = text(client_for(users["auditor"]).get(url("detail", scene.body, case_id=case.pk)))
    assert "Show name and UPN" not in auditor_detail


def test_comments_are_added_and_an_empty_one_is_refused_on_the_field(scene: Scene) -> None:
    case = submitted_case(scene)
    client = client_for(scene.head.user)
    response = client.post(url("detail", scene.body, case_id=case.pk), {"text": "   "})
    assert response.status_code == 200
    assert field_error(response, "comment_text") == "Write your comment"
    response = client.post(url("detail", scene.body, case_id=case.pk), {"text": "The therapist report is attached."})
    assert response.status_code == 302
    officer = client_for(scene.officer.user)
    officer.post(url("detail", scene.body, case_id=case.pk), {"text": "Thank you."})
    page = text(client.get(url("detail", scene.body, case_id=case.pk)))
    assert "The therapist report is attached." in page
    assert "Thank you." in page
    auditor = client_for(_users(scene)["auditor"])
    refused = auditor.post(url("detail", scene.body, case_id=case.pk), {"text": "Auditors only read"})
    assert "Only the school or a decision officer comments on a case." in text(refused)
    with tenant_context(scene.body):
        assert CaseComment.objects.filter(case=case).count() == 2


def test_the_school_answers_a_question_and_the_clock_runs_again(scene: Scene) -> None:
    case = submitted_case(scene)
    case_request_information(
        actor=scene.officer.user, tenant=scene.body, case_id=case.pk, question="How many hours now?"
    )
    client = client_for(scene.head.user)
    page = client.get(url("provide-information", scene.body, case_id=case.pk))
    assert "How many hours now?" in text(page)
    blank = client.post(url("provide-information", scene.body, case_id=case.pk), {"answer": ""})
    assert field_error(blank, "id_answer") == "Give the information asked for"
    done = client.post(url("provide-information", scene.body, case_id=case.pk), {"answer": "Five hours a week."})
    assert done["Location"] == url("detail", scene.body, case_id=case.pk)
    assert fresh(scene, case).status == "submitted"
    # An officer cannot answer for the school.
    assert (
        client_for(scene.officer.user).get(url("provide-information", scene.body, case_id=case.pk)).status_code == 404
    )


def test_withdraw_and_reconsideration(scene: Scene) -> None:
    client = client_for(scene.head.user)
    for draft in (draft_case(scene), submitted_case(scene)):
        response = client.post(url("withdraw", scene.body, case_id=draft.pk), {"reason": "Pupil moved away"})
        assert response.status_code == 302
        assert fresh(scene, draft).status == "withdrawn"
    # Nothing to withdraw now: the page leads back to the case.
    assert client.get(url("withdraw", scene.body, case_id=draft.pk))["Location"] == url(
        "detail", scene.body, case_id=draft.pk
    )
    decided = approved_case(scene)
    blank = client.post(url("reconsideration", scene.body, case_id=decided.pk), {"grounds": ""})
    assert field_error(blank, "id_grounds") == "Say why the decision should be reconsidered"
    response = client.post(url("reconsideration", scene.body, case_id=decided.pk), {"grounds": "Needs are greater"})
    assert response.status_code == 302
    assert fresh(scene, decided).status == "reconsideration_requested"
    with tenant_context(scene.body):
        verbs = list(CaseEvent.objects.filter(case=decided).values_list("verb", flat=True))
    assert verbs[-1] == "request_reconsideration"


def test_an_officer_cannot_withdraw_or_ask_for_reconsideration(scene: Scene) -> None:
    case = submitted_case(scene)
    officer = client_for(scene.officer.user)
    assert officer.post(url("withdraw", scene.body, case_id=case.pk), {"reason": "x"}).status_code == 404
    assert officer.get(url("reconsideration", scene.body, case_id=case.pk)).status_code == 404
    assert fresh(scene, case).status == "submitted"


def test_typed_comment_is_kept_when_refused(scene: Scene) -> None:
    case = submitted_case(scene)
    response = client_for(scene.head.user).post(url("detail", scene.body, case_id=case.pk), {"text": "x" * 2001})
    assert field_error(response, "comment_text") == "Keep this to 2,000 characters or fewer"
    assert "x" * 2001 in text(response)
    assert input_value(response, "text") is None  # a textarea, not an input


@pytest.mark.parametrize("rows", [1, 10])
def test_list_pages_query_count_does_not_grow_with_rows(scene: Scene, rows: int, django_assert_max_num_queries) -> None:
    for _ in range(rows):
        approved_case(scene, amount=1_000_00)
    awards_mark_reviews_due(tenant=scene.body, today=date(2027, 3, 1))
    for _ in range(rows):
        submitted_case(scene)
    submitted = submitted_case(scene)
    case_request_information(actor=scene.officer.user, tenant=scene.body, case_id=submitted.pk, question="Why?")
    head = client_for(scene.head.user)
    officer = client_for(scene.officer.user)
    # The same budget at 1 and 10 rows of each kind: nothing is queried per row. Each is the
    # page's count (issue 22: the lists' rows are read as values, their clock's events as
    # arrays of the row; the list and the queue were 13 and 12).
    budgets = [
        (head, "list", 12),
        (head, "awards", 13),
        (head, "reviews", 10),
        (officer, "list", 12),
        (officer, "queue", 11),
        (officer, "awards", 13),
        (officer, "reviews", 10),
    ]
    for client, name, budget in budgets:
        with django_assert_max_num_queries(budget):
            response = client.get(url(name, scene.body))
        assert response.status_code == 200, name
    listing = text(head.get(url("list", scene.body)))
    assert listing.count('govuk-tag--orange">Review due') == rows
    assert listing.count('govuk-tag--blue">Submitted') == rows
    awards = text(head.get(url("awards", scene.body)))
    assert awards.count("Award for case") == rows
    queue = text(officer.get(url("queue", scene.body)))
    assert queue.count("working days") == rows + 1
    reviews = text(officer.get(url("reviews", scene.body)))
    assert reviews.count("/cases/") - reviews.count("/cases/awards/") >= rows


def test_awards_are_paged_newest_first_and_the_totals_cover_every_page(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("exceptional_resource.views.cases.AWARDS_PER_PAGE", 2)
    cases = [approved_case(scene) for _ in range(3)]
    officer = client_for(scene.officer.user)
    first = text(officer.get(url("awards", scene.body)))
    assert "Awards 1 to 2 of 3, newest first." in first
    assert "£27,000.00" in first  # still to be paid on all three awards, not the page's two
    assert cases[2].reference in first
    assert cases[0].reference not in first
    second = text(officer.get(url("awards", scene.body) + "?page=2"))
    assert "Awards 3 to 3 of 3, newest first." in second
    assert "£27,000.00" in second
    assert cases[0].reference in second
    assert cases[2].reference not in second
    for bad in ("abc", "0", "99", ""):
        response = officer.get(url("awards", scene.body) + f"?page={bad}")
        assert response.status_code == 200, bad
        assert "£27,000.00" in text(response), bad


def test_award_totals_equal_the_sums_of_every_award_row_in_each_scope(scene: Scene) -> None:
    from django.db.models import Sum

    from exceptional_resource.models import Award
    from exceptional_resource.selectors import cases as selectors
    from pooling.models import InstalmentSchedule

    cases = [approved_case(scene) for _ in range(3)]  # £9,000 each, four instalments from 1 December 2026
    confirm_and_pay(
        actor=scene.finance.user, tenant=scene.body, pool=scene.pool, due_up_to=date(2026, 12, 31),
        pay_on=date(2026, 12, 1),
    )  # fmt: skip
    with tenant_context(scene.body):
        Award.objects.filter(case=cases[1]).update(status=Award.Status.ENDED)
    for school_ids in (None, {scene.school.pk}, {own_academy(scene.body).pk}):
        rows = selectors.award_rows(tenant=scene.body, school_ids=school_ids)
        totals = selectors.award_totals(tenant=scene.body, school_ids=school_ids)
        assert totals.paid_pence == sum(r.paid_pence for r in rows)
        assert totals.to_come_pence == sum(r.to_come_pence for r in rows if r.award.status == "active")
    with tenant_context(scene.body):
        schedules = {s.source_id: s.pk for s in InstalmentSchedule.objects.filter(source_type="award")}
        active = [schedules[str(Award.objects.get(case=c).pk)] for c in (cases[0], cases[2])]
        paid = Instalment.objects.filter(due_on__lte=date(2026, 12, 31)).aggregate(t=Sum("amount_pence"))["t"]
        to_come = Instalment.objects.filter(schedule_id__in=active, due_on__gt=date(2026, 12, 31)).aggregate(
            t=Sum("amount_pence")
        )["t"]
    everything = selectors.award_totals(tenant=scene.body, school_ids=None)
    assert everything.paid_pence == paid > 0  # each award's first instalment, paid in the December run
    assert everything.to_come_pence == to_come > 0  # the rest of the two awards still active
    assert selectors.award_totals(tenant=scene.body, school_ids=set()) == selectors.AwardTotals(0, 0)  # no school


def test_the_case_list_and_queue_pages_read_their_rows_by_id_in_the_lists_order(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 22: a page's ids come first (from the index), then its rows; the order, the
    page boundaries and what each queued case asks for are as before."""
    monkeypatch.setattr("exceptional_resource.views.cases.CASES_PER_PAGE", 2)
    monkeypatch.setattr("exceptional_resource.views.decisions.QUEUE_PER_PAGE", 2)
    cases = [submitted_case(scene) for _ in range(3)]  # the last submitted is the last changed
    officer = client_for(scene.officer.user)
    first, second = (text(officer.get(url("list", scene.body) + f"?page={n}")) for n in (1, 2))
    assert first.index(cases[2].reference) < first.index(cases[1].reference)
    assert cases[0].reference not in first
    assert cases[0].reference in second
    assert cases[1].reference not in second
    assert cases[2].reference not in second
    queue_first, queue_second = (text(officer.get(url("queue", scene.body) + f"?page={n}")) for n in (1, 2))
    assert sum(c.reference in queue_first for c in cases) == 2
    assert sum(c.reference in queue_second for c in cases) == 1
    assert queue_first.count("£9,000.00") == 2  # what each asks for, from its resource lines


# A case with an award costs one query more than a submitted one for its instalments, and one
# more for which of them the bank returned ("Returned by the bank on ..., to be paid again",
# ``returned_by_bank``, issue 14): 17, against 24 before the round trips were cut (issue 22).
# A submitted case is 13: the page reads a case's decisions and awards only when it has some
# (``selectors.case_page``), and a case not yet decided has neither.
# A head or SENDCO reads their own school's case for what the officer does: whether it is
# within their reach is read off the case the page loaded (``case_within_or_404``), where it
# cost them one query more.
@pytest.mark.parametrize(("made", "budget"), [(submitted_case, 13), (approved_case, 17)])
@pytest.mark.parametrize("who", ["officer", "head", "sendco"])
def test_a_case_read_costs_one_statement_for_its_audit_event_and_the_page_stays_in_budget(
    scene: Scene, made: Any, budget: int, who: str
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = made(scene)
    reader = {
        "officer": scene.officer.user,
        "head": scene.head.user,
        "sendco": member(Role.SENDCO, scene.body, school=scene.school).user,
    }[who]
    browser = client_for(reader)
    browser.get(url("detail", scene.body, case_id=case.pk))  # a session's first request stamps it
    with tenant_context(scene.body):
        before = AuditEvent.objects.filter(verb="case.viewed").count()
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(url("detail", scene.body, case_id=case.pk))
    assert response.status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    audit = [s for s in sql if "accounts_auditevent" in s or "advisory" in s]
    assert len(audit) == 1
    assert audit[0].startswith("WITH head AS (SELECT coalesce(prev, ")
    # The test's own transaction adds the page's savepoint, its release and the setting put
    # back at its end, which production (B6: the submitted case) does not run.
    test_only = [s for s in sql if "SAVEPOINT" in s or s.startswith("SELECT previous.value, set_config(")]
    assert len(test_only) == 3
    assert len(sql) - len(test_only) == budget, "\n".join(s[:120] for s in sql)
    with tenant_context(scene.body):
        assert AuditEvent.objects.filter(verb="case.viewed").count() == before + 1
