"""The pools and ledger API: pools, opening one, headroom and balances as at a date,
transactions with cursor pagination, one transaction, and reversing it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from core.models import AuditEvent
from core.tenancy import tenant_context
from pooling.models import Pool, Transaction
from pooling.services.ledger import LegSpec, commitment_post, pool_open, post
from tests.factories import member, own_academy
from tests.pooling.conftest import fund

pytestmark = pytest.mark.django_db


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _base(body: Any) -> str:
    return f"/api/v1/bodies/{body.slug}/pools"


def _receipts(officer: Any, pool: Pool, n: int) -> list[int]:
    body = officer.responsible_body
    school = own_academy(body)
    ids = []
    for i in range(n):
        txn, _ = post(
            actor=officer.user,
            tenant=body,
            pool=pool,
            kind="receipt",
            posted_on=date(2026, 4, 1) + timedelta(days=i // 4),
            description=f"Receipt {i}",
            idempotency_key=f"{body.pk}:api:{i}",
            source_type="receipt",
            source_id=str(i),
            legs=[LegSpec("pool_bank", 100 + i, school.pk), LegSpec("contributions_receivable", -(100 + i), school.pk)],
        )
        ids.append(txn.pk)
    return ids


def test_open_a_pool_then_list_pools(officer) -> None:
    body = officer.responsible_body
    api = _api(officer.user)
    opened = api.post(f"{_base(body)}/open/", {"label": "2026-27"}, format="json")
    assert opened.status_code == 201, opened.json()
    assert {k: opened.json()[k] for k in ("label", "starts_on", "ends_on", "status")} == {
        "label": "2026-27",
        "starts_on": "2026-04-01",
        "ends_on": "2027-03-31",
        "status": "open",
    }
    again = api.post(f"{_base(body)}/open/", {"label": "2026-27"}, format="json")
    assert (again.status_code, again.json()["id"]) == (200, opened.json()["id"])
    api.post(f"{_base(body)}/open/", {"label": "2027-28"}, format="json")
    assert [p["label"] for p in api.get(f"{_base(body)}/").json()] == ["2027-28", "2026-27"]
    with tenant_context(body):
        assert AuditEvent.objects.filter(verb="pool.opened").count() == 2


@pytest.mark.parametrize("label", ["2026-28", "", "26-27", "2026", "1990-91"])
def test_open_refuses_a_bad_period_on_the_label_field(officer, label: str) -> None:
    body = officer.responsible_body
    response = _api(officer.user).post(f"{_base(body)}/open/", {"label": label}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == ["label"]
    with tenant_context(body):
        assert not Pool.objects.exists()


def test_only_finance_officers_with_mfa_open_pools(officer) -> None:
    body = officer.responsible_body
    trustee = _api(member(Role.TRUSTEE, body).user)
    assert trustee.get(f"{_base(body)}/").status_code == 200
    assert trustee.post(f"{_base(body)}/open/", {"label": "2026-27"}, format="json").status_code == 403
    no_mfa = _api(member(Role.FINANCE_OFFICER, body).user)
    refused = no_mfa.post(f"{_base(body)}/open/", {"label": "2026-27"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "mfa_required")
    assert _api(member(Role.HEAD, body).user).get(f"{_base(body)}/").status_code == 404
    with tenant_context(body):
        assert not Pool.objects.exists()


def test_headroom_as_at_a_date(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 80_000_00)  # expected 1 April, received 30 April
    commitment_post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        school_id=own_academy(body).pk,
        amount_pence=25_000_00,
        source_type="award",
        source_id="1",
        idempotency_key=f"{body.pk}:award:1",
        description="Award",
        posted_on=date(2026, 5, 10),
    )
    api = _api(officer.user)
    url = f"{_base(body)}/{pool.pk}/headroom/"
    today = api.get(url).json()
    assert (today["as_at"], today["available_on_expected_pence"], today["committed_outstanding_pence"]) == (
        None,
        55_000_00,
        25_000_00,
    )
    mid_april = api.get(url, {"as_at": "2026-04-15"}).json()
    assert (mid_april["as_at"], mid_april["expected_pence"], mid_april["received_pence"]) == (
        "2026-04-15",
        80_000_00,
        0,
    )
    assert mid_april["available_on_expected_pence"] == 80_000_00
    assert api.get(url, {"as_at": "2026-05-01"}).json()["received_pence"] == 80_000_00
    for bad in ("2026-02-30", "yesterday", "15/04/2026"):
        response = api.get(url, {"as_at": bad})
        assert response.status_code == 400
        assert list(response.json()["fields"]) == ["as_at"]


def test_balances_by_account_sum_to_zero(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 10_000, received=False)
    fund(officer, pool, 2_500, key="second")
    rows = _api(officer.user).get(f"{_base(body)}/{pool.pk}/balances/").json()
    balances = {r["account"]: r["balance_pence"] for r in rows}
    assert balances["contributions_receivable"] == 10_000
    assert balances["pool_bank"] == 2_500
    assert balances["contributions"] == -12_500
    assert sum(balances.values()) == 0
    assert len(rows) == 10
    as_at = _api(officer.user).get(f"{_base(body)}/{pool.pk}/balances/", {"as_at": "2026-04-01"}).json()
    assert {r["account"]: r["balance_pence"] for r in as_at}["pool_bank"] == 0
    assert _api(officer.user).get(f"{_base(body)}/{pool.pk}/balances/", {"as_at": "nope"}).status_code == 400


def test_transactions_page_by_cursor_with_legs(officer, pool) -> None:
    body = officer.responsible_body
    ids = _receipts(officer, pool, 25)
    api = _api(officer.user)
    url: str | None = f"{_base(body)}/{pool.pk}/transactions/?page_size=10"
    seen = []
    pages = []
    while url:
        data = api.get(url).json()
        pages.append(data)
        seen += [t["id"] for t in data["results"]]
        url = data["next"]
    assert seen == ids[::-1]
    assert [len(p["results"]) for p in pages] == [10, 10, 5]
    assert pages[0]["previous"] is None
    back = api.get(pages[2]["previous"]).json()
    assert [t["id"] for t in back["results"]] == [t["id"] for t in pages[1]["results"]]
    first = pages[0]["results"][0]
    assert first["kind"] == "receipt"
    assert first["description"] == "Receipt 24"
    assert first["idempotency_key"] == f"{body.pk}:api:24"
    assert first["actor_label"] == officer.user.email
    legs = {leg["account"]: leg for leg in first["legs"]}
    assert (legs["pool_bank"]["debit_pence"], legs["pool_bank"]["credit_pence"]) == (124, 0)
    assert (legs["contributions_receivable"]["amount_pence"], legs["contributions_receivable"]["credit_pence"]) == (
        -124,
        124,
    )
    assert legs["pool_bank"]["school_name"].startswith("Example Primary School")


def test_transactions_filters_and_bad_input(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 1_000)
    ids = _receipts(officer, pool, 8)
    api = _api(officer.user)
    url = f"{_base(body)}/{pool.pk}/transactions/"

    def got(**params: Any) -> list[int]:
        return [t["id"] for t in api.get(url, params).json()["results"]]

    assert got(source_type="receipt") == ids[::-1]
    assert len(got(account_kind="contributions")) == 1
    assert got(date_from="2026-04-02", date_to="2026-04-02") == ids[4:][::-1]
    for params, field in (
        ({"account_kind": "cash"}, "account_kind"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "date_to"),
        ({"after": "2026-04-01"}, "after"),
        ({"after": "2026-04-01.1", "before": "2026-04-01.2"}, "before"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1000"}, "page_size"),
    ):
        response = api.get(url, params)
        assert response.status_code == 400, params
        assert field in response.json()["fields"], (params, response.json())


@pytest.mark.parametrize("rows", [10, 100])
def test_transactions_query_count_is_fixed(officer, pool, rows, django_assert_max_num_queries) -> None:
    body = officer.responsible_body
    ids = _receipts(officer, pool, rows)
    api = _api(officer.user)
    with django_assert_max_num_queries(9):
        first = api.get(f"{_base(body)}/{pool.pk}/transactions/")
    assert len(first.json()["results"]) == min(rows, 50)
    with tenant_context(body):
        deep = Transaction.objects.get(pk=ids[5])
    with django_assert_max_num_queries(9):
        last = api.get(f"{_base(body)}/{pool.pk}/transactions/", {"after": f"{deep.posted_on}.{deep.pk}"})
    assert [t["id"] for t in last.json()["results"]] == ids[:5][::-1]


def test_one_transaction_and_its_reversal(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 4_321)
    with tenant_context(body):
        receipt = Transaction.objects.get(kind="receipt")
    api = _api(officer.user)
    shown = api.get(f"{_base(body)}/transactions/{receipt.pk}/").json()
    assert (shown["kind"], shown["reverses_id"], shown["reversed_by_id"]) == ("receipt", None, None)
    assert sorted(leg["amount_pence"] for leg in shown["legs"]) == [-4_321, 4_321]
    url = f"{_base(body)}/transactions/{receipt.pk}/reverse/"
    blank = api.post(url, {"reason": "  "}, format="json")
    assert (blank.status_code, list(blank.json()["fields"])) == (400, ["reason"])
    reversed_ = api.post(url, {"reason": "Bounced"}, format="json")
    assert reversed_.status_code == 201, reversed_.json()
    body_json = reversed_.json()
    assert (body_json["kind"], body_json["reverses_id"], body_json["description"]) == (
        "reversal",
        receipt.pk,
        "Reversal: Bounced",
    )
    assert sorted((leg["account"], leg["amount_pence"]) for leg in body_json["legs"]) == [
        ("contributions_receivable", 4_321),
        ("pool_bank", -4_321),
    ]
    assert api.get(f"{_base(body)}/transactions/{receipt.pk}/").json()["reversed_by_id"] == body_json["id"]
    again = api.post(url, {"reason": "Again"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_reversed")
    of_reversal = api.post(f"{_base(body)}/transactions/{body_json['id']}/reverse/", {"reason": "x"}, format="json")
    assert (of_reversal.status_code, of_reversal.json()["code"]) == (409, "reverse_reversal")
    trustee = _api(member(Role.TRUSTEE, body).user)
    assert trustee.get(f"{_base(body)}/transactions/{receipt.pk}/").status_code == 200
    assert trustee.post(url, {"reason": "x"}, format="json").status_code == 403
    with tenant_context(body):
        assert Transaction.objects.filter(kind="reversal").count() == 1


def test_another_bodys_pool_and_transaction_are_not_found(officer, pool) -> None:
    other = member(Role.FINANCE_OFFICER, mfa=True)
    other_pool = pool_open(actor=other.user, tenant=other.responsible_body, label="2026-27")
    fund(other, other_pool, 999)
    with tenant_context(other.responsible_body):
        theirs = Transaction.objects.filter(kind="receipt").get()
    api = _api(officer.user)
    base = _base(officer.responsible_body)
    for url in (
        f"{base}/{other_pool.pk}/headroom/",
        f"{base}/{other_pool.pk}/balances/",
        f"{base}/{other_pool.pk}/transactions/",
        f"{base}/transactions/{theirs.pk}/",
    ):
        assert api.get(url).status_code == 404, url
    assert api.post(f"{base}/transactions/{theirs.pk}/reverse/", {"reason": "x"}, format="json").status_code == 404
    with tenant_context(other.responsible_body):
        assert not Transaction.objects.filter(kind="reversal").exists()


def test_award_money_is_not_reversible_over_the_api(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 10_000_00)
    txn, _ = commitment_post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        school_id=own_academy(body).pk,
        amount_pence=1_000_00,
        source_type="award",
        source_id="9",
        idempotency_key=f"{body.pk}:award:9",
        description="Award 9",
    )
    response = _api(officer.user).post(f"{_base(body)}/transactions/{txn.pk}/reverse/", {"reason": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "not_reversible")
    with tenant_context(body):
        assert not Transaction.objects.filter(kind="reversal").exists()
