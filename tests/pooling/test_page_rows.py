"""The rows of the allocations, payment run and ledger tables (issue 22): the pages read their
rows as the columns they show (not whole school, payee and leg instances) and format the cells
once in the view. Each kind of row still shows what it showed, and no page reads a column it
left out (Django would load it with a query per row)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from core.tenancy import tenant_context
from pooling.models import ImfAllocation, ImfAllocationImport
from tests.factories import SchoolFactory, member
from tests.pooling.contributions_support import allocate

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
    trustee = _client(member(Role.TRUSTEE, body).user).get(_url("allocations", body, pool_id=pool.pk))
    assert "Change" not in trustee.content.decode()
    assert "£1,234.56" in trustee.content.decode()
