"""The retention schedule in the grouping policy (#21 point 1): versioned like every setting
(a new version keeps the last one's periods unless it changes them), with defaults of six
years for case files and the financial record, and bad periods refused field by field with
nothing written, by the service, the page and the API."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from core.errors import ApplicationError
from core.models import AuditEvent
from core.tenancy import tenant_context
from groupings.models import GroupingPolicy
from groupings.services.policy import policy_ensure_default, policy_version_create
from tests.factories import member

pytestmark = pytest.mark.django_db

BASE: dict[str, Any] = {
    "pooled_share_percent": "10",
    "urgent_reserve_percent": "5",
    "decision_target_working_days": 10,
    "decision_criteria": ["Proportionate"],
}


@pytest.fixture
def admin():  # type: ignore[no-untyped-def]
    return member(Role.BODY_ADMIN, mfa=True)


def _versions(body: Any) -> list[tuple[int, int, int]]:
    with tenant_context(body):
        return list(
            GroupingPolicy.objects.order_by("version").values_list(
                "version", "case_file_retention_years", "financial_retention_years"
            )
        )


def test_the_default_schedule_is_six_years_and_a_new_version_keeps_or_changes_it(admin) -> None:  # type: ignore[no-untyped-def]
    body = admin.responsible_body
    policy_ensure_default(actor=admin.user, tenant=body, effective_from=date(2026, 4, 1))
    policy_version_create(actor=admin.user, tenant=body, effective_from=date(2099, 1, 1), **BASE)
    policy_version_create(
        actor=admin.user,
        tenant=body,
        effective_from=date(2099, 4, 1),
        case_file_retention_years=25,
        financial_retention_years="7",
        **BASE,
    )
    policy_version_create(actor=admin.user, tenant=body, effective_from=date(2099, 9, 1), **BASE)
    assert _versions(body) == [(1, 6, 6), (2, 6, 6), (3, 25, 7), (4, 25, 7)]
    with tenant_context(body):
        published = AuditEvent.objects.filter(verb="policy.version_published").order_by("id").last()
    assert published is not None
    assert (published.after["case_file_retention_years"], published.after["financial_retention_years"]) == (25, 7)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("case_file_retention_years", 0),
        ("case_file_retention_years", 32),
        ("case_file_retention_years", "six"),
        ("case_file_retention_years", "6.5"),
        ("case_file_retention_years", -1),
        ("financial_retention_years", 5),
        ("financial_retention_years", 32),
        ("financial_retention_years", "x"),
    ],
)
def test_a_bad_period_is_refused_on_its_field_and_nothing_is_written(admin, field: str, value: Any) -> None:  # type: ignore[no-untyped-def]
    body = admin.responsible_body
    policy_ensure_default(actor=admin.user, tenant=body, effective_from=date(2026, 4, 1))
    with pytest.raises(ApplicationError) as refused:
        policy_version_create(actor=admin.user, tenant=body, effective_from=date(2099, 1, 1), **BASE, **{field: value})
    assert (refused.value.code, refused.value.field) == ("invalid_retention", field)
    assert _versions(body) == [(1, 6, 6)]


def test_the_page_shows_the_schedule_and_publishes_a_change(admin) -> None:  # type: ignore[no-untyped-def]
    body = admin.responsible_body
    policy_ensure_default(actor=admin.user, tenant=body, effective_from=date(2026, 4, 1))
    client = Client()
    client.force_login(admin.user)
    page = client.get(reverse("groupings:policy", kwargs={"body_slug": body.slug})).content.decode()
    assert "6 years after a case closes" in page
    assert "6 years after the end of the financial year" in page
    new = reverse("groupings:policy-new", kwargs={"body_slug": body.slug})
    form = {
        "effective_from": "2099-01-01",
        "pooled_share_percent": "10",
        "urgent_reserve_percent": "5",
        "decision_target_working_days": "10",
        "decision_criteria": "Proportionate",
    }
    bad_values = [
        ("case_file_retention_years", "40", "from 1 to 31"),
        ("financial_retention_years", "3", "from 6 to 31"),
    ]
    for field, value, message in bad_values:
        response = client.post(new, {**form, field: value})
        assert response.status_code == 200
        assert message in response.content.decode()
    assert _versions(body) == [(1, 6, 6)]
    assert client.post(new, {**form, "case_file_retention_years": "10"}).status_code == 302
    assert _versions(body) == [(1, 6, 6), (2, 10, 6)]


def test_the_api_reads_and_sets_the_schedule(admin) -> None:  # type: ignore[no-untyped-def]
    body = admin.responsible_body
    policy_ensure_default(actor=admin.user, tenant=body, effective_from=date(2026, 4, 1))
    api = APIClient()
    api.force_authenticate(admin.user)
    base = f"/api/v1/bodies/{body.slug}/policy"
    payload = {"effective_from": "2099-01-01", **BASE}
    bad = api.post(f"{base}/new/", {**payload, "financial_retention_years": 2}, format="json")
    assert bad.status_code == 400
    bad = api.post(f"{base}/new/", {**payload, "case_file_retention_years": "many"}, format="json")
    assert bad.status_code == 400
    assert _versions(body) == [(1, 6, 6)]
    ok = api.post(f"{base}/new/", {**payload, "case_file_retention_years": 12}, format="json")
    assert ok.status_code == 201, ok.json()
    assert (ok.json()["case_file_retention_years"], ok.json()["financial_retention_years"]) == (12, 6)
    listed = api.get(f"{base}/").json()["results"]
    assert [(v["version"], v["case_file_retention_years"]) for v in listed] == [(2, 12), (1, 6)]
