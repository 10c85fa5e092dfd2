"""The collaboration API and pages: bad values for every field, query budgets that do not
grow with rows, and the firm rule that advice never reaches a decision page or the
decision API."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Role
from collaboration.models import AdviceMessage, AdviceRequest
from collaboration.services.advice import advice_give, advice_reply, advice_request_create
from core.models import AuditEvent
from core.tenancy import tenant_context
from notifications.models import Notification
from notifications.services import notification_preferences_set
from tests.collaboration.conftest import PUPIL_NAME, PUPIL_UPN, Advice, join_grouping, login
from tests.exceptional_resource.conftest import draft_case
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db

QUESTION = "Marker question seventeen about the speech group"
ADVICE = "Marker advice: visual timetable and now-next boards"


def api(a: Advice, name: str, **kwargs: Any) -> str:
    return reverse(f"collaboration-api:{name}", kwargs={"body_slug": a.scene.body.slug, **kwargs})


def ask_via_api(a: Advice, **overrides: Any) -> Any:
    data = {"case_id": a.case.pk, "adviser_id": a.peer.user.pk, "question": QUESTION, "days": 5}
    data.update(overrides)
    return login(a.sendco).post(api(a, "advice-request"), data, content_type="application/json")


def test_api_request_read_advise_reply_revoke(advice: Advice) -> None:
    response = ask_via_api(advice)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["adviser_label"], body["status"], body["is_live"]) == (advice.peer.user.email, "open", True)
    request_id = body["id"]
    peer = login(advice.peer)
    detail = peer.get(api(advice, "advice", advicerequest_id=request_id)).json()
    assert detail["as_adviser"] is True
    assert detail["summary"]["provision"][0] == {
        "provision": "Speech group",
        "staff_role": "TA",
        "group_size": 4,
        "sessions_per_week": 3,
        "minutes_per_session": 30,
        "weeks": 38,
    }
    text = str(detail)
    for hidden in (PUPIL_NAME, PUPIL_UPN, advice.case.reference, "pence", "amount", "cost"):
        assert hidden not in text
    given = peer.post(
        api(advice, "advise", advicerequest_id=request_id),
        {"text": ADVICE, "score": 5, "vote": "approve"},
        content_type="application/json",
    )
    assert given.status_code == 201
    assert given.json() == {
        "id": given.json()["id"],
        "kind": "advice",
        "author_label": advice.peer.user.email,
        "text": ADVICE,
        "created_at": given.json()["created_at"],
        "attached_at": None,
    }
    school = login(advice.sendco)
    reply = school.post(
        api(advice, "reply", advicerequest_id=request_id), {"text": "Thanks"}, content_type="application/json"
    )
    assert reply.status_code == 201
    assert school.get(api(advice, "advice-list")).json()["asked"][0]["id"] == request_id
    assert peer.get(api(advice, "advice-list")).json()["to_advise"][0]["id"] == request_id
    revoked = school.post(api(advice, "revoke", advicerequest_id=request_id))
    assert (revoked.status_code, revoked.json()["status"]) == (200, "revoked")
    assert peer.get(api(advice, "advice", advicerequest_id=request_id)).status_code == 404
    assert peer.get(api(advice, "advice-list")).json()["to_advise"] == []
    again = school.post(api(advice, "revoke", advicerequest_id=request_id))
    assert (again.status_code, again.json()["code"]) == (409, "advice_request_closed")


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"case_id": "x"}, 400, "case_id"),
        ({"case_id": None}, 400, "case_id"),
        ({"adviser_id": "someone"}, 400, "adviser_id"),
        ({"adviser_id": 10**9}, 400, "adviser_id"),
        ({"question": ""}, 400, "question"),
        ({"question": "q" * 1901}, 400, "question"),
        ({"days": 0}, 400, "days"),
        ({"days": 29}, 400, "days"),
        ({"days": "soon"}, 400, "days"),
        ({"days": 2.5}, 400, "days"),
    ],
)
def test_api_bad_values_are_refused_and_write_nothing(advice: Advice, overrides: dict, status: int, field: str) -> None:
    response = ask_via_api(advice, **overrides)
    assert response.status_code == status
    payload = response.json()
    assert payload.get("field") == field or field in payload.get("fields", {})
    with tenant_context(advice.scene.body):
        assert AdviceRequest.objects.count() == 0
        assert not AuditEvent.objects.filter(verb__startswith="advice.").exists()


def test_api_message_text_must_be_text(advice: Advice) -> None:
    request = advice_request_create(
        actor=advice.sendco.user,
        tenant=advice.scene.body,
        case_id=advice.case.pk,
        adviser_id=advice.peer.user.pk,
        question="Q",
        days=3,
    )
    peer = login(advice.peer)
    url = api(advice, "advise", advicerequest_id=request.pk)
    for bad, code in (({"text": ""}, "text_required"), ({"text": "x" * 1901}, "text_too_long")):
        response = peer.post(url, bad, content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (400, code)
    assert peer.post(url, {"text": 5}, content_type="application/json").status_code == 400
    with tenant_context(advice.scene.body):
        assert AdviceMessage.objects.count() == 0


def test_page_form_shows_errors_and_writes_nothing(advice: Advice) -> None:
    client = login(advice.sendco)
    url = reverse("collaboration:advice-new", kwargs={"body_slug": advice.scene.body.slug})
    page = client.get(url).content.decode()
    assert advice.peer.user.email in page
    assert advice.scene.officer.user.email not in page
    response = client.post(url, {"case_id": "", "adviser_id": "x", "question": "", "days": "99"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert html.count("govuk-error-message") >= 4
    with tenant_context(advice.scene.body):
        assert AdviceRequest.objects.count() == 0
    ok = client.post(
        url, {"case_id": advice.case.pk, "adviser_id": advice.peer.user.pk, "question": QUESTION, "days": "3"}
    )
    assert ok.status_code == 302


def test_advice_never_appears_on_a_decision_page_or_in_the_decision_api(advice: Advice) -> None:
    request = advice_request_create(
        actor=advice.sendco.user,
        tenant=advice.scene.body,
        case_id=advice.case.pk,
        adviser_id=advice.peer.user.pk,
        question=QUESTION,
        days=3,
    )
    advice_give(actor=advice.peer.user, tenant=advice.scene.body, advice_request_id=request.pk, text=ADVICE)
    from exceptional_resource.services.cases import case_submit

    case_submit(actor=advice.sendco.user, tenant=advice.scene.body, case_id=advice.case.pk)
    officer = login(advice.scene.officer)
    slug, case_id = advice.scene.body.slug, advice.case.pk
    pages = [
        reverse("cases:detail", kwargs={"body_slug": slug, "case_id": case_id}),
        reverse("cases:decide", kwargs={"body_slug": slug, "case_id": case_id}),
        reverse("cases:queue", kwargs={"body_slug": slug}),
        reverse("cases-api:case", kwargs={"body_slug": slug, "case_id": case_id}),
    ]
    for url in pages:
        response = officer.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        for marker in (QUESTION, ADVICE, advice.peer.user.email):
            assert marker not in content, url
    assert (
        officer.get(
            reverse("collaboration:advice", kwargs={"body_slug": slug, "advicerequest_id": request.pk})
        ).status_code
        == 404
    )
    assert officer.get(api(advice, "advice-list")).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.HEAD, 200),
        (Role.SENDCO, 200),
        (Role.BODY_ADMIN, 200),
        (Role.DECISION_OFFICER, 404),
        (Role.FINANCE_OFFICER, 404),
        (Role.TRUSTEE, 404),
        (Role.AUDITOR, 404),
        (Role.PARTNERSHIP_LEAD, 404),
    ],
)
def test_the_forum_is_for_schools_and_the_bodys_support_staff(advice: Advice, role: str, status: int) -> None:
    person = member(role, advice.scene.body, mfa=True)
    client = login(person)
    home = reverse("collaboration:home", kwargs={"body_slug": advice.scene.body.slug})
    assert client.get(home).status_code == status
    assert client.get(api(advice, "advice-list")).status_code == status


def test_notifications_follow_preferences_and_carry_no_pupil_data(
    advice: Advice, django_capture_on_commit_callbacks: Any
) -> None:
    notification_preferences_set(user=advice.sendco.user, choices={"advice_given": "off"})
    with django_capture_on_commit_callbacks(execute=True):
        request = advice_request_create(
            actor=advice.sendco.user,
            tenant=advice.scene.body,
            case_id=advice.case.pk,
            adviser_id=advice.peer.user.pk,
            question=QUESTION,
            days=3,
        )
    with django_capture_on_commit_callbacks(execute=True):
        advice_give(actor=advice.peer.user, tenant=advice.scene.body, advice_request_id=request.pk, text=ADVICE)
    with tenant_context(advice.scene.body):
        sent = list(Notification.objects.values_list("user_id", "kind", "subject", "text"))
    assert [(u, k) for u, k, _s, _t in sent] == [(advice.peer.user.pk, "advice_requested")]
    words = " ".join(f"{s} {t}" for _u, _k, s, t in sent)
    for hidden in (PUPIL_NAME, PUPIL_UPN, advice.case.reference, QUESTION, advice.scene.school.name, "£"):
        assert hidden not in words


def _requests(a: Advice, n: int) -> None:
    for i in range(n):
        school = own_academy(a.scene.body, name=f"Peer {i}")
        join_grouping(a.scene, a.scene.finance, school)
        peer = member(Role.SENDCO, a.scene.body, school=school)
        case = draft_case(a.scene)
        advice_request_create(
            actor=a.sendco.user, tenant=a.scene.body, case_id=case.pk, adviser_id=peer.user.pk, question="Q", days=3
        )
        advice_request_create(
            actor=a.sendco.user, tenant=a.scene.body, case_id=case.pk, adviser_id=a.peer.user.pk, question="Q", days=3
        )


@pytest.mark.parametrize("rows", [1, 10])
def test_lists_cost_the_same_whatever_the_rows(advice: Advice, rows: int, django_assert_max_num_queries: Any) -> None:
    _requests(advice, rows)
    home = reverse("collaboration:home", kwargs={"body_slug": advice.scene.body.slug})
    for who in (advice.sendco, advice.peer):
        client = login(who)
        with django_assert_max_num_queries(14):
            assert client.get(home).status_code == 200
        with django_assert_max_num_queries(12):
            assert client.get(api(advice, "advice-list")).status_code == 200


def test_the_school_may_attach_advice_as_evidence_and_only_then_the_officer_reads_it(advice: Advice) -> None:
    request = advice_request_create(
        actor=advice.sendco.user,
        tenant=advice.scene.body,
        case_id=advice.case.pk,
        adviser_id=advice.peer.user.pk,
        question=QUESTION,
        days=3,
    )
    given = advice_give(actor=advice.peer.user, tenant=advice.scene.body, advice_request_id=request.pk, text=ADVICE)
    reply = advice_reply(actor=advice.sendco.user, tenant=advice.scene.body, advice_request_id=request.pk, text="Ta")
    officer = login(advice.scene.officer)
    case_page = reverse("cases:detail", kwargs={"body_slug": advice.scene.body.slug, "case_id": advice.case.pk})
    assert ADVICE not in officer.get(case_page).content.decode()
    attach = api(advice, "attach", advicemessage_id=given.pk)
    assert login(advice.peer).post(attach).status_code == 404  # the adviser cannot put it on the case
    assert officer.post(attach).status_code == 404
    wrong = login(advice.sendco).post(api(advice, "attach", advicemessage_id=reply.pk))
    assert (wrong.status_code, wrong.json()["code"]) == (400, "not_advice")
    attached = login(advice.sendco).post(attach)
    assert attached.status_code == 200
    assert attached.json()["attached_at"] is not None
    page = officer.get(case_page).content.decode()
    assert ADVICE in page
    assert "attached by the school as evidence" in page
    assert QUESTION not in page  # only the advice the school chose, not the request
    again = login(advice.sendco).post(attach)
    assert (again.status_code, again.json()["code"]) == (409, "already_attached")
    with tenant_context(advice.scene.body):
        assert AuditEvent.objects.filter(verb="advice.attached").count() == 1
        assert AuditEvent.objects.filter(verb="case.commented").count() == 1
