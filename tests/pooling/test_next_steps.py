"""Pages that start the job: the pool page with no pool says what to do next, to each role,
and links to it; success messages that name the next action link to it (seen in the
browser: "Recalculate contributions to bring the pool up to date" with nowhere to click)."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from pooling.services.ledger import pool_open
from tests.factories import member, own_academy
from tests.pooling.conftest import fund
from tests.pooling.payments_support import award

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, body: Any, **kwargs: Any) -> str:
    return reverse(f"pooling:{name}", kwargs={"body_slug": body.slug, **kwargs})


def _links(page: str) -> dict[str, str]:
    """Link text → href."""
    return {
        html.unescape(re.sub(r"<[^>]+>", "", text)).strip(): html.unescape(href)
        for href, text in re.findall(r'<a class="govuk-link" href="([^"]+)"[^>]*>(.*?)</a>', page, re.S)
    }


def test_with_no_pool_each_role_is_told_what_to_do_next_with_a_link() -> None:
    finance = member(Role.FINANCE_OFFICER, mfa=True)
    body = finance.responsible_body
    admin = member(Role.BODY_ADMIN, body, mfa=True)
    trustee = member(Role.TRUSTEE, body)
    as_finance = _client(finance.user).get(_url("dashboard", body)).content.decode()
    assert "record the schools' IMF allocations" in html.unescape(as_finance)
    assert 'action="' + _url("pool-open", body) in as_finance
    as_admin = _links(_client(admin.user).get(_url("dashboard", body)).content.decode())
    assert as_admin["invite a finance officer"] == reverse("accounts:invite", kwargs={"body_slug": body.slug})
    as_trustee = _client(trustee.user).get(_url("dashboard", body)).content.decode()
    assert "Ask a finance officer" in as_trustee
    assert _links(as_trustee)["go back to your work"] == reverse("accounts:body-home", kwargs={"body_slug": body.slug})


def test_opening_a_pool_links_to_the_next_step() -> None:
    finance = member(Role.FINANCE_OFFICER, mfa=True)
    body = finance.responsible_body
    client = _client(finance.user)
    done = client.post(_url("pool-open", body), {"label": "2026-27"})
    page = client.get(done["Location"]).content.decode()
    pool_id = int(re.search(r"pool=(\d+)", done["Location"]).group(1))  # type: ignore[union-attr]
    assert _links(page)["record the schools' IMF allocations"] == _url("allocations", body, pool_id=pool_id)


def test_an_allocation_saved_links_to_recalculating_contributions() -> None:
    finance = member(Role.FINANCE_OFFICER, mfa=True)
    body = finance.responsible_body
    pool = pool_open(actor=finance.user, tenant=body, label="2026-27")
    school = own_academy(body, name="Ash Academy")
    client = _client(finance.user)
    done = client.post(_url("allocation-set", body, pool_id=pool.pk), {"urn": str(school.urn), "amount": "14000"})
    page = client.get(done["Location"]).content.decode()
    recalculate = _url("contributions", body, pool_id=pool.pk) + "#recalculate"
    assert _links(page)["Recalculate contributions"] == recalculate
    assert 'id="recalculate"' in client.get(recalculate).content.decode()


def test_a_confirmed_run_links_to_sending_it_to_the_bank() -> None:
    finance = member(Role.FINANCE_OFFICER, mfa=True)
    body = finance.responsible_body
    pool = pool_open(actor=finance.user, tenant=body, label="2026-27")
    fund(finance, pool, 50_000_00)
    award(finance, pool, 1_200_00, school=own_academy(body, name="Ash Academy"), source_id="A-1")
    client = _client(finance.user)
    form = {"due_up_to": "2026-11-30", "pay_on": "2026-12-10"}
    preview = client.get(_url("payment-run-new", body, pool_id=pool.pk), form).content.decode()
    total = re.search(r'name="expected_total_pence" value="(\d+)"', preview).group(1)  # type: ignore[union-attr]
    done = client.post(_url("payment-run-new", body, pool_id=pool.pk), {**form, "expected_total_pence": total})
    page = client.get(done["Location"]).content.decode()
    assert _links(page)["send it to the bank"] == done["Location"] + "#send"
    assert 'id="send"' in page
