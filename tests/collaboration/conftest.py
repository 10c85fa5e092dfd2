"""A grouping with two schools, a case at the first, its SENDCO and a SENDCO at the second."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client

from accounts.models import Membership, Role
from core.tenancy import tenant_context
from exceptional_resource import pupil_data
from exceptional_resource.models import Case
from groupings.models import School
from tests.exceptional_resource.conftest import Scene, draft_case, scene  # noqa: F401
from tests.factories import member, own_academy

PUPIL_NAME = "Amelia Quixote-Zebedee"
PUPIL_UPN = "A123456789012"


@dataclass
class Advice:
    scene: Scene
    case: Case
    sendco: Membership
    peer: Membership
    peer_school: School


@pytest.fixture
def advice(scene: Scene) -> Advice:  # noqa: F811
    peer_school = own_academy(scene.body, name="Brook Academy")
    join_grouping(scene, scene.finance, peer_school)  # a school of the same grouping
    case = draft_case(scene)
    with tenant_context(scene.body):
        pupil = case.pupil
        pupil.name_encrypted = pupil_data.encrypt(PUPIL_NAME)
        pupil.upn_encrypted = pupil_data.encrypt(PUPIL_UPN)
        pupil.save(update_fields=["name_encrypted", "upn_encrypted"])
    return Advice(
        scene=scene,
        case=case,
        sendco=member(Role.SENDCO, scene.body, school=scene.school),
        peer=member(Role.SENDCO, scene.body, school=peer_school),
        peer_school=peer_school,
    )


def login(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@dataclass
class Forum:
    """The advice grouping plus the body's staff, a third school with its head, all three
    schools in the grouping, and the first school's head."""

    scene: Scene
    admin: Membership
    head: Membership
    sendco: Membership
    peer: Membership
    peer_school: School
    third_head: Membership
    third_school: School


def join_grouping(grouping: Scene, admin: Membership, school: School) -> None:
    from groupings.services.arrangements import arrangement_activate, arrangement_propose

    arrangement = arrangement_propose(
        actor=admin.user,
        tenant=grouping.body,
        school_id=school.pk,
        basis="own_academy",
        counterparty="Trust",
        start_date=date(2026, 4, 1),
    )
    arrangement_activate(actor=admin.user, tenant=grouping.body, arrangement_id=arrangement.pk)


@pytest.fixture
def forum(scene: Scene) -> Forum:  # noqa: F811
    admin = member(Role.BODY_ADMIN, scene.body, mfa=True)
    peer_school = own_academy(scene.body, name="Brook Academy")
    third_school = own_academy(scene.body, name="Castle Academy")
    for school in (peer_school, third_school):
        join_grouping(scene, admin, school)
    return Forum(
        scene=scene,
        admin=admin,
        head=scene.head,
        sendco=member(Role.SENDCO, scene.body, school=scene.school),
        peer=member(Role.SENDCO, scene.body, school=peer_school),
        peer_school=peer_school,
        third_head=member(Role.HEAD, scene.body, school=third_school),
        third_school=third_school,
    )
