"""Payment runs, remittance downloads, period close and reopen, and account codes through
the pages."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format

from accounts.models import Role
from core.models import AuditEvent
from core.money import format_pence
from core.tenancy import tenant_context
from pooling.models import Account, PaymentRun, Pool, Remittance
from pooling.services.payments import payment_run_confirm, pool_close, remittances_build
from tests.core.pdf_support import assert_tagged_pdf
from tests.factories import member, own_academy
from tests.pooling.conftest import fund
from tests.pooling.payments_support import award, pay_run, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "private"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, body: Any, **kwargs: Any) -> str:
    return reverse(f"pooling:{name}", kwargs={"body_slug": body.slug, **kwargs})


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def funded(officer, pool):  # type: ignore[no-untyped-def]
    fund(officer, pool, 50_000_00)
    ash = own_academy(officer.responsible_body, name="Ash Academy")
    award(officer, pool, 1_200_00, school=ash, source_id="A-1")
    return ash


def test_finance_officer_previews_confirms_and_downloads_remittance(officer, pool, funded) -> None:
    body = officer.responsible_body
    client = _client(officer.user)
    runs = client.get(_url("payment-runs", body, pool_id=pool.pk))
    assert "New payment run" in _text(runs)
    new = client.get(_url("payment-run-new", body, pool_id=pool.pk))
    assert new.status_code == 200
    assert "Confirm payment run" not in _text(new)
    preview = client.get(
        _url("payment-run-new", body, pool_id=pool.pk), {"due_up_to": "2026-05-31", "pay_on": "2026-06-01"}
    )
    page = _text(preview)
    may = 1_200_00 * 30 // 365 + 1_200_00 * 31 // 365
    assert "Ash Academy" in page
    assert f"£{may / 100:,.2f}" in page
    assert "Confirm payment run" in page
    assert f'name="expected_total_pence" value="{may}"' in page
    with tenant_context(body):
        assert PaymentRun.objects.count() == 0
    confirmed = client.post(
        _url("payment-run-new", body, pool_id=pool.pk),
        {"due_up_to": "2026-05-31", "pay_on": "2026-06-01", "expected_total_pence": str(may)},
    )
    with tenant_context(body):
        run = PaymentRun.objects.get()
    assert confirmed.status_code == 302
    assert confirmed["Location"] == _url("payment-run", body, paymentrun_id=run.pk)
    detail = client.get(confirmed["Location"])
    assert "Remittance advice is being prepared" in _text(detail)
    again_requested = client.post(_url("payment-run-remittances", body, paymentrun_id=run.pk))
    assert again_requested.status_code == 302
    assert "has been requested" in _text(client.get(again_requested["Location"]))
    assert client.get(_url("payment-run-remittances", body, paymentrun_id=run.pk)).status_code == 405
    assert run.total_pence == may

    # The second confirm of the same dates pays nothing and says so on the field.
    again = client.post(
        _url("payment-run-new", body, pool_id=pool.pk),
        {"due_up_to": "2026-05-31", "pay_on": "2026-06-01", "expected_total_pence": str(may)},
    )
    assert again.status_code == 200
    assert "Nothing is due up to 31 May 2026" in _text(again)
    assert 'href="#id_due_up_to_0"' in again.content.decode()

    remittances_build(tenant=body, payment_run_id=run.pk)
    with tenant_context(body):
        remittance = Remittance.objects.get()
    detail = _text(client.get(_url("payment-run", body, paymentrun_id=run.pk)))
    assert "being prepared" not in detail
    assert _url("remittance-csv", body, remittance_id=remittance.pk) in detail
    csv_response = client.get(_url("remittance-csv", body, remittance_id=remittance.pk))
    assert csv_response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode())))
    assert rows[-1][6:] == ["Total", "", f"{may / 100:.2f}"]
    pdf_response = client.get(_url("remittance-pdf", body, remittance_id=remittance.pk))
    assert pdf_response["Content-Type"] == "application/pdf"
    assert "Ash Academy" in pdf_text(pdf_response.content)
    assert_tagged_pdf(pdf_response.content, title_contains="Remittance advice – Ash Academy")
    with tenant_context(body):
        downloads = AuditEvent.objects.filter(verb="remittance.downloaded", object_id=str(remittance.pk)).count()
    assert downloads == 2


def test_a_payment_run_shows_its_schools_a_page_at_a_time(officer, pool, monkeypatch) -> None:
    monkeypatch.setattr("pooling.views.payments.LINES_PER_PAGE", 2)
    body = officer.responsible_body
    fund(officer, pool, 50_000_00)
    for n, name in enumerate(["Cedar Academy", "Ash Academy", "Beech Academy"], start=1):
        award(officer, pool, 365_00 * n, school=own_academy(body, name=name), source_id=f"A-{n}")
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 4, 30), pay_on=date(2026, 5, 1)
    )
    client = _client(officer.user)
    url = _url("payment-run", body, paymentrun_id=run.pk)

    def schools(page: str) -> list[str]:
        return re.findall(r'<td class="govuk-table__cell">([A-Z][a-z]+ Academy)<br>', page)

    first = _text(client.get(url))
    assert schools(first) == ["Ash Academy", "Beech Academy"]
    assert "3 schools paid" in first
    assert "Award A-2, due 1 Apr 2026: £60.00" in first
    assert "A-1," not in first
    second = _text(client.get(url, {"page": "2"}))
    assert schools(second) == ["Cedar Academy"]
    assert "Award A-1, due 1 Apr 2026: £30.00" in second
    assert "Remittance advice is being prepared" in second  # for the whole run, on every page
    assert schools(_text(client.get(url, {"page": "abc"}))) == ["Ash Academy", "Beech Academy"]
    assert schools(_text(client.get(url, {"page": "7"}))) == ["Cedar Academy"]

    remittances_build(tenant=body, payment_run_id=run.pk)
    first = _text(client.get(url))
    assert "being prepared" not in first
    assert first.count("PDF<span") == 2
    assert _text(client.get(url, {"page": "2"})).count("PDF<span") == 1


def test_a_tampered_remittance_file_is_not_served(officer, pool, funded) -> None:
    body = officer.responsible_body
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 4, 30), pay_on=date(2026, 5, 1)
    )
    (remittance,) = remittances_build(tenant=body, payment_run_id=run.pk)
    storage = remittance.csv_file.storage
    storage.delete(remittance.csv_file.name)
    storage.save(remittance.csv_file.name, ContentFile(b"Ash Academy,1000000.00\n"))
    response = _client(officer.user).get(_url("remittance-csv", body, remittance_id=remittance.pk))
    assert response.status_code == 403


def test_readers_see_runs_and_download_but_cannot_pay(officer, pool, funded) -> None:
    body = officer.responsible_body
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 4, 30), pay_on=date(2026, 5, 1)
    )
    (remittance,) = remittances_build(tenant=body, payment_run_id=run.pk)
    trustee = _client(member(Role.TRUSTEE, body).user)
    page = _text(trustee.get(_url("payment-runs", body, pool_id=pool.pk)))
    assert f"Run {run.pk}" in page
    assert "New payment run" not in page
    assert trustee.get(_url("payment-run-new", body, pool_id=pool.pk)).status_code == 404
    assert trustee.get(_url("pool-close", body, pool_id=pool.pk)).status_code == 404
    assert trustee.get(_url("remittance-csv", body, remittance_id=remittance.pk)).status_code == 200
    head = _client(member(Role.HEAD, body).user)
    assert head.get(_url("payment-run", body, paymentrun_id=run.pk)).status_code == 404
    assert head.get(_url("remittance-csv", body, remittance_id=remittance.pk)).status_code == 404


def test_a_finance_officer_without_mfa_is_sent_to_set_it_up(pool) -> None:
    body = pool.responsible_body
    no_mfa = member(Role.FINANCE_OFFICER, body)
    response = _client(no_mfa.user).get(_url("payment-run-new", body, pool_id=pool.pk))
    assert response.status_code == 302
    assert reverse("mfa_activate_totp") in response["Location"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"pay_on": "2026-06-01", "expected_total_pence": "1"},
            "due_up_to",
            "Enter the date instalments are due up to",
        ),
        (
            {"due_up_to": "31/13/2026", "pay_on": "2026-06-01", "expected_total_pence": "1"},
            "due_up_to",
            "The date instalments are due up to must be a real date",
        ),
        (
            {"due_up_to": "2026-05-31", "pay_on_day": "1", "pay_on_month": "6", "expected_total_pence": "1"},
            "pay_on",
            "The payment date must include a year",
        ),
        ({"due_up_to": "2026-05-31", "pay_on": "soon", "expected_total_pence": "1"}, "pay_on", "must be a real date"),
        ({"due_up_to": "2027-05-31", "pay_on": "2027-06-01", "expected_total_pence": "1"}, "due_up_to", "next period"),
        ({"due_up_to": "2026-05-31", "pay_on": "2025-06-01", "expected_total_pence": "1"}, "pay_on", "period starts"),
        ({"due_up_to": "2026-05-31", "pay_on": "2026-06-01", "expected_total_pence": "1"}, "due_up_to", "changed"),
    ],
)
def test_payment_run_form_shows_bad_input_on_its_field(officer, pool, funded, data, field, message) -> None:
    body = officer.responsible_body
    response = _client(officer.user).post(_url("payment-run-new", body, pool_id=pool.pk), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'href="#id_{field}_0"' in page  # a date's error links to its day box
    assert message in _text(response)
    with tenant_context(body):
        assert PaymentRun.objects.count() == 0


def test_preview_with_bad_dates_shows_the_error(officer, pool, funded) -> None:
    response = _client(officer.user).get(
        _url("payment-run-new", officer.responsible_body, pool_id=pool.pk),
        {"due_up_to": "2027-04-30", "pay_on": "2027-05-01"},
    )
    assert "There is a problem" in response.content.decode()
    assert "Confirm payment run" not in response.content.decode()


def test_payment_run_list_shows_each_runs_schools_dates_total_and_who_confirmed_it(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 50_000_00)
    for i in range(3):
        award(officer, pool, 1_200_00, source_id=f"A-{i}", starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30))
    april = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 4, 30), pay_on=date(2026, 5, 4)
    )
    award(officer, pool, 600_00, source_id="B-1", starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 31))
    may = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 5, 31), pay_on=date(2026, 6, 1)
    )
    page = _client(officer.user).get(_url("payment-runs", body, pool_id=pool.pk)).content.decode()
    rows = re.findall(r'<tr class="govuk-table__row">\s*(<td.*?)\s*</tr>', page, re.S)
    confirmed = [timezone.localtime(run.confirmed_at) for run in (may, april)]
    assert [re.sub(r"\s*\n\s*", "", row) for row in rows] == [
        f'<td class="govuk-table__cell"><a class="govuk-link" href="{_url("payment-run", body, paymentrun_id=run.pk)}">'
        f'Run {run.pk}</a></td><td class="govuk-table__cell">{pay_on}</td><td class="govuk-table__cell">{due}</td>'
        f'<td class="govuk-table__cell govuk-table__cell--numeric">{schools}</td>'
        f'<td class="govuk-table__cell govuk-table__cell--numeric">{format_pence(run.total_pence)}</td>'
        f'<td class="govuk-table__cell">{officer.user.email}<br><span class="govuk-hint govuk-!-margin-0">'
        f"{date_format(at, 'j M Y H:i')}</span></td>"
        for run, pay_on, due, schools, at in (
            (may, "1 Jun 2026", "31 May 2026", 1, confirmed[0]),
            (april, "4 May 2026", "30 Apr 2026", 3, confirmed[1]),
        )
    ]
    assert "2 payment runs</caption>" in page


def test_payment_run_list_writes_its_dates_as_the_date_filter_does_in_the_active_language(officer, pool) -> None:
    """Months are Django's, translated as the template filter's are (strftime's "%b" is the
    C locale's, English whatever the language)."""
    body = officer.responsible_body
    fund(officer, pool, 50_000_00)
    award(officer, pool, 1_200_00, source_id="A-1", starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30))
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 4, 30), pay_on=date(2026, 5, 4)
    )
    with translation.override("fr"):
        expected = [
            date_format(date(2026, 5, 4), "j M Y"),
            date_format(date(2026, 4, 30), "j M Y"),
            date_format(timezone.localtime(run.confirmed_at), "j M Y H:i"),
        ]
        page = _client(officer.user).get(_url("payment-runs", body, pool_id=pool.pk)).content.decode()
    assert expected[:2] == ["4 Mai 2026", "30 Avr 2026"]
    for text in expected[:2]:
        assert f'<td class="govuk-table__cell">{text}</td>' in page
    assert f'<span class="govuk-hint govuk-!-margin-0">{expected[2]}</span>' in page


def test_payment_run_list_and_detail_query_counts_do_not_grow(officer, pool, django_assert_max_num_queries) -> None:
    body = officer.responsible_body
    fund(officer, pool, 50_000_00)
    client = _client(officer.user)

    def runs(n: int, month: date) -> PaymentRun:
        end = date(month.year, month.month, 28)
        for i in range(n):
            award(officer, pool, 100_00, source_id=f"{month}-{i}", starts_on=month, ends_on=end)
        run = payment_run_confirm(actor=officer.user, tenant=body, pool=pool, due_up_to=end, pay_on=end)
        remittances_build(tenant=body, payment_run_id=run.pk)
        return run

    one = runs(1, date(2026, 4, 1))
    with django_assert_max_num_queries(15) as small_list:
        client.get(_url("payment-runs", body, pool_id=pool.pk))
    with django_assert_max_num_queries(11) as small_detail:  # 13 before its three counts were one query
        client.get(_url("payment-run", body, paymentrun_id=one.pk))
    ten = runs(10, date(2026, 5, 1))
    for month in [*range(6, 13), 1]:
        runs(1, date(2026 if month > 3 else 2027, month, 1))
    with tenant_context(body):
        assert PaymentRun.objects.count() == 10
    with django_assert_max_num_queries(len(small_list.captured_queries)):
        client.get(_url("payment-runs", body, pool_id=pool.pk))
    with django_assert_max_num_queries(len(small_detail.captured_queries)):
        response = client.get(_url("payment-run", body, paymentrun_id=ten.pk))
    assert _text(response).count("PDF<span") == 10


def test_close_page_shows_what_carries_and_closes(officer, pool, funded) -> None:
    body = officer.responsible_body
    client = _client(officer.user)
    blocked = _text(client.get(_url("pool-close", body, pool_id=pool.pk)))
    assert "cannot be closed yet" in blocked
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2027, 3, 31), pay_on=date(2027, 3, 31)
    )
    assert "cannot be closed yet" in _text(client.get(_url("pool-close", body, pool_id=pool.pk)))  # not paid yet
    pay_run(officer.user, body, run)
    page = _text(client.get(_url("pool-close", body, pool_id=pool.pk)))
    assert "£48,800.00" in page  # 50,000.00 received less 1,200.00 paid
    assert 'value="2027-28"' in page
    bad = client.post(_url("pool-close", body, pool_id=pool.pk), {"next_label": "2027"})
    assert "Enter a funding period like 2027-28" in _text(bad)
    wrong = client.post(_url("pool-close", body, pool_id=pool.pk), {"next_label": "2029-30"})
    assert "The next period after 2026-27 starts on 1 April 2027" in _text(wrong)
    assert 'href="#id_next_label"' in wrong.content.decode()
    with tenant_context(body):
        assert Pool.objects.get(pk=pool.pk).status == "open"
        assert not Pool.objects.filter(label="2029-30").exists()
    done = client.post(_url("pool-close", body, pool_id=pool.pk), {"next_label": "2027-28"})
    assert done.status_code == 302
    with tenant_context(body):
        assert Pool.objects.get(pk=pool.pk).status == "closed"
    runs = _text(client.get(done["Location"]))
    assert "is closed and its balances are carried forward to 2027-28" in runs
    assert "New payment run" not in runs


def test_reopen_page_is_for_body_admins_and_needs_a_reason(officer, pool) -> None:
    body = officer.responsible_body
    pool_close(actor=officer.user, tenant=body, pool=pool, next_label="2027-28")
    assert _client(officer.user).get(_url("pool-reopen", body, pool_id=pool.pk)).status_code == 404
    admin = _client(member(Role.BODY_ADMIN, body, mfa=True).user)
    assert "Reopen the period" in _text(admin.get(_url("payment-runs", body, pool_id=pool.pk)))
    empty = admin.post(_url("pool-reopen", body, pool_id=pool.pk), {"reason": "   "})
    assert "There is a problem" in _text(empty)
    assert 'href="#id_reason"' in empty.content.decode()
    too_long = admin.post(_url("pool-reopen", body, pool_id=pool.pk), {"reason": "x" * 501})
    assert "There is a problem" in _text(too_long)
    with tenant_context(body):
        assert Pool.objects.get(pk=pool.pk).status == "closed"
    done = admin.post(_url("pool-reopen", body, pool_id=pool.pk), {"reason": "Auditor's correction"})
    assert done.status_code == 302
    with tenant_context(body):
        reopened = Pool.objects.get(pk=pool.pk)
    assert (reopened.status, reopened.reopen_reason) == ("open", "Auditor's correction")


def test_account_codes_pages(officer, pool, django_assert_max_num_queries) -> None:
    body = officer.responsible_body
    client = _client(officer.user)
    with django_assert_max_num_queries(15):
        listing = _text(client.get(_url("account-codes", body, pool_id=pool.pk)))
    assert "Payable to schools" in listing
    with tenant_context(body):
        account = Account.objects.get(pool=pool, kind="payments_made")
    assert _url("account-code-edit", body, account_id=account.pk) in listing
    edit = _url("account-code-edit", body, account_id=account.pk)
    bad = client.post(edit, {"nominal_code": "=2+5", "cost_centre": "", "cfr_code": "x" * 11})
    page = bad.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_cfr_code"' in page
    bad = client.post(edit, {"nominal_code": "=2+5", "cost_centre": "", "cfr_code": ""})
    assert 'href="#id_nominal_code"' in bad.content.decode()
    with tenant_context(body):
        account.refresh_from_db()
        assert account.nominal_code == ""
    saved = client.post(edit, {"nominal_code": "4100", "cost_centre": "CC-7", "cfr_code": "E27"})
    assert saved.status_code == 302
    with tenant_context(body):
        account.refresh_from_db()
    assert (account.nominal_code, account.cost_centre, account.cfr_code) == ("4100", "CC-7", "E27")
    trustee = _client(member(Role.TRUSTEE, body).user)
    assert "Change" not in _text(trustee.get(_url("account-codes", body, pool_id=pool.pk)))
    assert trustee.get(edit).status_code == 404


def test_journal_page_renders_its_form(officer, pool) -> None:
    page = _text(_client(officer.user).get(_url("journal-export", officer.responsible_body)))
    assert "Journal export" in page
    assert "Download CSV" in page
    assert "2026-27" in page
