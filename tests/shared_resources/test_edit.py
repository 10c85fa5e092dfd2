"""Changing a registered resource, by page and by API PATCH: what may change, each refusal
on its field with nothing written, and a cost change on a funded resource varying its
funding through the variation service (the ledger follows), never silently."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts.models import Role
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError
from core.models import AuditEvent
from core.tenancy import tenant_context
from pooling.models import AccountKind, InstalmentSchedule, Leg
from shared_resources.models import ResourceFunding, SharedResource
from shared_resources.services.allocation import request_allocate, request_create
from shared_resources.services.edit import resource_update
from shared_resources.services.funding import funding_commit
from shared_resources.services.register import capacity_period_set, resource_register
from tests.factories import member
from tests.shared_resources.conftest import Scene, base_fields, spring, teacher, teacher_fields
from tests.shared_resources.test_api import api
from tests.shared_resources.test_api import url as api_url
from tests.shared_resources.test_pages import client_for, field_error, text, url

pytestmark = pytest.mark.django_db

SOURCE = ResourceFunding.SOURCE_TYPE


def _state(resource: SharedResource, scene: Scene) -> tuple[Any, ...]:
    with tenant_context(scene.body):
        r = SharedResource.objects.get(pk=resource.pk)
        fundings = tuple(ResourceFunding.objects.filter(resource=r).values_list("amount_pence", flat=True))
        updates = AuditEvent.objects.filter(verb=AuditVerb.SHARED_RESOURCE_UPDATED).count()
    return (r.name, r.starts_on, r.ends_on, r.places, r.annual_cost_pence, r.cost_per_place_pence, fundings, updates)


def _form(scene: Scene, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Specialist teacher for autism",
        "areas_of_need": ["ASD", "SLCN"],
        "capacity_unit": "days",
        "capacity_basis": "term",
        "host_school": str(scene.school.pk),
        "payee": "Meadow Trust (employer)",
        "contract_reference": "",
        "starts_on": "2026-09-01",
        "ends_on": "2027-08-31",
        "fte": "1",
        "annual_cost": "60000.00",
        "places": "",
        "cost_per_place": "",
        "contract_value": "",
    }
    data.update(overrides)
    return data


def _base_with_three_allocated(scene: Scene) -> SharedResource:
    base = resource_register(actor=scene.finance.user, tenant=scene.body, **base_fields(scene))
    period = capacity_period_set(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=base.pk,
        label="Spring 2027",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 3, 31),
        capacity_units=4,
    )
    for _ in range(3):
        request = request_create(
            actor=scene.sendco.user,
            tenant=scene.body,
            period_id=period.pk,
            school_id=scene.school.pk,
            units=1,
            starts_on=date(2027, 1, 5),
        )
        request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=request.pk)
    return base


def test_the_edit_page_shows_the_resource_and_saves_a_change(scene: Scene) -> None:
    resource = teacher(scene)
    client = client_for(scene.finance.user)
    page = client.get(url(scene, "resource-edit", sharedresource_id=resource.pk))
    assert page.status_code == 200
    body = text(page)
    assert 'value="60000.00"' in body
    assert 'value="Meadow Trust (employer)"' in body
    assert 'name="kind"' not in body  # the kind stays
    response = client.post(
        url(scene, "resource-edit", sharedresource_id=resource.pk),
        _form(scene, name="Specialist teacher (autism and communication)", areas_of_need=["ASD"], ends_on="2027-07-31"),
    )
    assert response.status_code == 302, field_error(response, "name") or text(response)[:2000]
    with tenant_context(scene.body):
        saved = SharedResource.objects.get(pk=resource.pk)
        event = AuditEvent.objects.get(verb=AuditVerb.SHARED_RESOURCE_UPDATED)
    assert (saved.name, saved.areas_of_need, saved.ends_on) == (
        "Specialist teacher (autism and communication)",
        ["ASD"],
        date(2027, 7, 31),
    )
    assert event.before["name"] == "Specialist teacher for autism"
    assert event.after["ends_on"] == "2027-07-31"
    assert "Change details" in text(client.get(response["Location"]))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ends_on", "2026-08-31", "the same as or after the start date"),
        ("starts_on", "2027-02-01", "terms of this resource fall outside these dates"),
        ("ends_on", "2027-02-28", "terms of this resource fall outside these dates"),
        ("annual_cost", "-5", ""),
        ("annual_cost", "60000.505", "decimal"),
        ("name", "", "required"),
        ("areas_of_need", ["NOPE"], "Select a valid choice"),
    ],
)
def test_bad_edits_on_the_page_show_on_the_field_and_write_nothing(
    scene: Scene, field: str, value: Any, message: str
) -> None:
    resource = teacher(scene)
    spring(scene, resource)
    before = _state(resource, scene)
    response = client_for(scene.finance.user).post(
        url(scene, "resource-edit", sharedresource_id=resource.pk), _form(scene, **{field: value})
    )
    assert response.status_code == 200
    assert "There is a problem" in text(response)
    shown = field_error(response, field) or field_error(response, "ends_on") or field_error(response, "starts_on")
    assert shown, text(response)[:3000]
    assert message.lower() in shown.lower()
    assert _state(resource, scene) == before


def test_a_base_cannot_have_fewer_places_than_are_allocated(scene: Scene) -> None:
    base = _base_with_three_allocated(scene)
    before = _state(base, scene)
    fields = base_fields(scene, places=2)
    with pytest.raises(ApplicationError) as exc:
        resource_update(actor=scene.finance.user, tenant=scene.body, resource_id=base.pk, **fields)
    assert (exc.value.code, exc.value.field) == ("capacity_below_allocated", "places")
    assert "3 places are already allocated" in exc.value.message
    response = api(scene.finance.user).patch(api_url(scene, f"{base.pk}/"), {"places": 2}, format="json")
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (
        409,
        "capacity_below_allocated",
        "places",
    )
    assert _state(base, scene) == before


def test_patch_changes_only_what_is_sent(scene: Scene) -> None:
    resource = teacher(scene)
    response = api(scene.finance.user).patch(
        api_url(scene, f"{resource.pk}/"),
        {"name": "Central-team EP post", "annual_cost_pence": 61_250_50},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["annual_cost_pence"]) == ("Central-team EP post", 61_250_50)
    with tenant_context(scene.body):
        saved = SharedResource.objects.get(pk=resource.pk)
    assert (saved.name, saved.annual_cost_pence, saved.payee, saved.ends_on) == (
        "Central-team EP post",
        61_250_50,
        "Meadow Trust (employer)",
        date(2027, 8, 31),
    )


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"annual_cost_pence": -1}, 400, "annual_cost_pence"),
        ({"annual_cost_pence": "1250.505"}, 400, "annual_cost_pence"),
        ({"annual_cost_pence": 12.5}, 400, "annual_cost_pence"),
        ({"ends_on": "2026-08-01"}, 400, "ends_on"),
        ({"starts_on": "2027-02-01"}, 409, "starts_on"),
        ({"name": ""}, 400, "name"),
        ({"areas_of_need": []}, 400, "areas_of_need"),
        ({"sort_code": "1234", "account_number": "12345678"}, 400, "sort_code"),
    ],
)
def test_bad_patches_are_refused_and_nothing_is_written(
    scene: Scene, payload: dict[str, Any], status: int, field: str
) -> None:
    resource = teacher(scene)
    spring(scene, resource)
    before = _state(resource, scene)
    response = api(scene.finance.user).patch(api_url(scene, f"{resource.pk}/"), payload, format="json")
    assert response.status_code == status, response.json()
    body = response.json()
    assert field in body.get("fields", {}) or body.get("field") == field, body
    assert _state(resource, scene) == before


def test_a_cost_change_on_a_funded_resource_varies_its_funding_in_proportion(scene: Scene) -> None:
    resource = teacher(scene)
    funding = funding_commit(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=resource.pk,
        pool_id=scene.pool.pk,
        amount_pence=30_000_00,
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
    )
    # Without a reason: refused, nothing written.
    before = _state(resource, scene)
    with pytest.raises(ApplicationError) as exc:
        resource_update(
            actor=scene.finance.user,
            tenant=scene.body,
            resource_id=resource.pk,
            **teacher_fields(scene, annual_cost_pence=66_000_00),
        )
    assert (exc.value.code, exc.value.field) == ("missing_field", "cost_change_reason")
    assert _state(resource, scene) == before
    # A body admin may edit the register but not vary pool money.
    admin = scene.admin.user
    with pytest.raises(ApplicationError) as exc:
        resource_update(
            actor=admin,
            tenant=scene.body,
            resource_id=resource.pk,
            cost_change_reason="Pay award",
            **teacher_fields(scene, annual_cost_pence=66_000_00),
        )
    assert exc.value.code == "not_allowed"
    assert _state(resource, scene) == before

    resource_update(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=resource.pk,
        cost_change_reason="Teachers' pay award of 10%",
        **teacher_fields(scene, annual_cost_pence=66_000_00),
    )
    with tenant_context(scene.body):
        funding.refresh_from_db()
        schedule = InstalmentSchedule.objects.get(source_type=SOURCE, source_id=str(funding.pk))
        net = sum(
            Leg.objects.filter(
                account__kind=AccountKind.AWARDS,
                transaction__source_type=SOURCE,
                transaction__source_id=str(funding.pk),
            ).values_list("amount_pence", flat=True)
        )
        varied = AuditEvent.objects.filter(verb=AuditVerb.SHARED_RESOURCE_FUNDING_VARIED).count()
        update = AuditEvent.objects.get(verb=AuditVerb.SHARED_RESOURCE_UPDATED)
    assert funding.amount_pence == schedule.total_pence == net == 33_000_00
    assert varied == 1
    assert update.after["fundings_varied"] == {str(funding.pk): 33_000_00}
    # A name-only change of a funded resource needs no reason and varies nothing.
    resource_update(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=resource.pk,
        **teacher_fields(scene, name="Renamed", annual_cost_pence=66_000_00),
    )
    with tenant_context(scene.body):
        assert AuditEvent.objects.filter(verb=AuditVerb.SHARED_RESOURCE_FUNDING_VARIED).count() == 1


@pytest.mark.parametrize("role", [Role.HEAD, Role.SENDCO, Role.DECISION_OFFICER, Role.TRUSTEE, Role.AUDITOR])
def test_only_body_admins_and_finance_officers_edit(scene: Scene, role: str) -> None:
    resource = teacher(scene)
    kwargs = {"school": scene.school} if role in (Role.HEAD, Role.SENDCO) else {}
    user = member(role, scene.body, mfa=True, **kwargs).user
    assert client_for(user).get(url(scene, "resource-edit", sharedresource_id=resource.pk)).status_code in (403, 404)
    response = api(user).patch(api_url(scene, f"{resource.pk}/"), {"name": "Mine now"}, format="json")
    assert response.status_code in (400, 403, 404)
    assert _state(resource, scene)[0] == "Specialist teacher for autism"
