"""The contributions page's figures and the pool dashboard's contribution figures, to the
penny, against a computation of their own over the pool's ledger legs (issue 22: the
safety net for reading them faster). One pool has several receipts for one school with
one of them reversed, part payments, a contribution posting reversed, one school overpaid
after it left, a school that left and rejoined (two contributions: one overpaid, one in
arrears), contributions due and in arrears; another body's pool with its own
contributions and receipts is in the same database."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from core.tenancy import tenant_context
from groupings.services.arrangements import arrangement_end
from pooling import tasks
from pooling.models import Contribution, Leg, Pool, Receipt, Transaction
from pooling.selectors.contribution_ledger import contribution_totals_by_school
from pooling.selectors.contributions import contribution_rows, contribution_summary, contribution_totals
from pooling.selectors.ledger_browse import contributions_overview
from pooling.services.contributions import contributions_calculate
from pooling.services.ledger import LegSpec, pool_open, post, transaction_reverse
from pooling.services.receipts import receipt_record
from tests.factories import member
from tests.pooling.contributions_support import allocate, join

TODAY = date(2026, 10, 15)
pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=TODAY)]


@dataclass(frozen=True)
class Figures:
    """One contribution as the ledger holds it, worked out here from its legs."""

    school: str
    expected_pence: int
    received_pence: int
    due_on: date

    @property
    def outstanding_pence(self) -> int:
        return self.expected_pence - self.received_pence

    @property
    def arrears_pence(self) -> int:
        return self.outstanding_pence if self.due_on < TODAY and self.outstanding_pence > 0 else 0

    @property
    def standing(self) -> str:
        if self.outstanding_pence < 0:
            return "overpaid"
        if self.outstanding_pence == 0:
            return "received"
        return "arrears" if self.arrears_pence else "due"


def _from_the_ledger(pool: Pool) -> dict[int, Figures]:
    """Each contribution of ``pool``: its legs on the receivable account (of its own
    postings and their reversals) and the bank legs of its receipts' postings (and their
    reversals), summed here leg by leg."""
    with tenant_context(pool.responsible_body_id):
        contributions = list(Contribution.objects.filter(pool=pool).select_related("school", "arrangement"))
        receipt_of = dict(Receipt.objects.values_list("pk", "contribution_id"))
        legs = list(
            Leg.objects.filter(account__pool=pool).values_list(
                "account__kind",
                "amount_pence",
                "transaction__source_type",
                "transaction__source_id",
                "transaction__reverses__source_type",
                "transaction__reverses__source_id",
            )
        )
    expected: Counter[int] = Counter()
    received: Counter[int] = Counter()
    for kind, pence, source_type, source_id, reversed_type, reversed_id in legs:
        if source_type == "transaction":
            source_type, source_id = reversed_type, reversed_id
        if kind == "contributions_receivable" and source_type == "contribution":
            expected[int(source_id)] += pence
        elif kind == "pool_bank" and source_type == "receipt":
            received[receipt_of[int(source_id)]] += pence
    return {
        c.pk: Figures(
            school=c.school.name,
            expected_pence=expected[c.pk],
            received_pence=received[c.pk],
            due_on=max(pool.starts_on, c.arrangement.start_date) + timedelta(days=30),
        )
        for c in contributions
    }


def _pence(text: str) -> int:
    found = re.search(r"(-?)£([\d,]+)\.(\d\d)", text)
    assert found, text
    pence = int(found[2].replace(",", "")) * 100 + int(found[3])
    return -pence if found[1] else pence


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", " ", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]


def _page_rows(page: str) -> list[tuple[str, int, int, int, str]]:
    """(school, expected, received, still to be received, standing) of each row shown."""
    table = re.search(r'<table class="govuk-table" id="contributions">.*?</table>', page, re.S)
    assert table
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", table[0], re.S)
    assert body
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body[1], re.S):
        cells = _cells(row)
        name = re.sub(r"\s+URN.*", "", cells[0].strip(), flags=re.S).strip()
        still = cells[6]
        standing = "arrears" if "In arrears" in still else "due" if "Due by" in still else "-"
        rows.append((name, _pence(cells[4]), _pence(cells[5]), _pence(still), standing))
    return rows


def _page_totals(page: str) -> tuple[int, int, int, int]:
    """(expected, received, still to be received, in arrears) as the page totals them."""
    foot = re.search(r"<tfoot>(.*?)</tfoot>", page, re.S)
    assert foot
    cells = _cells(foot[1])
    arrears = re.search(r"<strong>(-?£[\d,.]+) is in arrears</strong>", page)
    return _pence(cells[1]), _pence(cells[2]), _pence(cells[3]), _pence(arrears[1]) if arrears else 0


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _receive(officer: Any, contribution: Contribution, pence: int, on: date) -> Receipt:
    return receipt_record(
        actor=officer.user,
        tenant=officer.responsible_body,
        contribution_id=contribution.pk,
        amount_pence=pence,
        received_on=on,
        method="transfer",
    )


def _reverse(officer: Any, source_type: str, source_id: int) -> None:
    body = officer.responsible_body
    with tenant_context(body):
        posting = Transaction.objects.get(source_type=source_type, source_id=str(source_id))
    transaction_reverse(actor=officer.user, tenant=body, transaction_id=posting.pk, reason="Bounced")


def _contributions(pool: Pool) -> dict[tuple[str, date], Contribution]:
    with tenant_context(pool.responsible_body_id):
        return {
            (c.school.name, c.arrangement.start_date): c
            for c in Contribution.objects.filter(pool=pool).select_related("school", "arrangement", "pool")
        }


def _other_body_with_money() -> tuple[Any, Pool]:
    """Another trust's pool, with larger sums than any of the first body's."""
    other = member(Role.FINANCE_OFFICER, mfa=True)
    body, user = other.responsible_body, other.user
    pool = pool_open(actor=user, tenant=body, label="2026-27")
    for name in ("Other Oak", "Other Pine"):
        arrangement = join(user, body, name=name)
        allocate(user, body, arrangement.school, 90_000_000)
    contributions_calculate(actor=user, tenant=body, pool=pool)
    for contribution in _contributions(pool).values():
        _receive(other, contribution, 2_000_000, date(2026, 5, 3))
    return other, pool


@pytest.fixture
def ledger(officer: Any, pool: Pool) -> dict[str, Any]:
    body, user = officer.responsible_body, officer.user
    ash = join(user, body, name="Ash Academy")  # full year: due 1 May
    beech = join(user, body, name="Beech Academy", start=date(2026, 9, 1))  # due 1 October
    cedar = join(user, body, name="Cedar Academy", start=date(2026, 10, 1))  # due 31 October
    damson = join(user, body, name="Damson Academy")  # paid in full, then left: overpaid
    elm = join(user, body, name="Elm Academy")  # pays in full, leaves, rejoins
    fir = join(user, body, name="Fir Academy")  # its expected posting reversed
    for arrangement in (ash, beech, cedar, damson, elm, fir):
        allocate(user, body, arrangement.school, 1_400_000)
    contributions_calculate(actor=user, tenant=body, pool=pool)
    found = {name.split()[0]: c for (name, _), c in _contributions(pool).items()}
    _receive(officer, found["Ash"], 30_000, date(2026, 4, 20))
    bounced = _receive(officer, found["Ash"], 50_000, date(2026, 5, 20))
    _receive(officer, found["Ash"], 20_000, date(2026, 6, 20))
    _reverse(officer, "receipt", bounced.pk)
    _receive(officer, found["Cedar"], 12_345, date(2026, 10, 2))
    for name in ("Damson", "Elm"):
        _receive(officer, found[name], 140_000, date(2026, 4, 30))
        arrangement = found[name].arrangement
        arrangement_end(actor=user, tenant=body, arrangement_id=arrangement.pk, end_date=date(2026, 6, 30))
        tasks.recalculate_contributions_for_arrangement(tenant_id=body.pk, arrangement_id=arrangement.pk)
    join(user, body, school=found["Elm"].school, start=date(2026, 9, 1))
    contributions_calculate(actor=user, tenant=body, pool=pool)
    _reverse(officer, "contribution", found["Fir"].pk)
    other, other_pool = _other_body_with_money()
    return {"other": other, "other_pool": other_pool}


def test_the_ledger_as_this_test_reads_it(officer, pool, ledger) -> None:
    """What the pages must show, worked out by hand: the independent reading agrees."""
    figures = sorted(
        (f.school, f.expected_pence, f.received_pence, f.outstanding_pence, f.standing, f.arrears_pence)
        for f in _from_the_ledger(pool).values()
    )
    # 1,400,000 x 10% = 140,000 a full year; from 1 September 212/365 days: 81,315.07 → 81,315;
    # from 1 October 182/365: 69,808.22 → 69,808; to 30 June 91/365: 34,904.11 → 34,904.
    assert figures == [
        ("Ash Academy", 140_000, 50_000, 90_000, "arrears", 90_000),
        ("Beech Academy", 81_315, 0, 81_315, "arrears", 81_315),
        ("Cedar Academy", 69_808, 12_345, 57_463, "due", 0),
        ("Damson Academy", 34_904, 140_000, -105_096, "overpaid", 0),
        ("Elm Academy", 34_904, 140_000, -105_096, "overpaid", 0),
        ("Elm Academy", 81_315, 0, 81_315, "arrears", 81_315),
        ("Fir Academy", 0, 0, 0, "received", 0),
    ]


def test_the_contributions_selectors_and_api_agree_with_the_ledger_to_the_penny(officer, pool, ledger) -> None:
    body = officer.responsible_body
    want = _from_the_ledger(pool)
    totals = contribution_totals(tenant=body, pool=pool)
    assert (totals.contributions, totals.expected_pence, totals.received_pence, totals.arrears_pence) == (
        len(want),
        sum(f.expected_pence for f in want.values()),
        sum(f.received_pence for f in want.values()),
        sum(f.arrears_pence for f in want.values()),
    )
    assert (totals.expected_pence, totals.received_pence, totals.arrears_pence) == (442_246, 342_345, 252_630)
    with tenant_context(body):
        rows = contribution_rows(tenant=body, pool=pool, contributions=list(_contributions(pool).values()))
    assert {r.contribution.pk: (r.expected_pence, r.received_pence, r.standing, r.arrears_pence) for r in rows} == {
        pk: (f.expected_pence, f.received_pence, f.standing, f.arrears_pence) for pk, f in want.items()
    }
    summary = contribution_summary(tenant=body, pool=pool)
    assert {r.contribution.pk: (r.expected_pence, r.received_pence, r.arrears_pence) for r in summary.rows} == {
        pk: (f.expected_pence, f.received_pence, f.arrears_pence) for pk, f in want.items()
    }
    api = APIClient()
    api.force_authenticate(officer.user)
    listed = api.get(f"/api/v1/bodies/{body.slug}/pools/{pool.pk}/contributions/").json()
    assert (listed["expected_pence"], listed["received_pence"], listed["arrears_pence"]) == (
        442_246,
        342_345,
        252_630,
    )
    assert {
        c["id"]: (c["expected_pence"], c["received_pence"], c["arrears_pence"]) for c in listed["contributions"]
    } == {pk: (f.expected_pence, f.received_pence, f.arrears_pence) for pk, f in want.items()}


def test_the_contributions_page_shows_the_ledgers_figures_on_every_page(officer, pool, ledger, monkeypatch) -> None:
    monkeypatch.setattr("pooling.views.contributions.CONTRIBUTIONS_PER_PAGE", 3)
    body = officer.responsible_body
    want = _from_the_ledger(pool)
    client = _client(officer.user)
    url = reverse("pooling:contributions", kwargs={"body_slug": body.slug, "pool_id": pool.pk})
    shown = []
    for number in (1, 2, 3):
        page = client.get(url, {"page": number}).content.decode()
        shown += _page_rows(page)
        assert _page_totals(page) == (442_246, 342_345, 99_901, 252_630)
        assert "Total (all 7 schools)" in page
    assert sorted(shown) == sorted(
        (
            f.school,
            f.expected_pence,
            f.received_pence,
            f.outstanding_pence,
            f.standing if f.standing in ("due", "arrears") else "-",
        )
        for f in want.values()
    )
    searched = client.get(url, {"q": "Elm"}).content.decode()
    assert sorted(_page_rows(searched)) == [
        ("Elm Academy", 34_904, 140_000, -105_096, "-"),
        ("Elm Academy", 81_315, 0, 81_315, "arrears"),
    ]
    assert _page_totals(searched) == (442_246, 342_345, 99_901, 252_630)  # the totals are the pool's


def test_the_dashboard_shows_the_ledgers_contribution_figures_by_school(officer, pool, ledger) -> None:
    body = officer.responsible_body
    by_school: dict[str, list[int]] = {}
    for f in _from_the_ledger(pool).values():
        school = by_school.setdefault(f.school, [0, 0])
        school[0] += f.expected_pence
        school[1] += f.received_pence
    with tenant_context(body):  # as the page calls it
        overview = contributions_overview(tenant=body, pool=pool, top=10)
    assert (overview.schools, overview.expected_pence, overview.received_pence) == (6, 442_246, 342_345)
    owing = sorted(((e - r, name) for name, (e, r) in by_school.items() if e > r), reverse=True)
    assert [(s.school_name, s.expected_pence, s.received_pence) for s in overview.most_outstanding] == [
        (name, *by_school[name]) for _, name in owing
    ]
    assert [s.school_name for s in overview.most_outstanding] == ["Ash Academy", "Beech Academy", "Cedar Academy"]
    page = _client(officer.user).get(reverse("pooling:dashboard", kwargs={"body_slug": body.slug})).content.decode()
    assert (
        "6 schools are expected to contribute £4,422.46 in all: £3,423.45 has been received and £999.01 is outstanding."
        in page
    )


def test_another_bodys_pool_shows_only_its_own_figures(officer, pool, ledger) -> None:
    other, other_pool = ledger["other"], ledger["other_pool"]
    want = _from_the_ledger(other_pool)
    assert sorted((f.school, f.expected_pence, f.received_pence) for f in want.values()) == [
        ("Other Oak", 9_000_000, 2_000_000),
        ("Other Pine", 9_000_000, 2_000_000),
    ]
    totals = contribution_totals(tenant=other.responsible_body, pool=other_pool)
    assert (totals.contributions, totals.expected_pence, totals.received_pence, totals.arrears_pence) == (
        2,
        18_000_000,
        4_000_000,
        14_000_000,
    )
    url = reverse("pooling:contributions", kwargs={"body_slug": other.responsible_body.slug, "pool_id": other_pool.pk})
    page = _client(other.user).get(url).content.decode()
    assert _page_totals(page) == (18_000_000, 4_000_000, 14_000_000, 14_000_000)
    assert "Ash Academy" not in page
    with tenant_context(other.responsible_body):
        overview = contributions_overview(tenant=other.responsible_body, pool=other_pool, top=10)
    assert (overview.schools, overview.expected_pence, overview.received_pence) == (2, 18_000_000, 4_000_000)


def test_contributions_by_school_can_be_read_outside_a_request(officer, pool, ledger) -> None:
    """A task or the shell passes the tenant; no request has set its context. Before the fix
    the selector built its ledger queries before entering the tenant's context and raised
    ``TenantContextMissing``."""
    body = officer.responsible_body
    by_school: Counter[int] = Counter()
    paid: Counter[int] = Counter()
    with tenant_context(body):
        school_of = dict(Contribution.objects.filter(pool=pool).values_list("pk", "school_id"))
    for pk, f in _from_the_ledger(pool).items():
        by_school[school_of[pk]] += f.expected_pence
        paid[school_of[pk]] += f.received_pence
    assert contribution_totals_by_school(tenant=body, pool=pool) == {
        school: (by_school[school], paid[school]) for school in by_school
    }
    overview = contributions_overview(tenant=body, pool=pool, top=10)
    assert (overview.schools, overview.expected_pence, overview.received_pence) == (6, 442_246, 342_345)


@pytest.mark.parametrize("source_id", ["r0", "", "12345678901234567890", "-1"])
def test_postings_by_hand_count_for_the_school_their_legs_name(officer, pool, ledger, source_id) -> None:
    """A posting made by hand (or by a test) with a receipt's or a contribution's source type
    but a source id that is no row's key: for a school with one contribution in the pool it
    counts with that contribution, since its legs name the school (as the dashboard has always
    summed them); for a school that left and rejoined, whose contributions are looked up by
    their ids, with neither. Either way the pages show the figures, not an error."""
    body = officer.responsible_body
    found = {name.split()[0]: c for (name, _), c in _contributions(pool).items()}
    for name in ("Ash", "Elm"):
        for source_type, debit in (("receipt", "pool_bank"), ("contribution", "contributions_receivable")):
            post(
                actor=officer.user,
                tenant=body,
                pool=pool,
                kind="receipt" if source_type == "receipt" else "contribution_expected",
                posted_on=date(2026, 5, 1),
                description="By hand",
                idempotency_key=f"{body.pk}:by-hand:{name}:{source_type}:{source_id}",
                source_type=source_type,
                source_id=source_id,
                legs=[
                    LegSpec(debit, 999, found[name].school_id),
                    LegSpec("contributions", -999, found[name].school_id),
                ],
            )
    totals = contribution_totals(tenant=body, pool=pool)
    assert (totals.contributions, totals.expected_pence, totals.received_pence, totals.arrears_pence) == (
        7,
        442_246 + 999,
        342_345 + 999,
        252_630,
    )
    client = _client(officer.user)
    page = client.get(reverse("pooling:contributions", kwargs={"body_slug": body.slug, "pool_id": pool.pk}))
    assert _page_totals(page.content.decode()) == (442_246 + 999, 342_345 + 999, 99_901, 252_630)
    assert ("Ash Academy", 140_999, 50_999, 90_000, "arrears") in _page_rows(page.content.decode())
    with tenant_context(body):
        overview = contributions_overview(tenant=body, pool=pool, top=10)
    by_school = {s.school_name: (s.expected_pence, s.received_pence) for s in overview.most_outstanding}
    assert by_school["Ash Academy"] == (140_999, 50_999)
