"""The pool dashboard, opening a pool, the ledger browser and reversing a posting, through
the pages."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.models import AuditEvent
from core.money import format_pence
from core.tenancy import tenant_context
from groupings.services.arrangements import arrangement_propose
from groupings.services.policy import policy_ensure_default
from pooling.models import (
    AccountKind,
    Contribution,
    ImfAllocation,
    Instalment,
    InstalmentSchedule,
    Pool,
    Receipt,
    Transaction,
)
from pooling.services.ledger import LegSpec, commitment_post, pool_open, post, transaction_reverse
from tests.factories import member, own_academy
from tests.pooling.conftest import fund

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, body: Any, **kwargs: Any) -> str:
    return reverse(f"pooling:{name}", kwargs={"body_slug": body.slug, **kwargs})


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _receipts(officer: Any, pool: Pool, n: int, *, start: date = date(2026, 4, 1), prefix: str = "r") -> list[int]:
    """Post ``n`` receipts of 1.00, 1.01, … on successive days (several a day), newest last."""
    body = officer.responsible_body
    school = own_academy(body)
    ids = []
    for i in range(n):
        txn, _ = post(
            actor=officer.user,
            tenant=body,
            pool=pool,
            kind="receipt",
            posted_on=start + timedelta(days=i // 3),
            description=f"Receipt {prefix}{i}",
            idempotency_key=f"{body.pk}:test:{prefix}{i}",
            source_type="receipt",
            source_id=f"{prefix}{i}",
            legs=[LegSpec("pool_bank", 100 + i, school.pk), LegSpec("contributions_receivable", -(100 + i), school.pk)],
        )
        ids.append(txn.pk)
    return ids


def _members(officer: Any, pool: Pool, n: int, *, expected: int = 10_000_00) -> list[Any]:
    """``n`` member schools, each with a contribution of ``expected`` and two receipts."""
    body = officer.responsible_body
    user = officer.user
    policy = policy_ensure_default(actor=user, tenant=body, effective_from=date(2026, 4, 1))
    schools = []
    for i in range(n):
        school = own_academy(body, name=f"Member Academy {i:03d}")
        arrangement = arrangement_propose(
            actor=user,
            tenant=body,
            school_id=school.pk,
            basis="own_academy",
            counterparty=body.legal_name,
            start_date=date(2026, 4, 1),
        )
        with tenant_context(body):
            allocation = ImfAllocation.objects.create(
                responsible_body=body,
                period_label=pool.label,
                school=school,
                amount_pence=expected * 4,
                entered_by_label="t",
            )
            contribution = Contribution.objects.create(
                responsible_body=body,
                pool=pool,
                arrangement=arrangement,
                school=school,
                allocation=allocation,
                policy=policy,
                share_bp=2500,
                member_days=365,
                period_days=365,
                expected_pence=expected,
            )
            receipts = [
                Receipt.objects.create(
                    responsible_body=body,
                    contribution=contribution,
                    amount_pence=amount,
                    received_on=date(2026, 4, 1) + timedelta(days=day),
                    method="transfer",
                    recorded_by_label="t",
                )
                for amount, day in ((expected // 4, 30), (expected // 4 + i, 60))
            ]
        # What the contribution and receipt services post (the pages read the ledger).
        post(
            actor=user, tenant=body, pool=pool, kind="contribution_expected", posted_on=pool.starts_on,
            description="Expected", idempotency_key=f"t:contribution:{contribution.pk}",
            source_type="contribution", source_id=str(contribution.pk),
            legs=[LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, expected, school.pk),
                  LegSpec(AccountKind.CONTRIBUTIONS, -expected, school.pk)],
        )  # fmt: skip
        for receipt in receipts:
            post(
                actor=user, tenant=body, pool=pool, kind="receipt", posted_on=receipt.received_on,
                description="Received", idempotency_key=f"t:receipt:{receipt.pk}",
                source_type="receipt", source_id=str(receipt.pk),
                legs=[LegSpec(AccountKind.POOL_BANK, receipt.amount_pence, school.pk),
                      LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, -receipt.amount_pence, school.pk)],
            )  # fmt: skip
        schools.append(school)
    return schools


def _instalments(officer: Any, pool: Pool, schools: list[Any], months: list[date], amount: int = 500_00) -> None:
    body = officer.responsible_body
    with tenant_context(body):
        for n, school in enumerate(schools):
            schedule = InstalmentSchedule.objects.create(
                responsible_body=body,
                pool=pool,
                school=school,
                source_type="award",
                source_id=f"award-{school.pk}",
                frequency="monthly",
                starts_on=months[0],
                ends_on=months[-1],
                total_pence=amount * len(months),
            )
            for month in months:
                Instalment.objects.create(responsible_body=body, schedule=schedule, due_on=month, amount_pence=amount)
            if n == 0:
                Instalment.objects.create(
                    responsible_body=body, schedule=schedule, due_on=months[0], amount_pence=999_99, status="released"
                )


# --- Dashboard -----------------------------------------------------------------------


def test_dashboard_without_a_pool_offers_a_finance_officer_to_open_one(officer) -> None:
    body = officer.responsible_body
    page = _text(_client(officer.user).get(_url("dashboard", body)))
    assert "No pool has been opened yet" in page
    assert "Open the pool for a funding period" in page
    assert f'action="{_url("pool-open", body)}"' in page
    assert 'id="open_label"' in page
    trustee = member(Role.TRUSTEE, body)
    assert "Open the pool for a funding period" not in _text(_client(trustee.user).get(_url("dashboard", body)))
    assert _client(member(Role.HEAD, body).user).get(_url("dashboard", body)).status_code == 404


def test_dashboard_shows_headroom_as_a_chart_and_the_same_figures_in_a_table(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 100_000_00)
    fund(officer, pool, 20_000_00, received=False, key="later")
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="reserve_set_aside",
        posted_on=date(2026, 4, 2),
        description="Reserve",
        idempotency_key=f"{body.pk}:reserve",
        source_type="policy",
        source_id="1",
        legs=[LegSpec("contributions", 5_000_00), LegSpec("reserve", -5_000_00)],
    )
    school = own_academy(body)
    commitment_post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        school_id=school.pk,
        amount_pence=30_000_00,
        source_type="award",
        source_id="1",
        idempotency_key=f"{body.pk}:award:1",
        description="Award 1",
    )
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="payable",
        posted_on=date(2026, 5, 1),
        description="Instalment",
        idempotency_key=f"{body.pk}:payable:1",
        source_type="payment_run",
        source_id="1",
        legs=[LegSpec("commitments", 4_000_00, school.pk), LegSpec("payable_to_schools", -4_000_00, school.pk)],
    )
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="payment",
        posted_on=date(2026, 5, 2),
        description="Paid",
        idempotency_key=f"{body.pk}:payment:1",
        source_type="payment_run",
        source_id="1",
        legs=[LegSpec("payable_to_schools", 1_500_00, school.pk), LegSpec("payments_made", -1_500_00, school.pk)],
    )
    response = _client(officer.user).get(_url("dashboard", body))
    assert response.status_code == 200
    html = response.content.decode()
    chart = json.loads(re.search(r'<script id="headroom-chart-data" type="application/json">(.*?)</script>', html)[1])
    expected = {
        "Contributions expected": 120_000_00,
        "Contributions received": 100_000_00,
        "Brought forward": 0,
        "Committed, not yet payable": 26_000_00,
        "Payable to schools": 2_500_00,
        "Paid to schools": 1_500_00,
        "Reserve for urgent cases": 5_000_00,
        "Available to commit": 120_000_00 - 5_000_00 - 30_000_00,
    }
    assert dict(zip(chart["labels"], chart["pence"], strict=True)) == expected
    table = re.search(r'<table class="govuk-table" id="headroom-table">(.*?)</table>', html, re.S)[1]
    cells = re.findall(
        r'<th scope="row" class="govuk-table__header">(.*?)</th><td[^>]*>(?:<strong>)?(.*?)(?:</strong>)?</td>', table
    )
    assert cells == [(label, format_pence(p)) for label, p in expected.items()]
    assert 'data-chart="headroom-chart-data"' in html
    assert "/static/vendor/chart.umd.min.js" in html
    assert "/static/js/charts.js" in html
    assert "<script>" not in html  # no inline script: CSP is script-src 'self'


def test_dashboard_lists_contributions_by_school_and_commitments_by_month(officer, pool) -> None:
    body = officer.responsible_body
    schools = _members(officer, pool, 2)
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    next_month = (this_month + timedelta(days=32)).replace(day=1)
    _instalments(officer, pool, schools, [last_month, this_month, next_month])
    page = _text(_client(officer.user).get(_url("dashboard", body)))
    row0 = re.search(r"Member Academy 000.*?</tr>", page)[0]
    assert re.findall(r"£[\d,.]+", row0) == ["£10,000.00", "£5,000.00", "£5,000.00"]
    row1 = re.search(r"Member Academy 001.*?</tr>", page)[0]
    assert re.findall(r"£[\d,.]+", row1) == ["£10,000.00", "£5,000.01", "£4,999.99"]
    total = re.search(r"<tfoot>.*?</tfoot>", page)[0]
    assert re.findall(r"£[\d,.]+", total) == ["£20,000.00", "£10,000.01", "£9,999.99"]
    months = re.search(r'<table class="govuk-table" id="months-table">.*?</table>', page)[0]
    assert f'{last_month:%B %Y} <strong class="govuk-tag govuk-tag--orange">Overdue</strong>' in months
    assert re.findall(r"£[\d,.]+", months) == ["£1,000.00", "£1,000.00", "£1,000.00"]  # the released one left out
    assert "£3,000.00 in all, of which £1,000.00 fell due before this month" in page


def test_dashboard_names_the_ten_schools_owing_most_and_totals_them_all(officer, pool) -> None:
    body = officer.responsible_body
    _members(officer, pool, 12)  # each £10,000.00 expected, £5,000.00 + i pence received
    page = _text(_client(officer.user).get(_url("dashboard", body)))
    table = re.search(r'<table class="govuk-table" id="contributions-table">.*?</table>', page)[0]
    assert re.findall(r"Member Academy (\d+)", table) == [f"{i:03d}" for i in range(10)]  # the most outstanding first
    assert "The 10 schools with the most outstanding" in table
    total = re.search(r"<tfoot>.*?</tfoot>", table)[0]
    assert "Total (all 12 schools)" in total
    assert re.findall(r"£[\d,.]+", total) == ["£120,000.00", "£60,000.66", "£59,999.34"]
    assert "12 schools are expected to contribute £120,000.00 in all" in page
    assert f'href="{_url("contributions", body, pool_id=pool.pk)}">See every school' in page


def test_dashboard_pool_chooser_shows_the_chosen_pool(officer, pool) -> None:
    body = officer.responsible_body
    later = pool_open(actor=officer.user, tenant=body, label="2027-28")
    fund(officer, pool, 1_234_56)
    client = _client(officer.user)
    assert "Pool 2027-28" in _text(client.get(_url("dashboard", body)))  # the latest by default
    chosen = _text(client.get(_url("dashboard", body), {"pool": pool.pk}))
    assert '<h1 class="govuk-heading-l">Pool 2026-27</h1>' in chosen
    assert "£1,234.56" in chosen
    assert _url("ledger", body, pool_id=pool.pk) in chosen
    del later


@pytest.mark.parametrize("schools", [1, 10])
def test_dashboard_query_count_does_not_grow_with_schools(
    officer, pool, schools, django_assert_max_num_queries
) -> None:
    members = _members(officer, pool, schools)
    _instalments(officer, pool, members, [date(2026, 9, 1), date(2026, 10, 1)])
    _receipts(officer, pool, 3 * schools)
    client = _client(officer.user)
    with django_assert_max_num_queries(19):
        response = client.get(_url("dashboard", officer.responsible_body))
    assert response.status_code == 200
    assert _text(response).count("Member Academy") == schools


# --- Opening a pool --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "error"),
    [
        ("", "Enter the funding period, like 2026-27"),
        ("2026-28", "Enter the funding period like 2026-27"),
        ("26-27", "Enter the funding period like 2026-27"),
        ("2026/27", "Enter the funding period like 2026-27"),
        ("1999-00", "Enter a funding period from"),
        ("2090-91", "Enter a funding period no later than"),
    ],
)
def test_opening_a_pool_refuses_a_bad_period_on_the_field(officer, label: str, error: str) -> None:
    body = officer.responsible_body
    response = _client(officer.user).post(_url("pool-open", body), {"label": label})
    assert response.status_code == 200
    page = _text(response)
    assert "There is a problem" in page
    assert error in page
    assert 'href="#id_label"' in page
    with tenant_context(body):
        assert not Pool.objects.exists()


def test_a_finance_officer_opens_a_pool_once(officer) -> None:
    body = officer.responsible_body
    client = _client(officer.user)
    form = _text(client.get(_url("pool-open", body)))
    current = timezone.localdate().year if timezone.localdate().month >= 4 else timezone.localdate().year - 1
    assert f'value="{current}-{(current + 1) % 100:02d}"' in form
    response = client.post(_url("pool-open", body), {"label": " 2026-27 "})
    with tenant_context(body):
        pool = Pool.objects.get()
        assert (pool.label, pool.starts_on, pool.ends_on, pool.status) == (
            "2026-27",
            date(2026, 4, 1),
            date(2027, 3, 31),
            "open",
        )
        assert pool.accounts.count() == len(AccountKind)
        assert AuditEvent.objects.filter(verb="pool.opened").count() == 1
    assert response.status_code == 302
    assert response["Location"] == _url("dashboard", body) + f"?pool={pool.pk}"
    again = client.post(_url("pool-open", body), {"label": "2026-27"}, follow=True)
    assert "The pool for 2026-27 was already open." in _text(again)
    with tenant_context(body):
        assert Pool.objects.count() == 1
        assert AuditEvent.objects.filter(verb="pool.opened").count() == 1


def test_only_finance_officers_with_mfa_open_a_pool(officer) -> None:
    body = officer.responsible_body
    trustee = member(Role.TRUSTEE, body)
    assert _client(trustee.user).post(_url("pool-open", body), {"label": "2026-27"}).status_code == 404
    no_mfa = member(Role.FINANCE_OFFICER, body)
    response = _client(no_mfa.user).post(_url("pool-open", body), {"label": "2026-27"})
    assert response.status_code == 302
    assert "/2fa/totp/activate/" in response["Location"]
    with tenant_context(body):
        assert not Pool.objects.exists()


# --- The ledger browser --------------------------------------------------------------------


def test_ledger_lists_newest_first_with_legs_and_cause(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 12_345)
    with tenant_context(body):
        receipt = Transaction.objects.get(kind="receipt")
    reversal = transaction_reverse(actor=officer.user, tenant=body, transaction_id=receipt.pk, reason="Bounced")
    page = _text(_client(officer.user).get(_url("ledger", body, pool_id=pool.pk)))
    order = [int(i) for i in re.findall(r'/transactions/(\d+)/">', page)]
    assert order[:1] == [reversal.pk]
    assert "Reversal: Bounced" in page
    assert f'reverses <a class="govuk-link" href="{_url("transaction", body, transaction_id=receipt.pk)}">' in page
    assert f'reversed by <a class="govuk-link" href="{_url("transaction", body, transaction_id=reversal.pk)}">' in page
    assert "Caused by Test fund" in page
    assert "Pool bank (received)" in page
    assert "£123.45" in page


def test_ledger_filters_by_account_source_and_dates(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 5_000)  # expected on 1 April (source "test"), received on 30 April
    receipts = _receipts(officer, pool, 6, start=date(2026, 6, 1))  # 1 and 2 June, source "receipt"
    client = _client(officer.user)
    url = _url("ledger", body, pool_id=pool.pk)

    def ids(**params: str) -> list[int]:
        return [int(i) for i in re.findall(r'/transactions/(\d+)/">', client.get(url, params).content.decode())]

    assert len(ids()) == 8
    assert ids(source_type="receipt") == receipts[::-1]
    assert len(ids(account="contributions")) == 1
    assert len(ids(account="pool_bank")) == 7
    assert ids(date_from="2026-06-02", date_to="2026-06-02") == receipts[3:][::-1]
    assert ids(account="payments_made") == []
    bad = _text(client.get(url, {"date_from": "2026-06-02", "date_to": "2026-06-01"}))
    assert "There is a problem" in bad
    assert "The last date must be on or after the first date" in bad
    assert (
        ids(date_from_day="2", date_from_month="6", date_from_year="2026", date_to="2026-06-02") == (receipts[3:][::-1])
    )
    not_real = {"date_from_day": "30", "date_from_month": "2", "date_from_year": "2026"}
    assert "The first date must be a real date" in _text(client.get(url, not_real))
    assert "The first date must be a real date" in _text(client.get(url, {"date_from": "2026-02-30"}))
    assert "Choose an account from the list" in _text(client.get(url, {"account": "cash"}))
    assert "Choose what caused the postings from the list" in _text(client.get(url, {"source_type": "nothing"}))


def test_ledger_pages_by_keyset_both_ways(officer, pool) -> None:
    body = officer.responsible_body
    ids = _receipts(officer, pool, 120)
    client = _client(officer.user)
    url = _url("ledger", body, pool_id=pool.pk)
    seen: list[int] = []
    pages = []
    response = client.get(url)
    while True:
        html = response.content.decode()
        page_ids = [int(i) for i in re.findall(r'/transactions/(\d+)/">', html)]
        pages.append(page_ids)
        seen += page_ids
        older = re.search(r'href="(\?[^"]*after=[^"]+)" rel="next"', html)
        if not older:
            break
        response = client.get(url + older[1].replace("&amp;", "&"))
    assert [len(p) for p in pages] == [50, 50, 20]
    assert seen == ids[::-1]
    newer = re.search(r'href="(\?[^"]*before=[^"]+)" rel="prev"', html)[1].replace("&amp;", "&")
    back = [int(i) for i in re.findall(r'/transactions/(\d+)/">', client.get(url + newer).content.decode())]
    assert back == pages[1]
    # A position that is not one is ignored: the first page.
    assert [
        int(i) for i in re.findall(r'/transactions/(\d+)/">', client.get(url, {"after": "x"}).content.decode())
    ] == pages[0]


@pytest.mark.parametrize("rows", [12, 120])
def test_ledger_query_count_is_fixed_whatever_the_rows_and_the_page(
    officer, pool, rows, django_assert_max_num_queries
) -> None:
    body = officer.responsible_body
    ids = _receipts(officer, pool, rows)
    client = _client(officer.user)
    url = _url("ledger", body, pool_id=pool.pk)
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200
    with tenant_context(body):
        deep = Transaction.objects.get(pk=ids[rows // 3 + 1])
    with django_assert_max_num_queries(16):  # one more: the filtered account
        response = client.get(url, {"after": f"{deep.posted_on.isoformat()}.{deep.pk}", "account": "pool_bank"})
    assert response.status_code == 200
    assert str(ids[rows // 3]) in response.content.decode()


def test_ledger_of_another_bodys_pool_is_not_found(officer, pool) -> None:
    other = member(Role.FINANCE_OFFICER, mfa=True)
    other_pool = pool_open(actor=other.user, tenant=other.responsible_body, label="2026-27")
    response = _client(officer.user).get(_url("ledger", officer.responsible_body, pool_id=other_pool.pk))
    assert response.status_code == 404


# --- A transaction and its reversal -------------------------------------------------


def test_transaction_page_shows_legs_key_actor_and_reverse_form(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 7_700)
    with tenant_context(body):
        txn = Transaction.objects.get(kind="receipt")
    page = _text(_client(officer.user).get(_url("transaction", body, transaction_id=txn.pk)))
    assert f"Transaction {txn.pk}: contribution received" in page
    assert f"<code>{body.pk}:fund:received</code>" in page
    assert officer.user.email in page
    assert "Pool bank (received)" in page
    assert "Contributions receivable" in page
    assert page.count("£77.00") == 2
    assert "Not reversed" in page
    assert _url("transaction-reverse", body, transaction_id=txn.pk) in page
    trustee = member(Role.TRUSTEE, body)
    read_only = _text(_client(trustee.user).get(_url("transaction", body, transaction_id=txn.pk)))
    assert "£77.00" in read_only
    assert "Reverse transaction" not in read_only
    assert (
        _client(trustee.user)
        .post(_url("transaction-reverse", body, transaction_id=txn.pk), {"reason": "x"})
        .status_code
        == 404
    )


def test_reversing_needs_a_reason_and_posts_the_exact_opposite_once(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 7_700)
    with tenant_context(body):
        txn = Transaction.objects.get(kind="receipt")
    client = _client(officer.user)
    url = _url("transaction-reverse", body, transaction_id=txn.pk)
    blank = client.post(url, {"reason": "   "})
    assert blank.status_code == 200
    assert "Say why the transaction is being reversed" in _text(blank)
    assert 'href="#id_reason"' in _text(blank)
    with tenant_context(body):
        assert not Transaction.objects.filter(kind="reversal").exists()
    done = client.post(url, {"reason": "Payment bounced"})
    with tenant_context(body):
        reversal = Transaction.objects.get(kind="reversal")
        legs = sorted(reversal.legs.values_list("account__kind", "amount_pence"))
    assert legs == [("contributions_receivable", 7_700), ("pool_bank", -7_700)]
    assert done["Location"] == _url("transaction", body, transaction_id=reversal.pk)
    original = _text(client.get(_url("transaction", body, transaction_id=txn.pk)))
    assert (
        f'Reversed by <a class="govuk-link" href="{_url("transaction", body, transaction_id=reversal.pk)}">' in original
    )
    assert "Reverse transaction" not in original
    shown = _text(client.get(_url("transaction", body, transaction_id=reversal.pk)))
    assert f'Reverses <a class="govuk-link" href="{_url("transaction", body, transaction_id=txn.pk)}">' in shown
    assert "Reversal: Payment bounced" in shown
    again = _text(client.post(url, {"reason": "Again"}))
    assert "That transaction has already been reversed." in again
    of_reversal = _text(client.post(_url("transaction-reverse", body, transaction_id=reversal.pk), {"reason": "Undo"}))
    assert "A reversal cannot itself be reversed" in of_reversal
    with tenant_context(body):
        assert Transaction.objects.filter(kind="reversal").count() == 1
        assert AuditEvent.objects.filter(verb="ledger.reversed").count() == 1


def test_a_closed_pools_transaction_cannot_be_reversed(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 1_000)
    with tenant_context(body):
        txn = Transaction.objects.get(kind="receipt")
        Pool.objects.filter(pk=pool.pk).update(status="closed")
    client = _client(officer.user)
    assert "Reverse transaction" not in _text(client.get(_url("transaction", body, transaction_id=txn.pk)))
    assert "cannot be reversed: pool 2026-27 is closed" in _text(
        client.get(_url("transaction-reverse", body, transaction_id=txn.pk))
    )
    refused = _text(client.post(_url("transaction-reverse", body, transaction_id=txn.pk), {"reason": "Late"}))
    assert "Pool 2026-27 is closed: no further postings." in refused
    with tenant_context(body):
        assert not Transaction.objects.filter(kind="reversal").exists()


def test_award_money_is_not_reversed_from_the_ledger(officer, pool) -> None:
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
    client = _client(officer.user)
    page = _text(client.get(_url("transaction", body, transaction_id=txn.pk)))
    assert "This transaction cannot be reversed: award money is corrected by varying or releasing the award" in page
    assert "Reverse transaction</button>" not in page
    refused = _text(client.post(_url("transaction-reverse", body, transaction_id=txn.pk), {"reason": "Mistake"}))
    assert "There is a problem" in refused
    assert "Award money is corrected by varying or releasing the award" in refused
    with tenant_context(body):
        assert not Transaction.objects.filter(kind="reversal").exists()
