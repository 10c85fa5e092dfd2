"""The journal export (CSV for the body's finance system) and the accounts' codes."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from core.errors import ApplicationError
from core.models import AuditEvent
from core.tenancy import tenant_context
from pooling.models import Account, Leg
from pooling.services.ledger import LegSpec, post
from pooling.services.payments import account_codes_set, payment_run_confirm, pool_close
from tests.factories import LocalAuthorityFactory, maintained_school, member, own_academy
from tests.pooling.conftest import fund
from tests.pooling.payments_support import award, pay_run

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _journal(client: Client, body, **params) -> list[list[str]]:  # type: ignore[no-untyped-def]
    response = client.get(reverse("pooling:journal-export", kwargs={"body_slug": body.slug}), params)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def activity(officer, pool):  # type: ignore[no-untyped-def]
    body = officer.responsible_body
    fund(officer, pool, 20_000_00)
    award(officer, pool, 1_200_00, source_id="J-1")
    pay_run(
        officer.user,
        body,
        payment_run_confirm(
            actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 6, 30), pay_on=date(2026, 7, 1)
        ),
    )
    school = own_academy(body)
    post(
        actor=officer.user,
        tenant=body,
        pool=pool,
        kind="recovery",
        posted_on=date(2026, 8, 3),
        description='=HYPERLINK("http://evil.example","refund")',
        idempotency_key=f"{body.pk}:test:recovery",
        source_type="test",
        source_id="recovery",
        legs=[LegSpec("pool_bank", 12_34, school.pk), LegSpec("recoveries", -12_34, school.pk)],
    )


def test_journal_debits_equal_credits_equal_the_ledger(officer, pool, activity) -> None:
    body = officer.responsible_body
    rows = _journal(_client(officer.user), body, date_from="2026-04-01", date_to="2027-03-31")
    header, data = rows[0], rows[1:]
    assert header == [
        "Date",
        "Period",
        "Transaction",
        "Type",
        "Account",
        "Nominal code",
        "Cost centre",
        "CFR code",
        "School URN",
        "Description",
        "Debit",
        "Credit",
        "Reference",
        "Payee",
    ]
    with tenant_context(body):
        positive = Leg.objects.filter(amount_pence__gt=0).aggregate(t=Sum("amount_pence"))["t"]
        leg_count = Leg.objects.count()
    debits = sum(Decimal(r[10]) for r in data)
    credits = sum(Decimal(r[11]) for r in data)
    assert len(data) == leg_count
    assert debits == credits == Decimal(positive) / 100
    # Each line has exactly one side; amounts are plain numbers with two decimals.
    assert all((Decimal(r[10]) == 0) != (Decimal(r[11]) == 0) for r in data)
    assert all(r[10].count(".") == 1 and len(r[10].split(".")[1]) == 2 for r in data)
    assert [r[0] for r in data] == sorted(r[0] for r in data)


def test_journal_neutralises_formulas_and_keeps_numbers_numeric(officer, pool, activity) -> None:
    day = {"day": "3", "month": "8", "year": "2026"}  # typed into the page's day, month and year boxes
    typed = {f"{name}_{part}": value for name in ("date_from", "date_to") for part, value in day.items()}
    rows = _journal(_client(officer.user), officer.responsible_body, **typed)
    assert len(rows) == 3
    assert {r[9] for r in rows[1:]} == {'\'=HYPERLINK("http://evil.example","refund")'}
    assert sorted((r[4], r[10], r[11]) for r in rows[1:]) == [
        ("Pool bank (received)", "12.34", "0.00"),
        ("Recoveries", "0.00", "12.34"),
    ]


def test_journal_carries_the_accounts_codes(officer, pool, activity) -> None:
    body = officer.responsible_body
    with tenant_context(body):
        bank = Account.objects.get(pool=pool, kind="pool_bank")
    account_codes_set(
        actor=officer.user, tenant=body, account_id=bank.pk, nominal_code="1210", cost_centre="SEND-POOL", cfr_code=""
    )
    rows = _journal(_client(officer.user), body, date_from="2026-08-03", date_to="2026-08-03")
    bank_row = next(r for r in rows[1:] if r[4] == "Pool bank (received)")
    assert bank_row[1:3] == ["2026-27", bank_row[2]]
    assert bank_row[5:8] == ["1210", "SEND-POOL", ""]
    assert bank_row[12] == f"{body.pk}:test:recovery"


def test_journal_filters_by_date_and_pool_and_spans_the_carry_forward(officer, pool, activity) -> None:
    body = officer.responsible_body
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2027, 3, 31), pay_on=date(2027, 3, 31)
    )
    pay_run(officer.user, body, run)
    pool_close(actor=officer.user, tenant=body, pool=pool, next_label="2027-28")
    client = _client(officer.user)
    april = _journal(client, body, date_from="2027-04-01", date_to="2027-04-30")
    assert {r[3] for r in april[1:]} == {"Carried forward"}
    assert {r[1] for r in april[1:]} == {"2026-27", "2027-28"}
    assert sum(Decimal(r[10]) for r in april[1:]) == sum(Decimal(r[11]) for r in april[1:])
    only_old = _journal(client, body, date_from="2027-04-01", date_to="2027-04-30", pool=pool.pk)
    assert {r[1] for r in only_old[1:]} == {"2026-27"}
    assert len(only_old) < len(april)
    with tenant_context(body):
        assert AuditEvent.objects.filter(verb="journal.exported").count() == 2


def test_journal_for_a_local_authority_carries_cfr_codes(django_assert_max_num_queries) -> None:
    from pooling.services.ledger import pool_open

    la = LocalAuthorityFactory()
    officer = member(Role.FINANCE_OFFICER, la, mfa=True)
    pool = pool_open(actor=officer.user, tenant=la, label="2026-27")
    school = maintained_school(la)
    post(
        actor=officer.user,
        tenant=la,
        pool=pool,
        kind="contribution_expected",
        posted_on=date(2026, 4, 1),
        description="Maintained school contribution",
        idempotency_key=f"{la.pk}:c",
        source_type="test",
        source_id="c",
        legs=[LegSpec("contributions_receivable", 500_00, school.pk), LegSpec("contributions", -500_00, school.pk)],
    )
    with tenant_context(la):
        receivable = Account.objects.get(pool=pool, kind="contributions_receivable")
    account_codes_set(
        actor=officer.user, tenant=la, account_id=receivable.pk, nominal_code="C100", cost_centre="", cfr_code="I18a"
    )
    rows = _journal(_client(officer.user), la, date_from="2026-04-01", date_to="2026-04-01")
    row = next(r for r in rows[1:] if r[4] == "Contributions receivable")
    assert (row[5], row[7], row[8]) == ("C100", "I18a", str(school.urn))


def test_journal_streams_in_a_fixed_number_of_queries(officer, pool, django_assert_max_num_queries) -> None:
    fund(officer, pool, 1_00, key="one")
    client = _client(officer.user)
    url = reverse("pooling:journal-export", kwargs={"body_slug": officer.responsible_body.slug})
    params = {"date_from": "2026-04-01", "date_to": "2027-03-31"}
    with django_assert_max_num_queries(30) as small:
        b"".join(client.get(url, params).streaming_content)
    for i in range(10):
        fund(officer, pool, 1_00, key=f"more{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        b"".join(client.get(url, params).streaming_content)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-04-01"}, "date_to"),
        ({"date_to": "2026-04-01"}, "date_from"),
        ({"date_from": "yesterday", "date_to": "2026-04-01"}, "date_from"),
        ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "date_to"),
        ({"date_from_day": "1", "date_from_month": "4", "date_from_year": "2026", "date_to_day": "31"}, "date_to"),
        ({"date_from": "2026-04-01", "date_to": "2026-04-30", "pool": "99999"}, "pool"),
        ({"date_from": "2026-04-01", "date_to": "2026-04-30", "pool": "abc"}, "pool"),
    ],
)
def test_journal_form_shows_bad_input_on_its_field(officer, pool, params, field) -> None:
    response = _client(officer.user).get(
        reverse("pooling:journal-export", kwargs={"body_slug": officer.responsible_body.slug}), params
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'href="#id_{field}{"" if field == "pool" else "_0"}"' in page  # a date links to its day box
    with tenant_context(officer.responsible_body):
        assert not AuditEvent.objects.filter(verb="journal.exported").exists()


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("nominal_code", "=1+2", "invalid_code"),
        ("nominal_code", "x" * 21, "code_too_long"),
        ("cost_centre", "@SUM(A1)", "invalid_code"),
        ("cost_centre", "ab;cd", "invalid_code"),
        ("cfr_code", "E01234567890", "code_too_long"),
        ("cfr_code", "-E01", "invalid_code"),
    ],
)
def test_account_codes_refuse_bad_input_on_the_field(officer, pool, field, value, code) -> None:
    body = officer.responsible_body
    with tenant_context(body):
        account = Account.objects.get(pool=pool, kind="awards")
    values = {"nominal_code": "5000", "cost_centre": "SEND", "cfr_code": "E01", field: value}
    with pytest.raises(ApplicationError) as exc:
        account_codes_set(actor=officer.user, tenant=body, account_id=account.pk, **values)
    assert (exc.value.code, exc.value.field) == (code, field)
    with tenant_context(body):
        account.refresh_from_db()
        assert (account.nominal_code, account.cost_centre, account.cfr_code) == ("", "", "")


def test_account_codes_are_audited_and_unchanged_codes_record_nothing(officer, pool) -> None:
    body = officer.responsible_body
    with tenant_context(body):
        account = Account.objects.get(pool=pool, kind="awards")
    kwargs = dict(actor=officer.user, tenant=body, account_id=account.pk, nominal_code=" 5000 ", cost_centre="SEND/1")
    saved = account_codes_set(**kwargs)
    account_codes_set(**kwargs)
    assert (saved.nominal_code, saved.cost_centre, saved.cfr_code) == ("5000", "SEND/1", "")
    with tenant_context(body):
        events = list(AuditEvent.objects.filter(verb="account.codes_set"))
    assert len(events) == 1
    assert events[0].before == {"nominal_code": "", "cost_centre": "", "cfr_code": ""}
    assert events[0].after == {"nominal_code": "5000", "cost_centre": "SEND/1", "cfr_code": ""}
