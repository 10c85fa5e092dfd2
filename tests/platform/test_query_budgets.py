"""Query budgets of the list pages and API lists that had none (issue 9): each is rendered
with 1 row and with 10 rows, and the 10-row render may not take more queries than the
1-row one. (Lists with their own budget tests: the grouping members page, the case pages
and APIs, the pool dashboard, ledger, allocations, contributions, payment runs and their
APIs.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import ResponsibleBody, Role
from core.audit import audit_record
from core.tenancy import tenant_context
from groupings.models import GroupingPolicy
from groupings.services.arrangements import arrangement_activate, arrangement_propose
from pooling.services.ledger import pool_open
from tests.factories import SchoolFactory, member, own_academy

pytestmark = pytest.mark.django_db


def _add_people(body: ResponsibleBody, n: int) -> None:
    for _ in range(n):
        member(Role.HEAD, body, school=own_academy(body))


def _add_events(body: ResponsibleBody, n: int) -> None:
    with tenant_context(body):
        for i in range(n):
            audit_record(actor=None, tenant=body, verb="test.event", object_type="test", object_id=str(i), label="x")


def _add_arrangements(body: ResponsibleBody, n: int) -> None:
    admin = member(Role.BODY_ADMIN, body, mfa=True)
    for _ in range(n):
        arrangement_propose(
            actor=admin.user,
            tenant=body,
            school_id=own_academy(body).pk,
            basis="own_academy",
            counterparty="The trust",
            start_date=date(2026, 9, 1),
        )


def _add_policies(body: ResponsibleBody, n: int) -> None:
    with tenant_context(body):
        start = GroupingPolicy.objects.count()
        for i in range(start, start + n):
            GroupingPolicy.objects.create(
                responsible_body=body,
                version=i + 1,
                effective_from=date(2020, 1, 1).replace(year=2000 + i),
                pooled_share_bp=1000,
                decision_criteria=["Need"],
                created_by_label="test",
            )


def _add_pools(body: ResponsibleBody, n: int) -> None:
    finance = member(Role.FINANCE_OFFICER, body, mfa=True)
    with tenant_context(body):
        from pooling.models import Pool

        start = Pool.objects.count()
    for i in range(start, start + n):
        year = 2000 + i
        pool_open(actor=finance.user, tenant=body, label=f"{year}-{(year + 1) % 100:02d}")


def _add_active_arrangements(body: ResponsibleBody, n: int) -> None:
    admin = member(Role.BODY_ADMIN, body, mfa=True)
    for _ in range(n):
        arrangement = arrangement_propose(
            actor=admin.user,
            tenant=body,
            school_id=own_academy(body).pk,
            basis="own_academy",
            counterparty="The trust",
            start_date=date(2026, 9, 1),
        )
        arrangement_activate(actor=admin.user, tenant=body, arrangement_id=arrangement.pk)


def _add_schools(body: ResponsibleBody, n: int) -> None:
    for _ in range(n):
        SchoolFactory(name="Zetland Academy")


# (name, role that reads it, URL under the body, adds n rows, API?)
LISTS: list[tuple[str, str, str, Callable[[ResponsibleBody, int], None], bool]] = [
    ("people page", Role.BODY_ADMIN, "/b/{slug}/people/", _add_people, False),
    ("members API", Role.BODY_ADMIN, "/api/v1/bodies/{slug}/members/", _add_people, True),
    # An auditor's log (limited to their granted periods): tests/pooling/test_audit_log_grants.py.
    ("audit log page", Role.BODY_ADMIN, "/b/{slug}/audit/", _add_events, False),
    ("audit events API", Role.BODY_ADMIN, "/api/v1/bodies/{slug}/audit-events/", _add_events, True),
    ("arrangements API", Role.FINANCE_OFFICER, "/api/v1/bodies/{slug}/arrangements/", _add_arrangements, True),
    ("policy page", Role.FINANCE_OFFICER, "/b/{slug}/grouping/policy/", _add_policies, False),
    ("policy versions API", Role.FINANCE_OFFICER, "/api/v1/bodies/{slug}/policy/", _add_policies, True),
    ("pools API", Role.FINANCE_OFFICER, "/api/v1/bodies/{slug}/pools/", _add_pools, True),
    ("school search API", Role.BODY_ADMIN, "/api/v1/bodies/{slug}/schools/?q=zetland", _add_schools, True),
    ("public grouping page", Role.TRUSTEE, "/groupings/{slug}/", _add_active_arrangements, False),
]


def _queries(client: Client | APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


@pytest.mark.parametrize(("name", "role", "path", "add", "api"), LISTS, ids=[entry[0] for entry in LISTS])
def test_list_costs_the_same_queries_for_1_and_10_rows(
    name: str, role: str, path: str, add: Callable[[ResponsibleBody, int], None], api: bool
) -> None:
    reader = member(role, mfa=role in {Role.BODY_ADMIN, Role.FINANCE_OFFICER})
    body = reader.responsible_body
    client: Client | APIClient = APIClient() if api else Client()
    client.force_login(reader.user)
    url = path.format(slug=body.slug)
    add(body, 1)
    one = _queries(client, url)
    add(body, 9)
    ten = _queries(client, url)

    assert ten <= one, f"{name}: {one} queries with 1 row, {ten} with 10"
