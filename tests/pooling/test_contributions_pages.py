"""The allocation, import, contribution and receipt pages: journeys, bad input keeping what
was typed, who sees what, and query budgets."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from core.tenancy import tenant_context
from pooling.models import Contribution, ImfAllocation, ImfAllocationImport, Receipt, Transaction
from pooling.services.contributions import contributions_calculate
from pooling.services.ledger import transaction_reverse
from pooling.services.receipts import receipt_record
from tests.factories import SchoolFactory, member
from tests.pooling.contributions_support import allocate, balances, csv_bytes, dfe_sample, join, register

pytestmark = pytest.mark.django_db

TOTAL = "Total allocation for the Deprivation Pupil Premium"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, body: Any, **kwargs: Any) -> str:
    return reverse(f"pooling:{name}", kwargs={"body_slug": body.slug, **kwargs})


def _text(response: Any) -> str:
    return response.content.decode()


def _allocations(body: Any) -> dict[int, int]:
    with tenant_context(body):
        return dict(ImfAllocation.objects.values_list("school__urn", "amount_pence"))


# --- Allocations by hand ---------------------------------------------------------------------


def test_allocation_added_and_changed_by_hand_keeping_what_was_typed_on_errors(officer, pool) -> None:
    body = officer.responsible_body
    school = SchoolFactory(name="Hand Entered Primary")
    client = _client(officer.user)
    url = _url("allocation-set", body, pool_id=pool.pk)
    assert "Add an IMF allocation" in _text(client.get(url))

    bad = client.post(url, {"urn": str(school.urn), "amount": "14000.505"})
    assert bad.status_code == 200
    page = _text(bad)
    assert "There is a problem" in page
    assert "Enter an amount with no more than 2 decimal places (pence)." in page
    assert 'value="14000.505"' in page
    assert f'value="{school.urn}"' in page

    unknown = _text(client.post(url, {"urn": "999999", "amount": "14000"}))
    assert "URN 999999 is not in the school register." in unknown
    assert 'value="14000"' in unknown
    assert "Enter the URN as a whole number" in _text(client.post(url, {"urn": "12ab", "amount": "1"}))
    empty = _text(client.post(url, {"urn": "", "amount": ""}))
    assert "Enter the school&#x27;s URN." in empty
    assert "Enter the allocation in pounds." in empty
    assert "Enter an amount of 0 or more." in _text(client.post(url, {"urn": str(school.urn), "amount": "-5"}))
    assert _allocations(body) == {}

    done = client.post(url, {"urn": str(school.urn), "amount": "£14,000"})
    assert done.status_code == 302
    assert done["Location"] == _url("allocations", body, pool_id=pool.pk)
    assert _allocations(body) == {school.urn: 1_400_000}
    listing = _text(client.get(done["Location"]))
    assert "Hand Entered Primary" in listing
    assert "£14,000.00" in listing
    assert "is £14,000.00" in listing  # the success message

    change = _text(client.get(url, {"urn": school.urn}))
    assert "Change Hand Entered Primary's allocation" in change
    assert 'value="14,000.00"' in change
    assert client.post(url, {"urn": str(school.urn), "amount": "14000.5"}).status_code == 302
    assert _allocations(body) == {school.urn: 1_400_050}


def test_allocations_page_lists_filters_and_shows_membership(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    member_school = join(user, body, name="Member Academy").school
    allocate(user, body, member_school, 1_400_000)
    allocate(user, body, SchoolFactory(name="Outsider Primary"), 900_000)
    client = _client(user)
    page = _text(client.get(_url("allocations", body, pool_id=pool.pk)))
    assert "2 allocations, £23,000.00 in all." in page
    rows = re.findall(
        r"<tr class=\"govuk-table__row\">\s*<td class=\"govuk-table__cell\">([^<]+)<br>.*?"
        r"<td class=\"govuk-table__cell\">(Yes|No)</td>",
        page,
        re.S,
    )
    assert rows == [("Member Academy", "Yes"), ("Outsider Primary", "No")]
    filtered = _text(client.get(_url("allocations", body, pool_id=pool.pk), {"q": "outsider"}))
    assert "Outsider Primary" in filtered
    assert "Member Academy" not in filtered
    assert "Import a DfE allocation file" in page


def test_read_only_roles_see_allocations_and_contributions_without_the_actions(officer, pool) -> None:
    body = officer.responsible_body
    trustee = member(Role.TRUSTEE, body)
    client = _client(trustee.user)
    allocations = _text(client.get(_url("allocations", body, pool_id=pool.pk)))
    assert "IMF allocations" in allocations
    assert "Import a DfE allocation file" not in allocations
    contributions = _text(client.get(_url("contributions", body, pool_id=pool.pk)))
    assert "Recalculate contributions" not in contributions
    for name in ("allocation-set", "allocation-import", "contributions-recalculate"):
        assert client.post(_url(name, body, pool_id=pool.pk)).status_code == 404
    head = member(Role.HEAD, body)
    assert _client(head.user).get(_url("allocations", body, pool_id=pool.pk)).status_code == 404


def test_finance_officer_without_mfa_is_sent_to_set_it_up(officer, pool) -> None:
    body = officer.responsible_body
    no_mfa = member(Role.FINANCE_OFFICER, body)
    response = _client(no_mfa.user).post(_url("contributions-recalculate", body, pool_id=pool.pk))
    assert response.status_code == 302
    assert "/2fa/totp/activate/" in response["Location"]
    with tenant_context(body):
        assert not Contribution.objects.exists()


def test_allocations_page_query_count_does_not_grow_with_rows(officer, pool, django_assert_max_num_queries) -> None:
    body, user = officer.responsible_body, officer.user
    client = _client(user)
    url = _url("allocations", body, pool_id=pool.pk)
    allocate(user, body, SchoolFactory(), 100)
    client.get(url)
    with django_assert_max_num_queries(11) as one:  # 12 before the totals' count served the list's pages too
        assert client.get(url).status_code == 200
    first = len(one)  # read now: a later request clears the query log
    for _ in range(9):
        allocate(user, body, SchoolFactory(), 100)
    with django_assert_max_num_queries(first):
        assert "10 allocations" in _text(client.get(url))


# --- The import journey ------------------------------------------------------------------------


def test_import_journey_upload_choose_columns_preview_confirm(officer, pool) -> None:
    body = officer.responsible_body
    header, rows = dfe_sample(12)
    register([int(r[0]) for r in rows])
    client = _client(officer.user)
    upload_url = _url("allocation-import", body, pool_id=pool.pk)
    assert "Import an allocation file" in _text(client.get(upload_url))

    bad = client.post(upload_url, {"file": SimpleUploadedFile("allocations.pdf", b"%PDF-1.4\n%%EOF\n")})
    assert "The selected file must be a CSV or an Excel (XLSX) file." in _text(bad)
    assert "Choose the allocation file to upload." in _text(client.post(upload_url, {}))

    uploaded = client.post(
        upload_url, {"file": SimpleUploadedFile("pupil-premium-2019-2020.csv", csv_bytes(header, rows))}
    )
    assert uploaded.status_code == 302
    columns_url = _url("allocation-import-columns", body, pool_id=pool.pk)
    assert uploaded["Location"] == columns_url
    page = _text(client.get(columns_url))
    assert "pupil-premium-2019-2020.csv has 19 columns and 12 rows under its header." in page
    for h in header:
        assert f'<option value="{h}"' in page
    assert '<option value="URN" selected>' in page
    assert f'<option value="{TOTAL}" selected>' in page
    assert "Sir John Cass&#x27;s Foundation Primary School" in page  # the first row, to help choose

    same = _text(client.post(columns_url, {"urn_column": "URN", "amount_column": "URN"}))
    assert "The URN and the amount must be different columns." in same
    missing = _text(client.post(columns_url, {"urn_column": "URN"}))
    assert "Choose the column with the allocation amounts." in missing
    assert "Select a valid choice" in _text(client.post(columns_url, {"urn_column": "URN", "amount_column": "Nope"}))

    chosen = client.post(columns_url, {"urn_column": "URN", "amount_column": TOTAL})
    preview_url = _url("allocation-import-preview", body, pool_id=pool.pk)
    assert chosen["Location"] == preview_url
    preview = _text(client.get(preview_url))
    assert "12: 12 new, 0 changed, 0 unchanged" in preview
    total = sum(int(r[header.index(TOTAL)]) for r in rows)
    assert f"£{total:,}.00" in preview
    assert "The first 10 of 12 schools" in preview
    assert "Import 12 allocations" in preview
    assert _allocations(body) == {}

    done = client.post(preview_url)
    assert done.status_code == 302
    assert done["Location"] == _url("allocations", body, pool_id=pool.pk)
    assert _allocations(body) == {int(r[0]): int(r[header.index(TOTAL)]) * 100 for r in rows}
    listing = _text(client.get(done["Location"]))
    assert "12 allocations for 2026-27 imported from pupil-premium-2019-2020.csv" in listing
    assert "Recent imports" in listing
    # The journey is over: its file is gone and a repeated confirm imports nothing.
    again = client.post(preview_url)
    assert again["Location"] == upload_url
    with tenant_context(body):
        assert ImfAllocationImport.objects.count() == 1


def test_import_preview_lists_every_problem_by_line_and_offers_no_import(officer, pool) -> None:
    body = officer.responsible_body
    good = SchoolFactory()
    data = csv_bytes(
        ["URN", "IMF allocation"],
        [[str(good.urn), "14000"], ["999999", "1"], [str(good.urn), "2"], ["", "3"], ["123456789", "-4"]],
    )
    client = _client(officer.user)
    client.post(_url("allocation-import", body, pool_id=pool.pk), {"file": SimpleUploadedFile("a.csv", data)})
    client.post(
        _url("allocation-import-columns", body, pool_id=pool.pk),
        {"urn_column": "URN", "amount_column": "IMF allocation"},
    )
    preview_url = _url("allocation-import-preview", body, pool_id=pool.pk)
    page = _text(client.get(preview_url))
    problems = re.findall(
        r"<td class=\"govuk-table__cell\">(Line \d+)</td><td class=\"govuk-table__cell\">([^<]*)</td>"
        r"<td class=\"govuk-table__cell\">([^<]+)</td>",
        page,
    )
    # Line 6's URN is checked against the register only once its amount is good.
    assert problems == [
        ("Line 3", "URN", "URN 999999 is not in the school register."),
        ("Line 4", "URN", f"URN {good.urn} appears again (first on line 2)."),
        ("Line 5", "URN", "The URN is empty."),
        ("Line 6", "IMF allocation", "“-4” is negative: an allocation is 0 or more."),
    ]
    assert "nothing can be imported" in page
    assert "Import 1 allocation" not in page
    assert "Upload a corrected file" in page
    forced = client.post(preview_url)
    assert "nothing was imported" in _text(forced)
    assert _allocations(body) == {}


def test_import_steps_without_an_upload_go_back_to_the_start(officer, pool) -> None:
    body = officer.responsible_body
    client = _client(officer.user)
    upload_url = _url("allocation-import", body, pool_id=pool.pk)
    for name in ("allocation-import-columns", "allocation-import-preview"):
        assert client.get(_url(name, body, pool_id=pool.pk))["Location"] == upload_url


# --- Contributions and receipts ------------------------------------------------------------------


@pytest.fixture
def members(officer, pool) -> list[Any]:
    body, user = officer.responsible_body, officer.user
    ash = join(user, body, name="Ash Academy")
    beech = join(user, body, name="Beech Academy", start=date(2026, 9, 1))
    join(user, body, name="Cedar Academy")  # no allocation yet
    allocate(user, body, ash.school, 1_400_000)
    allocate(user, body, beech.school, 1_400_000)
    return [ash, beech]


def test_contributions_page_recalculates_and_shows_expected_received_and_arrears(officer, pool, members) -> None:
    body = officer.responsible_body
    client = _client(officer.user)
    url = _url("contributions", body, pool_id=pool.pk)
    before = _text(client.get(url))
    assert "No contributions have been calculated for 2026-27 yet." in before
    assert "Not calculated yet: Ash Academy, Beech Academy." in before
    assert "Cedar Academy (URN" in before  # no allocation

    done = client.post(_url("contributions-recalculate", body, pool_id=pool.pk))
    assert done["Location"] == url
    page = _text(client.get(url))
    assert "Contributions recalculated: 2 changed." in page
    assert "Expected contributions moved by £2,213.15 and the reserve for urgent cases by £110.66." in page
    assert "£1,400.00" in page  # Ash: a full year
    assert "£813.15" in page  # Beech: 212 days
    assert "212 of 365" in page
    assert "£2,213.15" in page  # the total
    assert page.count("Record a receipt") == 2

    client.post(_url("contributions-recalculate", body, pool_id=pool.pk))
    assert "Contributions recalculated: nothing changed." in _text(client.get(url))
    assert balances(pool)["contributions_receivable"] == 221_315


def test_receipt_form_keeps_what_was_typed_refuses_too_much_and_records(officer, pool, members) -> None:
    body = officer.responsible_body
    contributions_calculate(actor=officer.user, tenant=body, pool=pool)
    with tenant_context(body):
        ash = Contribution.objects.get(arrangement=members[0])
    client = _client(officer.user)
    url = _url("receipt-new", body, contribution_id=ash.pk)
    form = _text(client.get(url))
    assert "£1,400.00 is outstanding" in form
    assert "Internal top-slice" in form  # an own academy may be top-sliced
    key = re.search(r'name="request_key" value="([0-9a-f]+)"', form)[1]

    bad = _text(client.post(url, {"amount": "abc", "received_on": "", "method": "transfer", "reference": "BACS 1"}))
    assert "There is a problem" in bad
    assert "Enter an amount in pounds using numbers only" in bad
    assert "Enter the date the money was received" in bad
    assert 'value="abc"' in bad
    assert 'value="BACS 1"' in bad
    too_much = _text(
        client.post(url, {"amount": "1400.01", "received_on": "2026-05-01", "method": "transfer", "request_key": key})
    )
    assert "Only £1,400.00 is outstanding from Ash Academy: enter no more than that." in too_much
    assert 'value="1400.01"' in too_much
    outside = _text(client.post(url, {"amount": "10", "received_on": "2025-01-01", "method": "transfer"}))
    assert "The date received must be between 1 March 2026 and 30 September 2027" in outside
    assert "Enter an amount received of more than £0.00." in _text(
        client.post(url, {"amount": "0", "received_on": "2026-05-01", "method": "transfer"})
    )

    values = {
        "amount": "1,000",
        "received_on_day": "1",
        "received_on_month": "5",
        "received_on_year": "2026",
        "method": "top_slice",
        "reference": "May",
        "request_key": key,
    }
    done = client.post(url, values)
    assert done["Location"] == _url("contributions", body, pool_id=pool.pk)
    assert client.post(url, values).status_code == 302  # a double-click records one receipt
    with tenant_context(body):
        assert list(Receipt.objects.values_list("amount_pence", "method", "reference")) == [
            (100_000, "top_slice", "May")
        ]
    page = _text(client.get(done["Location"]))
    assert "£1,000.00 received from Ash Academy on 1 May 2026 has been recorded." in page
    assert "£400.00" in page  # Ash's arrears
    detail = _text(client.get(_url("contribution", body, contribution_id=ash.pk)))
    assert "Internal top-slice" in detail
    assert "£400.00" in detail


def test_contracted_schools_can_only_pay_by_transfer(officer, pool) -> None:
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body, basis="contracted_trust", name="Contracted Academy")
    allocate(user, body, arrangement.school, 1_000_000)
    contributions_calculate(actor=user, tenant=body, pool=pool)
    with tenant_context(body):
        contribution = Contribution.objects.get(arrangement=arrangement)
    client = _client(user)
    url = _url("receipt-new", body, contribution_id=contribution.pk)
    assert "Internal top-slice" not in _text(client.get(url))
    refused = _text(client.post(url, {"amount": "1", "received_on": "2026-05-01", "method": "top_slice"}))
    assert "Select a valid choice" in refused


def test_contributions_page_query_count_does_not_grow_with_schools(
    officer, pool, django_assert_max_num_queries
) -> None:
    body, user = officer.responsible_body, officer.user
    client = _client(user)
    url = _url("contributions", body, pool_id=pool.pk)

    def grow(n: int) -> None:
        for _ in range(n):
            a = join(user, body)
            allocate(user, body, a.school, 1_000_000)
        contributions_calculate(actor=user, tenant=body, pool=pool)

    grow(1)
    client.get(url)
    with django_assert_max_num_queries(11) as one:  # 21 before the ledger's figures were read in one query
        assert client.get(url).status_code == 200
    first = len(one)  # read now: a later request clears the query log
    grow(9)
    with django_assert_max_num_queries(first):
        page = _text(client.get(url))
    assert "Total (10 schools)" in page
    assert "£1,000.00" in page


def test_contribution_detail_is_read_only_for_trustees(officer, pool, members) -> None:
    body = officer.responsible_body
    contributions_calculate(actor=officer.user, tenant=body, pool=pool)
    with tenant_context(body):
        ash = Contribution.objects.get(arrangement=members[0])
    trustee = _client(member(Role.TRUSTEE, body).user)
    page = _text(trustee.get(_url("contribution", body, contribution_id=ash.pk)))
    assert "Ash Academy" in page
    assert "10.00%" in page
    assert "365 of 365" in page
    assert "Record a receipt" not in page
    assert trustee.get(_url("receipt-new", body, contribution_id=ash.pk)).status_code == 404


# --- A page of contributions at a time ---------------------------------------------------------


def _paying(officer: Any, pool: Any, n: int) -> list[Any]:
    """``n`` members, School 000, School 001…, with allocations of £10,000.00, £10,001.00…
    (so contributions of £1,000.00, £1,000.10…), calculated."""
    body, user = officer.responsible_body, officer.user
    arrangements = []
    for i in range(n):
        arrangement = join(user, body, name=f"School {i:03d}")
        allocate(user, body, arrangement.school, 1_000_000 + 100 * i)
        arrangements.append(arrangement)
    contributions_calculate(actor=user, tenant=body, pool=pool)
    return arrangements


def _schools(page: str) -> list[str]:
    return re.findall(
        r'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="[^"]+">([^<]+)</a>', page
    )


def _totals(page: str) -> str:
    return re.search(r"<tfoot>.*?</tfoot>", page, re.S)[0]


def test_contributions_come_fifty_schools_a_page_with_the_totals_of_all(officer, pool) -> None:
    body = officer.responsible_body
    _paying(officer, pool, 53)
    client = _client(officer.user)
    url = _url("contributions", body, pool_id=pool.pk)

    first = _text(client.get(url))
    assert _schools(first) == [f"School {i:03d}" for i in range(50)]
    assert "Schools 1 to 50 of 53" in first
    assert first.count("Record a receipt") == 50
    assert 'href="?page=2" rel="next"' in first
    second = _text(client.get(url, {"page": "2"}))
    assert _schools(second) == ["School 050", "School 051", "School 052"]
    assert "Schools 51 to 53 of 53" in second
    assert second.count("Record a receipt") == 3
    assert 'href="?page=1" rel="prev"' in second

    # The totals are over all 53 schools on every page: 53 times £1,000.00, plus £0.10 times 0 + 1 + … + 52.
    assert _totals(first) == _totals(second)
    assert "Total (all 53 schools)" in _totals(first)
    assert re.findall(r"£[\d,.]+", _totals(first)) == ["£53,137.80", "£0.00", "£53,137.80"]


def test_rows_and_totals_are_what_the_ledger_holds_after_reversals(officer, pool, monkeypatch) -> None:
    monkeypatch.setattr("pooling.views.contributions.CONTRIBUTIONS_PER_PAGE", 2)
    body, user = officer.responsible_body, officer.user
    arrangements = _paying(officer, pool, 3)  # £1,000.00, £1,000.10, £1,000.20 expected
    with tenant_context(body):
        first, second, third = (Contribution.objects.get(arrangement=a) for a in arrangements)
    kept = receipt_record(
        actor=user,
        tenant=body,
        contribution_id=first.pk,
        amount_pence=40_000,
        received_on=date(2026, 5, 1),
        method="transfer",
    )
    wrong = receipt_record(
        actor=user,
        tenant=body,
        contribution_id=third.pk,
        amount_pence=25_000,
        received_on=date(2026, 5, 1),
        method="transfer",
    )
    with tenant_context(body):
        receipt_posting = Transaction.objects.get(source_type="receipt", source_id=str(wrong.pk))
        expected_posting = Transaction.objects.get(source_type="contribution", source_id=str(second.pk))
    transaction_reverse(actor=user, tenant=body, transaction_id=receipt_posting.pk, reason="Bounced")
    transaction_reverse(actor=user, tenant=body, transaction_id=expected_posting.pk, reason="Posted in error")
    del kept

    client = _client(user)
    url = _url("contributions", body, pool_id=pool.pk)
    page_one, page_two = _text(client.get(url)), _text(client.get(url, {"page": "2"}))

    def row(page: str, school: str) -> list[str]:
        return re.findall(r"£[\d,.]+", re.search(rf">{school}</a>.*?</tr>", page, re.S)[0])

    assert row(page_one, "School 000") == ["£10,000.00", "£1,000.00", "£400.00", "£600.00"]
    assert row(page_one, "School 001") == ["£10,001.00", "£0.00", "£0.00", "£0.00"]  # its posting reversed
    assert row(page_two, "School 002") == ["£10,002.00", "£1,000.20", "£0.00", "£1,000.20"]  # its receipt reversed
    assert _totals(page_one) == _totals(page_two)
    assert re.findall(r"£[\d,.]+", _totals(page_one)) == ["£2,000.20", "£400.00", "£1,600.20"]
    # The pool dashboard's headline figures are the same ledger figures, not the stored amounts.
    dashboard = _text(client.get(_url("dashboard", body)))
    assert "expected to contribute £2,000.20 in all: £400.00 has been received and £1,600.20 is outstanding" in (
        dashboard
    )


def test_a_page_number_that_is_not_one_gives_the_first_or_last_page(officer, pool, monkeypatch) -> None:
    monkeypatch.setattr("pooling.views.contributions.CONTRIBUTIONS_PER_PAGE", 2)
    body = officer.responsible_body
    _paying(officer, pool, 5)
    client = _client(officer.user)
    url = _url("contributions", body, pool_id=pool.pk)
    first = _text(client.get(url))
    assert _schools(first) == ["School 000", "School 001"]
    assert _schools(_text(client.get(url, {"page": "2"}))) == ["School 002", "School 003"]
    for page, schools in [
        ("abc", ["School 000", "School 001"]),
        ("0", ["School 000", "School 001"]),
        ("-3", ["School 000", "School 001"]),
        ("", ["School 000", "School 001"]),
        ("3", ["School 004"]),
        ("9999", ["School 004"]),
    ]:
        response = client.get(url, {"page": page})
        assert response.status_code == 200, page
        html = _text(response)
        assert _schools(html) == schools, page
        assert _totals(html) == _totals(first), page
    assert re.findall(r"£[\d,.]+", _totals(first)) == ["£5,001.00", "£0.00", "£5,001.00"]
    # Numbered pages, the current one marked.
    assert re.findall(r'aria-label="Page (\d)"( aria-current="page")?', first) == [
        ("1", ' aria-current="page"'),
        ("2", ""),
        ("3", ""),
    ]


def test_contributions_can_be_found_by_school_name_or_urn(officer, pool, monkeypatch) -> None:
    monkeypatch.setattr("pooling.views.contributions.CONTRIBUTIONS_PER_PAGE", 2)
    body = officer.responsible_body
    arrangements = _paying(officer, pool, 5)
    client = _client(officer.user)
    url = _url("contributions", body, pool_id=pool.pk)
    everyone = _totals(_text(client.get(url)))

    by_name = _text(client.get(url, {"q": "school 003"}))
    assert _schools(by_name) == ["School 003"]
    assert "1 school matching your search" in by_name
    assert _totals(by_name) == everyone  # the totals stay the whole pool's
    assert "Total (all 5 schools)" in everyone
    by_urn = _text(client.get(url, {"q": str(arrangements[4].school.urn)}))
    assert _schools(by_urn) == ["School 004"]
    nothing = _text(client.get(url, {"q": "Nowhere"}))
    assert _schools(nothing) == []
    assert "No school matches your search." in nothing
    assert 'value="Nowhere"' in nothing
    # Pages of a search keep it.
    several = _text(client.get(url, {"q": "School"}))
    assert _schools(several) == ["School 000", "School 001"]
    assert 'href="?q=School&amp;page=2" rel="next"' in several


def test_members_left_out_are_counted_and_the_first_named(officer, pool, monkeypatch) -> None:
    monkeypatch.setattr("pooling.views.contributions.MISSING_NAMED", 3)
    body, user = officer.responsible_body, officer.user
    members = [join(user, body, name=f"Waiting {i}") for i in range(5)]
    client = _client(user)
    url = _url("contributions", body, pool_id=pool.pk)
    page = _text(client.get(url))
    assert "5 schools in the grouping have no IMF allocation for 2026-27" in page
    assert re.findall(r"<li>(Waiting \d) \(URN", page) == ["Waiting 0", "Waiting 1", "Waiting 2"]
    assert page.count("add its allocation") == 3
    assert "And 2 more." in page
    assert _url("allocation-import", body, pool_id=pool.pk) in page

    for arrangement in members:
        allocate(user, body, arrangement.school, 1_000_000)
    page = _text(client.get(url))
    assert "no IMF allocation" not in page
    assert "Not calculated yet: Waiting 0, Waiting 1, Waiting 2 and 2 more. Recalculate contributions" in page
    contributions_calculate(actor=user, tenant=body, pool=pool)
    assert "Not calculated yet" not in _text(client.get(url))


def test_a_later_page_and_a_search_cost_what_the_first_page_costs(
    officer, pool, monkeypatch, django_assert_max_num_queries
) -> None:
    monkeypatch.setattr("pooling.views.contributions.CONTRIBUTIONS_PER_PAGE", 2)
    body = officer.responsible_body
    _paying(officer, pool, 5)
    join(officer.user, body, name="Unallocated Academy")
    client = _client(officer.user)
    url = _url("contributions", body, pool_id=pool.pk)
    client.get(url)
    with django_assert_max_num_queries(11) as one:  # 21 before the ledger's figures were read in one query
        assert client.get(url).status_code == 200
    first = len(one)
    for params in ({"page": "3"}, {"page": "2", "q": "School"}, {"page": "nope"}):
        with django_assert_max_num_queries(first):
            assert client.get(url, params).status_code == 200


@pytest.mark.parametrize("odd", ["²", "1²", "①", "٣", "１２"])
def test_digits_that_int_refuses_are_searched_as_names_not_a_server_error(officer, pool, odd: str) -> None:
    body = officer.responsible_body
    _paying(officer, pool, 2)
    client = _client(officer.user)
    for url, params in (
        (_url("contributions", body, pool_id=pool.pk), {"q": odd}),
        (_url("allocations", body, pool_id=pool.pk), {"q": odd}),
        (_url("allocation-set", body, pool_id=pool.pk), {"urn": odd}),
    ):
        response = client.get(url, params)
        assert response.status_code == 200, (url, odd)
    searched = _text(client.get(_url("contributions", body, pool_id=pool.pk), {"q": odd}))
    assert _schools(searched) == []  # no school is named with it
    bad = client.post(_url("allocation-set", body, pool_id=pool.pk), {"urn": odd, "amount": "100.00"})
    assert bad.status_code == 200
    assert "There is a problem" in _text(bad)
