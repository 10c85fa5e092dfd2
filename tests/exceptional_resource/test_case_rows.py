"""The case tables read their rows as values, not model instances (issue 22): each row's
figures are the ones the case read in full gives (its decision clock from ``clock_of``,
what it asks for), and its cells the HTML the case page's tags write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template

from core.tenancy import tenant_context
from exceptional_resource.models import Case
from exceptional_resource.selectors import queues
from exceptional_resource.selectors.clock import Clock, clock_of
from exceptional_resource.services.cases import (
    case_provide_information,
    case_request_information,
    case_submit,
)
from exceptional_resource.views.cells import CaseCells
from exceptional_resource.views.common import status_tag
from tests.exceptional_resource.conftest import Scene, draft_case

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
SENT = date(2026, 11, 2)  # a Monday


def _at(day: date) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=LONDON), tick=False)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with _at(SENT):
        yield


def _case(scene: Scene, *asked_and_answered: date) -> Case:
    """A case sent on ``SENT``, then asked for information and answering on the days given,
    in turn."""
    case = draft_case(scene)
    case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    for n, day in enumerate(asked_and_answered):
        with _at(day):
            if n % 2 == 0:
                case_request_information(actor=scene.officer.user, tenant=scene.body, case_id=case.pk, question="Why?")
            else:
                case_provide_information(actor=scene.head.user, tenant=scene.body, case_id=case.pk, answer="Because")
    return case


def test_a_queue_row_s_clock_and_request_are_the_case_s(scene: Scene) -> None:
    never_asked = _case(scene)
    waiting = _case(scene, date(2026, 11, 4))
    answered = _case(scene, date(2026, 11, 4), date(2026, 11, 9))
    asked_again = _case(scene, date(2026, 11, 3), date(2026, 11, 5), date(2026, 11, 10))
    today = date(2026, 11, 16)

    with tenant_context(scene.body):
        rows = {row["id"]: row for row in queues.decision_queue(tenant=scene.body).values(*queues.QUEUE_VALUES)}

    clocks = {}
    for case in (never_asked, waiting, answered, asked_again):
        with tenant_context(scene.body):
            full = Case.objects.select_related("policy").get(pk=case.pk)
            expected = clock_of(full, today=today)
        row = rows[case.pk]
        clocks[case.pk] = queues.row_clock(row, today=today)
        assert clocks[case.pk] == expected
        assert row["requested_pence"] == 9_000_00  # 30 sessions at £300.00
        assert row["reference"] == full.reference
        assert row["school__name"] == "Meadow Academy"
    # Each history gives its own clock (the rows are not all alike): 10 working days from
    # Mon 2 Nov to Mon 16 Nov, less the days the school was asked.
    assert clocks[never_asked.pk].elapsed == 10
    assert clocks[waiting.pk] == Clock(started=True, paused=True, elapsed=2, target=10, due_on=date(2026, 11, 16))
    assert clocks[answered.pk].elapsed == 7
    assert clocks[answered.pk].running
    assert clocks[asked_again.pk].elapsed == 4
    assert rows[asked_again.pk]["clock_verbs"] == ["request_information", "provide_information", "request_information"]


def test_a_row_without_lines_asks_for_nothing_and_one_not_sent_or_without_policy_has_no_clock(scene: Scene) -> None:
    case = _case(scene)
    with tenant_context(scene.body):
        case.resource_lines.all().delete()
        row = next(
            r for r in queues.decision_queue(tenant=scene.body).values(*queues.QUEUE_VALUES) if r["id"] == case.pk
        )
    assert row["requested_pence"] is None  # the page shows £0.00
    assert queues.row_clock({**row, "submitted_on": None}) == Clock(started=False)
    assert queues.row_clock({**row, "policy__decision_target_working_days": None}) == Clock(started=False)


def _tags(source: str, **context: object) -> str:
    return Template("{% load case_tags %}" + source).render(Context(context))


@pytest.mark.parametrize(
    "clock",
    [
        Clock(started=False),
        Clock(started=True, paused=True, elapsed=3, target=10),
        Clock(started=True, running=True, elapsed=4, target=10, due_on=date(2027, 1, 5)),
        Clock(started=True, running=True, elapsed=12, target=10, due_on=date(2026, 12, 24)),
        Clock(started=True, running=True, elapsed=12, target=10),
        Clock(started=True, elapsed=1, target=10),
        Clock(started=True, elapsed=7, target=5),
    ],
)
def test_a_table_s_clock_cell_is_the_case_page_s(scene: Scene, clock: Clock) -> None:
    cells = CaseCells(body=scene.body)
    assert cells.clock(clock) == _tags("{% decision_clock clock %}", clock=clock)
    assert cells.clock(clock) == cells.clock(clock)  # the date written once, the same text


def test_a_table_s_status_cell_is_the_case_page_s(scene: Scene) -> None:
    cells = CaseCells(body=scene.body)
    for status, _label in Case._meta.get_field("status").choices:
        tag = cells.tag(status)
        assert tag["html"] == _tags("{% status_tag tag %}", tag=status_tag(status))
        assert tag["officer_next"] == status_tag(status)["officer_next"]
        assert cells.tag(status) is tag  # once a page


def test_a_page_of_a_list_reads_its_rows_as_values_and_an_empty_list_reads_none(scene: Scene) -> None:
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from core.web import paginate_rows

    request = RequestFactory().get("/")
    with tenant_context(scene.body), CaptureQueriesContext(connection) as empty:
        pages = paginate_rows(request, queues.decision_queue(tenant=scene.body), per_page=2, label="x", values=("id",))
        assert list(pages.page.object_list) == []
    assert len(empty.captured_queries) == 1  # the count alone
    cases = [_case(scene) for _ in range(3)]
    with tenant_context(scene.body):
        pages = paginate_rows(
            request, queues.decision_queue(tenant=scene.body), per_page=2, label="x", values=("id", "reference")
        )
        assert list(pages.page.object_list) == [{"id": c.pk, "reference": c.reference} for c in cases[:2]]


def test_reviews_now_and_soon_are_reviews_due_split_with_the_same_next_review_dates(scene: Scene) -> None:
    from datetime import timedelta

    from exceptional_resource.models import Outcome
    from exceptional_resource.selectors.cases import reviews_due
    from exceptional_resource.services.awards import awards_mark_reviews_due
    from tests.exceptional_resource.pages_support import approved_case

    due = approved_case(scene)  # its outcome's review (1 March 2027) is due on that day
    awards_mark_reviews_due(tenant=scene.body, today=date(2027, 3, 1))
    soon, later, far = (approved_case(scene) for _ in range(3))
    with tenant_context(scene.body):
        for case, days in ((soon, 20), (later, 10), (far, 90)):
            Outcome.objects.filter(case=case).update(review_on=SENT + timedelta(days=days))
        # A second outcome, reviewed earlier: the case's next review is the earliest.
        Outcome.objects.create(
            responsible_body=scene.body, case=soon, description="Reads aloud", review_on=SENT + timedelta(days=3)
        )

    with tenant_context(scene.body):
        now, coming = queues.reviews_now_and_soon(tenant=scene.body, school_ids=None, within_days=42)
        rows = [list(qs.values(*queues.REVIEW_VALUES)) for qs in (now, coming)]
        full = list(reviews_due(tenant=scene.body, school_ids=None, within_days=42))

    expected = [
        [(c.pk, c.next_review_on) for c in full if c.status == "review_due"],
        [(c.pk, c.next_review_on) for c in full if c.status != "review_due"],
    ]
    assert [[(r["id"], r["next_review_on"]) for r in part] for part in rows] == expected
    assert expected == [
        [(due.pk, date(2027, 3, 1))],
        [(soon.pk, SENT + timedelta(days=3)), (later.pk, SENT + timedelta(days=10))],  # far is beyond 42 days
    ]


def test_a_case_list_row_has_the_case_s_clock_and_its_pupil_for_naming(scene: Scene) -> None:
    waiting = _case(scene, date(2026, 11, 4))
    other = _case(scene)
    today = date(2026, 11, 16)
    with tenant_context(scene.body):
        rows = list(
            queues.case_list_by_last_change(tenant=scene.body, school_ids={scene.school.pk}).values(
                *queues.CASE_LIST_VALUES
            )
        )
        full = {c.pk: c for c in Case.objects.select_related("policy", "pupil").filter(pk__in=[waiting.pk, other.pk])}
        clocks = {pk: clock_of(case, today=today) for pk, case in full.items()}
    assert [r["id"] for r in rows] == [waiting.pk, other.pk]  # the most recently changed (asked on 4 Nov) first
    for row in rows:
        case = full[row["id"]]
        assert queues.row_clock(row, today=today) == clocks[case.pk]
        assert row["pupil__reference"] == case.pupil.reference
    assert queues.row_clock(rows[0], today=today).paused
    pupils = queues.row_pupils(rows)
    assert [(p.pk, p.school_id) for p in pupils] == [(full[r["id"]].pupil_id, scene.school.pk) for r in rows]


def test_the_awards_page_with_nothing_awarded_reads_no_page_of_awards_and_no_totals(scene: Scene) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.exceptional_resource.pages_support import client_for, text, url

    head = client_for(scene.head.user)
    head.get(url("awards", scene.body))  # a session's first request stamps it
    with CaptureQueriesContext(connection) as nothing:
        page = text(head.get(url("awards", scene.body)))
    assert "Nothing has been awarded yet." in page
    sql = [q["sql"] for q in nothing.captured_queries]
    assert not [s for s in sql if 'FROM "exceptional_resource_award"' in s and "COUNT(" not in s]
    assert not [s for s in sql if "MATERIALIZED" in s]  # award_totals
