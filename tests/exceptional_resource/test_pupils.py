from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from accounts.models import Role
from core.errors import ApplicationError
from core.models import AuditEvent
from core.tenancy import tenant_context
from exceptional_resource import services
from exceptional_resource.models import Pupil
from groupings import services as groupings_services
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_member():  # type: ignore[no-untyped-def]
    officer = member(Role.BODY_ADMIN, mfa=True)
    body = officer.responsible_body
    groupings_services.policy_ensure_default(actor=officer.user, tenant=body, effective_from=date(2026, 4, 1))
    schools = []
    for name in ("North Academy", "South Academy"):
        school = own_academy(body, name=name)
        a = groupings_services.arrangement_propose(
            actor=officer.user,
            tenant=body,
            school_id=school.pk,
            basis="own_academy",
            counterparty="T",
            start_date=date(2026, 4, 1),
        )
        groupings_services.arrangement_activate(actor=officer.user, tenant=body, arrangement_id=a.pk)
        schools.append(school)
    return officer, schools


def _create(officer, school, **kwargs):  # type: ignore[no-untyped-def]
    args = dict(year_group="Y4", sen_status="sen_support", primary_need="SLCN")
    args.update(kwargs)
    return services.pupil_create(actor=officer.user, tenant=officer.responsible_body, school_id=school.pk, **args)


def test_name_and_upn_are_encrypted_at_rest_and_views_are_audited(school_member) -> None:
    officer, (north, _) = school_member
    pupil = _create(officer, north, name="Ada Lovelace", upn="A123456789012")
    with tenant_context(officer.responsible_body), connection.cursor() as cursor:
        cursor.execute(
            "SELECT name_encrypted, upn_encrypted, upn_hash FROM exceptional_resource_pupil WHERE id = %s", [pupil.pk]
        )
        name_raw, upn_raw, upn_hash = cursor.fetchone()
    assert b"Ada" not in bytes(name_raw)
    assert b"A123456789012" not in bytes(upn_raw)
    assert "A123456789012" not in upn_hash
    assert pupil.reference.startswith("P-")
    identity = services.pupil_identity_view(actor=officer.user, tenant=officer.responsible_body, pupil=pupil)
    assert identity == {"name": "Ada Lovelace", "upn": "A123456789012"}
    with tenant_context(officer.responsible_body):
        assert AuditEvent.objects.filter(verb="pupil.identity_viewed", object_id=str(pupil.pk)).count() == 1


def test_the_same_upn_at_the_same_school_finds_the_same_record(school_member) -> None:
    officer, (north, _) = school_member
    first = _create(officer, north, upn="a123456789012")
    again = _create(officer, north, upn="A123 4567 89012")
    assert again.pk == first.pk
    with tenant_context(officer.responsible_body):
        assert Pupil.objects.count() == 1


def test_a_upn_held_at_another_school_is_refused_without_revealing_the_pupil(school_member) -> None:
    officer, (north, south) = school_member
    first = _create(officer, north, upn="a123456789012", sen_status="ehc_plan", primary_need="ASD")
    with pytest.raises(ApplicationError) as exc:
        _create(officer, south, upn="A123 4567 89012", year_group="Y5")
    assert (exc.value.code, exc.value.field) == ("pupil_elsewhere", "upn")
    assert "ASD" not in exc.value.message
    assert first.reference not in exc.value.message
    with tenant_context(officer.responsible_body):
        first.refresh_from_db()
        assert (first.school_id, Pupil.objects.count()) == (north.pk, 1)


def test_a_pupil_who_moves_school_keeps_one_record_moved_by_an_officer(school_member) -> None:
    officer, (north, south) = school_member
    first = _create(officer, north, upn="a123456789012", primary_need="ASD")
    body = officer.responsible_body
    moved = services.pupil_transfer(
        actor=officer.user, tenant=body, pupil_id=first.pk, school_id=south.pk, year_group="Y5"
    )
    assert moved.pk == first.pk
    assert (moved.school_id, moved.year_group) == (south.pk, "Y5")
    assert _create(officer, south, upn="A123456789012").pk == first.pk
    with tenant_context(body):
        assert Pupil.objects.count() == 1
        event = AuditEvent.objects.get(verb="pupil.moved_school", object_id=str(first.pk))
        assert event.before["school"] == north.pk
        assert event.after["school"] == south.pk
        assert "ASD" not in str(event.before) + str(event.after)


@pytest.mark.parametrize(
    ("to", "year_group", "code"),
    [("same", "", "same_school"), ("outside", "", "school_not_in_grouping"), ("other", "Y14", "invalid_year_group")],
)
def test_bad_transfers_are_refused(school_member, to: str, year_group: str, code: str) -> None:
    officer, (north, south) = school_member
    pupil = _create(officer, north)
    target = {"same": north, "other": south, "outside": own_academy(member(Role.BODY_ADMIN).responsible_body)}[to]
    with pytest.raises(ApplicationError) as exc:
        services.pupil_transfer(
            actor=officer.user,
            tenant=officer.responsible_body,
            pupil_id=pupil.pk,
            school_id=target.pk,
            year_group=year_group,
        )
    assert exc.value.code == code
    with tenant_context(officer.responsible_body):
        pupil.refresh_from_db()
        assert pupil.school_id == north.pk


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"upn": "12345"}, "invalid_upn"),
        ({"sen_status": "gifted"}, "invalid_sen_status"),
        ({"primary_need": "XYZ"}, "invalid_need"),
        ({"year_group": "Y14"}, "invalid_year_group"),
    ],
)
def test_bad_pupil_details_are_refused(school_member, kwargs: dict, code: str) -> None:
    officer, (north, _) = school_member
    with pytest.raises(ApplicationError) as exc:
        _create(officer, north, **kwargs)
    assert exc.value.code == code
    with tenant_context(officer.responsible_body):
        assert Pupil.objects.count() == 0


def test_a_pupil_from_another_bodys_school_is_refused(school_member) -> None:
    officer, _ = school_member
    other = member(Role.BODY_ADMIN)
    elsewhere = own_academy(other.responsible_body)
    with pytest.raises(ApplicationError) as exc:
        _create(officer, elsewhere)
    assert exc.value.code == "school_not_in_grouping"
