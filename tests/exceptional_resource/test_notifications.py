"""Emails about cases: each kind reaches the right people only, as each person chose
(straight away, in the daily digest, or not at all), and never carries pupil data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from core.tenancy import tenant_context
from exceptional_resource.models import Case, CaseEvent
from exceptional_resource.notifications import case_event_notify
from exceptional_resource.services import cases
from exceptional_resource.services.awards import awards_mark_reviews_due
from exceptional_resource.services.pupils import pupil_create
from notifications import registered_kinds
from notifications.models import Notification
from notifications.services import notification_preferences_set
from notifications.tasks import send_notification_digests
from pooling.services.ledger import InsufficientHeadroom
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.factories import member
from tests.outbox_support import outbox_mark, run_outbox

pytestmark = pytest.mark.django_db

CRITERIA = ["The intended outcomes are specific, measurable and have a review date."]
PUPIL_NAME = "Zebedee Quimby-Farthingale"
PUPIL_UPN = "A123456789012"


@dataclass
class People:
    head: User
    sendco: User
    other_head: User
    officer: User
    senior: User
    recused_officer: User
    finance: User
    trustee: User
    auditor: User
    admin: User

    @property
    def school(self) -> tuple[User, ...]:
        """Everyone with a head or SENDCO role at the case's school (the recused officer is its SENDCO too)."""
        return (self.head, self.sendco, self.recused_officer)


@pytest.fixture
def people(scene: Scene) -> People:
    recused = member(Role.DECISION_OFFICER, scene.body, mfa=True)
    member(Role.SENDCO, scene.body, user=recused.user, school=scene.school)
    return People(
        head=scene.head.user,
        sendco=member(Role.SENDCO, scene.body, school=scene.school).user,
        other_head=member(Role.HEAD, scene.body).user,
        officer=scene.officer.user,
        senior=scene.senior.user,
        recused_officer=recused.user,
        finance=scene.finance.user,
        trustee=member(Role.TRUSTEE, scene.body).user,
        auditor=member(Role.AUDITOR, scene.body).user,
        admin=member(Role.BODY_ADMIN, scene.body).user,
    )


@pytest.fixture(autouse=True)
def eager_celery(settings: Any) -> None:
    """Tasks queued after commit run at once in this process (no worker needed here).
    Through Django's settings, so the override ends with the test."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """Run a service and then what it wrote to the outbox (the emails), as a worker does."""

    def run(fn: Any, *args: Any, **kwargs: Any) -> Any:
        mark = outbox_mark()
        try:
            with django_capture_on_commit_callbacks(execute=True):
                return fn(*args, **kwargs)
        finally:
            run_outbox(after=mark)  # also when the service refused after recording something

    return run


def _pupil_case(scene: Scene, requested_pence: int | None = None) -> Case:
    """A draft for a pupil with a name and UPN recorded (neither may reach an email)."""
    pupil = pupil_create(
        actor=scene.head.user,
        tenant=scene.body,
        school_id=scene.school.pk,
        year_group="Y4",
        sen_status="ehc_plan",
        primary_need="SLCN",
        name=PUPIL_NAME,
        upn=PUPIL_UPN,
    )
    return draft_case(scene, pupil=pupil, requested_pence=requested_pence)


def _to(*users: User) -> list[str]:
    return sorted(u.email for u in users)


def _recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def _assert_no_pupil_data(scene: Scene, case: Case) -> None:
    with tenant_context(scene.body):
        pupil = Case.objects.select_related("pupil").get(pk=case.pk).pupil
    forbidden = [PUPIL_NAME, "Quimby", PUPIL_UPN, pupil.reference, case.reference, scene.school.name, "SLCN"]
    assert mail.outbox
    for message in mail.outbox:
        rendered = f"{message.subject}\n{message.body}\n{message.message().as_string()}"
        for value in forbidden:
            assert value not in rendered, f"{value!r} in an email: {message.subject}"


def _approve(scene: Scene, case: Case, officer: User, amount: int = 9_000_00) -> Any:
    return cases.case_decide(
        actor=officer,
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


def test_case_kinds_are_registered_for_the_preferences_page() -> None:
    keys = {k.key for k in registered_kinds()}
    assert {
        "case_submitted",
        "case_information_requested",
        "case_decided",
        "case_review_due",
        "case_reconsideration_requested",
        "case_reconsideration_decided",
        "pool_headroom_shortfall",
    } <= keys


def test_submitted_goes_to_the_bodys_decision_officers_who_may_decide_it(
    scene: Scene, people: People, committed: Any
) -> None:
    case = _pupil_case(scene)
    committed(cases.case_submit, actor=people.head, tenant=scene.body, case_id=case.pk)
    assert _recipients() == _to(people.officer, people.senior)
    message = mail.outbox[0]
    assert message.subject == "A case has been submitted for a decision"
    assert f"\n{settings.SITE_URL}/b/{scene.body.slug}/cases/{case.pk}/\n" in message.body
    assert scene.body.legal_name in message.body
    assert "/my-account/email-settings/" in message.body
    _assert_no_pupil_data(scene, case)


def test_information_requested_goes_to_the_schools_head_and_sendco_only(
    scene: Scene, people: People, committed: Any
) -> None:
    case = _pupil_case(scene)
    cases.case_submit(actor=people.head, tenant=scene.body, case_id=case.pk)
    committed(
        cases.case_request_information,
        actor=people.officer,
        tenant=scene.body,
        case_id=case.pk,
        question=f"Please send {PUPIL_NAME}'s EP report",
    )
    assert _recipients() == _to(*people.school)
    assert mail.outbox[0].subject == "More information has been asked for on a case"
    _assert_no_pupil_data(scene, case)


def test_decided_goes_to_the_school_and_not_to_the_officer_who_decided(
    scene: Scene, people: People, committed: Any
) -> None:
    case = _pupil_case(scene)
    cases.case_submit(actor=people.head, tenant=scene.body, case_id=case.pk)
    committed(_approve, scene, case, people.officer)
    assert _recipients() == _to(*people.school)
    assert {m.subject for m in mail.outbox} == {"A decision has been made on a case"}
    _assert_no_pupil_data(scene, case)


def test_review_due_goes_to_the_school(scene: Scene, people: People, committed: Any) -> None:
    case = _pupil_case(scene)
    cases.case_submit(actor=people.head, tenant=scene.body, case_id=case.pk)
    _approve(scene, case, people.officer)
    marked = committed(awards_mark_reviews_due, tenant=scene.body, today=date(2027, 3, 1))
    assert marked == [case.pk]
    assert _recipients() == _to(*people.school)
    assert mail.outbox[0].subject == "A review is due on a case"
    _assert_no_pupil_data(scene, case)


def test_reconsideration_requested_goes_to_officers_other_than_the_one_who_decided_and_back(
    scene: Scene, people: People, committed: Any
) -> None:
    case = _pupil_case(scene)
    cases.case_submit(actor=people.head, tenant=scene.body, case_id=case.pk)
    cases.case_decide(
        actor=people.officer,
        tenant=scene.body,
        case_id=case.pk,
        outcome="declined",
        criteria_met=[],
        reasons="The school's own provision is sufficient",
    )
    committed(
        cases.case_request_reconsideration,
        actor=people.sendco,
        tenant=scene.body,
        case_id=case.pk,
        grounds="New therapist report",
    )
    assert _recipients() == _to(people.senior)
    assert mail.outbox[0].subject == "A school has asked for a decision to be reconsidered"
    mail.outbox.clear()
    committed(_approve, scene, case, people.senior)
    assert _recipients() == _to(*people.school)
    assert {m.subject for m in mail.outbox} == {"A decision has been reconsidered"}
    _assert_no_pupil_data(scene, case)


def test_headroom_shortfall_alerts_finance_officers_and_trustees_only(
    scene: Scene, people: People, committed: Any
) -> None:
    case = _pupil_case(scene, requested_pence=50_000_00)
    cases.case_submit(actor=people.head, tenant=scene.body, case_id=case.pk)
    with pytest.raises(InsufficientHeadroom):
        committed(_approve, scene, case, people.senior, 50_000_00)
    assert _recipients() == _to(people.finance, people.trustee)
    message = mail.outbox[0]
    assert message.subject == "The pool cannot fund a decision"
    dashboard = reverse("pooling:dashboard", kwargs={"body_slug": scene.body.slug})
    assert f"\n{settings.SITE_URL}{dashboard}\n" in message.body
    assert "50,000" not in message.body
    assert "10,000" not in message.body
    _assert_no_pupil_data(scene, case)


def test_off_and_digest_preferences_are_honoured(scene: Scene, people: People, committed: Any) -> None:
    notification_preferences_set(user=people.officer, choices={"case_submitted": "off"})
    notification_preferences_set(user=people.senior, choices={"case_submitted": "digest"})
    case = _pupil_case(scene)
    committed(cases.case_submit, actor=people.head, tenant=scene.body, case_id=case.pk)
    assert mail.outbox == []
    with tenant_context(scene.body):
        queued = list(Notification.objects.values_list("user_id", "delivery", "sent_at"))
    assert queued == [(people.senior.pk, "digest", None)]
    assert send_notification_digests.apply(kwargs={"day": "2026-12-01"}).get() == 1
    assert _recipients() == _to(people.senior)
    assert "A school has submitted a case" in mail.outbox[0].body
    _assert_no_pupil_data(scene, case)


def test_the_digest_groups_a_days_entries_and_sends_once(scene: Scene, people: People, committed: Any) -> None:
    notification_preferences_set(
        user=people.head, choices={"case_information_requested": "digest", "case_decided": "digest"}
    )
    first, second = _pupil_case(scene), draft_case(scene)
    for case in (first, second):
        cases.case_submit(actor=people.head, tenant=scene.body, case_id=case.pk)
        committed(
            cases.case_request_information, actor=people.officer, tenant=scene.body, case_id=case.pk, question="?"
        )
    committed(cases.case_provide_information, actor=people.sendco, tenant=scene.body, case_id=first.pk, answer="!")
    committed(_approve, scene, first, people.officer)
    assert people.head.email not in _recipients()
    mail.outbox.clear()

    assert send_notification_digests.apply(kwargs={"day": "2026-12-01"}).get() == 1
    [digest] = mail.outbox
    assert digest.to == [people.head.email]
    assert digest.subject == "Inclusion Pool: your summary for 1 December 2026"
    assert digest.body.count("has asked for more information") == 2
    assert digest.body.count("has made a decision") == 1
    assert digest.body.count(scene.body.legal_name + "\n") == 1
    _assert_no_pupil_data(scene, first)

    assert send_notification_digests.apply(kwargs={"day": "2026-12-01"}).get() == 0
    # entries after today's digest wait for tomorrow's
    committed(cases.case_provide_information, actor=people.sendco, tenant=scene.body, case_id=second.pk, answer="!")
    committed(_approve, scene, second, people.officer)
    assert send_notification_digests.apply(kwargs={"day": "2026-12-01"}).get() == 0
    to_head = [m for m in mail.outbox if m.to == [people.head.email]]
    assert to_head == [digest]
    assert send_notification_digests.apply(kwargs={"day": "2026-12-02"}).get() == 1
    to_head = [m for m in mail.outbox if m.to == [people.head.email]]
    assert len(to_head) == 2
    assert to_head[1].body.count("has made a decision") == 1


def test_announcing_the_same_event_twice_sends_each_person_one_email(
    scene: Scene, people: People, committed: Any
) -> None:
    case = _pupil_case(scene)
    committed(cases.case_submit, actor=people.head, tenant=scene.body, case_id=case.pk)
    with tenant_context(scene.body):
        event = CaseEvent.objects.get(case=case, verb="submit")
    assert committed(case_event_notify, tenant=scene.body, event_id=event.pk) == 0
    assert len(mail.outbox) == 2
    with tenant_context(scene.body):
        assert Notification.objects.count() == 2
