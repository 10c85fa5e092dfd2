"""Plain language where codes used to reach people. Seen in the browser: remittances listed
"Award 1" instead of the case reference the school knows; a run of one school was "to 1
schools"; every unpaid contribution was headed "Arrears" on the day it was set."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from core.models import AuditEvent
from core.tenancy import tenant_context
from pooling.models import Remittance, Transaction
from pooling.services.payments import remittances_build
from tests.exceptional_resource.api_support import api
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.pages_support import approved_case, client_for, text
from tests.pooling.payments_support import confirm_and_pay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(date(2026, 11, 20), tick=False):
        yield


def test_remittance_advice_and_the_run_api_name_each_award_by_its_case_reference(scene: Scene) -> None:
    case = approved_case(scene)
    run = confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2027, 1, 4),
    )
    remittances_build(tenant=scene.body, payment_run_id=run.pk)
    with tenant_context(scene.body):
        content = Remittance.objects.get(line__payment_run=run).csv_file.read().decode()
    rows = list(csv.reader(io.StringIO(content)))
    assert [r[6] for r in rows[1:]] == [f"Case {case.reference}", "Total"]
    detail = api(scene.finance.user).get(f"/api/v1/bodies/{scene.body.slug}/pools/payment-runs/{run.pk}/").json()
    assert [i["award_reference"] for i in detail["lines"][0]["instalments"]] == [f"Case {case.reference}"]
    with tenant_context(scene.body):
        label = AuditEvent.objects.get(verb="payment_run.confirmed").object_label
        payment = Transaction.objects.get(source_type="payment_run", kind="payment").description
    assert label == f"Payment run {run.pk} (2026-27): £2,305.78 to 1 school on 4 January 2027"
    assert payment == f"Payment run {run.pk}: paid to 1 school on 4 January 2027"


def test_unpaid_contributions_are_still_to_be_received_not_arrears(scene: Scene) -> None:
    page = text(
        client_for(scene.finance.user).get(
            reverse("pooling:contributions", kwargs={"body_slug": scene.body.slug, "pool_id": scene.pool.pk})
        )
    )
    assert "Still to be received" in page
    assert "Arrears" not in page
