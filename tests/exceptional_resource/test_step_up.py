"""Step-up authentication (issue 14, item 4): a fresh authenticator code at the moment of
a sensitive action, by role, on pages and in the API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from accounts import stepup
from accounts.models import Role
from core.tenancy import tenant_context
from exceptional_resource.models import Decision
from exceptional_resource.services import cases
from pooling.models import PaymentRun
from reports.models import ReportRun
from tests.exceptional_resource.api_support import api
from tests.exceptional_resource.api_support import url as api_url
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.pages_support import client_for, text, url
from tests.exceptional_resource.test_workflow import CRITERIA, _approve
from tests.factories import member, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]


def later(minutes: int = 16) -> Any:
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


def _submitted(scene: Scene) -> Any:
    case = draft_case(scene)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    return case


DECLINE = {"outcome": "declined", "criteria_met": [], "reasons": "Not met", "action": "decide"}


def _decisions(scene: Scene, case: Any) -> int:
    with tenant_context(scene.body):
        return Decision.objects.filter(case=case).count()


def test_a_decision_page_asks_for_a_fresh_code_when_the_last_is_stale(scene: Scene) -> None:
    case = _submitted(scene)
    client = client_for(scene.officer.user)
    with later():
        asked = client.post(url("decide", scene.body, case_id=case.pk), DECLINE)
        assert asked.status_code == 200
        assert "Confirm it is you" in text(asked)
        assert 'name="reasons" value="Not met"' in text(asked)  # the form is re-posted as it was
        assert _decisions(scene, case) == 0
        wrong = client.post(url("decide", scene.body, case_id=case.pk), {**DECLINE, "step_up_code": "000000"})
        assert wrong.status_code == 403
        assert "Enter the current 6-digit code" in text(wrong)
        assert _decisions(scene, case) == 0
        done = client.post(
            url("decide", scene.body, case_id=case.pk), {**DECLINE, "step_up_code": totp_code(scene.officer.user)}
        )
        assert done.status_code == 302
        assert _decisions(scene, case) == 1


def test_a_fresh_sign_in_needs_no_second_code_and_a_preview_never_does(scene: Scene) -> None:
    case = _submitted(scene)
    client = client_for(scene.officer.user)
    with later(14):
        assert client.post(url("decide", scene.body, case_id=case.pk), DECLINE).status_code == 302
    other = _submitted(scene)
    with later(30):
        preview = client.post(url("decide", scene.body, case_id=other.pk), {**DECLINE, "action": "preview"})
        assert "Confirm it is you" not in text(preview)


@override_settings(STEP_UP_MAX_AGE_MINUTES=60)
def test_the_age_allowed_is_a_setting(scene: Scene) -> None:
    case = _submitted(scene)
    with later(45):
        done = client_for(scene.officer.user).post(url("decide", scene.body, case_id=case.pk), DECLINE)
        assert done.status_code == 302


def test_the_decide_api_takes_the_code_in_a_header_once(scene: Scene) -> None:
    case = _submitted(scene)
    client = api(scene.officer.user)
    path = api_url(scene.body, f"cases/{case.pk}/decide/")
    body = {"outcome": "declined", "criteria_met": [], "reasons": "Not met"}
    with later():
        stale = client.post(path, body, format="json")
        assert (stale.status_code, stale.json()["code"]) == (403, "step_up_required")
        wrong = client.post(path, body, format="json", HTTP_X_MFA_CODE="123456")
        assert (wrong.status_code, wrong.json()["code"]) == (403, "step_up_required")
        assert _decisions(scene, case) == 0
        code = totp_code(scene.officer.user)
        done = client.post(path, body, format="json", HTTP_X_MFA_CODE=code)
        assert done.status_code == 201, done.json()
        cache.delete(stepup.api_proof_key(scene.officer.user.pk, None))  # as if the proof had aged: the code is used
        replay = client.post(
            api_url(scene.body, f"cases/{_submitted(scene).pk}/decide/"), body, format="json", HTTP_X_MFA_CODE=code
        )
        assert (replay.status_code, replay.json()["code"]) == (403, "step_up_required")


def test_varying_and_ending_an_award_ask_for_the_code(scene: Scene) -> None:
    case = _submitted(scene)
    award = _approve(scene, case).award
    assert award is not None
    client, page_client = api(scene.officer.user), client_for(scene.officer.user)
    with later():
        vary = client.post(
            api_url(scene.body, f"awards/{award.pk}/vary/"), {"new_amount_pence": 1, "reason": "x"}, format="json"
        )
        end = client.post(
            api_url(scene.body, f"awards/{award.pk}/end/"), {"end_on": "2026-12-31", "reason": "x"}, format="json"
        )
        assert [vary.json()["code"], end.json()["code"]] == ["step_up_required", "step_up_required"]
        page = page_client.post(
            url("award-end", scene.body, award_id=award.pk), {"end_on": "2026-12-31", "reason": "Left"}
        )
        assert "Confirm it is you" in text(page)


def test_money_and_period_actions_ask_the_finance_officer_and_administrator(scene: Scene) -> None:
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True)
    finance, administrator = api(scene.finance.user), api(admin.user)
    pools = f"pools/{scene.pool.pk}"
    with later():
        run = finance.post(
            api_url(scene.body, f"{pools}/payment-runs/confirm/"),
            {"due_up_to": "2026-12-31", "pay_on": "2026-12-31"},
            format="json",
        )
        close = finance.post(api_url(scene.body, f"{pools}/close/"), {"next_label": "2027-28"}, format="json")
        reopen = administrator.post(api_url(scene.body, f"{pools}/reopen/"), {"reason": "x"}, format="json")
        assert [r.status_code for r in (run, close, reopen)] == [403, 403, 403]
        assert {r.json()["code"] for r in (run, close, reopen)} == {"step_up_required"}
        with tenant_context(scene.body):
            assert not PaymentRun.objects.exists()


@pytest.mark.parametrize(("role", "report"), [("finance", "governance_pack"), ("auditor", "auditor_export")])
def test_starting_a_governance_pack_or_an_auditor_export_asks_for_the_code(
    scene: Scene, role: str, report: str
) -> None:
    user = scene.finance.user if role == "finance" else member(Role.AUDITOR, scene.body, mfa=True).user
    path = api_url(scene.body, "reports/request/")
    data = {"report_type": report, "parameters": {"pool": scene.pool.pk, "period_end": "2026-11-30"}}
    client = api(user)
    with later():
        stale = client.post(path, data, format="json")
        assert (stale.status_code, stale.json().get("code")) == (403, "step_up_required"), stale.json()
        with tenant_context(scene.body):
            assert not ReportRun.objects.exists()


def test_a_role_that_may_not_act_is_refused_for_its_role_not_asked_for_a_code(scene: Scene) -> None:
    case = _submitted(scene)
    client = api(scene.head.user)
    with later():
        head = client.post(
            api_url(scene.body, f"cases/{case.pk}/decide/"),
            {"outcome": "declined", "criteria_met": CRITERIA, "reasons": "x"},
            format="json",
        )
        assert head.status_code in (403, 404)
        assert head.json()["code"] != "step_up_required"


def test_an_api_proof_serves_only_the_token_it_came_with(scene: Scene) -> None:
    """#21 review: a code given with one API token does not serve another token of the same
    person, nor their site session; each credential proves for itself."""
    from rest_framework.test import APIClient

    from accounts.services import api_token_issue

    officer = scene.officer.user
    body = {"outcome": "declined", "criteria_met": [], "reasons": "Not met"}

    def token_client(name: str) -> APIClient:
        _, key = api_token_issue(
            user=officer, name=name, read_only=False, actions=["case.view", "case.decide"], expires_in_days=30
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    first, second = token_client("First"), token_client("Second")
    session = client_for(officer)  # signed in on the site now: its proof is stale below
    with later():
        proved = first.post(
            api_url(scene.body, f"cases/{_submitted(scene).pk}/decide/"),
            body,
            format="json",
            HTTP_X_MFA_CODE=totp_code(officer),
        )
        assert proved.status_code == 201, proved.json()
        again = first.post(api_url(scene.body, f"cases/{_submitted(scene).pk}/decide/"), body, format="json")
        assert again.status_code == 201, again.json()  # the same token: its proof is fresh
        other = second.post(api_url(scene.body, f"cases/{_submitted(scene).pk}/decide/"), body, format="json")
        assert (other.status_code, other.json()["code"]) == (403, "step_up_required")
        session_api = session.post(
            api_url(scene.body, f"cases/{_submitted(scene).pk}/decide/"), body, content_type="application/json"
        )
        assert session_api.status_code == 403
        assert session_api.json()["code"] == "step_up_required"
