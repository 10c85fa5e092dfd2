"""The shared-resources API: every operation's happy path, refusals, bad values for every
field, and list budgets that do not grow with rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import reset_queries
from rest_framework.test import APIClient

from core.tenancy import tenant_context
from pooling.selectors import pool_headroom
from shared_resources.models import (
    Allocation,
    CapacityPeriod,
    Delivery,
    ResourceFunding,
    ResourceRequest,
    SharedResource,
)
from shared_resources.services.allocation import request_allocate, request_create
from tests.shared_resources.conftest import Scene, spring, teacher

pytestmark = pytest.mark.django_db


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(scene: Scene, path: str) -> str:
    return f"/api/v1/bodies/{scene.body.slug}/shared-resources/{path}"


def counts(scene: Scene) -> dict[str, int]:
    with tenant_context(scene.body):
        return {
            m.__name__: m.objects.count()
            for m in (SharedResource, CapacityPeriod, ResourceFunding, ResourceRequest, Allocation, Delivery)
        }


def teacher_json(scene: Scene, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "post",
        "name": "Specialist teacher for autism",
        "areas_of_need": ["ASD"],
        "capacity_unit": "days",
        "capacity_basis": "term",
        "host_school_id": scene.school.pk,
        "payee": "Meadow Trust",
        "starts_on": "2026-09-01",
        "ends_on": "2027-08-31",
        "fte_hundredths": 100,
        "annual_cost_pence": 60_000_00,
    }
    data.update(overrides)
    return data


def test_the_journey_through_the_api(scene: Scene) -> None:
    finance, officer, sendco = api(scene.finance.user), api(scene.officer.user), api(scene.sendco.user)
    made = finance.post(url(scene, "create/"), teacher_json(scene), format="json")
    assert made.status_code == 201, made.json()
    resource_id = made.json()["id"]
    term = finance.post(
        url(scene, f"{resource_id}/terms/"),
        {"name": "Spring 2027", "starts_on": "2027-01-01", "ends_on": "2027-03-31", "capacity_units": 30},
        format="json",
    )
    assert term.status_code == 200, term.json()
    period = term.json()["periods"][0]
    assert (period["name"], period["capacity"], period["free"]) == ("Spring 2027", 30, 30)
    funded = finance.post(
        url(scene, f"{resource_id}/fund/"),
        {"pool_id": scene.pool.pk, "amount_pence": 60_000_00, "starts_on": "2026-09-01", "ends_on": "2027-08-31"},
        format="json",
    )
    assert funded.status_code == 201, funded.json()
    assert (funded.json()["amount_pence"], funded.json()["pool_label"]) == (60_000_00, "2026-27")
    asked = sendco.post(
        url(scene, "requests/create/"),
        {"capacityperiod_id": period["id"], "school_id": scene.school.pk, "units": 6},
        format="json",
    )
    assert asked.status_code == 201, asked.json()
    allocated = officer.post(url(scene, f"requests/{asked.json()['id']}/allocate/"), {}, format="json")
    assert allocated.status_code == 200, allocated.json()
    assert (allocated.json()["status"], allocated.json()["allocated_units"]) == ("allocated", 6)
    delivered = officer.post(
        url(scene, f"allocations/{allocated.json()['allocation_id']}/deliveries/"),
        {"delivered_on": "2027-01-12", "units": 3},
        format="json",
    )
    assert delivered.status_code == 201, delivered.json()
    detail = sendco.get(url(scene, f"{resource_id}/")).json()
    assert {k: detail["periods"][0][k] for k in ("booked", "delivered", "free", "utilisation_pct")} == {
        "booked": 6,
        "delivered": 3,
        "free": 24,
        "utilisation_pct": 10,
    }
    positions = sendco.get(url(scene, "schools/")).json()
    assert positions == [
        {
            "school_id": scene.school.pk,
            "resource_name": "Specialist teacher for autism",
            "unit": "days",
            "period_label": "Spring 2027",
            "allocated": 6,
            "delivered": 3,
            "left": 3,
            "requested": 0,
        }
    ]
    varied = finance.post(
        url(scene, f"fundings/{funded.json()['id']}/vary/"),
        {"new_amount_pence": 50_000_00, "reason": "0.8 FTE from January"},
        format="json",
    )
    assert varied.json()["amount_pence"] == 50_000_00
    assert pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence == 50_000_00


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "tutor"),
        ("name", ""),
        ("areas_of_need", "ASD"),
        ("capacity_unit", "litres"),
        ("capacity_basis", "week"),
        ("host_school_id", "x"),
        ("starts_on", "2026-13-01"),
        ("ends_on", "tomorrow"),
        ("fte_hundredths", 0),
        ("annual_cost_pence", -1),
        ("annual_cost_pence", 12.5),
        ("annual_cost_pence", "1250.505"),
        ("annual_cost_pence", "60000.00"),
        ("places", 0),
        ("cost_per_place_pence", -5),
        ("contract_value_pence", "1e6"),
        ("payee", "x" * 201),
        ("contract_reference", "x" * 101),
    ],
)
def test_bad_resource_values_are_refused_and_nothing_is_written(scene: Scene, field: str, value: Any) -> None:
    before = counts(scene)
    response = api(scene.finance.user).post(url(scene, "create/"), teacher_json(scene, **{field: value}), format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body.get("fields", {}) or body.get("field") == field
    assert counts(scene) == before


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"starts_on": "2027-09-01"}, "dates_out_of_order"),
        ({"host_school_id": 999_999_999}, "unknown_school"),
        ({"areas_of_need": ["NOPE"]}, "invalid_value"),
        ({"payee": ""}, "missing_field"),
    ],
)
def test_rule_breaking_resources_get_the_service_code(scene: Scene, overrides: dict[str, Any], code: str) -> None:
    response = api(scene.finance.user).post(url(scene, "create/"), teacher_json(scene, **overrides), format="json")
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert counts(scene)["SharedResource"] == 0


def test_a_head_cannot_register_and_a_trustee_reads(scene: Scene) -> None:
    from accounts.models import Role
    from tests.factories import member

    response = api(scene.head.user).post(url(scene, "create/"), teacher_json(scene), format="json")
    assert response.status_code == 403
    teacher(scene)
    trustee = member(Role.TRUSTEE, scene.body)
    listed = api(trustee.user).get(url(scene, "")).json()
    assert [r["name"] for r in listed["results"]] == ["Specialist teacher for autism"]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (
            {"name": "Late spring", "starts_on": "2027-03-01", "ends_on": "2027-04-30", "capacity_units": 5},
            409,
            "period_overlaps",
        ),
        (
            {"name": "Summer", "starts_on": "2027-07-31", "ends_on": "2027-04-01", "capacity_units": 5},
            400,
            "dates_out_of_order",
        ),
        ({"name": "Summer", "starts_on": "2027-04-01", "ends_on": "2027-07-31", "capacity_units": -1}, 400, "invalid"),
        ({"name": "", "starts_on": "2027-04-01", "ends_on": "2027-07-31", "capacity_units": 5}, 400, "invalid"),
        (
            {"name": "Summer", "starts_on": "2027-04-01", "ends_on": "2027-09-30", "capacity_units": 5},
            400,
            "outside_contract",
        ),
    ],
)
def test_bad_terms_are_refused(scene: Scene, payload: dict[str, Any], status: int, code: str) -> None:
    resource = teacher(scene)
    spring(scene, resource)
    response = api(scene.finance.user).post(url(scene, f"{resource.pk}/terms/"), payload, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert counts(scene)["CapacityPeriod"] == 1


def test_capacity_below_what_is_allocated_is_refused(scene: Scene) -> None:
    resource = teacher(scene)
    period = spring(scene, resource, units=10)
    request = request_create(
        actor=scene.head.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=8
    )
    request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=request.pk)
    response = api(scene.finance.user).post(
        url(scene, f"{resource.pk}/terms/"),
        {
            "capacityperiod_id": period.pk,
            "name": "Spring 2027",
            "starts_on": "2027-01-01",
            "ends_on": "2027-03-31",
            "capacity_units": 7,
        },
        format="json",
    )
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (
        409,
        "capacity_below_allocated",
        "capacity_units",
    )
    with tenant_context(scene.body):
        assert CapacityPeriod.objects.get(pk=period.pk).capacity_units == 10


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount_pence", -100),
        ("amount_pence", "100.505"),
        ("amount_pence", 0),
        ("amount_pence", 99.5),
        ("pool_id", "x"),
        ("starts_on", "2026-02-30"),
        ("frequency", "weekly"),
    ],
)
def test_bad_funding_values_are_refused(scene: Scene, field: str, value: Any) -> None:
    resource = teacher(scene)
    payload = {"pool_id": scene.pool.pk, "amount_pence": 1_000_00, "starts_on": "2026-09-01", "ends_on": "2027-08-31"}
    payload[field] = value
    response = api(scene.finance.user).post(url(scene, f"{resource.pk}/fund/"), payload, format="json")
    assert response.status_code == 400
    assert field in response.json().get("fields", {}) or response.json().get("field") == field
    assert counts(scene)["ResourceFunding"] == 0


def test_funding_above_headroom_is_a_409_and_writes_nothing(scene: Scene) -> None:
    resource = teacher(scene)
    response = api(scene.finance.user).post(
        url(scene, f"{resource.pk}/fund/"),
        {"pool_id": scene.pool.pk, "amount_pence": 100_000_01, "starts_on": "2026-09-01", "ends_on": "2027-08-31"},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "insufficient_headroom")
    assert response.json()["detail"]["shortfall_pence"] == 1
    assert counts(scene)["ResourceFunding"] == 0


def test_a_request_for_another_school_and_a_place_in_a_full_term(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=2)
    head = api(scene.head.user)
    other = head.post(
        url(scene, "requests/create/"),
        {"capacityperiod_id": period.pk, "school_id": scene.other_school.pk, "units": 1},
        format="json",
    )
    assert (other.status_code, other.json()["code"]) == (400, "other_school")
    for bad in ({"units": 0}, {"units": "two"}, {"starts_on": "2027-04-01"}, {"case_id": 0}):
        payload = {"capacityperiod_id": period.pk, "school_id": scene.school.pk, "units": 1} | bad
        assert head.post(url(scene, "requests/create/"), payload, format="json").status_code == 400
    first = head.post(
        url(scene, "requests/create/"),
        {"capacityperiod_id": period.pk, "school_id": scene.school.pk, "units": 2},
        format="json",
    ).json()
    second = head.post(
        url(scene, "requests/create/"),
        {"capacityperiod_id": period.pk, "school_id": scene.school.pk, "units": 1},
        format="json",
    ).json()
    officer = api(scene.officer.user)
    assert officer.post(url(scene, f"requests/{first['id']}/allocate/"), {}, format="json").status_code == 200
    full = officer.post(url(scene, f"requests/{second['id']}/allocate/"), {}, format="json")
    assert (full.status_code, full.json()["code"]) == (409, "capacity_full")
    assert counts(scene)["Allocation"] == 1
    no_reason = officer.post(url(scene, f"requests/{second['id']}/waitlist/"), {"reason": ""}, format="json")
    assert no_reason.status_code == 400
    waiting = officer.post(
        url(scene, f"requests/{second['id']}/waitlist/"), {"reason": "Full this term"}, format="json"
    )
    assert (waiting.json()["status"], waiting.json()["decision_reason"]) == ("waitlisted", "Full this term")
    declined = officer.post(url(scene, f"requests/{second['id']}/decline/"), {"reason": "Rule 2"}, format="json")
    assert declined.json()["status"] == "declined"
    assert head.post(url(scene, f"requests/{second['id']}/allocate/"), {}, format="json").status_code == 403


def test_lists_cost_the_same_for_1_and_10_rows(scene: Scene, django_assert_max_num_queries: Any) -> None:
    client = api(scene.officer.user)
    period = spring(scene, teacher(scene), units=100)

    def add() -> None:
        r = request_create(
            actor=scene.head.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=1
        )
        request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=r.pk)

    add()
    for path in ("", "requests/", "schools/", f"{period.resource_id}/", f"{period.resource_id}/shares/"):
        reset_queries()
        with django_assert_max_num_queries(12) as one:
            assert client.get(url(scene, path)).status_code == 200
        budgets = len(one.captured_queries)
        for _ in range(9):
            add()
        reset_queries()
        with django_assert_max_num_queries(budgets):
            assert client.get(url(scene, path)).status_code == 200


def test_rules_are_published_and_listed(scene: Scene) -> None:
    admin = api(scene.admin.user)
    bad = admin.post(url(scene, "rules/publish/"), {"effective_from": "2026-09-01", "rules": []}, format="json")
    assert bad.status_code == 400
    made = admin.post(
        url(scene, "rules/publish/"),
        {"effective_from": "2026-09-01", "rules": ["First come, first served."]},
        format="json",
    )
    assert made.status_code == 201
    assert api(scene.head.user).get(url(scene, "rules/")).json() == [
        {"version": 1, "effective_from": "2026-09-01", "rules": ["First come, first served."]}
    ]
