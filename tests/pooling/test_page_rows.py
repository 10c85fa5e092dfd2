"""The rows of the allocations, payment run and ledger tables (issue 22): the pages read their
rows as the columns they show (not whole school, payee and leg instances) and format the cells
once in the view. Each kind of row still shows what it showed, and no page reads a column it
left out (Django would load it with a query per row)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.safestring import SafeString
from rest_framework.test import APIClient

from accounts.models import Role
from core.money import format_pence
from core.tenancy import tenant_context
from pooling.models import ImfAllocation, ImfAllocationImport, PaymentRunLine, Transaction
from pooling.selectors.ledger_browse import LegRow
from pooling.services.payment_returns import payment_run_line_return
from pooling.services.payment_runs import payment_run_record_paid, payment_run_send
from pooling.services.payments import payment_run_confirm, remittances_build
from pooling.views.ledger import _leg_cells
from tests.factories import SchoolFactory, member, own_academy
from tests.pooling.conftest import fund
from tests.pooling.contributions_support import allocate
from tests.pooling.payments_support import award, refuse_deferred_loads

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, body: Any, **kwargs: Any) -> str:
    return reverse(f"pooling:{name}", kwargs={"body_slug": body.slug, **kwargs})


def test_allocation_rows_show_school_source_amount_and_change_link_by_name_then_urn(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    later, earlier = SchoolFactory(name="Same Name", urn=200002), SchoolFactory(name="Same Name", urn=100001)
    imported = SchoolFactory(name="Alder & Ash")
    for school, pence in ((later, 1_00), (earlier, 2_00), (imported, 1_234_56)):
        allocate(user, body, school, pence)
    with tenant_context(body):
        source = ImfAllocationImport.objects.create(
            responsible_body=body,
            period_label="2026-27",
            file_name="imf <2026>.csv",
            file_sha256="0" * 64,
            urn_column="URN",
            amount_column="Total",
            imported_by_label=user.email,
        )
        ImfAllocation.objects.filter(school=imported).update(source_import=source)
    change = _url("allocation-set", body, pool_id=pool.pk)
    page = _client(user).get(_url("allocations", body, pool_id=pool.pk)).content.decode()
    listed = page.split("Recent imports")[0]
    rows = re.findall(r'<tr class="govuk-table__row">\s*(<td.*?)\s*</tr>', listed, re.S)
    assert [re.sub(r"\s*\n\s*", "", row) for row in rows] == [
        f'<td class="govuk-table__cell">{name}<br><span class="govuk-hint govuk-!-margin-0">URN {urn}</span></td>'
        f'<td class="govuk-table__cell">No</td><td class="govuk-table__cell">{source_cell}</td>'
        f'<td class="govuk-table__cell govuk-table__cell--numeric">{amount}</td>'
        f'<td class="govuk-table__cell"><a class="govuk-link" href="{change}?urn={urn}">Change<span '
        f'class="govuk-visually-hidden"> the allocation of {name}</span></a></td>'
        for name, urn, source_cell, amount in (
            ("Alder &amp; Ash", imported.urn, "imf &lt;2026&gt;.csv", "£1,234.56"),
            ("Same Name", 100001, f"Entered by {user.email}", "£2.00"),
            ("Same Name", 200002, f"Entered by {user.email}", "£1.00"),
        )
    ]
    caption = r'<caption class="govuk-table__caption govuk-table__caption--m">([^<]*)</caption>'
    assert re.findall(caption, page) == ["3 schools"]  # counted with the totals, unfiltered
    searched = _client(user).get(_url("allocations", body, pool_id=pool.pk), {"q": "same"}).content.decode()
    assert re.findall(caption, searched) == ["2 schools"]
    assert "3 allocations, £1,237.56 in all." in re.sub(r"\s+", " ", searched)
    trustee = _client(member(Role.TRUSTEE, body).user).get(_url("allocations", body, pool_id=pool.pk))
    assert "Change" not in trustee.content.decode()
    assert "£1,234.56" in trustee.content.decode()


@pytest.mark.date_sensitive(today=date(2026, 12, 7))  # the run is paid and a line returned on that day
def test_payment_run_rows_show_returned_and_payable_lines_and_read_no_column_per_row(
    officer, pool, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"
    body = officer.responsible_body
    fund(officer, pool, 50_000_00)
    award(officer, pool, 1_200_00, school=own_academy(body, name="Ash Academy"), source_id="A-1")
    award(officer, pool, 2_400_00, school=own_academy(body, name="Birch Academy"), source_id="B-1")
    run = payment_run_confirm(
        actor=officer.user, tenant=body, pool=pool, due_up_to=date(2026, 11, 30), pay_on=date(2027, 1, 4)
    )
    remittances_build(tenant=body, payment_run_id=run.pk)
    payment_run_send(actor=officer.user, tenant=body, payment_run_id=run.pk)
    payment_run_record_paid(actor=officer.user, tenant=body, payment_run_id=run.pk, paid_on=date(2026, 12, 7))
    with tenant_context(body):
        ash, birch = PaymentRunLine.objects.filter(payment_run=run).select_related("remittance").order_by("pk")
    payment_run_line_return(
        actor=officer.user, tenant=body, payment_run_id=run.pk, line_id=ash.pk, returned_on=date(2026, 12, 7),
        reason="Account closed",
    )  # fmt: skip
    refuse_deferred_loads(monkeypatch)
    page = _client(officer.user).get(_url("payment-run", body, paymentrun_id=run.pk)).content.decode()
    assert (
        f'Ash Academy<br><span class="govuk-hint govuk-!-margin-0">URN {ash.school.urn}</span><br><strong '
        'class="govuk-tag govuk-tag--red">Returned</strong> <span class="govuk-body-s">by the bank on 7 December '
        "2026: Account closed</span></td>"
    ) in page
    returned_url = _url("payment-line-returned", body, paymentrun_id=run.pk, paymentrunline_id=birch.pk)
    assert (
        f'<a class="govuk-link govuk-body-s" href="{returned_url}">Record a returned payment<span '
        'class="govuk-visually-hidden"> to Birch Academy</span></a>'
    ) in page
    paid_for = re.findall(r"<li>(Award B-1[^<]*)</li>", page)
    assert paid_for[0] == "Award B-1, due 1 Apr 2026: £197.26"
    assert [text.split(", due ")[1].split(":")[0] for text in paid_for] == [
        "1 Apr 2026", "1 May 2026", "1 Jun 2026", "1 Jul 2026", "1 Aug 2026", "1 Sep 2026", "1 Oct 2026",
        "1 Nov 2026",
    ]  # fmt: skip
    csv_url = _url("remittance-csv", body, remittance_id=birch.remittance.pk)
    pdf_url = _url("remittance-pdf", body, remittance_id=birch.remittance.pk)
    assert f'<a class="govuk-link" href="{csv_url}">CSV<span class="govuk-visually-hidden"> for Birch Academy' in page
    assert f'<a class="govuk-link" href="{pdf_url}">PDF<span class="govuk-visually-hidden"> for Birch Academy' in page
    assert f'<td class="govuk-table__cell govuk-table__cell--numeric">{format_pence(birch.amount_pence)}</td>' in page
    assert "Remittance advice is being prepared" not in page  # every line's advice is built
    api = APIClient()
    api.force_authenticate(officer.user)
    detail = api.get(f"/api/v1/bodies/{body.slug}/pools/payment-runs/{run.pk}/").json()
    assert [(line["school_name"], line["remittance_ready"]) for line in detail["lines"]] == [
        ("Ash Academy", True),
        ("Birch Academy", True),
    ]


def test_the_ledger_and_a_transactions_page_show_its_legs_alike(officer, pool) -> None:
    body = officer.responsible_body
    fund(officer, pool, 1_234_56)
    client = _client(officer.user)
    ledger = client.get(_url("ledger", body, pool_id=pool.pk)).content.decode()
    with tenant_context(body):
        txn = Transaction.objects.filter(pool=pool).latest("pk")
    one = client.get(_url("transaction", body, transaction_id=txn.pk)).content.decode()

    def legs(page: str) -> str:
        return re.search(r'<table class="govuk-table govuk-!-margin-bottom-0 app-legs">.*?</table>', page, re.S)[0]

    assert legs(ledger) == legs(one)
    assert "£1,234.56" in legs(ledger)


def test_a_leg_names_another_pool_its_school_and_its_side_escaped_once_a_page() -> None:
    schools: dict[str, SafeString] = {}
    other_pool = _leg_cells(LegRow(1, "pool_bank", 2, "2025-26", 7, "Ash & Birch", 5), 1, schools)
    assert other_pool == {
        "account": "Pool bank (received) (pool 2025-26)",
        "school": "Ash &amp; Birch",
        "debit": "£0.05",
        "credit": "",
    }
    assert _leg_cells(LegRow(1, "pool_bank", 1, "2026-27", None, None, -123_456_78), 1, schools) == {
        "account": "Pool bank (received)",
        "school": "–",
        "debit": "",
        "credit": "£123,456.78",
    }
    again = _leg_cells(LegRow(2, "contributions_receivable", 1, "2026-27", 7, "Ash & Birch", -5), 1, schools)
    assert again["school"] is other_pool["school"]
    assert schools == {"Ash & Birch": "Ash &amp; Birch"}
