"""Recording a pupil is one use case (issue 18): the page and the API both call
``pupil_create``, which takes the areas of need from the grouping policy in force and
refuses with ``no_policy`` when there is none. The page used to fall back to the default
needs (recording the pupil and starting a case) while the API refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client

from accounts.models import Membership, ResponsibleBody, Role
from core.tenancy import tenant_context
from exceptional_resource.models import Case, Pupil
from groupings import services as groupings_services
from groupings.models import School
from tests.exceptional_resource.api_support import api, url
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db


@dataclass
class Grouping:
    body: ResponsibleBody
    school: School
    admin: Membership
    head: Membership


@pytest.fixture
def without_policy() -> Grouping:
    admin = member(Role.BODY_ADMIN, mfa=True)
    body = admin.responsible_body
    school = own_academy(body, name="Meadow Academy")
    arrangement = groupings_services.arrangement_propose(
        actor=admin.user, tenant=body, school_id=school.pk, basis="own_academy", counterparty="T",
        start_date=date(2026, 4, 1),
    )  # fmt: skip
    groupings_services.arrangement_activate(actor=admin.user, tenant=body, arrangement_id=arrangement.pk)
    return Grouping(body=body, school=school, admin=admin, head=member(Role.HEAD, body, school=school))


def _rows(body: ResponsibleBody) -> tuple[int, int]:
    with tenant_context(body):
        return Pupil.objects.count(), Case.objects.count()


def _api_create(g: Grouping) -> Any:
    payload = {"school_id": g.school.pk, "year_group": "Y3", "sen_status": "sen_support", "primary_need": "SLCN"}
    return api(g.head.user).post(url(g.body, "pupils/create/"), payload, format="json")


def _page_create(g: Grouping) -> Any:
    client = Client()
    client.force_login(g.head.user)
    form = {
        "pupil": "new",
        "school": str(g.school.pk),
        "year_group": "Y3",
        "sen_status": "sen_support",
        "primary_need": "SLCN",
        "secondary_need": "",
        "name": "",
        "upn": "",
    }
    return client.post(f"/b/{g.body.slug}/cases/new/", form)


def test_the_api_refuses_a_pupil_while_no_policy_is_in_force(without_policy: Grouping) -> None:
    response = _api_create(without_policy)
    assert (response.status_code, response.json()["code"]) == (400, "no_policy")
    assert _rows(without_policy.body) == (0, 0)


def test_the_page_refuses_a_pupil_while_no_policy_is_in_force(without_policy: Grouping) -> None:
    response = _page_create(without_policy)
    assert response.status_code == 200
    assert "The grouping has no policy in force yet" in response.content.decode()
    assert _rows(without_policy.body) == (0, 0)


def test_both_record_the_pupil_once_a_policy_is_in_force(without_policy: Grouping) -> None:
    g = without_policy
    groupings_services.policy_ensure_default(actor=g.admin.user, tenant=g.body, effective_from=date(2026, 4, 1))
    page = _page_create(g)
    assert page.status_code == 302
    assert _rows(g.body) == (1, 1)
    response = _api_create(g)
    assert response.status_code == 201, response.json()
    assert _rows(g.body) == (2, 1)
