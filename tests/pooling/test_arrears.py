"""Arrears means past its due date. Seen in the browser: every unpaid contribution showed as
"Arrears" on the day it was set. A contribution is due 30 days after the later of the
period's start and the day the school joined; what is not received is *due* until then
and *in arrears* only after it, on the page, its totals and the API alike."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.tenancy import tenant_context
from pooling.models import Contribution
from pooling.selectors.arrears import contribution_due_on
from pooling.selectors.contributions import contribution_rows, contribution_summary, contribution_totals
from pooling.services.contributions import contributions_calculate
from pooling.services.receipts import receipt_record
from tests.pooling.contributions_support import allocate, join

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 4, 20))]

ASH_DUE = date(2026, 5, 1)  # 1 April + 30 days
BEECH_DUE = date(2026, 10, 1)  # joined 1 September + 30 days


@pytest.fixture
def contributions(officer, pool) -> dict[str, Contribution]:  # type: ignore[no-untyped-def]
    """Ash (a full year, £1,400.00 expected, £400.00 received) and Beech (from 1 September,
    £813.15 expected, nothing received)."""
    body, user = officer.responsible_body, officer.user
    ash = join(user, body, name="Ash Academy")
    beech = join(user, body, name="Beech Academy", start=date(2026, 9, 1))
    allocate(user, body, ash.school, 1_400_000)
    allocate(user, body, beech.school, 1_400_000)
    contributions_calculate(actor=user, tenant=body, pool=pool)
    with tenant_context(body):
        found = {
            c.school.name.split()[0]: c
            for c in Contribution.objects.select_related("school", "pool", "arrangement", "allocation", "policy")
        }
    receipt_record(
        actor=user,
        tenant=body,
        contribution_id=found["Ash"].pk,
        amount_pence=400_00,
        received_on=date(2026, 4, 15),
        method="transfer",
    )
    return found


def _figures(officer: Any, pool: Any, found: dict[str, Contribution], day: date) -> dict[str, Any]:
    body = officer.responsible_body
    with time_machine.travel(day, tick=False):
        with tenant_context(body):
            rows = {
                r.contribution.school.name.split()[0]: (r.outstanding_pence, r.standing, r.arrears_pence)
                for r in contribution_rows(tenant=body, pool=pool, contributions=list(found.values()))
            }
        totals = contribution_totals(tenant=body, pool=pool)
        summary = contribution_summary(tenant=body, pool=pool)
        api = APIClient()
        api.force_authenticate(officer.user)
        listed = api.get(f"/api/v1/bodies/{body.slug}/pools/{pool.pk}/contributions/").json()
        client = Client()
        client.force_login(officer.user)
        page = client.get(reverse("pooling:contributions", kwargs={"body_slug": body.slug, "pool_id": pool.pk}))
    return {
        "rows": rows,
        "totals": (totals.outstanding_pence, totals.arrears_pence),
        "summary": (summary.outstanding_pence, summary.arrears_pence),
        "api": (listed["outstanding_pence"], listed["arrears_pence"]),
        "api rows": {c["school"]["name"].split()[0]: (c["standing"], c["due_on"]) for c in listed["contributions"]},
        "page": page.content.decode(),
    }


def test_the_due_date_is_thirty_days_after_the_period_starts_or_the_school_joins(contributions) -> None:
    assert contribution_due_on(contributions["Ash"]) == ASH_DUE
    assert contribution_due_on(contributions["Beech"]) == BEECH_DUE


def test_before_the_due_date_nothing_is_in_arrears(officer, pool, contributions) -> None:
    shown = _figures(officer, pool, contributions, ASH_DUE)  # the due date itself: still due
    assert shown["rows"] == {"Ash": (1_000_00, "due", 0), "Beech": (813_15, "due", 0)}
    assert shown["totals"] == shown["summary"] == shown["api"] == (1_813_15, 0)
    assert shown["api rows"] == {"Ash": ("due", "2026-05-01"), "Beech": ("due", "2026-10-01")}
    assert "Due by 1 May 2026" in shown["page"]
    assert "In arrears" not in shown["page"]
    assert "is in arrears" not in shown["page"]


def test_after_its_due_date_what_is_not_received_is_in_arrears(officer, pool, contributions) -> None:
    shown = _figures(officer, pool, contributions, date(2026, 5, 2))
    assert shown["rows"] == {"Ash": (1_000_00, "arrears", 1_000_00), "Beech": (813_15, "due", 0)}
    assert shown["totals"] == shown["summary"] == shown["api"] == (1_813_15, 1_000_00)
    assert "In arrears" in shown["page"]
    assert "£1,000.00 is in arrears" in shown["page"]
    assert "Due by 1 Oct 2026" in shown["page"]


def test_after_every_due_date_both_are_in_arrears_and_received_is_not(officer, pool, contributions) -> None:
    receipt_record(
        actor=officer.user,
        tenant=officer.responsible_body,
        contribution_id=contributions["Ash"].pk,
        amount_pence=1_000_00,
        received_on=date(2026, 4, 18),
        method="transfer",
    )
    shown = _figures(officer, pool, contributions, date(2026, 10, 2))
    assert shown["rows"] == {"Ash": (0, "received", 0), "Beech": (813_15, "arrears", 813_15)}
    assert shown["totals"] == shown["summary"] == shown["api"] == (813_15, 813_15)
