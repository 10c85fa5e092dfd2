"""The expertise directory: each person edits only their own entry; search by area of need."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from collaboration.models import ExpertiseProfile
from collaboration.services.expertise import expertise_save
from core.errors import ApplicationError
from core.models import AuditEvent
from core.tenancy import tenant_context
from tests.collaboration.conftest import Advice, login
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db


def url(a: Advice, name: str) -> str:
    return reverse(name, kwargs={"body_slug": a.scene.body.slug})


def test_people_write_their_own_entry_and_are_found_by_area(advice: Advice) -> None:
    body = advice.scene.body
    expertise_save(
        actor=advice.peer.user,
        tenant=body,
        display_name="Priya Peer",
        areas_of_need=["ASD", "SLCN"],
        qualifications=["nasenco"],
        availability="Tuesday afternoons",
    )
    expertise_save(
        actor=advice.sendco.user, tenant=body, display_name="Sam Sendco", areas_of_need=["SEMH"], qualifications=[]
    )
    again = expertise_save(
        actor=advice.peer.user, tenant=body, display_name="Priya Peer", areas_of_need=["ASD"], qualifications=["ep"]
    )
    with tenant_context(body):
        assert ExpertiseProfile.objects.count() == 2
        assert AuditEvent.objects.filter(verb="expertise.saved").count() == 3
    assert (again.areas_of_need, again.qualifications) == (["ASD"], ["ep"])
    client = login(advice.sendco)
    page = client.get(url(advice, "collaboration:experts") + "?area=ASD").content.decode()
    assert "Priya Peer" in page
    assert "Sam Sendco" not in page
    assert "Autistic spectrum disorder" in page
    assert "Educational psychologist" in page
    everyone = client.get(url(advice, "collaboration:experts") + "?area=nonsense").content.decode()
    assert "Priya Peer" in everyone
    assert "Sam Sendco" in everyone
    api = client.get(url(advice, "collaboration-api:experts"), {"area": "SEMH"}).json()
    assert [row["display_name"] for row in api] == ["Sam Sendco"]


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({"areas_of_need": []}, "area_of_need_unknown", "areas_of_need"),
        ({"areas_of_need": ["XYZ"]}, "area_of_need_unknown", "areas_of_need"),
        ({"qualifications": ["wizard"]}, "qualification_unknown", "qualifications"),
        ({"display_name": "  "}, "text_required", "display_name"),
        ({"display_name": "n" * 201}, "text_too_long", "display_name"),
        ({"summary": "s" * 501}, "text_too_long", "summary"),
        ({"availability": "a" * 201}, "text_too_long", "availability"),
    ],
)
def test_bad_entries_are_refused_and_write_nothing(advice: Advice, values: dict, code: str, field: str) -> None:
    data: dict[str, Any] = {"display_name": "Priya", "areas_of_need": ["ASD"], "qualifications": []}
    data.update(values)
    with pytest.raises(ApplicationError) as exc:
        expertise_save(actor=advice.peer.user, tenant=advice.scene.body, **data)
    assert (exc.value.code, exc.value.field) == (code, field)
    with tenant_context(advice.scene.body):
        assert ExpertiseProfile.objects.count() == 0


def test_the_edit_page_and_api_refuse_bad_values_and_only_change_your_own(advice: Advice) -> None:
    client = login(advice.peer)
    bad = client.post(url(advice, "collaboration:expertise-edit"), {"display_name": "", "areas_of_need": ["XYZ"]})
    assert bad.status_code == 200
    assert bad.content.decode().count("govuk-error-message") == 2
    ok = client.post(
        url(advice, "collaboration:expertise-edit"),
        {"display_name": "Priya", "areas_of_need": ["ASD"], "qualifications": ["ep"], "availability": "Mondays"},
    )
    assert ok.status_code == 302
    api = url(advice, "collaboration-api:expertise-save")
    for body in (
        {"display_name": "P", "areas_of_need": []},
        {"display_name": "P", "areas_of_need": "ASD,SLCN"},
        {"display_name": "P", "areas_of_need": ["XYZ"]},
        {"areas_of_need": ["ASD"]},
    ):
        assert client.post(api, body, content_type="application/json").status_code == 400
    saved = client.post(api, {"display_name": "Priya P", "areas_of_need": ["SLCN"]}, content_type="application/json")
    assert saved.status_code == 200
    assert saved.json()["areas_of_need"] == ["SLCN"]
    with tenant_context(advice.scene.body):
        assert list(ExpertiseProfile.objects.values_list("user_id", "display_name")) == [
            (advice.peer.user.pk, "Priya P")
        ]
    officer = login(member(Role.DECISION_OFFICER, advice.scene.body, mfa=True))
    assert officer.get(url(advice, "collaboration:experts")).status_code == 404


def test_the_directory_lists_only_people_of_the_grouping_today(advice: Advice) -> None:
    body = advice.scene.body
    outside = member(Role.SENDCO, body, school=own_academy(body, name="Outside Academy"))
    left = member(Role.SENDCO, body, school=advice.peer_school)
    for person, name in ((advice.peer, "Priya Peer"), (outside, "Olly Outside"), (left, "Lee Left")):
        expertise_save(actor=person.user, tenant=body, display_name=name, areas_of_need=["ASD"], qualifications=[])
    with tenant_context(body):
        Membership.objects.filter(pk=left.pk).update(valid_to=timezone.localdate() - timedelta(days=1))
    client = login(advice.sendco)
    page = client.get(url(advice, "collaboration:experts") + "?area=ASD").content.decode()
    assert "Priya Peer" in page
    assert "Olly Outside" not in page
    assert "Lee Left" not in page
    api = client.get(url(advice, "collaboration-api:experts"), {"area": "ASD"}).json()
    assert [row["display_name"] for row in api] == ["Priya Peer"]


@pytest.mark.parametrize("rows", [1, 12])
def test_the_directory_costs_the_same_whatever_the_rows(
    advice: Advice, rows: int, django_assert_max_num_queries: Any
) -> None:
    for i in range(rows):
        person = member(Role.SENDCO, advice.scene.body, school=advice.scene.school)
        expertise_save(
            actor=person.user, tenant=advice.scene.body, display_name=f"P{i}", areas_of_need=["ASD"], qualifications=[]
        )
    client = login(advice.sendco)
    # One more than before the directory kept to the grouping's people: the schools in it today.
    with django_assert_max_num_queries(14):
        assert client.get(url(advice, "collaboration:experts") + "?area=ASD").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(url(advice, "collaboration-api:experts")).status_code == 200
