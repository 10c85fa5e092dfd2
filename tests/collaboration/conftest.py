"""A grouping with two schools, a case at the first, its SENDCO and a SENDCO at the second."""

from __future__ import annotations

from dataclasses import dataclass

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
