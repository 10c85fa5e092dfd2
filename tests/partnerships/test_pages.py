"""Partnership pages: each form refuses bad values with a message on the field and
saves nothing; the journeys that work end where they should."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Role
from core.tenancy import platform_context, tenant_context
from partnerships.models import (
    CommissionedPlaces,
    DemandForecast,
    ExpertAllocation,
    ExpertCapacity,
    NeedSignalConsent,
    PartnershipContact,
    PartnershipMember,
    PlanAction,
    PlannedPlaces,
    PlanPriority,
    PlanVersion,
    ProvisionSetting,
)
from partnerships.services import partnership as partnership_services
from partnerships.services import plan, provision
from tests.core.pdf_support import assert_tagged_pdf
from tests.factories import LocalAuthorityFactory, SchoolFactory, TrustFactory, member
from tests.partnerships.conftest import LA_CODE, Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(area: Area) -> Client:
    c = Client()
    c.force_login(area.lead)
    return c


def _count(area: Area, model: Any) -> int:
    with tenant_context(area.la):
        return int(model.objects.count())


def _refused(client: Client, url: str, data: dict[str, Any], *messages: str) -> str:
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200, url
    assert "There is a problem" in html, url
    for message in messages:
        assert message in html, (message, url)
    return html


def test_member_and_contact_forms_refuse_bad_values(area: Area, client: Client) -> None:
    base = f"/b/{area.la.slug}/partnership/"
    members_before = _count(area, PartnershipMember)
    _refused(
        client,
        f"{base}{area.partnership.pk}/members/new/",
        {"organisation_name": "", "kind": "health"},
        "Enter the name of the organisation.",
    )
    _refused(
        client,
        f"{base}{area.partnership.pk}/members/new/",
        {"organisation_name": "X", "kind": "cult"},
        "Choose the organisation&#x27;s role.",
    )
    _refused(
        client,
        f"{base}{area.partnership.pk}/members/new/",
        {"organisation_name": "X", "kind": "trust", "member_body": "99999"},
        "Choose a trust from the list.",
    )
    _refused(
        client,
        f"{base}{area.partnership.pk}/members/new/",
        {"organisation_name": "X", "kind": "health", "member_body": str(TrustFactory().pk)},
        "Only a trust can be linked to a body on this service.",
    )
    assert _count(area, PartnershipMember) == members_before

    response = client.post(
        f"{base}{area.partnership.pk}/members/new/", {"organisation_name": "Kingston PCF", "kind": "parent_carer_forum"}
    )
    assert response.status_code == 302
    with tenant_context(area.la):
        pcf = PartnershipMember.objects.get(organisation_name="Kingston PCF")
    _refused(
        client,
        f"{base}members/{pcf.pk}/contacts/new/",
        {"full_name": "Sam", "email": "sam-at-example"},
        "Enter an email address in the correct format",
    )
    _refused(client, f"{base}members/{pcf.pk}/contacts/new/", {"full_name": ""}, "Enter the contact&#x27;s name.")
    assert _count(area, PartnershipContact) == 0
    assert (
        client.post(
            f"{base}members/{pcf.pk}/contacts/new/", {"full_name": "Sam Lee", "role_title": "Co-chair"}
        ).status_code
        == 302
    )
    assert "Sam Lee" in client.get(f"{base}{area.partnership.pk}/").content.decode()


def test_convening_needs_a_name(client: Client, area: Area) -> None:
    other = member(Role.PARTNERSHIP_LEAD, LocalAuthorityFactory())
    c = Client()
    c.force_login(other.user)
    _refused(
        c, f"/b/{other.responsible_body.slug}/partnership/new/", {"name": ""}, "Enter the name of the partnership."
    )
    response = c.post(f"/b/{other.responsible_body.slug}/partnership/new/", {"name": "Riverside SEND Partnership"})
    assert response.status_code == 302


def test_a_trust_joins_consents_and_revokes_through_its_pages(area: Area) -> None:
    trust_admin = member(Role.BODY_ADMIN, TrustFactory(legal_name="Riverside Learning Trust"))
    trust = trust_admin.responsible_body
    invited = partnership_services.member_add(
        actor=area.lead,
        tenant=area.la,
        partnership_id=area.partnership.pk,
        organisation_name="",
        kind="trust",
        member_body_id=trust.pk,
    )
    c = Client()
    c.force_login(trust_admin.user)
    home = c.get(f"/b/{trust.slug}/partnership/").content.decode()
    assert "Example Local SEND Partnership" in home
    assert "Join the partnership" in home
    assert (
        c.post(f"/b/{trust.slug}/partnership/invitations/{invited.pk}/join/", {"share_need_signals": "on"}).status_code
        == 302
    )
    home = c.get(f"/b/{trust.slug}/partnership/").content.decode()
    assert "Stop sharing need signals" in home
    assert "Join the partnership" not in home
    with tenant_context(trust):
        consent = NeedSignalConsent.objects.get()
    assert consent.given_by == trust_admin.user
    assert c.post(f"/b/{trust.slug}/partnership/participations/{consent.participation_id}/revoke/").status_code == 302
    with tenant_context(trust):
        assert NeedSignalConsent.objects.get().revoked_by == trust_admin.user
    lead_view = Client()
    lead_view.force_login(area.lead)
    assert (
        "Joined, not sharing" in lead_view.get(f"/b/{area.la.slug}/partnership/{area.partnership.pk}/").content.decode()
    )
    # Joining again, or another body's invitation, is refused.
    assert c.post(f"/b/{trust.slug}/partnership/invitations/{invited.pk}/join/", {}).status_code == 200
    with platform_context():
        la_member = PartnershipMember.objects.filter(member_body__isnull=True).first()
    assert la_member is not None
    assert c.post(f"/b/{trust.slug}/partnership/invitations/{la_member.pk}/join/", {}).status_code == 404


def test_plan_pages_refuse_bad_values_publish_and_download(area: Area, client: Client) -> None:
    base = f"/b/{area.la.slug}/partnership/"
    assert client.post(f"{base}{area.partnership.pk}/plan/new/").status_code == 302
    with tenant_context(area.la):
        version = PlanVersion.objects.get()
        owner = area.partnership.members.get()
    response = client.post(f"{base}plan/{version.pk}/publish/", follow=True)
    assert "Add at least one priority before publishing." in response.content.decode()
    _refused(client, f"{base}plan/{version.pk}/edit/", {"title": "", "summary": ""}, "Enter the plan&#x27;s title.")
    _refused(client, f"{base}plan/{version.pk}/priorities/new/", {"title": ""}, "Enter the priority.")
    assert client.post(f"{base}plan/{version.pk}/priorities/new/", {"title": "Places close to home"}).status_code == 302
    with tenant_context(area.la):
        priority = PlanPriority.objects.get()
    p = f"p{priority.pk}-"
    _refused(
        client,
        f"{base}plan/priorities/{priority.pk}/actions/new/",
        {
            p + "description": "Open a base",
            p + "owner": "",
            p + "due_on_day": "31",
            p + "due_on_month": "2",
            p + "due_on_year": "2027",
            p + "status": "later",
        },
        "Choose the organisation that owns the action.",
        "The due date must be a real date",
        "Choose the status.",
    )
    assert _count(area, PlanAction) == 0
    response = client.post(
        f"{base}plan/priorities/{priority.pk}/actions/new/",
        {
            p + "description": "Open a base",
            p + "owner": owner.pk,
            p + "due_on_day": "1",
            p + "due_on_month": "9",
            p + "due_on_year": "2027",
            p + "status": "not_started",
        },
    )
    assert response.status_code == 302
    with tenant_context(area.la):
        action = PlanAction.objects.get()
    assert action.due_on.isoformat() == "2027-09-01"
    _refused(
        client,
        f"{base}plan/actions/{action.pk}/",
        {"status": "done", "owner": owner.pk, "due_on": "soon"},
        "The due date must be a real date",
    )
    assert (
        client.post(
            f"{base}plan/actions/{action.pk}/", {"status": "in_progress", "owner": owner.pk, "due_on": "2027-10-01"}
        ).status_code
        == 302
    )
    assert client.post(f"{base}plan/{version.pk}/publish/").status_code == 302
    page = client.get(f"{base}plan/{version.pk}/").content.decode()
    assert "published" in page
    assert "Add a priority" not in page
    pdf = client.get(f"{base}plan/{version.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert_tagged_pdf(pdf.content, title_contains=f"version {version.number}")
    response = client.post(f"{base}plan/{version.pk}/priorities/new/", {"title": "Too late"})
    assert "cannot be changed" in response.content.decode()
    assert _count(area, PlanPriority) == 1


def test_provision_pages_refuse_bad_values(area: Area, client: Client) -> None:
    base = f"/b/{area.la.slug}/partnership/"
    SchoolFactory(la_code=LA_CODE, name="Hill Special School", type_name="Community special school")
    assert client.post(f"{base}{area.partnership.pk}/provision/seed/").status_code == 302
    assert "Hill Special School" in client.get(f"{base}{area.partnership.pk}/provision/").content.decode()
    _refused(
        client,
        f"{base}{area.partnership.pk}/provision/new/",
        {"name": "", "kind": "zoo"},
        "Enter the setting&#x27;s name.",
        "Choose the kind of setting.",
    )
    with tenant_context(area.la):
        setting = ProvisionSetting.objects.get()
    url = f"{base}provision/{setting.pk}/"
    _refused(
        client,
        url + "places/",
        {"need": "ZZZ", "phase": "primary", "places": "-2", "on_roll": "lots"},
        "Choose a primary need from the list.",
        "Places commissioned cannot be negative.",
        "Enter number on roll as a whole number",
    )
    _refused(
        client,
        url + "planned/",
        {"need": "ASD", "phase": "primary", "places": "0", "opens_on_day": "1", "opens_on_month": "13"},
        "The opening date must include a year",
    )
    _refused(
        client,
        url + "planned/",
        {"need": "ASD", "phase": "primary", "places": "0", "opens_on": "2027-09-01"},
        "Enter at least 1 planned place.",
    )
    _refused(
        client, url + "edit/", {"name": "", "kind": "special_school", "locality": ""}, "Enter the setting&#x27;s name."
    )
    assert (_count(area, CommissionedPlaces), _count(area, PlannedPlaces)) == (0, 0)
    assert (
        client.post(url + "places/", {"need": "ASD", "phase": "primary", "places": "12", "on_roll": "11"}).status_code
        == 302
    )
    assert ">12<" in client.get(url).content.decode()


def test_demand_pages_refuse_bad_values_and_list_file_problems(area: Area, client: Client) -> None:
    base = f"/b/{area.la.slug}/partnership/{area.partnership.pk}/demand/"
    _refused(
        client,
        base + "forecast/",
        {"need": "ASD", "phase": "primary", "year": "27", "pupils": "-5"},
        "Enter a year from 2000 to 2100.",
        "Pupils needing a place cannot be negative.",
    )
    _refused(client, base + "upload/", {}, "Choose the CSV file to upload.")
    bad = SimpleUploadedFile("f.csv", b"need,phase,year,pupils\nASD,primary,2027,4\nNOPE,primary,2027,3\n")
    html = _refused(client, base + "upload/", {"file": bad}, "The file has 1 problem. Nothing was saved")
    assert "&#x27;NOPE&#x27; is not a primary-need code" in html
    assert 'id="upload-problems"' in html
    assert _count(area, DemandForecast) == 0
    assert (
        client.post(base + "forecast/", {"need": "ASD", "phase": "primary", "year": "2027", "pupils": "30"}).status_code
        == 302
    )
    assert client.post(base + "signals/refresh/").status_code == 302
    assert "from 0 consenting trusts" in client.get(base).content.decode()


def test_experts_pages_refuse_bad_values(area: Area, client: Client) -> None:
    base = f"/b/{area.la.slug}/partnership/{area.partnership.pk}/experts/"
    _refused(
        client,
        base + "capacity/",
        {"term": "Autumn 2026", "profession": "ep", "days": "10"},
        "Enter the term like 2026/27 autumn.",
    )
    _refused(
        client, base + "capacity/", {"term": "2026/27 autumn", "profession": "ep", "days": "-1"}, "cannot be negative"
    )
    _refused(
        client,
        base + "allocations/",
        {"term": "2026/27 autumn", "profession": "ep", "school_urn": "123", "days_planned": "2"},
        "No school with that URN is in",
    )
    _refused(
        client,
        base + "allocations/",
        {"term": "2026/27 autumn", "profession": "dentist", "school_urn": "x", "days_planned": ""},
        "Choose a profession from the list.",
        "Enter the URN as a whole number",
        "Enter the days planned.",
    )
    assert (_count(area, ExpertCapacity), _count(area, ExpertAllocation)) == (0, 0)
    school = SchoolFactory(la_code=LA_CODE)
    assert (
        client.post(
            base + "allocations/",
            {"term": "2026/27 autumn", "profession": "ep", "school_urn": school.urn, "days_planned": "2.5"},
        ).status_code
        == 302
    )
    assert "Over by 2.5" in client.get(base).content.decode()


def test_list_pages_have_a_fixed_query_budget(area: Area, client: Client, django_assert_max_num_queries: Any) -> None:
    for i in range(12):
        setting = provision.setting_add(
            actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk, name=f"Base {i}", kind="sen_unit"
        )
        provision.places_set(
            actor=area.lead,
            tenant=area.la,
            provisionsetting_id=setting.pk,
            need="ASD",
            phase="primary",
            places=5,
            on_roll=i,
        )
        partnership_services.member_add(
            actor=area.lead,
            tenant=area.la,
            partnership_id=area.partnership.pk,
            organisation_name=f"Org {i}",
            kind="other",
        )
    version = plan.plan_draft_start(actor=area.lead, tenant=area.la, partnership_id=area.partnership.pk)
    base = f"/b/{area.la.slug}/partnership/{area.partnership.pk}/"
    for path in ("", "provision/", "sufficiency/", "demand/", "experts/", "plan/"):
        with django_assert_max_num_queries(25):
            assert client.get(base + path).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(f"/b/{area.la.slug}/partnership/plan/{version.pk}/").status_code == 200
