"""The contributions API: allocations one at a time and by file, contributions with
arrears, recalculation and receipts; bad values answer 400 with a stable code."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import Role
from core.tenancy import tenant_context
from pooling.models import ImfAllocation, Receipt
from tests.factories import SchoolFactory, member
from tests.pooling.contributions_support import allocate, balances, csv_bytes, dfe_sample, join, register

pytestmark = pytest.mark.django_db

TOTAL = "Total allocation for the Deprivation Pupil Premium"


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _base(body: Any) -> str:
    return f"/api/v1/bodies/{body.slug}/pools"


def test_allocation_set_and_list(officer, pool) -> None:
    body = officer.responsible_body
    school = SchoolFactory(name="Api Primary")
    api = _api(officer.user)
    done = api.post(f"{_base(body)}/{pool.pk}/allocations/set/", {"urn": school.urn, "amount_pence": 1_400_050})
    assert done.status_code == 200, done.json()
    assert done.json()["amount_pence"] == 1_400_050
    assert done.json()["school"] == {"id": school.pk, "urn": school.urn, "name": "Api Primary"}
    listing = api.get(f"{_base(body)}/{pool.pk}/allocations/").json()
    assert [(a["school"]["urn"], a["amount_pence"], a["in_grouping"]) for a in listing["results"]] == [
        (school.urn, 1_400_050, False)
    ]


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"amount_pence": -1}, "negative_amount", "amount_pence"),
        ({"urn": 999999}, "unknown_urn", "urn"),
        ({"amount_pence": "14000.50"}, "invalid", "amount_pence"),
        ({"amount_pence": 1.5}, "invalid", "amount_pence"),
        ({"urn": "abc"}, "invalid", "urn"),
        ({"urn": None}, "invalid", "urn"),
    ],
)
def test_allocation_set_bad_values_answer_400_with_a_code(officer, pool, payload, code, field) -> None:
    body = officer.responsible_body
    school = SchoolFactory()
    response = _api(officer.user).post(
        f"{_base(body)}/{pool.pk}/allocations/set/",
        {"urn": school.urn, "amount_pence": 100} | payload,
        format="json",
    )
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == code
    assert data.get("field") == field or field in data.get("fields", {})
    with tenant_context(body):
        assert not ImfAllocation.objects.exists()


def test_import_previews_then_imports_a_real_dfe_layout(officer, pool) -> None:
    body = officer.responsible_body
    header, rows = dfe_sample(8)
    register([int(r[0]) for r in rows])
    data = csv_bytes(header, rows)
    api = _api(officer.user)
    url = f"{_base(body)}/{pool.pk}/allocations/import/"

    def send(confirm: bool) -> Any:
        return api.post(
            url,
            {
                "file": SimpleUploadedFile("pp.csv", data),
                "urn_column": "URN",
                "amount_column": TOTAL,
                "confirm": confirm,
            },
            format="multipart",
        )

    preview = send(False)
    assert preview.status_code == 200, preview.json()
    assert (preview.json()["rows"], preview.json()["new"], preview.json()["can_import"]) == (8, 8, True)
    assert preview.json()["imported"] is None
    with tenant_context(body):
        assert not ImfAllocation.objects.exists()
    done = send(True)
    assert done.status_code == 201
    assert done.json()["imported"]["rows_imported"] == 8
    assert done.json()["imported"]["file_name"] == "pp.csv"
    with tenant_context(body):
        assert dict(ImfAllocation.objects.values_list("school__urn", "amount_pence")) == {
            int(r[0]): int(r[header.index(TOTAL)]) * 100 for r in rows
        }
    imports = api.get(f"{_base(body)}/{pool.pk}/allocations/imports/").json()["results"]
    assert [i["rows_imported"] for i in imports] == [8]


def test_import_with_bad_rows_answers_400_with_every_problem_and_its_line(officer, pool) -> None:
    body = officer.responsible_body
    school = SchoolFactory()
    data = csv_bytes(["URN", "IMF"], [[str(school.urn), "1.001"], ["999999", "5"]])
    api = _api(officer.user)
    url = f"{_base(body)}/{pool.pk}/allocations/import/"
    payload = {"urn_column": "URN", "amount_column": "IMF", "confirm": True}
    response = api.post(url, {"file": SimpleUploadedFile("a.csv", data), **payload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "allocation_file_invalid"
    assert [(p["line"], p["column"]) for p in response.json()["detail"]["problems"]] == [(2, "IMF"), (3, "URN")]
    preview = api.post(
        url, {"file": SimpleUploadedFile("a.csv", data), **payload, "confirm": False}, format="multipart"
    )
    assert preview.status_code == 200
    assert preview.json()["can_import"] is False
    assert len(preview.json()["problems"]) == 2
    wrong_column = api.post(
        url, {"file": SimpleUploadedFile("a.csv", data), **payload, "amount_column": "Nope"}, format="multipart"
    )
    assert (wrong_column.status_code, wrong_column.json()["code"], wrong_column.json()["field"]) == (
        400,
        "unknown_column",
        "amount_column",
    )
    wrong_file = api.post(url, {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4"), **payload}, format="multipart")
    assert (wrong_file.status_code, wrong_file.json()["code"]) == (400, "file_type_not_allowed")
    missing = api.post(url, payload, format="multipart")
    assert (missing.status_code, missing.json()["code"]) == (400, "invalid")
    with tenant_context(body):
        assert not ImfAllocation.objects.exists()


def test_recalculate_list_and_receipts_over_the_api(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body, name="Api Academy", start=date(2026, 9, 1))
    allocate(user, body, arrangement.school, 1_400_000)
    api = _api(user)
    recalc = api.post(f"{_base(body)}/{pool.pk}/contributions/recalculate/")
    assert recalc.status_code == 200
    assert (
        recalc.json()["changed"],
        recalc.json()["expected_posted_pence"],
        recalc.json()["reserve_posted_pence"],
    ) == (
        1,
        81_315,
        4_066,
    )
    again = api.post(f"{_base(body)}/{pool.pk}/contributions/recalculate/").json()
    assert (again["changed"], again["expected_posted_pence"]) == (0, 0)
    [contribution_id] = recalc.json()["contribution_ids"]

    base = f"{_base(body)}/contributions/{contribution_id}"
    receipt = api.post(
        f"{base}/receipts/new/",
        {"amount_pence": 50_000, "received_on": "2026-10-01", "method": "transfer", "reference": "BACS"},
        format="json",
    )
    assert receipt.status_code == 201, receipt.json()
    assert (receipt.json()["amount_pence"], receipt.json()["method"]) == (50_000, "transfer")

    summary = api.get(f"{_base(body)}/{pool.pk}/contributions/").json()
    assert (summary["expected_pence"], summary["received_pence"], summary["arrears_pence"]) == (81_315, 50_000, 31_315)
    [row] = summary["contributions"]
    assert (row["member_days"], row["period_days"], row["share_bp"], row["policy_version"]) == (212, 365, 1000, 1)
    assert row["school"]["name"] == "Api Academy"
    detail = api.get(f"{base}/").json()
    assert detail["arrears_pence"] == 31_315
    receipts = api.get(f"{base}/receipts/").json()["results"]
    assert [r["amount_pence"] for r in receipts] == [50_000]
    assert balances(pool)["pool_bank"] == 50_000


@pytest.mark.parametrize(
    ("payload", "status", "code", "field"),
    [
        ({"amount_pence": 0}, 400, "amount_not_positive", "amount_pence"),
        ({"amount_pence": -5}, 400, "amount_not_positive", "amount_pence"),
        ({"amount_pence": 140_001}, 400, "more_than_outstanding", "amount_pence"),
        ({"amount_pence": "12.50"}, 400, "invalid", "amount_pence"),
        ({"method": "cheque"}, 400, "invalid", "method"),
        ({"received_on": "2026-02-30"}, 400, "invalid", "received_on"),
        ({"received_on": "2028-01-01"}, 400, "received_on_outside_period", "received_on"),
        ({"reference": "x" * 101}, 400, "invalid", "reference"),
    ],
)
def test_receipt_bad_values_answer_400_with_a_code(officer, pool, payload, status, code, field) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body)
    allocate(user, body, arrangement.school, 1_400_000)
    api = _api(user)
    [cid] = api.post(f"{_base(body)}/{pool.pk}/contributions/recalculate/").json()["contribution_ids"]
    values = {"amount_pence": 100, "received_on": "2026-05-01", "method": "transfer"} | payload
    response = api.post(f"{_base(body)}/contributions/{cid}/receipts/new/", values, format="json")
    assert response.status_code == status
    data = response.json()
    assert data["code"] == code
    assert data.get("field") == field or field in data.get("fields", {})
    if code == "more_than_outstanding":
        assert data["detail"] == {"outstanding_pence": 140_000}
    with tenant_context(body):
        assert not Receipt.objects.exists()


def test_closed_pool_answers_409(officer, pool) -> None:
    from tests.pooling.contributions_support import close

    body = officer.responsible_body
    close(pool)
    response = _api(officer.user).post(f"{_base(body)}/{pool.pk}/contributions/recalculate/")
    assert (response.status_code, response.json()["code"]) == (409, "pool_closed")


def test_read_only_roles_may_read_but_not_write(officer, pool) -> None:
    body = officer.responsible_body
    trustee = _api(member(Role.TRUSTEE, body).user)
    assert trustee.get(f"{_base(body)}/{pool.pk}/contributions/").status_code == 200
    assert trustee.get(f"{_base(body)}/{pool.pk}/allocations/").status_code == 200
    refused = trustee.post(f"{_base(body)}/{pool.pk}/contributions/recalculate/")
    assert refused.status_code == 403
    no_mfa = _api(member(Role.FINANCE_OFFICER, body).user)
    response = no_mfa.post(f"{_base(body)}/{pool.pk}/allocations/set/", {"urn": 1, "amount_pence": 1})
    assert (response.status_code, response.json()["code"]) == (403, "mfa_required")
    head = _api(member(Role.HEAD, body).user)
    assert head.get(f"{_base(body)}/{pool.pk}/contributions/").status_code == 404


def test_contribution_list_query_count_does_not_grow(officer, pool, django_assert_max_num_queries) -> None:
    body, user = officer.responsible_body, officer.user
    api = _api(user)
    url = f"{_base(body)}/{pool.pk}/contributions/"

    def grow(n: int) -> None:
        for _ in range(n):
            a = join(user, body)
            allocate(user, body, a.school, 1_000_000)
        api.post(f"{_base(body)}/{pool.pk}/contributions/recalculate/")

    grow(1)
    with django_assert_max_num_queries(20) as one:
        assert len(api.get(url).json()["contributions"]) == 1
    first = len(one)  # read now: a later request clears the query log
    grow(9)
    with django_assert_max_num_queries(first):
        assert len(api.get(url).json()["contributions"]) == 10
