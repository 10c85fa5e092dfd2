"""A pupil's name, as the school typed it, is shown to that school's own head and SENDCO
("Sam Example (P-...)") on the case list, the case pages and the case form's pupil chooser,
and to nobody else: officers, auditors, trustees, finance and other schools' staff see the
reference. Starting a second case for a new pupil works without choosing "new" first."""

from __future__ import annotations

import pytest

from accounts.models import Role
from core.tenancy import tenant_context
from exceptional_resource.models import Case, Pupil
from exceptional_resource.services.pupils import pupil_create
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.pages_support import client_for, field_error, input_value, text, url
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db

NAME = "Sam Example"


def _named_case(scene: Scene) -> tuple[Pupil, Case]:
    pupil = pupil_create(
        actor=scene.head.user,
        tenant=scene.body,
        school_id=scene.school.pk,
        year_group="Y4",
        sen_status="sen_support",
        primary_need="ASD",
        name=NAME,
    )
    return pupil, draft_case(scene, pupil=pupil)


def _pages(scene: Scene, case: Case) -> list[str]:
    return [
        url("list", scene.body),
        url("detail", scene.body, case_id=case.pk),
        url("draft", scene.body, case_id=case.pk),
        url("new", scene.body),
    ]


@pytest.mark.parametrize("role", [Role.HEAD, Role.SENDCO])
def test_the_schools_own_staff_see_the_name_they_typed_beside_the_reference(scene: Scene, role: str) -> None:
    pupil, case = _named_case(scene)
    user = scene.head.user if role == Role.HEAD else member(Role.SENDCO, scene.body, school=scene.school).user
    client = client_for(user)
    shown = f"{NAME} ({pupil.reference})"
    for page in _pages(scene, case):
        response = client.get(page)
        assert response.status_code == 200, page
        assert shown in text(response), page
    chooser = text(client.get(url("new", scene.body)))
    assert f'<option value="{pupil.pk}">{shown}, Year 4,' in chooser


@pytest.mark.parametrize("who", ["officer", "senior", "auditor", "trustee", "finance", "other_head"])
def test_everyone_else_sees_only_the_reference(scene: Scene, who: str) -> None:
    pupil, case = _named_case(scene)
    users = {
        "officer": scene.officer.user,
        "senior": scene.senior.user,
        "auditor": member(Role.AUDITOR, scene.body).user,
        "trustee": member(Role.TRUSTEE, scene.body).user,
        "finance": scene.finance.user,
        "other_head": member(Role.HEAD, scene.body, school=own_academy(scene.body, name="Brook Academy")).user,
    }
    client = client_for(users[who])
    seen = 0
    for page in _pages(scene, case):
        response = client.get(page)
        assert NAME not in text(response), (who, page)
        seen += response.status_code == 200
    if who in ("officer", "senior", "auditor"):
        detail = text(client.get(url("detail", scene.body, case_id=case.pk)))
        assert pupil.reference in detail
        assert seen >= 2  # the case list and the case page, both without the name


def test_a_second_case_for_a_new_pupil_starts_without_choosing_new_first(scene: Scene) -> None:
    """The chooser starts on "Choose a pupil" once the school has pupils; typing a new
    pupil's details below it is enough (it used to refuse with "Choose a pupil")."""
    first, _ = _named_case(scene)
    client = client_for(scene.head.user)
    response = client.post(
        url("new", scene.body),
        {
            "school": scene.school.pk,
            "pupil": "",
            "year_group": "Y2",
            "sen_status": "ehc_plan",
            "primary_need": "SLCN",
            "name": "Alex New",
        },
    )
    assert response.status_code == 302, field_error(response, "id_pupil")
    with tenant_context(scene.body):
        case = Case.objects.order_by("-pk").first()
        assert case is not None
        assert case.pupil_id != first.pk
        assert (case.pupil.year_group, case.pupil.primary_need) == ("Y2", "SLCN")
        assert Pupil.objects.count() == 3  # draft_case's own, Sam and Alex


def test_choosing_nothing_and_typing_nothing_is_refused_and_writes_nothing(scene: Scene) -> None:
    _named_case(scene)
    client = client_for(scene.head.user)
    with tenant_context(scene.body):
        before = (Pupil.objects.count(), Case.objects.count())
    response = client.post(url("new", scene.body), {"school": scene.school.pk, "pupil": ""})
    assert response.status_code == 200
    assert field_error(response, "id_pupil") == "Choose a pupil, or record a new pupil below"
    assert input_value(response, "name") is None or input_value(response, "name") == ""
    with tenant_context(scene.body):
        assert (Pupil.objects.count(), Case.objects.count()) == before
