"""Defects found in review (7 December), each with a test that failed before its fix:
an API token's scope reaches the services a view calls (a token without money.move could
set a payee's bank details and raise a funded cost); bank details and funded costs need a
fresh authenticator code; a corrected account number with the same last four digits is
saved; the daily settle task pays a run sent after its payment date on the day it was sent."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from core.tenancy import tenant_context
from pooling.models import Payee, PaymentRun
from pooling.services.payees import payee_set
from pooling.services.payment_runs import payment_run_send, payment_run_settle
from pooling.services.payments import payment_run_confirm
from shared_resources.models import ResourceFunding
from shared_resources.services.funding import funding_commit
from tests.shared_resources.conftest import Scene, teacher

pytestmark = pytest.mark.django_db(transaction=True)  # refused API requests roll back their own transaction

BANK = {"sort_code": "12-34-56", "account_number": "12345678", "payment_reference": "IMF SPEC TEACH"}


def _fund(scene: Scene, resource: object, amount: int) -> ResourceFunding:
    return funding_commit(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=resource.pk,  # type: ignore[attr-defined]
        pool_id=scene.pool.pk,
        amount_pence=amount,
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
    )


def _token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_without_money_move_cannot_set_bank_details_or_raise_a_funded_cost(scene: Scene) -> None:
    post = teacher(scene, **BANK)
    _fund(scene, post, 60_000_00)
    _, key = api_token_issue(
        user=scene.finance.user,
        name="Register only",
        read_only=False,
        actions=["shared_resources.manage", "shared_resources.view"],
        expires_in_days=30,
    )
    from tests.factories import totp_code

    response = _token_client(key).patch(
        f"/api/v1/bodies/{scene.body.slug}/shared-resources/{post.pk}/",
        {
            "payee": "Evil Ltd",
            "sort_code": "654321",
            "account_number": "87654321",
            "annual_cost_pence": 90_000_00,
            "cost_change_reason": "more",
        },
        format="json",
        HTTP_X_MFA_CODE=totp_code(scene.finance.user),
    )
    # Refused by the payee service's own role check, which now sees the token's scope
    # (before the fix: 200, the payee replaced and the funding raised to £90,000).
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "not_allowed"
    with tenant_context(scene.body):
        assert list(Payee.objects.values_list("name", "account_number")) == [("Meadow Trust (employer)", "12345678")]
        assert list(ResourceFunding.objects.values_list("amount_pence", flat=True)) == [60_000_00]


def test_changing_bank_details_or_a_funded_cost_through_the_api_asks_for_a_fresh_code(scene: Scene, settings) -> None:  # type: ignore[no-untyped-def]
    post = teacher(scene, **BANK)
    _fund(scene, post, 60_000_00)
    _, key = api_token_issue(
        user=scene.finance.user,
        name="Finance sync",
        read_only=False,
        actions=["shared_resources.manage", "shared_resources.view", "money.move"],
        expires_in_days=30,
    )
    response = _token_client(key).patch(
        f"/api/v1/bodies/{scene.body.slug}/shared-resources/{post.pk}/",
        {"sort_code": "654321", "account_number": "87654321"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "step_up_required"
    with tenant_context(scene.body):
        assert list(Payee.objects.values_list("account_number", flat=True)) == ["12345678"]


def test_a_corrected_account_number_with_the_same_last_four_digits_is_saved(scene: Scene) -> None:
    first = payee_set(
        actor=scene.finance.user,
        tenant=scene.body,
        kind="employer",
        name="Acme",
        sort_code="123456",
        account_number="11115678",
    )
    payee_set(
        actor=scene.finance.user,
        tenant=scene.body,
        kind="employer",
        name="Acme",
        sort_code="123456",
        account_number="99995678",
    )
    with tenant_context(scene.body):
        assert Payee.objects.get(pk=first.pk).account_number == "99995678"


def test_a_run_sent_after_its_payment_date_is_settled_on_the_day_it_was_sent(scene: Scene) -> None:
    post = teacher(scene, **BANK)
    _fund(scene, post, 60_000_00)
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 10, 9)), tick=False):
        run = payment_run_confirm(
            actor=scene.finance.user,
            tenant=scene.body,
            pool=scene.pool,
            due_up_to=date(2026, 10, 31),
            pay_on=date(2026, 11, 2),
        )
        payment_run_send(actor=scene.finance.user, tenant=scene.body, payment_run_id=run.pk)
        assert payment_run_settle(tenant=scene.body, payment_run_id=run.pk) is True
    with tenant_context(scene.body):
        settled = PaymentRun.objects.get(pk=run.pk)
    assert (settled.status, settled.paid_on) == ("paid", date(2026, 11, 10))
