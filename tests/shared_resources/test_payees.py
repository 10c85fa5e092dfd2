"""A shared resource's funding is paid to its employer or provider directly: the payment run
has a line for the payee (not for the host school), one leg pair per payee per stage in the
ledger, remittance advice addressed to the payee, and every figure still reconciles."""

from __future__ import annotations

import csv
import html
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from assurance.governance.gather import gather, snapshot
from core.errors import ApplicationError
from core.tenancy import tenant_context
from pooling.models import (
    Instalment,
    InstalmentSchedule,
    Leg,
    Payee,
    PaymentRun,
    PaymentRunLine,
    Remittance,
    Transaction,
)
from pooling.selectors import pool_headroom
from pooling.selectors.paid import pool_headroom_on
from pooling.services.payments import payment_run_confirm, payment_run_preview, remittances_build
from shared_resources.models import ResourceFunding, SharedResource
from shared_resources.services.edit import resource_update
from shared_resources.services.funding import funding_commit
from shared_resources.services.register import resource_register
from tests.pooling.payments_support import pay_run, refuse_deferred_loads
from tests.shared_resources.conftest import Scene, base_fields, teacher, teacher_fields

pytestmark = pytest.mark.django_db

BANK = {"sort_code": "12-34-56", "account_number": "12345678", "payment_reference": "IMF SPEC TEACH"}
# September and October of 60,000.00 over 365 days (30 and 31 days), to the penny.
SEPT, OCT = 60_000_00 * 30 // 365, 60_000_00 * 31 // 365


def _fund(scene: Scene, resource: SharedResource, amount: int) -> ResourceFunding:
    return funding_commit(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=resource.pk,
        pool_id=scene.pool.pk,
        amount_pence=amount,
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
    )


def _run(scene: Scene, due_up_to: date = date(2026, 10, 31)) -> int:
    return payment_run_confirm(
        actor=scene.finance.user, tenant=scene.body, pool=scene.pool, due_up_to=due_up_to, pay_on=date(2026, 11, 2)
    ).pk


def test_a_post_is_paid_to_its_employer_and_a_base_without_one_to_its_host_school(scene: Scene) -> None:
    post = teacher(scene, **BANK)
    base = resource_register(actor=scene.finance.user, tenant=scene.body, **base_fields(scene))
    _fund(scene, post, 60_000_00)
    _fund(scene, base, 36_500_00)  # 100.00 a day: September 3,000.00 and October 3,100.00
    preview = payment_run_preview(tenant=scene.body, pool=scene.pool, due_up_to=date(2026, 10, 31))
    assert [(line.school_name, line.urn is None, line.amount_pence) for line in preview.lines] == [
        ("Hill Academy", False, 6_100_00),
        ("Meadow Trust (employer)", True, SEPT + OCT),
    ]
    assert (preview.school_count, preview.payee_count, preview.total_pence) == (1, 1, 6_100_00 + SEPT + OCT)
    run_id = _run(scene)
    # The payment itself is posted when the run is paid (sent to the bank, then paid).
    with tenant_context(scene.body):
        pay_run(scene.finance.user, scene.body, PaymentRun.objects.get(pk=run_id))

    with tenant_context(scene.body):
        payee = Payee.objects.get()
        assert (payee.name, payee.kind, payee.sort_code, payee.account_number, payee.payment_reference) == (
            "Meadow Trust (employer)",
            "employer",
            "123456",
            "12345678",
            "IMF SPEC TEACH",
        )
        lines = {
            (line.school_id, line.payee_id): line.amount_pence
            for line in PaymentRunLine.objects.filter(payment_run_id=run_id)
        }
        assert lines == {(None, payee.pk): SEPT + OCT, (scene.other_school.pk, None): 3_000_00 + 3_100_00}
        # The post's host school (Meadow Academy) is paid nothing: the employer is.
        assert scene.school.pk not in {school for school, _ in lines}
        for stage in ("payable", "payment"):
            txn = Transaction.objects.get(idempotency_key=f"{scene.body.pk}:payment-run:{run_id}:{stage}")
            legs = list(txn.legs.values_list("account__kind", "amount_pence", "school_id", "payee_id"))
            assert sum(amount for _, amount, _, _ in legs) == 0
            payee_legs = sorted((kind, amount) for kind, amount, school, to in legs if to == payee.pk)
            assert all(school is None for _, _, school, to in legs if to == payee.pk)
            if stage == "payable":
                # The commitment is released from the school it was committed to (the post's
                # host), so what stays committed there is exactly what is unpaid; the payee is payable.
                assert payee_legs == [("payable_to_schools", -(SEPT + OCT))]
                host = [(kind, amount) for kind, amount, school, _ in legs if school == scene.school.pk]
                assert host == [("commitments", SEPT + OCT)]
            else:
                assert payee_legs == sorted([("payable_to_schools", SEPT + OCT), ("payments_made", -(SEPT + OCT))])
        paid_to_payee = -Leg.objects.filter(account__kind="payments_made", payee=payee).aggregate(
            t=Sum("amount_pence")
        )["t"]
        assert paid_to_payee == SEPT + OCT

    # "Paid" is one figure: the ledger, the paid selector and the instalments agree.
    on_pay_day = pool_headroom_on(tenant=scene.body, pool=scene.pool, day=date(2026, 11, 2))
    assert on_pay_day.paid_pence == SEPT + OCT + 6_100_00
    assert pool_headroom(tenant=scene.body, pool=scene.pool).paid_pence == SEPT + OCT + 6_100_00
    whole = pool_headroom(tenant=scene.body, pool=scene.pool)
    the_day_before = pool_headroom_on(tenant=scene.body, pool=scene.pool, day=date(2026, 11, 1))
    assert the_day_before.paid_pence == 0  # posted on pay day: payable the day before, not paid
    assert the_day_before.payable_pence == whole.payable_pence + SEPT + OCT + 6_100_00

    with snapshot(scene.body):
        pack = gather(tenant=scene.body, pool=scene.pool, period_end=date(2027, 3, 31))
    assert pack.reconciled, [c for c in pack.checks if not c.ok]
    by_school = {row.school_id: row for row in pack.schools}
    assert by_school[scene.school.pk].paid == 0
    assert by_school[scene.school.pk].awards == 60_000_00  # the commitment stays attributed to the host school
    assert by_school[scene.other_school.pk].paid == 6_100_00
    assert by_school[None].paid == SEPT + OCT
    assert by_school[None].name.startswith("Not a school")
    assert pack.shared is not None
    assert {line.name: line.paid_pence for line in pack.shared.lines} == {
        "Specialist teacher for autism": SEPT + OCT,
        "Hill SEMH base": 6_100_00,
    }


def test_remittance_advice_is_addressed_to_the_payee_with_only_the_last_four_digits(scene: Scene) -> None:
    post = teacher(scene, **BANK, remittance_email="payroll@meadowtrust.example", payee_address="1 Meadow Lane")
    _fund(scene, post, 60_000_00)
    run_id = _run(scene)
    built = remittances_build(tenant=scene.body, payment_run_id=run_id)
    assert len(built) == 1
    with tenant_context(scene.body):
        remittance = Remittance.objects.select_related("line").get()
        assert remittance.line.payee_id is not None
        assert remittance.line.school_id is None
        content = remittance.csv_file.read().decode()
        pdf = remittance.pdf_file.read()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][4:8] == ["Payee", "Account paid", "Payment reference", "Commitment reference"]
    assert [r[4] for r in rows[1:]] == ["Meadow Trust (employer)"] * 3
    assert rows[1][5] == "12-34-56 ****5678"
    assert rows[1][6] == "IMF SPEC TEACH"
    assert "12345678" not in content
    assert [Decimal(r[9]) for r in rows[1:]] == [Decimal(SEPT) / 100, Decimal(OCT) / 100, Decimal(SEPT + OCT) / 100]
    assert pdf.startswith(b"%PDF")
    assert remittance.csv_file.name.endswith(f"run{run_id}-payee{remittance.line.payee_id}-remittance.csv")


def test_the_run_page_and_api_show_the_payee_as_paid_directly_not_as_a_school(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = teacher(scene, **BANK)
    base = resource_register(actor=scene.finance.user, tenant=scene.body, **base_fields(scene))
    _fund(scene, post, 60_000_00)
    _fund(scene, base, 36_500_00)
    run_id = _run(scene)
    refuse_deferred_loads(monkeypatch)  # the lines are read with only what they show of the payee
    client = Client()
    client.force_login(scene.finance.user)
    page = html.unescape(
        client.get(
            reverse("pooling:payment-run", kwargs={"body_slug": scene.body.slug, "paymentrun_id": run_id})
        ).content.decode()
    )
    assert "1 school and 1 other payee paid" in page
    assert "Meadow Trust (employer)" in page
    assert "Employing entity, paid directly: sort code 12-34-56, account ****5678" in page
    assert "12345678" not in page
    api = APIClient()
    api.force_authenticate(scene.finance.user)
    detail = api.get(f"/api/v1/bodies/{scene.body.slug}/pools/payment-runs/{run_id}/").json()
    lines = {(line["school_id"], line["payee_name"]): line["amount_pence"] for line in detail["lines"]}
    assert lines == {(None, "Meadow Trust (employer)"): SEPT + OCT, (scene.other_school.pk, ""): 6_100_00}
    payee_line = next(line for line in detail["lines"] if line["payee_id"])
    assert (payee_line["urn"], payee_line["school_name"]) == (None, "Meadow Trust (employer)")
    assert [i["amount_pence"] for i in payee_line["instalments"]] == [SEPT, OCT]


@pytest.mark.parametrize(
    ("bank", "field", "code"),
    [
        ({"sort_code": "12345", "account_number": "12345678"}, "sort_code", "invalid_bank_details"),
        ({"sort_code": "12-34-5x", "account_number": "12345678"}, "sort_code", "invalid_bank_details"),
        ({"sort_code": "123456", "account_number": "1234567"}, "account_number", "invalid_bank_details"),
        ({"sort_code": "123456", "account_number": ""}, "account_number", "missing_field"),
        ({"sort_code": "", "account_number": "12345678"}, "sort_code", "missing_field"),
        (
            {"sort_code": "123456", "account_number": "12345678", "payment_reference": "R" * 19},
            "payment_reference",
            "reference_too_long",
        ),
        (
            {"sort_code": "123456", "account_number": "12345678", "remittance_email": "not an email"},
            "remittance_email",
            "invalid_bank_details",
        ),
    ],
)
def test_bad_bank_details_are_refused_and_nothing_is_written(
    scene: Scene, bank: dict[str, str], field: str, code: str
) -> None:
    with pytest.raises(ApplicationError) as exc:
        teacher(scene, **bank)
    assert (exc.value.code, exc.value.field) == (code, field)
    with tenant_context(scene.body):
        assert not SharedResource.objects.exists()
        assert not Payee.objects.exists()


def test_only_a_finance_officer_sets_bank_details(scene: Scene) -> None:
    with pytest.raises(ApplicationError) as exc:
        resource_register(actor=scene.admin.user, tenant=scene.body, **teacher_fields(scene, **BANK))
    assert exc.value.code == "not_allowed"
    with tenant_context(scene.body):
        assert not SharedResource.objects.exists()
        assert not Payee.objects.exists()
    # Without bank details a body admin registers it; it is then paid through the host school.
    resource = resource_register(actor=scene.admin.user, tenant=scene.body, **teacher_fields(scene))
    assert resource.paid_to_id is None


def test_a_new_payee_takes_the_unpaid_instalments_and_paid_ones_stay_with_whom_they_paid(scene: Scene) -> None:
    post = teacher(scene)  # no bank details: paid through the host school
    funding = _fund(scene, post, 60_000_00)
    first_run = _run(scene)
    data = teacher_fields(scene, payee="Northern Supply Teachers Ltd", **BANK)
    resource_update(actor=scene.finance.user, tenant=scene.body, resource_id=post.pk, **data)
    second_run = _run(scene, due_up_to=date(2026, 12, 31))
    with tenant_context(scene.body):
        payee = Payee.objects.get()
        assert payee.name == "Northern Supply Teachers Ltd"
        schedule = InstalmentSchedule.objects.get(source_type=ResourceFunding.SOURCE_TYPE, source_id=str(funding.pk))
        assert schedule.payee_id == payee.pk
        first = list(PaymentRunLine.objects.filter(payment_run_id=first_run).values_list("school_id", "payee_id"))
        second = list(PaymentRunLine.objects.filter(payment_run_id=second_run).values_list("school_id", "payee_id"))
        assert first == [(scene.school.pk, None)]
        assert second == [(None, payee.pk)]
        paid = Instalment.objects.filter(payment_run_id=second_run).aggregate(t=Sum("amount_pence"))["t"]
    assert paid == 60_000_00 * 30 // 365 + 60_000_00 * 31 // 365  # November (30 days) and December (31 days)
    # Changing the payee's name without new bank details is refused: its account would be wrong.
    with pytest.raises(ApplicationError) as exc:
        resource_update(
            actor=scene.finance.user,
            tenant=scene.body,
            resource_id=post.pk,
            **teacher_fields(scene, payee="Someone Else Ltd"),
        )
    assert (exc.value.code, exc.value.field) == ("missing_field", "sort_code")


def _run_page_queries(scene: Scene, payees: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(payees):
        post = teacher(scene, name=f"Post {n}", payee=f"Employer {n}", **BANK)
        _fund(scene, post, 10_000_00)
    run_id = _run(scene)
    client = Client()
    client.force_login(scene.finance.user)
    path = reverse("pooling:payment-run", kwargs={"body_slug": scene.body.slug, "paymentrun_id": run_id})
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("payees", [1, 6])
def test_the_run_page_costs_the_same_for_1_and_6_payees(scene: Scene, payees: int) -> None:
    queries = _run_page_queries(scene, payees)
    assert queries == BUDGET_RUN_PAGE, queries


# What the payment run page costs whatever the number of payees on it (measured: 11 for 1
# payee and for 6 since the run's three line counts are one query, 13 before, and 14 before
# body pages found the body and set the tenant in one statement; the pages test of pooling
# holds the budget for schools).
BUDGET_RUN_PAGE = 11
