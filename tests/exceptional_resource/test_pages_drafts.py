"""The case form: a task list whose sections save the draft, with bad values shown on the
field and nothing typed or saved lost."""

from __future__ import annotations

import re
from datetime import date

import pytest

from accounts.models import Role
from core.tenancy import tenant_context
from exceptional_resource.models import Case, Outcome, ProvisionRow, Pupil, ResourceLine
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.pages_support import client_for, field_error, fresh, input_value, text, url
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db

NEW_PUPIL = {"pupil": "new", "year_group": "Y4", "sen_status": "sen_support", "primary_need": "ASD"}
PROVISION = {
    "provision": "Social skills group",
    "staff_role": "Teaching assistant",
    "sessions_per_week": "2",
    "minutes_per_session": "45",
    "group_size": "3",
    "weeks": "38",
    "hourly_cost": "18.00",
}
RESOURCE = {
    "kind": "staffing_hours",
    "description": "One-to-one support in lessons",
    "quantity": "380",
    "unit_cost": "19.50",
    "starts_on_day": "4",
    "starts_on_month": "1",
    "starts_on_year": "2027",
    "ends_on_day": "21",
    "ends_on_month": "7",
    "ends_on_year": "2027",
}
PARTS = ("day", "month", "year")
OUTCOME = {"description": "Stays in class for whole lessons", "measure": "Weekly log", "review_on": "2027-07-01"}


def _start(scene: Scene, **data: str) -> Case:
    client = client_for(scene.head.user)
    response = client.post(url("new", scene.body), {"school": scene.school.pk, **NEW_PUPIL, **data})
    assert response.status_code == 302, field_error(response, "id_pupil")
    with tenant_context(scene.body):
        case = Case.objects.order_by("-pk").first()
    assert case is not None
    assert response["Location"] == url("draft", scene.body, case_id=case.pk)
    return case


def test_a_head_drafts_and_sends_a_case_section_by_section(scene: Scene) -> None:
    client = client_for(scene.head.user)
    assert client.get(url("new", scene.body)).status_code == 200
    case = _start(scene, name="Sam Example", upn="A123456789012")
    tasks = text(client.get(url("draft", scene.body, case_id=case.pk)))
    assert "You have completed 0 of 6 sections" in tasks
    assert "Cannot start yet" in tasks

    steps = [
        ("draft-need", {"need_description": "Autistic; leaves class when overwhelmed.", "urgency": "routine"}),
        ("draft-provision", {**PROVISION, "action": "continue"}),
        ("draft-funding", {"own_imf": "1,500.00", "notional_sen": "6000"}),
        ("draft-resources", {**RESOURCE, "action": "continue"}),
        ("draft-outcomes", {**OUTCOME, "action": "continue"}),
        ("draft-involvement", {"parents_involved": "yes", "parents_summary": "Met mum", "pupil_involved": "no"}),
    ]
    for index, (name, data) in enumerate(steps):
        response = client.post(url(name, scene.body, case_id=case.pk), data)
        following = steps[index + 1][0] if index + 1 < len(steps) else "draft-check"
        assert response.status_code == 302, (name, text(response)[:3000])
        assert response["Location"] == url(following, scene.body, case_id=case.pk)

    with tenant_context(scene.body):
        row = ProvisionRow.objects.get(case=case)
        line = ResourceLine.objects.get(case=case)
        pupil = Pupil.objects.get(pk=case.pupil_id)
    # £18 an hour, 2 sessions of 45 minutes for 38 weeks, shared by 3 pupils: £342.00
    assert (row.hourly_cost_pence, row.cost_pence) == (18_00, 342_00)
    assert (line.quantity, line.unit_cost_pence, line.total_pence) == (380, 19_50, 7_410_00)
    assert pupil.name_encrypted
    assert b"Sam" not in bytes(pupil.name_encrypted)
    saved = fresh(scene, case)
    assert (saved.own_imf_pence, saved.notional_sen_pence) == (1_500_00, 6_000_00)
    assert (saved.parents_involved, saved.pupil_involved) == (True, False)

    check = client.get(url("draft-check", scene.body, case_id=case.pk))
    assert "£342.00" in text(check)
    assert "£7,410.00" in text(check)
    response = client.post(url("draft-check", scene.body, case_id=case.pk))
    assert response["Location"] == url("detail", scene.body, case_id=case.pk)
    sent = fresh(scene, case)
    assert (sent.status, sent.submitted_on is not None) == ("submitted", True)
    # A sent case's form pages now lead to the case.
    after = client.get(url("draft-need", scene.body, case_id=case.pk))
    assert after["Location"] == url("detail", scene.body, case_id=case.pk)


def test_sections_show_what_was_saved_when_opened_again(scene: Scene) -> None:
    case = draft_case(scene, need_description="Needs a quiet space", urgency="urgent")
    client = client_for(scene.head.user)
    page = client.get(url("draft-need", scene.body, case_id=case.pk))
    assert "Needs a quiet space" in text(page)
    assert re.search(r'value="urgent"[^>]*checked', text(page))
    tasks = text(client.get(url("draft", scene.body, case_id=case.pk)))
    assert "You have completed 6 of 6 sections" in tasks
    assert "Check answers and send" in tasks
    assert "Cannot start yet" not in tasks


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"unit_cost": "12.345"}, "unit_cost", "Enter an amount with no more than 2 decimal places (pence)"),
        ({"unit_cost": "-5"}, "unit_cost", "Enter an amount of 0 or more"),
        ({"quantity": "-3"}, "quantity", "Enter a quantity of 1 or more"),
        ({"quantity": "0"}, "quantity", "Enter a quantity of 1 or more"),
        ({"quantity": "two"}, "quantity", "Enter the quantity as a whole number, like 30"),
        (
            {"ends_on_day": "31", "ends_on_month": "12", "ends_on_year": "2026"},
            "ends_on",
            "The end date must be on or after the start date",
        ),
        ({"starts_on_day": "30", "starts_on_month": "2"}, "starts_on", "The start date must be a real date"),
        ({"starts_on_year": "27"}, "starts_on", "Year must include 4 numbers"),
        ({"ends_on_year": ""}, "ends_on", "The end date must include a year"),
        ({"ends_on_month": "July"}, None, ""),
        ({"kind": ""}, "kind", "Choose what kind of resource this is"),
    ],
)
def test_a_bad_resource_line_is_refused_on_the_field_with_everything_typed_kept(
    scene: Scene, changes: dict[str, str], field: str, message: str
) -> None:
    case = draft_case(scene)
    client = client_for(scene.head.user)
    typed = {**RESOURCE, **changes, "action": "continue"}
    response = client.post(url("draft-resources", scene.body, case_id=case.pk), typed)
    if field is None:  # a month typed as its name is a real date: the line is added
        assert response.status_code == 302
        with tenant_context(scene.body):
            assert ResourceLine.objects.filter(case=case, ends_on=date(2027, 7, 21)).count() == 1
        return
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert "<title>Error:" in page
    assert field_error(response, f"id_{field}") == message
    date_field = field in ("starts_on", "ends_on")
    assert f'href="#id_{field}{"_0" if date_field else ""}"' in page  # a date's link goes to its day box
    typed_names = ["description", "quantity", "unit_cost"]
    typed_names += [f"{name}_{part}" for name in ("starts_on", "ends_on") for part in PARTS]
    for name in typed_names:
        assert input_value(response, name) == (typed[name] or None), name  # an empty box has no value
    with tenant_context(scene.body):
        assert ResourceLine.objects.filter(case=case).count() == 1  # the draft's own line is intact


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"hourly_cost": "18.005"}, "hourly_cost", "Enter an amount with no more than 2 decimal places (pence)"),
        ({"sessions_per_week": "-1"}, "sessions_per_week", "Enter a whole number from 1 to 50"),
        ({"group_size": "0"}, "group_size", "Enter a whole number from 1 to 60"),
        ({"provision": ""}, "provision", "Name the provision"),
    ],
)
def test_a_bad_provision_row_is_refused_on_the_field(
    scene: Scene, changes: dict[str, str], field: str, message: str
) -> None:
    case = draft_case(scene)
    client = client_for(scene.head.user)
    typed = {**PROVISION, **changes, "action": "add"}
    response = client.post(url("draft-provision", scene.body, case_id=case.pk), typed)
    assert field_error(response, f"id_{field}") == message
    assert input_value(response, "staff_role") == "Teaching assistant"
    with tenant_context(scene.body):
        assert ProvisionRow.objects.filter(case=case).count() == 1


def test_funding_with_three_decimals_is_refused_and_nothing_saved(scene: Scene) -> None:
    case = draft_case(scene)
    client = client_for(scene.head.user)
    response = client.post(
        url("draft-funding", scene.body, case_id=case.pk), {"own_imf": "100.999", "notional_sen": "50"}
    )
    assert field_error(response, "id_own_imf") == "Enter an amount with no more than 2 decimal places (pence)"
    assert input_value(response, "own_imf") == "100.999"
    assert input_value(response, "notional_sen") == "50"
    assert fresh(scene, case).own_imf_pence == 3_000_00


def test_a_case_with_no_outcomes_cannot_be_sent_and_the_draft_is_intact(scene: Scene) -> None:
    case = draft_case(scene)
    with tenant_context(scene.body):
        Outcome.objects.filter(case=case).delete()
    client = client_for(scene.head.user)
    response = client.post(url("draft-check", scene.body, case_id=case.pk))
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert f'<a href="{url("draft-outcomes", scene.body, case_id=case.pk)}">Add at least one intended outcome' in page
    kept = fresh(scene, case)
    assert kept.status == "draft"
    assert kept.need_description.startswith("Severe speech")
    with tenant_context(scene.body):
        assert ProvisionRow.objects.filter(case=case).count() == 1
    tasks = text(client.get(url("draft", scene.body, case_id=case.pk)))
    assert "Cannot start yet" in tasks


def test_an_outcome_without_a_review_date_is_refused_and_a_fifth_cannot_be_added(scene: Scene) -> None:
    case = draft_case(scene)
    client = client_for(scene.head.user)
    response = client.post(
        url("draft-outcomes", scene.body, case_id=case.pk), {**OUTCOME, "review_on": "", "action": "add"}
    )
    assert field_error(response, "id_review_on") == "Enter the review date"
    assert input_value(response, "measure") == "Weekly log"
    for n in range(3):
        ok = client.post(
            url("draft-outcomes", scene.body, case_id=case.pk),
            {**OUTCOME, "description": f"Outcome {n}", "action": "add"},
        )
        assert ok.status_code == 302
    full = client.get(url("draft-outcomes", scene.body, case_id=case.pk))
    assert "the most a case can have" in text(full)
    response = client.post(url("draft-outcomes", scene.body, case_id=case.pk), {**OUTCOME, "action": "add"})
    assert field_error(response, "id_description") == "Keep to 4 intended outcomes or fewer."
    with tenant_context(scene.body):
        assert Outcome.objects.filter(case=case).count() == 4


def test_rows_are_removed_from_their_section(scene: Scene) -> None:
    case = draft_case(scene)
    client = client_for(scene.head.user)
    with tenant_context(scene.body):
        row = ProvisionRow.objects.get(case=case)
        line = ResourceLine.objects.get(case=case)
        outcome = Outcome.objects.get(case=case)
    for name, kwarg, pk in (
        ("draft-provision-remove", "provisionrow_id", row.pk),
        ("draft-resources-remove", "resourceline_id", line.pk),
        ("draft-outcomes-remove", "outcome_id", outcome.pk),
    ):
        response = client.post(url(name, scene.body, case_id=case.pk, **{kwarg: pk}))
        assert response.status_code == 302
        assert client.get(url(name, scene.body, case_id=case.pk, **{kwarg: pk})).status_code == 405
    with tenant_context(scene.body):
        assert ProvisionRow.objects.filter(case=case).count() == 0
        assert ResourceLine.objects.filter(case=case).count() == 0
        assert Outcome.objects.filter(case=case).count() == 0


def test_a_pupil_from_another_bodys_school_is_refused_on_the_field(scene: Scene) -> None:
    other = member(Role.BODY_ADMIN, mfa=True)
    other_school = own_academy(other.responsible_body, name="Elsewhere Academy")
    with tenant_context(other.responsible_body):
        foreign = Pupil.objects.create(
            responsible_body=other.responsible_body,
            school=other_school,
            year_group="Y2",
            sen_status="ehc_plan",
            primary_need="SLCN",
        )
    client = client_for(scene.head.user)
    response = client.post(
        url("new", scene.body), {"school": scene.school.pk, "pupil": foreign.pk, "name": "Typed Name", "upn": ""}
    )
    assert response.status_code == 200
    assert field_error(response, "id_pupil") == "Choose a pupil recorded at your school in this grouping"
    assert input_value(response, "name") == "Typed Name"
    with tenant_context(scene.body):
        assert Case.objects.count() == 0
    # Nor another school's, nor a school of another body.
    response = client.post(url("new", scene.body), {**NEW_PUPIL, "school": other_school.pk})
    assert "Choose your school from the list" in text(response)
    with tenant_context(scene.body):
        assert Pupil.objects.count() == 0


def test_a_new_pupil_needs_year_sen_status_and_primary_need(scene: Scene) -> None:
    client = client_for(scene.head.user)
    response = client.post(url("new", scene.body), {"school": scene.school.pk, "pupil": "new", "upn": "bad"})
    assert field_error(response, "id_year_group") == "Choose the pupil's year group"
    assert field_error(response, "id_sen_status") == "Choose SEN support or EHC plan"
    assert field_error(response, "id_primary_need") == "Choose the pupil's primary need"
    response = client.post(url("new", scene.body), {"school": scene.school.pk, **NEW_PUPIL, "upn": "bad"})
    assert field_error(response, "id_upn").startswith("Enter the UPN as 13 characters")
    assert input_value(response, "upn") == "bad"


def test_an_existing_pupil_starts_a_case_in_one_choice(scene: Scene) -> None:
    with tenant_context(scene.body):
        pupil = Pupil.objects.create(
            responsible_body=scene.body, school=scene.school, year_group="Y6", sen_status="ehc_plan", primary_need="HI"
        )
    response = client_for(scene.head.user).post(url("new", scene.body), {"school": scene.school.pk, "pupil": pupil.pk})
    assert response.status_code == 302
    with tenant_context(scene.body):
        assert Case.objects.get().pupil_id == pupil.pk


@pytest.mark.parametrize("who", ["officer", "auditor", "other_head", "finance"])
def test_only_the_schools_head_or_sendco_sees_the_case_form(scene: Scene, who: str) -> None:
    case = draft_case(scene)
    users = {
        "officer": scene.officer.user,
        "auditor": member(Role.AUDITOR, scene.body).user,
        "other_head": member(Role.HEAD, scene.body, school=own_academy(scene.body)).user,
        "finance": scene.finance.user,
    }
    client = client_for(users[who])
    for name in ("draft", "draft-need", "draft-provision", "draft-funding", "draft-resources", "draft-outcomes"):
        assert client.get(url(name, scene.body, case_id=case.pk)).status_code == 404, name
    assert client.get(url("draft-check", scene.body, case_id=case.pk)).status_code == 404
    assert client.post(url("draft-check", scene.body, case_id=case.pk)).status_code == 404
    if who in ("officer", "auditor", "finance"):
        assert client.get(url("new", scene.body)).status_code == 404
    assert fresh(scene, case).status == "draft"


def test_a_sendco_of_the_school_drafts_too(scene: Scene) -> None:
    sendco = member(Role.SENDCO, scene.body, school=scene.school)
    case = draft_case(scene)
    client = client_for(sendco.user)
    assert client.get(url("draft", scene.body, case_id=case.pk)).status_code == 200
    response = client.post(
        url("draft-need", scene.body, case_id=case.pk),
        {"need_description": "Updated by the SENDCO", "urgency": "routine", "action": "later"},
    )
    assert response["Location"] == url("draft", scene.body, case_id=case.pk)
    assert fresh(scene, case).need_description == "Updated by the SENDCO"


def test_prefilled_values_alone_add_nothing_and_move_on(scene: Scene) -> None:
    case = draft_case(scene)
    client = client_for(scene.head.user)
    page = client.get(url("draft-resources", scene.body, case_id=case.pk))
    dates = {
        f"{name}_{part}": input_value(page, f"{name}_{part}") for name in ("starts_on", "ends_on") for part in PARTS
    }
    assert None not in dates.values()
    assert dates["starts_on_day"] == "1"
    assert (dates["ends_on_day"], dates["ends_on_month"]) == ("31", "3")  # the end of the funding period
    response = client.post(url("draft-resources", scene.body, case_id=case.pk), {**dates, "action": "continue"})
    assert response["Location"] == url("draft-outcomes", scene.body, case_id=case.pk)
    provision = client.post(
        url("draft-provision", scene.body, case_id=case.pk),
        {"minutes_per_session": "60", "group_size": "1", "weeks": "38", "action": "continue"},
    )
    assert provision["Location"] == url("draft-funding", scene.body, case_id=case.pk)
    with tenant_context(scene.body):
        assert ResourceLine.objects.filter(case=case).count() == 1
        assert ProvisionRow.objects.filter(case=case).count() == 1


def test_a_school_with_no_pupils_yet_starts_on_a_new_pupil(scene: Scene) -> None:
    page = client_for(scene.head.user).get(url("new", scene.body))
    assert re.search(r'<option value="new" selected>', text(page))
