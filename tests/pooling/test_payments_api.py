"""The payments API: schedules, runs, remittances, close and reopen, journal, codes."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from core.tenancy import tenant_context
from pooling.models import Account, PaymentRun
from pooling.services.payments import payment_run_confirm, remittances_build
from tests.factories import member, own_academy
from tests.pooling.conftest import fund
from tests.pooling.payments_support import award, pay_run

# Written against the funding period 2026-27: the clock is frozen inside it (make test-dates).
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "private"


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _base(body: Any) -> str:
    return f"/api/v1/bodies/{body.slug}/pools"


@pytest.fixture
def funded(officer, pool):  # type: ignore[no-untyped-def]
    fund(officer, pool, 50_000_00)
    ash = own_academy(officer.responsible_body, name="Ash Academy")
    award(officer, pool, 1_200_00, school=ash, source_id="A-1")
    return ash


def test_preview_confirm_detail_and_download_over_the_api(officer, pool, funded) -> None:
    body = officer.responsible_body
    api = _api(officer.user)
    base = _base(body)
    preview = api.get(f"{base}/{pool.pk}/payment-runs/preview/", {"due_up_to": "2026-05-31"})
    assert preview.status_code == 200, preview.json()
    may = 1_200_00 * 30 // 365 + 1_200_00 * 31 // 365
    assert preview.json()["total_pence"] == may
    assert preview.json()["lines"] == [
        {
            "school_id": funded.pk,
            "school_name": "Ash Academy",
            "urn": funded.urn,
            "payee_id": None,
            "instalments": 2,
            "amount_pence": may,
        }
    ]
    confirmed = api.post(
        f"{base}/{pool.pk}/payment-runs/confirm/",
        {"due_up_to": "2026-05-31", "pay_on": "2026-06-01", "expected_total_pence": may},
        format="json",
    )
    assert confirmed.status_code == 201, confirmed.json()
    run_id = confirmed.json()["id"]
    assert (confirmed.json()["status"], confirmed.json()["total_pence"]) == ("confirmed", may)
    again = api.post(
        f"{base}/{pool.pk}/payment-runs/confirm/", {"due_up_to": "2026-05-31", "pay_on": "2026-06-01"}, format="json"
    )
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["field"]) == ("nothing_to_pay", "due_up_to")

    detail = api.get(f"{base}/payment-runs/{run_id}/").json()
    assert detail["lines"][0]["remittance_ready"] is False
    assert [i["amount_pence"] for i in detail["lines"][0]["instalments"]] == [
        1_200_00 * 30 // 365,
        1_200_00 * 31 // 365,
    ]
    assert detail["lines"][0]["instalments"][0]["award_reference"] == "Award A-1"
    requested = api.post(f"{base}/payment-runs/{run_id}/remittances/")
    assert (requested.status_code, requested.json()["id"]) == (202, run_id)
    remittances_build(tenant=body, payment_run_id=run_id)
    line = api.get(f"{base}/payment-runs/{run_id}/").json()["lines"][0]
    assert line["remittance_ready"] is True
    csv_response = api.get(f"{base}/remittances/{line['remittance_id']}/csv/")
    assert csv_response.status_code == 200
    assert csv_response["X-Checksum-SHA256"] == line["sha256_csv"]
    rows = list(csv.reader(io.StringIO(csv_response.content.decode())))
    assert Decimal(rows[-1][8]) == Decimal(may) / 100
    pdf = api.get(f"{base}/remittances/{line['remittance_id']}/pdf/")
    assert pdf.content.startswith(b"%PDF")
    listing = api.get(f"{base}/{pool.pk}/payment-runs/").json()
    assert [r["id"] for r in listing["results"]] == [run_id]
    schedules = api.get(f"{base}/{pool.pk}/schedules/").json()["results"]
    assert [(s["source_id"], s["total_pence"], len(s["instalments"])) for s in schedules] == [("A-1", 1_200_00, 12)]
    assert [i["status"] for i in schedules[0]["instalments"]][:3] == ["paid", "paid", "scheduled"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"pay_on": "2026-06-01"}, "due_up_to"),
        ({"due_up_to": "tomorrow", "pay_on": "2026-06-01"}, "due_up_to"),
        ({"due_up_to": "2026-05-31"}, "pay_on"),
        ({"due_up_to": "2026-05-31", "pay_on": "2026-13-01"}, "pay_on"),
        ({"due_up_to": "2026-05-31", "pay_on": "2026-06-01", "expected_total_pence": -1}, "expected_total_pence"),
        ({"due_up_to": "2026-05-31", "pay_on": "2026-06-01", "expected_total_pence": "lots"}, "expected_total_pence"),
    ],
)
def test_confirm_refuses_bad_input_on_the_field(officer, pool, funded, data, field) -> None:
    response = _api(officer.user).post(
        f"{_base(officer.responsible_body)}/{pool.pk}/payment-runs/confirm/", data, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["fields"]
    with tenant_context(officer.responsible_body):
        assert PaymentRun.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"due_up_to": "2027-04-30", "pay_on": "2027-05-01"}, "due_after_period", "due_up_to"),
        ({"due_up_to": "2026-05-31", "pay_on": "2026-03-01"}, "pay_before_period", "pay_on"),
        ({"due_up_to": "2026-05-31", "pay_on": "2026-06-01", "expected_total_pence": 5}, "preview_stale", "due_up_to"),
    ],
)
def test_confirm_business_errors_name_the_field(officer, pool, funded, data, code, field) -> None:
    response = _api(officer.user).post(
        f"{_base(officer.responsible_body)}/{pool.pk}/payment-runs/confirm/", data, format="json"
    )
    assert response.status_code in (400, 409)
    assert (response.json()["code"], response.json()["field"]) == (code, field)


def test_preview_refuses_a_bad_date(officer, pool) -> None:
    response = _api(officer.user).get(
        f"{_base(officer.responsible_body)}/{pool.pk}/payment-runs/preview/", {"due_up_to": "x"}
    )
    assert response.status_code == 400
    assert "due_up_to" in response.json()["fields"]


def test_paying_needs_a_finance_officer_with_mfa(officer, pool, funded) -> None:
    body = officer.responsible_body
    url = f"{_base(body)}/{pool.pk}/payment-runs/confirm/"
    data = {"due_up_to": "2026-05-31", "pay_on": "2026-06-01"}
    trustee = _api(member(Role.TRUSTEE, body).user)
    assert trustee.post(url, data, format="json").status_code == 403
    assert trustee.get(f"{_base(body)}/{pool.pk}/payment-runs/").status_code == 200
    no_mfa = _api(member(Role.FINANCE_OFFICER, body).user)
    refused = no_mfa.post(url, data, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "mfa_required")
    head = _api(member(Role.HEAD, body).user)
    assert head.get(f"{_base(body)}/{pool.pk}/payment-runs/").status_code == 404


def test_close_preview_close_and_reopen_over_the_api(officer, pool, funded) -> None:
    body = officer.responsible_body
    api = _api(officer.user)
    base = _base(body)
    blocked = api.get(f"{base}/{pool.pk}/close-preview/").json()
    assert (blocked["can_close"], blocked["unpaid_instalments"], blocked["next_label"]) == (False, 12, "2027-28")
    refused = api.post(f"{base}/{pool.pk}/close/", {"next_label": "2027-28"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "unpaid_instalments")
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2027, 3, 31), pay_on=date(2027, 3, 31)
    )
    pay_run(officer.user, body, run)
    ready = api.get(f"{base}/{pool.pk}/close-preview/").json()
    assert (ready["can_close"], ready["carried_forward_pence"], ready["cash_pence"]) == (True, 48_800_00, 48_800_00)
    for bad in ({}, {"next_label": "2027"}, {"next_label": "27-28"}):
        response = api.post(f"{base}/{pool.pk}/close/", bad, format="json")
        assert response.status_code == 400
        assert "next_label" in response.json()["fields"]
    wrong = api.post(f"{base}/{pool.pk}/close/", {"next_label": "2030-31"}, format="json")
    assert (wrong.json()["code"], wrong.json()["field"]) == ("not_the_next_period", "next_label")
    closed = api.post(f"{base}/{pool.pk}/close/", {"next_label": "2027-28"}, format="json")
    assert closed.status_code == 200, closed.json()
    assert (closed.json()["status"], closed.json()["period"]) == ("closed", "2026-27")

    assert api.post(f"{base}/{pool.pk}/reopen/", {"reason": "x"}, format="json").status_code == 403
    admin = _api(member(Role.BODY_ADMIN, body, mfa=True).user)
    for bad in ({}, {"reason": ""}, {"reason": "x" * 501}):
        response = admin.post(f"{base}/{pool.pk}/reopen/", bad, format="json")
        assert response.status_code == 400
        assert "reason" in response.json()["fields"]
    reopened = admin.post(f"{base}/{pool.pk}/reopen/", {"reason": "Correction"}, format="json")
    assert (reopened.json()["status"], reopened.json()["reopen_reason"]) == ("open", "Correction")


def test_journal_over_the_api(officer, pool, funded) -> None:
    body = officer.responsible_body
    api = _api(officer.user)
    response = api.get(f"{_base(body)}/journal/", {"date_from": "2026-04-01", "date_to": "2027-03-31"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sum(Decimal(r[10]) for r in rows[1:]) == sum(Decimal(r[11]) for r in rows[1:]) == Decimal("101200.00")
    for bad in (
        {"date_from": "2026-04-01"},
        {"date_from": "2026-04-01", "date_to": "2026-03-01"},
        {"date_from": "x", "date_to": "2026-03-01"},
        {"date_from": "2026-04-01", "date_to": "2026-05-01", "pool": "zero"},
    ):
        assert api.get(f"{_base(body)}/journal/", bad).status_code == 400
    other_body_pool = api.get(
        f"{_base(body)}/journal/", {"date_from": "2026-04-01", "date_to": "2026-05-01", "pool": 999_999}
    )
    assert other_body_pool.status_code == 404


def test_account_codes_over_the_api(officer, pool) -> None:
    body = officer.responsible_body
    api = _api(officer.user)
    accounts = api.get(f"{_base(body)}/{pool.pk}/account-codes/").json()
    assert len(accounts) == 10
    bank = next(a for a in accounts if a["kind"] == "pool_bank")
    url = f"{_base(body)}/account-codes/{bank['id']}/"
    for bad, field in (
        ({"nominal_code": "x" * 21}, "nominal_code"),
        ({"cfr_code": "x" * 11}, "cfr_code"),
    ):
        response = api.post(url, bad, format="json")
        assert response.status_code == 400
        assert field in response.json()["fields"]
    formula = api.post(url, {"nominal_code": "=1+1"}, format="json")
    assert (formula.json()["code"], formula.json()["field"]) == ("invalid_code", "nominal_code")
    saved = api.post(url, {"nominal_code": "1200", "cost_centre": "SEND", "cfr_code": "I01"}, format="json")
    assert (saved.json()["nominal_code"], saved.json()["cost_centre"], saved.json()["cfr_code"]) == (
        "1200",
        "SEND",
        "I01",
    )
    with tenant_context(body):
        assert Account.objects.get(pk=bank["id"]).nominal_code == "1200"
    trustee = _api(member(Role.TRUSTEE, body).user)
    assert trustee.post(url, {"nominal_code": "9"}, format="json").status_code == 403


def test_api_lists_keep_a_fixed_query_budget(officer, pool, django_assert_max_num_queries) -> None:
    body = officer.responsible_body
    fund(officer, pool, 50_000_00)
    api = _api(officer.user)

    def month(m: int, n: int) -> None:
        start = date(2026 if m > 3 else 2027, m, 1)
        end = date(start.year, m, 28)
        for i in range(n):
            award(officer, pool, 10_00, source_id=f"{m}-{i}", starts_on=start, ends_on=end)
        payment_run_confirm(actor=officer.user, tenant=body, pool=pool, due_up_to=end, pay_on=end)

    month(4, 1)
    with django_assert_max_num_queries(12) as runs_small:
        api.get(f"{_base(body)}/{pool.pk}/payment-runs/")
    with django_assert_max_num_queries(12) as schedules_small:
        api.get(f"{_base(body)}/{pool.pk}/schedules/")
    with tenant_context(body):
        first = PaymentRun.objects.get()
    with django_assert_max_num_queries(12) as detail_small:
        api.get(f"{_base(body)}/payment-runs/{first.pk}/")
    for m in range(5, 14):
        month(m if m <= 12 else m - 12, 1 if m != 5 else 10)
    with tenant_context(body):
        run = PaymentRun.objects.get(due_up_to=date(2026, 5, 28))
        assert PaymentRun.objects.count() == 10
    with django_assert_max_num_queries(len(runs_small.captured_queries)):
        assert len(api.get(f"{_base(body)}/{pool.pk}/payment-runs/").json()["results"]) == 10
    with django_assert_max_num_queries(len(schedules_small.captured_queries)):
        api.get(f"{_base(body)}/{pool.pk}/schedules/")
    with django_assert_max_num_queries(len(detail_small.captured_queries)):
        assert len(api.get(f"{_base(body)}/payment-runs/{run.pk}/").json()["lines"]) == 10
