"""The partnership API: every field refuses bad values with a stable code naming the field
and saves nothing; the happy paths return what the pages show."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import Role
from core.models import AuditEvent
from core.tenancy import tenant_context
from partnerships.services import plan, provision
from tests.factories import SchoolFactory, TrustFactory, member
from tests.partnerships.conftest import LA_CODE, Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(area: Area) -> APIClient:
    client = APIClient()
    client.force_authenticate(area.lead)
    return client


def _base(area: Area) -> str:
    return f"/api/v1/bodies/{area.la.slug}/partnerships/"


def _events(area: Area) -> int:
    with tenant_context(area.la):
        return AuditEvent.objects.count()


@pytest.fixture
def ids(area: Area) -> dict[str, int]:
    setting = provision.setting_add(
        actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk, name="Base", kind="sen_unit"
    )
    version = plan.plan_draft_start(actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk)
    priority = plan.plan_priority_add(actor=area.lead, tenant=area.la, planversion_id=version.pk, title="Places")
    with tenant_context(area.la):
        owner = area.partnership.members.get()
    action = plan.plan_action_add(
        actor=area.lead,
        tenant=area.la,
        planpriority_id=priority.pk,
        description="Do",
        owner_id=owner.pk,
        due_on=date(2027, 1, 1),
    )
    return {
        "p": area.partnership.pk,
        "setting": setting.pk,
        "version": version.pk,
        "priority": priority.pk,
        "action": action.pk,
        "owner": owner.pk,
        "member": owner.pk,
    }


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("convene/", {"name": ""}, "name"),
    ("{p}/members/", {"organisation_name": "X", "kind": "cult"}, "kind"),
    ("{p}/members/", {"organisation_name": "X", "kind": "trust", "member_body_id": "abc"}, "member_body_id"),
    ("{p}/members/", {"organisation_name": "x" * 201, "kind": "other"}, "organisation_name"),
    ("members/{member}/contacts/", {"full_name": ""}, "full_name"),
    ("members/{member}/contacts/", {"full_name": "A", "email": "nope"}, "email"),
    ("members/{member}/contacts/", {"full_name": "A", "phone": "1" * 31}, "phone"),
    ("plan/{version}/priorities/", {"title": ""}, "title"),
    ("plan/{version}/priorities/", {"title": "T", "description": "x" * 5001}, "description"),
    ("plan/priorities/{priority}/actions/", {"description": "", "owner_id": 1, "due_on": "2027-01-01"}, "description"),
    ("plan/priorities/{priority}/actions/", {"description": "D", "owner_id": 0, "due_on": "2027-01-01"}, "owner_id"),
    ("plan/priorities/{priority}/actions/", {"description": "D", "owner_id": 1, "due_on": "01/01/2027"}, "due_on"),
    (
        "plan/priorities/{priority}/actions/",
        {"description": "D", "owner_id": 1, "due_on": "2027-01-01", "status": "later"},
        "status",
    ),
    ("plan/actions/{action}/", {"owner_id": "x", "due_on": "2027-01-01", "status": "done"}, "owner_id"),
    ("plan/actions/{action}/", {"owner_id": 1, "due_on": "", "status": "done"}, "due_on"),
    ("{p}/provision/new/", {"name": "", "kind": "sen_unit"}, "name"),
    ("{p}/provision/new/", {"name": "N", "kind": "zoo"}, "kind"),
    ("{p}/provision/new/", {"name": "N", "kind": "sen_unit", "locality": "x" * 61}, "locality"),
    ("provision/{setting}/places/", {"need": "ZZZ", "phase": "primary", "places": 1, "on_roll": 1}, "need"),
    ("provision/{setting}/places/", {"need": "ASD", "phase": "nursery", "places": 1, "on_roll": 1}, "phase"),
    ("provision/{setting}/places/", {"need": "ASD", "phase": "primary", "places": -1, "on_roll": 1}, "places"),
    ("provision/{setting}/places/", {"need": "ASD", "phase": "primary", "places": 1, "on_roll": 1.5}, "on_roll"),
    (
        "provision/{setting}/planned/",
        {"need": "ASD", "phase": "primary", "places": 0, "opens_on": "2027-09-01"},
        "places",
    ),
    ("provision/{setting}/planned/", {"need": "ASD", "phase": "primary", "places": 3, "opens_on": "soon"}, "opens_on"),
    (
        "provision/{setting}/planned/",
        {"need": "ASD", "phase": "primary", "places": 3, "opens_on": "2027-09-01", "note": "x" * 301},
        "note",
    ),
    ("{p}/forecasts/set/", {"need": "ZZZ", "phase": "primary", "year": 2027, "pupils": 1}, "need"),
    ("{p}/forecasts/set/", {"need": "ASD", "phase": "x", "year": 2027, "pupils": 1}, "phase"),
    ("{p}/forecasts/set/", {"need": "ASD", "phase": "primary", "year": 27, "pupils": 1}, "year"),
    ("{p}/forecasts/set/", {"need": "ASD", "phase": "primary", "year": 2027, "pupils": -3}, "pupils"),
    ("{p}/reports/", {"year": 1900}, "year"),
    ("{p}/experts/capacity/", {"term": "autumn", "profession": "ep", "days": "1"}, "term"),
    ("{p}/experts/capacity/", {"term": "2026/27 autumn", "profession": "vet", "days": "1"}, "profession"),
    ("{p}/experts/capacity/", {"term": "2026/27 autumn", "profession": "ep", "days": "-1"}, "days"),
    (
        "{p}/experts/allocations/",
        {"term": "2026/27 autumn", "profession": "ep", "school_urn": 0, "days_planned": "1"},
        "school_urn",
    ),
    (
        "{p}/experts/allocations/",
        {"term": "2026/27 autumn", "profession": "ep", "school_urn": 123456, "days_planned": "1"},
        "school_urn",
    ),
    (
        "{p}/experts/allocations/",
        {"term": "2026/27 autumn", "profession": "ep", "school_urn": 123456, "days_planned": "1.25"},
        "days_planned",
    ),
    (
        "{p}/experts/allocations/",
        {"term": "2026/27 autumn", "profession": "ep", "school_urn": 123456, "days_planned": "1", "days_used": "x"},
        "days_used",
    ),
]


@pytest.mark.parametrize(("path", "payload", "field"), BAD)
def test_every_field_refuses_bad_values(
    area: Area, api: APIClient, ids: dict[str, int], path: str, payload: dict[str, Any], field: str
) -> None:
    SchoolFactory(la_code="111", urn=123456)
    payload = {k: (ids["owner"] if k == "owner_id" and v == 1 else v) for k, v in payload.items()}
    before = _events(area)
    response = api.post(_base(area) + path.format(**ids), payload, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    named = body.get("field") or next(iter(body.get("fields", {})), None)
    assert named == field, body
    assert _events(area) == before


def test_forecast_upload_reports_problems_by_line_and_saves_nothing(area: Area, api: APIClient) -> None:
    url = _base(area) + f"{area.partnership.pk}/forecasts/upload/"
    bad = SimpleUploadedFile("f.csv", b"need,phase,year,pupils\nASD,primary,2027,4\nASD,primary,2027,-1\nBAD,x,y,z\n")
    response = api.post(url, {"file": bad}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "forecast_file_rejected"
    assert [p["line"] for p in body["detail"]["problems"]] == [3, 4, 4, 4, 4]
    assert api.get(_base(area) + f"{area.partnership.pk}/forecasts/").json() == []
    assert api.post(url, {}, format="multipart").json()["fields"] == {"file": ["No file was submitted."]}
    good = SimpleUploadedFile("f.csv", b"need,phase,year,pupils\nASD,primary,2027,4\n")
    assert api.post(url, {"file": good}, format="multipart").json() == {"saved": 1}
    assert api.get(_base(area) + f"{area.partnership.pk}/forecasts/").json() == [
        {"need": "ASD", "phase": "primary", "year": 2027, "pupils": 4, "source": "upload"}
    ]


def test_the_api_covers_plan_provision_sufficiency_signals_and_experts(
    area: Area, api: APIClient, ids: dict[str, int]
) -> None:
    base = _base(area)
    p = area.partnership.pk
    assert (
        api.post(
            base + f"provision/{ids['setting']}/places/",
            {"need": "ASD", "phase": "primary", "places": 10, "on_roll": 9},
            format="json",
        ).status_code
        == 200
    )
    assert (
        api.post(
            base + f"{p}/forecasts/set/", {"need": "ASD", "phase": "primary", "year": 2027, "pupils": 14}, format="json"
        ).status_code
        == 200
    )
    suff = api.get(base + f"{p}/sufficiency/", {"year": 2027}).json()
    assert suff["lines"] == [
        {
            "need": "ASD",
            "phase": "primary",
            "places": 10,
            "on_roll": 9,
            "occupancy": 90,
            "planned": 0,
            "capacity": 10,
            "demand": 14,
            "gap": 4,
            "status": "gap",
        }
    ]
    published = api.post(base + f"plan/{ids['version']}/publish/").json()
    assert published["status"] == "published"
    assert [a["description"] for a in published["priorities"][0]["actions"]] == ["Do"]
    refused = api.post(base + f"plan/{ids['version']}/priorities/", {"title": "Late"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "plan_published")
    assert api.get(base + f"{p}/need-signals/").status_code == 404
    snapshot = api.post(base + f"{p}/need-signals/refresh/").json()
    assert (snapshot["trusts_included"], snapshot["counts"]) == (0, [])
    school = SchoolFactory(la_code=LA_CODE)
    assert (
        api.post(
            base + f"{p}/experts/allocations/",
            {
                "term": "2026/27 autumn",
                "profession": "ot",
                "school_urn": school.urn,
                "days_planned": "3",
                "days_used": "1.5",
            },
            format="json",
        ).status_code
        == 200
    )
    use = api.get(base + f"{p}/experts/").json()["use"]
    assert use == [
        {"term": "2026/27 autumn", "profession": "ot", "capacity": "0.0", "planned": "3.0", "used": "1.5", "schools": 1}
    ]
    run = api.post(base + f"{p}/reports/", {"year": 2027}, format="json")
    assert run.status_code == 201
    assert run.json()["status"] == "queued"
    assert api.get(base + f"reports/{run.json()['id']}/").json()["label"].startswith("Sufficiency of specialist places")


def test_a_trust_joins_and_revokes_through_the_api(area: Area) -> None:
    admin = member(Role.BODY_ADMIN, TrustFactory())
    trust = admin.responsible_body
    api = APIClient()
    api.force_authenticate(admin.user)
    lead_api = APIClient()
    lead_api.force_authenticate(area.lead)
    invited = lead_api.post(
        _base(area) + f"{area.partnership.pk}/members/", {"kind": "trust", "member_body_id": trust.pk}, format="json"
    ).json()
    base = f"/api/v1/bodies/{trust.slug}/partnerships/"
    assert [i["member_id"] for i in api.get(base + "invitations/").json()] == [invited["id"]]
    assert api.post(base + f"invitations/{invited['id']}/join/", {"share_need_signals": "maybe"}, format="json").json()[
        "fields"
    ] == {"share_need_signals": ["Must be a valid boolean."]}
    joined = api.post(base + f"invitations/{invited['id']}/join/", {"share_need_signals": True}, format="json").json()
    assert joined["sharing_need_signals"] is True
    assert api.post(base + f"participations/{joined['id']}/revoke/").json()["sharing_need_signals"] is False
    again = api.post(base + f"participations/{joined['id']}/revoke/")
    assert (again.status_code, again.json()["code"]) == (409, "no_consent_to_revoke")
    assert (
        api.post(
            base + f"invitations/{invited['id'] + 1000}/join/", {"share_need_signals": True}, format="json"
        ).status_code
        == 404
    )
