"""Peer advice: a guardian object permission granted, used (audited), revoked and expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.policy import Action, BodyAccess
from collaboration import verbs
from collaboration.error_codes import CollaborationError as Code
from collaboration.models import AdviceRequest, AdviceRequestUserObjectPermission, AdviceStatus, ExpertiseProfile
from collaboration.services.advice import (
    advice_give,
    advice_reply,
    advice_request_create,
    advice_request_open,
    advice_request_revoke,
    advice_requests_expire,
)
from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from core.tenancy import tenant_context
from tests.collaboration.conftest import PUPIL_NAME, PUPIL_UPN, Advice, login
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db


def ask(a: Advice, **overrides: object) -> AdviceRequest:
    values: dict[str, object] = dict(
        case_id=a.case.pk, adviser_id=a.peer.user.pk, question="How would you structure the speech group?", days=7
    )
    values.update(overrides)
    return advice_request_create(actor=a.sendco.user, tenant=a.scene.body, **values)  # type: ignore[arg-type]


def url(a: Advice, name: str, request: AdviceRequest) -> str:
    return reverse(f"collaboration:{name}", kwargs={"body_slug": a.scene.body.slug, "advicerequest_id": request.pk})


def verbs_of(a: Advice) -> list[str]:
    with tenant_context(a.scene.body):
        return list(
            AuditEvent.objects.filter(object_type="collaboration.advicerequest")
            .order_by("id")
            .values_list("verb", flat=True)
        )


def grants(a: Advice) -> int:
    with tenant_context(a.scene.body):
        return AdviceRequestUserObjectPermission.objects.count()


def test_sendco_asks_a_peer_who_reads_the_pseudonymous_summary_audited(advice: Advice) -> None:
    request = ask(advice)
    assert request.status == AdviceStatus.OPEN
    assert request.expires_at == request.created_at + timedelta(days=7)
    assert grants(advice) == 1
    with tenant_context(advice.scene.body):
        grant = AdviceRequestUserObjectPermission.objects.get()
        assert (grant.user_id, grant.content_object_id, grant.permission.codename) == (
            advice.peer.user.pk,
            request.pk,
            "advise_on_case",
        )
        assert BodyAccess.load(advice.peer.user, advice.scene.body).can_on(Action.GIVE_ADVICE, request)

    page = login(advice.peer).get(url(advice, "advice", request))
    assert page.status_code == 200
    html = page.content.decode()
    for shown in ("Speech group", "Speech, language and communication needs", "Year 3", "Uses 50 signs"):
        assert shown in html
    for hidden in (PUPIL_NAME, PUPIL_UPN, advice.case.reference, advice.case.pupil.reference, "20.00", "£"):
        assert hidden not in html
    assert "nothing here can influence a funding decision or see pool money" in html
    assert verbs_of(advice) == [verbs.ADVICE_REQUESTED, verbs.ADVICE_SUMMARY_VIEWED]

    advice_give(actor=advice.peer.user, tenant=advice.scene.body, advice_request_id=request.pk, text="Try visuals.")
    advice_reply(actor=advice.sendco.user, tenant=advice.scene.body, advice_request_id=request.pk, text="Thank you.")
    school_page = login(advice.sendco).get(url(advice, "advice", request)).content.decode()
    assert "Try visuals." in school_page
    assert "Thank you." in school_page
    assert "Case summary" not in school_page  # the school's own page is not a guardian read
    assert verbs_of(advice)[-2:] == [verbs.ADVICE_GIVEN, verbs.ADVICE_REPLIED]


def test_revocation_is_immediate_read_revoke_read_again_404_in_the_same_minute(advice: Advice) -> None:
    request = ask(advice)
    peer = login(advice.peer)
    api = reverse(
        "collaboration-api:advice", kwargs={"body_slug": advice.scene.body.slug, "advicerequest_id": request.pk}
    )
    assert peer.get(url(advice, "advice", request)).status_code == 200
    assert peer.get(api).json()["summary"]["primary_need"] == "Speech, language and communication needs"
    response = login(advice.sendco).post(url(advice, "revoke", request))
    assert response.status_code == 302
    assert peer.get(url(advice, "advice", request)).status_code == 404
    assert peer.get(api).status_code == 404
    assert peer.post(url(advice, "advise", request), {"text": "Late advice"}).status_code == 404
    assert grants(advice) == 0
    assert verbs_of(advice) == [
        verbs.ADVICE_REQUESTED,
        verbs.ADVICE_SUMMARY_VIEWED,
        verbs.ADVICE_SUMMARY_VIEWED,
        verbs.ADVICE_ACCESS_REVOKED,
    ]
    with pytest.raises(ApplicationError) as refused:
        advice_request_revoke(actor=advice.sendco.user, tenant=advice.scene.body, advice_request_id=request.pk)
    assert refused.value.code == Code.ADVICE_REQUEST_CLOSED


def end_at(a: Advice, request: AdviceRequest, moment: object) -> None:
    """Move the request's end (and its start, so the end stays after it)."""
    with tenant_context(a.scene.body):
        AdviceRequest.objects.filter(pk=request.pk).update(
            created_at=timezone.now() - timedelta(days=2), expires_at=moment
        )


def test_access_ends_on_time_without_waiting_for_the_sweep(advice: Advice) -> None:
    request = ask(advice, days=1)
    peer = login(advice.peer)
    end_at(advice, request, timezone.now() + timedelta(minutes=1))
    assert peer.get(url(advice, "advice", request)).status_code == 200
    end_at(advice, request, timezone.now() - timedelta(microseconds=1))
    assert peer.get(url(advice, "advice", request)).status_code == 404
    assert grants(advice) == 1  # the grant row is still there; the policy layer refuses it
    assert advice_requests_expire(tenant=advice.scene.body) == 1
    assert advice_requests_expire(tenant=advice.scene.body) == 0
    assert grants(advice) == 0
    with tenant_context(advice.scene.body):
        request.refresh_from_db()
    assert request.status == AdviceStatus.EXPIRED
    assert verbs_of(advice)[-1] == verbs.ADVICE_ACCESS_EXPIRED


def test_who_may_be_asked(advice: Advice) -> None:
    body = advice.scene.body
    same_school = member(Role.HEAD, body, school=advice.scene.school)
    specialist = member(Role.BODY_ADMIN, body)
    other_body_peer = member(Role.SENDCO)
    refused = [
        same_school.user,
        advice.scene.officer.user,
        advice.scene.finance.user,
        specialist.user,  # no expertise profile yet
        other_body_peer.user,
    ]
    for user in refused:
        with pytest.raises(ApplicationError) as exc:
            ask(advice, adviser_id=user.pk)
        assert (exc.value.code, exc.value.field) == (Code.ADVISER_NOT_ELIGIBLE, "adviser_id")
    with tenant_context(body):
        ExpertiseProfile.objects.create(
            responsible_body=body, user=specialist.user, display_name="Specialist", areas_of_need=["ASD"]
        )
    assert ask(advice, adviser_id=specialist.user.pk).adviser_id == specialist.user.pk
    assert ask(advice).adviser_id == advice.peer.user.pk


def test_only_colleagues_at_schools_in_the_grouping_today_may_be_asked(advice: Advice) -> None:
    """A school the body knows but that is not in the grouping (never joined, or left) is not
    "another school of the same grouping": its staff never see the case summary."""
    from groupings.models import Arrangement
    from groupings.services.arrangements import arrangement_end

    body = advice.scene.body
    never_joined = member(Role.HEAD, body, school=own_academy(body, name="Outside Academy"))
    with tenant_context(body):
        brook = Arrangement.objects.get(school=advice.peer_school)
    arrangement_end(
        actor=advice.scene.finance.user,
        tenant=body,
        arrangement_id=brook.pk,
        end_date=timezone.localdate() - timedelta(days=1),
    )
    for user in (never_joined.user, advice.peer.user):
        with pytest.raises(ApplicationError) as exc:
            ask(advice, adviser_id=user.pk)
        assert (exc.value.code, exc.value.field) == (Code.ADVISER_NOT_ELIGIBLE, "adviser_id")
    with tenant_context(body):
        assert AdviceRequest.objects.count() == 0
    assert grants(advice) == 0


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"days": 0}, Code.ACCESS_PERIOD_INVALID, "days"),
        ({"days": 29}, Code.ACCESS_PERIOD_INVALID, "days"),
        ({"days": True}, Code.ACCESS_PERIOD_INVALID, "days"),
        ({"question": "   "}, Code.TEXT_REQUIRED, "question"),
        ({"question": "x" * 1901}, Code.TEXT_TOO_LONG, "question"),
        ({"case_id": 999_999_999}, Code.CASE_NOT_ADVISABLE, "case_id"),
        ({"adviser_id": 999_999_999}, Code.ADVISER_NOT_ELIGIBLE, "adviser_id"),
    ],
)
def test_bad_requests_are_refused_and_write_nothing(advice: Advice, overrides: dict, code: str, field: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        ask(advice, **overrides)
    assert (exc.value.code, exc.value.field) == (code, field)
    with tenant_context(advice.scene.body):
        assert AdviceRequest.objects.count() == 0
    assert grants(advice) == 0
    assert verbs_of(advice) == []


def test_a_case_of_another_school_cannot_be_shared(advice: Advice) -> None:
    with pytest.raises(ApplicationError) as exc:
        advice_request_create(
            actor=advice.peer.user,
            tenant=advice.scene.body,
            case_id=advice.case.pk,
            adviser_id=advice.sendco.user.pk,
            question="Mine now?",
            days=3,
        )
    assert exc.value.code == Code.CASE_NOT_ADVISABLE


def test_only_heads_and_sendcos_ask(advice: Advice) -> None:
    with pytest.raises(ApplicationError) as exc:
        advice_request_create(
            actor=advice.scene.officer.user,
            tenant=advice.scene.body,
            case_id=advice.case.pk,
            adviser_id=advice.peer.user.pk,
            question="?",
            days=3,
        )
    assert exc.value.code == Code.NOT_ALLOWED


def test_others_get_404_even_a_superuser_without_a_grant(advice: Advice) -> None:
    request = ask(advice)
    bystander = member(Role.SENDCO, advice.scene.body, school=own_academy(advice.scene.body))
    bystander.user.is_superuser = True
    bystander.user.save(update_fields=["is_superuser"])
    for who in (bystander, advice.scene.officer, advice.scene.finance):
        assert login(who).get(url(advice, "advice", request)).status_code == 404
        with pytest.raises(Exception) as exc:
            advice_request_open(actor=who.user, tenant=advice.scene.body, advice_request_id=request.pk)
        assert exc.type is NotFound
    with pytest.raises(Exception) as exc:
        advice_give(actor=bystander.user, tenant=advice.scene.body, advice_request_id=request.pk, text="Hi")
    assert exc.type is NotFound


def test_a_grant_ends_with_the_advisers_membership(advice: Advice) -> None:
    request = ask(advice)
    with tenant_context(advice.scene.body):
        advice.peer.valid_to = advice.peer.valid_from
        advice.peer.valid_from = advice.peer.valid_from - timedelta(days=1)
        advice.peer.save(update_fields=["valid_to", "valid_from"])
    assert login(advice.peer).get(url(advice, "advice", request)).status_code == 404


def test_a_grant_cannot_name_another_bodys_request(advice: Advice) -> None:
    other = member(Role.SENDCO)
    request = ask(advice)
    with tenant_context(other.responsible_body), pytest.raises(Exception) as exc:
        AdviceRequestUserObjectPermission.objects.create(user=other.user, permission_id=1, content_object=request)
    assert exc.type.__name__ == "TenantContextMissing"
    with tenant_context(other.responsible_body):
        assert AdviceRequest.objects.filter(pk=request.pk).count() == 0
        assert AdviceRequestUserObjectPermission.objects.count() == 0


def test_the_school_replies_and_the_adviser_cannot_reply_as_the_school(advice: Advice) -> None:
    request = ask(advice)
    with pytest.raises(ApplicationError) as exc:
        advice_reply(actor=advice.sendco.user, tenant=advice.scene.body, advice_request_id=request.pk, text="")
    assert exc.value.code == Code.TEXT_REQUIRED
    with pytest.raises(Exception) as not_found:
        advice_reply(actor=advice.peer.user, tenant=advice.scene.body, advice_request_id=request.pk, text="Hm")
    assert not_found.type is NotFound


def test_the_periodic_task_ends_every_bodys_expired_requests(advice: Advice) -> None:
    from collaboration.tasks import expire_advice_requests

    live, ended = ask(advice), ask(advice, question="Another")
    end_at(advice, ended, timezone.now() - timedelta(seconds=1))
    assert expire_advice_requests() == 1
    assert expire_advice_requests() == 0
    with tenant_context(advice.scene.body):
        statuses = dict(AdviceRequest.objects.values_list("pk", "status"))
    assert statuses == {live.pk: AdviceStatus.OPEN, ended.pk: AdviceStatus.EXPIRED}
    assert grants(advice) == 1
