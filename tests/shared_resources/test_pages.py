"""The shared-resources pages: each renders for the roles it is for, refuses bad input on
every field with the error on the field and nothing written, and lists cost the same
number of queries for 1 and 10 rows."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
from django.db import reset_queries
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from core.tenancy import tenant_context
from shared_resources.models import CapacityPeriod, Delivery, ResourceFunding, ResourceRequest, SharedResource
from shared_resources.services.allocation import request_allocate, request_create
from shared_resources.services.funding import funding_commit
from tests.assurance.governance_support import add_census
from tests.exceptional_resource.conftest import Scene as CaseScene
from tests.exceptional_resource.conftest import draft_case
from tests.factories import member
from tests.shared_resources.conftest import Scene, spring, teacher

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(scene: Scene, name: str, **kwargs: Any) -> str:
    return reverse(f"shared-resources:{name}", kwargs={"body_slug": scene.body.slug, **kwargs})


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def field_error(response: Any, name: str) -> str:
    match = re.search(
        rf'<p id="id_{name}-error" class="govuk-error-message">(.*?)</p>', response.content.decode(), re.S
    )
    if not match:
        return ""
    shown = re.sub(r"<[^>]+>", "", html.unescape(match.group(1))).strip()
    return shown.removeprefix("Error:").strip()


def resource_post(scene: Scene, **overrides: str | list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "post",
        "name": "Specialist teacher for autism",
        "areas_of_need": ["ASD"],
        "capacity_unit": "days",
        "capacity_basis": "term",
        "host_school": str(scene.school.pk),
        "payee": "Meadow Trust",
        "contract_reference": "",
        "starts_on": "2026-09-01",
        "ends_on": "2027-08-31",
        "fte": "1.0",
        "annual_cost": "60,000.00",
        "places": "",
        "cost_per_place": "",
        "contract_value": "",
    }
    data.update(overrides)
    return data


def count(model: Any, scene: Scene) -> int:
    with tenant_context(scene.body):
        return int(model.objects.count())


def test_a_finance_officer_registers_a_teacher_through_the_form(scene: Scene) -> None:
    response = client_for(scene.finance.user).post(url(scene, "resource-new"), resource_post(scene))
    assert response.status_code == 302
    with tenant_context(scene.body):
        resource = SharedResource.objects.get()
    assert (resource.fte_hundredths, resource.annual_cost_pence) == (100, 60_000_00)
    assert response["Location"] == url(scene, "resource", sharedresource_id=resource.pk)
    page = client_for(scene.finance.user).get(response["Location"])
    assert "Specialist teacher for autism" in text(page)
    assert "£60,000.00" in text(page)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "tutor", "Select a valid choice"),
        ("name", "", "This field is required"),
        ("areas_of_need", ["NOPE"], "Select a valid choice"),
        ("capacity_unit", "places", "A support base counts places"),
        ("capacity_basis", "", "This field is required"),
        ("host_school", "", "This field is required"),
        ("payee", "", "Enter the employing entity"),
        ("contract_reference", "x" * 101, "at most 100 characters"),
        ("starts_on", "2027-09-01", ""),
        ("ends_on", "not a date", "The contract end date must be a real date"),
        ("fte", "0", "above 0"),
        ("fte", "0.125", "at most 2 decimal places"),
        ("fte", "one", "as a number"),
        ("annual_cost", "60000.505", "decimal"),
        ("annual_cost", "-5", ""),
        ("annual_cost", "lots", ""),
        ("places", "0", ""),
    ],
)
def test_bad_resource_form_values_show_on_the_field_and_write_nothing(
    scene: Scene, field: str, value: str | list[str], message: str
) -> None:
    response = client_for(scene.finance.user).post(url(scene, "resource-new"), resource_post(scene, **{field: value}))
    assert response.status_code == 200
    body = text(response)
    assert "There is a problem" in body
    assert "<title>Error: " in response.content.decode()
    shown = field_error(response, field) or field_error(response, "ends_on")
    assert shown, body[:3000]
    assert message.lower() in shown.lower()
    assert count(SharedResource, scene) == 0


def test_a_service_needs_its_contract_value_and_a_base_its_cost(scene: Scene) -> None:
    client = client_for(scene.finance.user)
    service = client.post(
        url(scene, "resource-new"),
        resource_post(
            scene,
            kind="service",
            capacity_unit="sessions",
            fte="",
            annual_cost="",
            contract_reference="EP-1",
            contract_value="1.001",
        ),
    )
    assert "decimal" in field_error(service, "contract_value").lower()
    base = client.post(
        url(scene, "resource-new"),
        resource_post(
            scene, kind="support_base", capacity_unit="places", fte="", annual_cost="", places="8", cost_per_place=""
        ),
    )
    assert field_error(base, "annual_cost") == "Enter the annual cost or the cost per place."
    assert count(SharedResource, scene) == 0


def test_terms_overlapping_backwards_and_below_allocated_are_refused(scene: Scene) -> None:
    resource = teacher(scene)
    period = spring(scene, resource, units=10)
    client = client_for(scene.finance.user)
    new = url(scene, "resource-period-new", sharedresource_id=resource.pk)
    overlap = client.post(
        new, {"label": "Late", "starts_on": "2027-03-01", "ends_on": "2027-04-30", "capacity_units": "5"}
    )
    assert field_error(overlap, "starts_on") == "This overlaps another term or year of the resource."
    backwards = client.post(
        new, {"label": "Summer", "starts_on": "2027-07-31", "ends_on": "2027-04-01", "capacity_units": "5"}
    )
    assert "same as or after" in field_error(backwards, "ends_on")
    negative = client.post(
        new, {"label": "Summer", "starts_on": "2027-04-01", "ends_on": "2027-07-31", "capacity_units": "-1"}
    )
    assert field_error(negative, "capacity_units")
    request = request_create(
        actor=scene.head.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=8
    )
    request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=request.pk)
    edit = url(scene, "period-edit", capacityperiod_id=period.pk)
    assert client.get(edit).status_code == 200
    below = client.post(
        edit, {"label": "Spring 2027", "starts_on": "2027-01-01", "ends_on": "2027-03-31", "capacity_units": "7"}
    )
    assert field_error(below, "capacity_units") == "8 days are already allocated: the capacity cannot be less."
    with tenant_context(scene.body):
        assert list(CapacityPeriod.objects.values_list("capacity_units", flat=True)) == [10]
    # Typed as day, month and year, as the page asks.
    typed = {"starts_on_day": "1", "starts_on_month": "4", "ends_on_day": "31", "ends_on_month": "7"}
    not_real = client.post(
        new, {"label": "Summer", **typed, "starts_on_year": "2027", "ends_on_year": "27", "capacity_units": "5"}
    )
    assert field_error(not_real, "ends_on") == "Year must include 4 numbers"
    summer = client.post(
        new, {"label": "Summer", **typed, "starts_on_year": "2027", "ends_on_year": "2027", "capacity_units": "5"}
    )
    assert summer.status_code == 302
    with tenant_context(scene.body):
        added = CapacityPeriod.objects.get(resource=resource, label="Summer")
    assert (added.starts_on, added.ends_on) == (date(2027, 4, 1), date(2027, 7, 31))


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("100.505", "decimal"),
        ("-100", ""),
        ("", "Enter an amount"),
        ("100,000.01", "The pool cannot fund this"),
    ],
)
def test_bad_funding_amounts_are_refused(scene: Scene, amount: str, message: str) -> None:
    resource = teacher(scene)
    response = client_for(scene.finance.user).post(
        url(scene, "resource-fund", sharedresource_id=resource.pk),
        {
            "pool": str(scene.pool.pk),
            "amount": amount,
            "starts_on": "2026-09-01",
            "ends_on": "2027-08-31",
            "frequency": "monthly",
        },
    )
    assert response.status_code == 200
    assert field_error(response, "amount")
    assert message.lower() in field_error(response, "amount").lower()
    assert count(ResourceFunding, scene) == 0


def test_funding_vary_and_end_pages(scene: Scene) -> None:
    resource = teacher(scene)
    funding = funding_commit(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=resource.pk,
        pool_id=scene.pool.pk,
        amount_pence=12_000_00,
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
    )
    client = client_for(scene.finance.user)
    vary = url(scene, "funding-vary", resourcefunding_id=funding.pk)
    assert "decimal" in field_error(client.post(vary, {"new_amount": "1.234", "reason": "x"}), "new_amount").lower()
    assert client.post(vary, {"new_amount": "10,000", "reason": "Fewer days"}).status_code == 302
    end = url(scene, "funding-end", resourcefunding_id=funding.pk)
    bad = client.post(end, {"end_on": "2028-01-01", "reason": "Left"})
    assert field_error(bad, "end_on") == "Choose a day within the funded dates."
    assert client.post(end, {"end_on": "2026-12-31", "reason": "Left"}).status_code == 302
    with tenant_context(scene.body):
        stored = ResourceFunding.objects.get()
    assert stored.status == "ended"
    assert client_for(scene.head.user).get(vary).status_code == 404


def test_a_sendco_asks_for_days_for_a_case_and_the_case_shows_them_in_place(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=30)
    case = draft_case(
        CaseScene(
            body=scene.body,
            school=scene.school,
            pool=scene.pool,
            head=scene.head,
            officer=scene.officer,
            senior=scene.officer,
            finance=scene.finance,
        )
    )
    sendco = client_for(scene.sendco.user)
    form = sendco.get(url(scene, "request-new"))
    assert case.reference in text(form)
    sent = sendco.post(
        url(scene, "request-new"),
        {
            "period": str(period.pk),
            "school": str(scene.school.pk),
            "units": "6",
            "case": str(case.pk),
            "starts_on": "",
            "note": "",
        },
    )
    assert sent.status_code == 302
    with tenant_context(scene.body):
        request = ResourceRequest.objects.get()
    officer = client_for(scene.officer.user)
    decided = officer.post(
        url(scene, "request-decide", resourcerequest_id=request.pk), {"decision": "allocate", "units": "", "reason": ""}
    )
    assert decided.status_code == 302
    case_page = client_for(scene.head.user).get(
        reverse("cases:detail", kwargs={"body_slug": scene.body.slug, "case_id": case.pk})
    )
    in_place = text(case_page)
    assert "From the grouping's shared resources" in in_place
    assert "Specialist teacher for autism" in in_place


def test_a_request_for_another_school_or_a_full_base_is_refused(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=1)
    head = client_for(scene.head.user)
    tampered = head.post(
        url(scene, "request-new"), {"period": str(period.pk), "school": str(scene.other_school.pk), "units": "1"}
    )
    assert field_error(tampered, "school")
    assert (
        head.post(
            url(scene, "request-new"), {"period": str(period.pk), "school": str(scene.school.pk), "units": "0"}
        ).status_code
        == 200
    )
    assert count(ResourceRequest, scene) == 0
    first = request_create(
        actor=scene.head.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=1
    )
    second = request_create(
        actor=scene.head.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=1
    )
    request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=first.pk)
    officer = client_for(scene.officer.user)
    decide = url(scene, "request-decide", resourcerequest_id=second.pk)
    full = officer.post(decide, {"decision": "allocate", "units": "", "reason": ""})
    assert "Only 0 days are left in Spring 2027" in text(full)
    no_reason = officer.post(decide, {"decision": "waitlist", "units": "", "reason": ""})
    assert field_error(no_reason, "reason") == "Enter the reason."
    assert officer.post(decide, {"decision": "waitlist", "units": "", "reason": "Full"}).status_code == 302
    with tenant_context(scene.body):
        assert ResourceRequest.objects.get(pk=second.pk).status == "waitlisted"


def test_delivery_page_records_and_refuses_over_delivery(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=10)
    r = request_create(
        actor=scene.head.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=4
    )
    allocation = request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=r.pk)
    officer = client_for(scene.officer.user)
    page = url(scene, "delivery-new", allocation_id=allocation.pk)
    over = officer.post(page, {"delivered_on": "2027-01-10", "units": "5", "note": ""})
    assert field_error(over, "units") == "0 of the 4 allocated are already recorded as delivered."
    outside = officer.post(page, {"delivered_on": "2027-05-10", "units": "1", "note": ""})
    assert field_error(outside, "delivered_on")
    assert officer.post(page, {"delivered_on": "2027-01-10", "units": "3", "note": ""}).status_code == 302
    assert count(Delivery, scene) == 1
    assert client_for(scene.head.user).get(page).status_code == 404


def test_capacity_chart_table_csv_shares_and_pack_preview(scene: Scene) -> None:
    resource = teacher(scene)
    period = spring(scene, resource, units=20)
    r = request_create(
        actor=scene.head.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=5
    )
    request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=r.pk)
    finance = client_for(scene.finance.user)
    detail = text(finance.get(url(scene, "resource", sharedresource_id=resource.pk)))
    assert 'role="img"' in detail
    assert "5 booked of 20" in detail
    csv_text = finance.get(url(scene, "resource-capacity-csv", sharedresource_id=resource.pk)).content.decode()
    assert csv_text.splitlines()[1] == "Spring 2027,2027-01-01,2027-03-31,days,20,5,0,15,0,0"
    shares = text(finance.get(url(scene, "resource-shares", sharedresource_id=resource.pk)))
    assert "Meadow Academy" in shares
    assert "100%" in shares
    shares_csv = finance.get(url(scene, "resource-shares-csv", sharedresource_id=resource.pk)).content.decode()
    assert shares_csv.splitlines()[0] == "School,URN,Allocated,Delivered,Share %,Pupils with SEN,Share of SEN"
    if add_census(scene.school, sen_support=2, ehc_plan=1):
        # The body's own page: a census count under 5 is shown as it is, not as "<5".
        small = finance.get(url(scene, "resource-shares-csv", sharedresource_id=resource.pk)).content.decode()
        meadow = next(line for line in small.splitlines() if line.startswith("Meadow Academy,"))
        assert meadow.endswith(",3,100%"), small
        assert "&lt;5" not in text(finance.get(url(scene, "resource-shares", sharedresource_id=resource.pk)))
    pack = text(finance.get(url(scene, "pack") + f"?pool={scene.pool.pk}&period_end=2027-03-31"))
    assert "No shared resources were funded from this pool." in pack
    assert client_for(scene.head.user).get(url(scene, "pack")).status_code == 404


@pytest.mark.parametrize("name", ["list", "requests", "rules"])
def test_lists_cost_the_same_for_1_and_10_rows(scene: Scene, name: str, django_assert_max_num_queries: Any) -> None:
    period = spring(scene, teacher(scene), units=100)
    client = client_for(scene.officer.user)

    def add() -> None:
        r = request_create(
            actor=scene.head.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=1
        )
        request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=r.pk)

    add()
    reset_queries()
    with django_assert_max_num_queries(25) as one:
        assert client.get(url(scene, name)).status_code == 200
    budget = len(one.captured_queries)
    for _ in range(9):
        add()
    reset_queries()
    with django_assert_max_num_queries(budget):
        assert client.get(url(scene, name)).status_code == 200


def test_a_head_sees_what_the_school_has(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=20)
    r = request_create(
        actor=scene.head.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=5
    )
    request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=r.pk)
    request_create(actor=scene.head.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=2)
    page = text(client_for(scene.head.user).get(url(scene, "list")))
    assert "What your school has" in page
    row = re.search(r"Specialist teacher for autism</td>\s*<td[^>]*>Spring 2027</td>(.*?)</tr>", page, re.S)
    assert row is not None
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
    assert cells == ["5 days", "0", "5", "2"]
    other = text(client_for(scene.other_head.user).get(url(scene, "requests")))
    assert "0 requests" in other
    trustee = member(Role.TRUSTEE, scene.body)
    assert client_for(trustee.user).get(url(scene, "resource-new")).status_code == 404
