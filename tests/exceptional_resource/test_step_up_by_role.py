"""Step-up authentication by role (issue 14, item 4), one table for every money action, on
the page and in the API.

For each action and each of the eight roles, with the last proof of the second factor 16
minutes old (``STEP_UP_MAX_AGE_MINUTES`` is 15):

- a role that may do it is asked for a fresh code (the page asking for it; the API's 403
  ``step_up_required``) and nothing is written;
- a role that may not do it is refused for its role (404, or 403/400 that is not
  ``step_up_required``): never asked for a code it could not use, and nothing is written;
- then the first role that may do it gives a right code (the ``step_up_code`` field, the
  ``X-MFA-Code`` header) and the action is done.

Every member has an authenticator, so the refusal of the last kind is the role's, not a
missing second factor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, Decision, Outcome
from exceptional_resource.services.awards import awards_mark_reviews_due, review_record
from groupings.models import Arrangement
from pooling.models import PaymentRun, PaymentRunLine, Pool, Transaction
from pooling.services.payment_runs import payment_run_send
from pooling.services.payments import payment_run_confirm, payment_run_preview, pool_close
from reports.models import ReportRun
from tests.exceptional_resource.api_support import api
from tests.exceptional_resource.api_support import url as api_url
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.pages_support import CRITERIA, approved_case, client_for, submitted_case, text
from tests.factories import member, totp_code
from tests.pooling.audit_grants_support import grant_pools
from tests.pooling.payments_support import confirm_and_pay

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]

ASKED_ON_PAGE = "Confirm it is you"
TERMS = {"starts_on": "2026-12-01", "ends_on": "2027-03-31", "review_on": "2027-03-01", "frequency": "monthly"}


def _award(scene: Scene) -> int:
    case = approved_case(scene)
    with tenant_context(scene.body):
        return int(Award.objects.get(case=case).pk)


def _paid_award(scene: Scene) -> int:
    """An award with an instalment paid: its run confirmed, sent to the bank and paid."""
    award_id = _award(scene)
    confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2026, 12, 7),
    )
    return award_id


def _sent_run(scene: Scene) -> int:
    """A run confirmed and sent to the bank, not yet paid (it may be recorded paid or failed)."""
    _award(scene)
    run = payment_run_confirm(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2026, 12, 7),
    )
    payment_run_send(actor=scene.finance.user, tenant=scene.body, payment_run_id=run.pk)
    return int(run.pk)


def _paid_line(scene: Scene) -> int:
    """A line of a paid run (the bank may return it)."""
    _paid_award(scene)
    with tenant_context(scene.body):
        return int(PaymentRunLine.objects.get().pk)


def _line_path(scene: Scene, line: int) -> dict[str, int]:
    with tenant_context(scene.body):
        run = PaymentRunLine.objects.get(pk=line).payment_run_id
    return {"paymentrun_id": run, "paymentrunline_id": line}


def _under_review(scene: Scene) -> int:
    case = approved_case(scene)
    awards_mark_reviews_due(tenant=scene.body, today=date(2027, 3, 1))
    with tenant_context(scene.body):
        outcomes = list(Outcome.objects.filter(case=case).values_list("pk", flat=True))
    review_record(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, results={pk: ("achieved", "Met") for pk in outcomes}
    )
    return int(case.pk)


def _pool_with_money_due(scene: Scene) -> int:
    _award(scene)
    return int(scene.pool.pk)


def _due(scene: Scene) -> int:
    """What the previewed run pays (the page's confirm form carries it)."""
    return payment_run_preview(tenant=scene.body, pool=scene.pool, due_up_to=date(2026, 12, 31)).total_pence


def _closed_pool(scene: Scene) -> int:
    pool_close(actor=scene.finance.user, tenant=scene.body, pool=scene.pool, next_label="2027-28")
    return int(scene.pool.pk)


def _arrangement_of_a_school_with_an_award(scene: Scene) -> int:
    """Ending the school's arrangement ends its awards (``end_awards_for_arrangement``)."""
    _award(scene)
    with tenant_context(scene.body):
        return int(Arrangement.objects.get(school=scene.school).pk)


def _page(name: str, scene: Scene, **kwargs: Any) -> str:
    return reverse(name, kwargs={"body_slug": scene.body.slug, **kwargs})


@dataclass(frozen=True)
class MoneyAction:
    name: str
    roles: frozenset[str]  # the roles whose members may do it
    target: Callable[[Scene], int]  # the object it acts on, made ready for it
    page: Callable[[Scene, int], tuple[str, dict[str, Any]]]  # the page's URL and form
    api: Callable[[Scene, int], tuple[str, dict[str, Any]]]  # the API's path and JSON body


ACTIONS = [
    MoneyAction(
        "approve a case",
        frozenset({Role.DECISION_OFFICER}),
        lambda s: int(submitted_case(s).pk),
        lambda s, case: (
            _page("cases:decide", s, case_id=case),
            {
                "outcome": "approved",
                "criteria_met": CRITERIA,
                "reasons": "Meets the criteria.",
                "amount": "9000.00",
                "pool": str(s.pool.pk),
                "action": "decide",
                **TERMS,
            },
        ),
        lambda s, case: (
            api_url(s.body, f"cases/{case}/decide/"),
            {
                "outcome": "approved",
                "criteria_met": CRITERIA,
                "reasons": "Meets the criteria.",
                "amount_pence": 9_000_00,
                "pool_id": s.pool.pk,
                **TERMS,
            },
        ),
    ),
    MoneyAction(
        "vary an award",
        frozenset({Role.DECISION_OFFICER}),
        _award,
        lambda s, award: (_page("cases:award-vary", s, award_id=award), {"new_amount": "8000", "reason": "Fewer"}),
        lambda s, award: (
            api_url(s.body, f"awards/{award}/vary/"),
            {"new_amount_pence": 8_000_00, "reason": "Fewer hours"},
        ),
    ),
    MoneyAction(
        "end an award",
        frozenset({Role.DECISION_OFFICER}),
        _award,
        lambda s, award: (_page("cases:award-end", s, award_id=award), {"end_on": "2027-01-15", "reason": "Left"}),
        lambda s, award: (api_url(s.body, f"awards/{award}/end/"), {"end_on": "2027-01-15", "reason": "Left"}),
    ),
    MoneyAction(
        "decide after a review",
        frozenset({Role.DECISION_OFFICER}),
        _under_review,
        lambda s, case: (
            _page("cases:review-decide", s, case_id=case),
            {"decision": "end", "reasons": "Outcome achieved.", "end_on": "2027-03-01"},
        ),
        lambda s, case: (
            api_url(s.body, f"cases/{case}/review-decision/"),
            {"decision": "end", "reasons": "Outcome achieved.", "end_on": "2027-03-01"},
        ),
    ),
    MoneyAction(
        "end a school's arrangement, and so its awards",
        frozenset({Role.BODY_ADMIN, Role.FINANCE_OFFICER}),
        _arrangement_of_a_school_with_an_award,
        lambda s, arrangement: (
            _page("groupings:arrangement-end", s, arrangement_id=arrangement),
            {"end_date": "2027-01-15"},
        ),
        lambda s, arrangement: (api_url(s.body, f"arrangements/{arrangement}/end/"), {"end_date": "2027-01-15"}),
    ),
    MoneyAction(
        "confirm a payment run",
        frozenset({Role.FINANCE_OFFICER}),
        _pool_with_money_due,
        lambda s, pool: (
            _page("pooling:payment-run-new", s, pool_id=pool),
            {"due_up_to": "2026-12-31", "pay_on": "2026-12-07", "expected_total_pence": str(_due(s))},
        ),
        lambda s, pool: (
            api_url(s.body, f"pools/{pool}/payment-runs/confirm/"),
            {"due_up_to": "2026-12-31", "pay_on": "2026-12-07"},
        ),
    ),
    MoneyAction(
        "record a run paid",
        frozenset({Role.FINANCE_OFFICER}),
        _sent_run,
        lambda s, run: (_page("pooling:payment-run-paid", s, paymentrun_id=run), {"paid_on": "2026-12-07"}),
        lambda s, run: (api_url(s.body, f"pools/payment-runs/{run}/paid/"), {"paid_on": "2026-12-07"}),
    ),
    MoneyAction(
        "record a run failed",
        frozenset({Role.FINANCE_OFFICER}),
        _sent_run,
        lambda s, run: (
            _page("pooling:payment-run-failed", s, paymentrun_id=run),
            {"returned_on": "2026-12-07", "reason": "File rejected"},
        ),
        lambda s, run: (
            api_url(s.body, f"pools/payment-runs/{run}/failed/"),
            {"returned_on": "2026-12-07", "reason": "File rejected"},
        ),
    ),
    MoneyAction(
        "record a line returned",
        frozenset({Role.FINANCE_OFFICER}),
        _paid_line,
        lambda s, line: (
            _page("pooling:payment-line-returned", s, **_line_path(s, line)),
            {"returned_on": "2026-12-07", "reason": "Account closed"},
        ),
        lambda s, line: (
            api_url(
                s.body,
                "pools/payment-runs/{paymentrun_id}/lines/{paymentrunline_id}/returned/".format(**_line_path(s, line)),
            ),
            {"returned_on": "2026-12-07", "reason": "Account closed"},
        ),
    ),
    MoneyAction(
        "close a period",
        frozenset({Role.FINANCE_OFFICER}),
        lambda s: int(s.pool.pk),
        lambda s, pool: (_page("pooling:pool-close", s, pool_id=pool), {"next_label": "2027-28"}),
        lambda s, pool: (api_url(s.body, f"pools/{pool}/close/"), {"next_label": "2027-28"}),
    ),
    MoneyAction(
        "reopen a period",
        frozenset({Role.BODY_ADMIN}),
        _closed_pool,
        lambda s, pool: (_page("pooling:pool-reopen", s, pool_id=pool), {"reason": "Auditor's correction"}),
        lambda s, pool: (api_url(s.body, f"pools/{pool}/reopen/"), {"reason": "Auditor's correction"}),
    ),
    MoneyAction(
        "start a governance pack",
        frozenset({Role.FINANCE_OFFICER, Role.TRUSTEE, Role.BODY_ADMIN}),
        lambda s: int(s.pool.pk),
        lambda s, pool: (
            _page("reports:report-new", s) + "?type=governance_pack",
            {"report_type": "governance_pack", "pool": str(pool), "period_end": "2026-11-30"},
        ),
        lambda s, pool: (
            api_url(s.body, "reports/request/"),
            {"report_type": "governance_pack", "parameters": {"pool": pool, "period_end": "2026-11-30"}},
        ),
    ),
    MoneyAction(
        "start an auditor export",
        frozenset({Role.AUDITOR}),
        lambda s: int(s.pool.pk),
        lambda s, pool: (
            _page("reports:report-new", s) + "?type=auditor_export",
            {"report_type": "auditor_export", "period": "2026-27"},
        ),
        lambda s, pool: (
            api_url(s.body, "reports/request/"),
            {"report_type": "auditor_export", "parameters": {"period": "2026-27"}},
        ),
    ),
    MoneyAction(
        "record a recovery",
        frozenset({Role.FINANCE_OFFICER}),
        _paid_award,
        lambda s, award: (
            _page("cases:award-recover", s, award_id=award),
            {"amount": "1000.00", "reason": "Unspent"},
        ),
        lambda s, award: (
            api_url(s.body, f"awards/{award}/recoveries/"),
            {"amount_pence": 1_000_00, "reason": "Unspent"},
        ),
    ),
]


def _state(scene: Scene) -> tuple[Any, ...]:
    """Everything these actions write: a refused or unproved action changes none of it."""
    with tenant_context(scene.body):
        return (
            Decision.objects.count(),
            sorted(Award.objects.values_list("pk", "amount_pence", "status")),
            sorted(Case.objects.values_list("pk", "status")),
            Transaction.objects.count(),
            sorted(PaymentRun.objects.values_list("pk", "status")),
            sorted(PaymentRunLine.objects.values_list("pk", "returned_on")),
            sorted(Pool.objects.values_list("label", "status")),
            sorted(Arrangement.objects.values_list("pk", "status")),
            ReportRun.objects.count(),
        )


def _people(scene: Scene) -> dict[str, User]:
    """One member of each role, each with an authenticator; the auditor with a grant on
    the body's pools (an auditor reads a period only through one)."""
    people = {}
    for role in Role:
        school = scene.school if role in (Role.HEAD, Role.SENDCO) else None
        people[role.value] = member(role, scene.body, mfa=True, school=school).user
    grant_pools(scene.body, people[Role.AUDITOR], valid_until=date(2027, 12, 31))
    return people


def _stale() -> Any:
    return time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False)


def _asked(surface: str, response: Any) -> bool:
    if surface == "page":
        return response.status_code == 200 and ASKED_ON_PAGE in text(response)
    return response.status_code == 403 and response.json().get("code") == "step_up_required"


def _signed_in(surface: str, user: User) -> Any:
    """A client signed in now, with the code of the sign-in as the last proof."""
    return client_for(user) if surface == "page" else api(user)


def _send(surface: str, client: Any, request: tuple[str, dict[str, Any]], code: str = "") -> Any:
    where, data = request
    if surface == "page":
        return client.post(where, {**data, "step_up_code": code} if code else data)
    headers = {"HTTP_X_MFA_CODE": code} if code else {}
    return client.post(where, data, format="json", **headers)


@pytest.mark.parametrize("surface", ["page", "api"])
@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_every_money_action_asks_the_roles_that_may_do_it_for_a_fresh_code(
    scene: Scene, action: MoneyAction, surface: str
) -> None:
    people = _people(scene)
    target = action.target(scene)
    request = (action.page if surface == "page" else action.api)(scene, target)
    clients = {role: _signed_in(surface, user) for role, user in people.items()}
    before = _state(scene)
    with _stale():
        for role, client in clients.items():
            response = _send(surface, client, request)
            if role in action.roles:
                assert _asked(surface, response), (role, response.status_code, text(response)[:300])
            else:
                assert not _asked(surface, response), role
                assert response.status_code in (400, 403, 404), (role, response.status_code)
            assert _state(scene) == before, role
        doer = sorted(action.roles)[0]
        done = _send(surface, clients[doer], request, code=totp_code(people[doer]))
        assert done.status_code in ((302,) if surface == "page" else (200, 201, 202)), text(done)[:500]
        assert _state(scene) != before
