"""Helpers for the exceptional-resource API tests: clients, URLs, and snapshots of what a
refused request must leave unchanged."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from accounts.models import ResponsibleBody
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, CaseEvent, Decision, Outcome, ProvisionRow, Pupil, ResourceLine

CRITERIA = ["The intended outcomes are specific, measurable and have a review date."]


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(body: ResponsibleBody, path: str) -> str:
    return f"/api/v1/bodies/{body.slug}/{path}"


def counts(body: ResponsibleBody) -> dict[str, int]:
    """How many rows of each case model the body has: a refused write changes none."""
    with tenant_context(body):
        return {
            m.__name__: m.objects.count()
            for m in (Pupil, Case, ProvisionRow, ResourceLine, Outcome, Decision, Award, CaseEvent)
        }


def case_row(body: ResponsibleBody, case_id: int) -> dict[str, Any]:
    with tenant_context(body):
        return dict(Case.objects.filter(pk=case_id).values().get())


def field_error(response: Any) -> set[str]:
    """The fields a 400 names: DRF's ``fields`` or the ApplicationError's ``field``."""
    body = response.json()
    if "fields" in body:
        return set(body["fields"])
    return {body["field"]} if "field" in body else set()


def approve_terms(pool_id: int, amount: int = 9_000_00, **overrides: Any) -> dict[str, Any]:
    terms = {
        "outcome": "approved",
        "criteria_met": CRITERIA,
        "reasons": "Meets the published criteria: the need is beyond what the school can provide.",
        "amount_pence": amount,
        "pool_id": pool_id,
        "frequency": "monthly",
        "starts_on": "2026-12-01",
        "ends_on": "2027-03-31",
        "review_on": "2027-03-01",
        "conditions": "Termly progress notes to the officer.",
    }
    terms.update(overrides)
    return terms
