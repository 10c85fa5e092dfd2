from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import ResponsibleBody, Role, User
from partnerships.models import Partnership
from partnerships.services.partnership import partnership_convene
from tests.exceptional_resource.conftest import scene  # noqa: F401 - the trust with a pool and a school
from tests.factories import LocalAuthorityFactory, member

LA_CODE = "999"  # the school factory's LA


@dataclass
class Area:
    la: ResponsibleBody
    lead: User
    partnership: Partnership


@pytest.fixture
def area() -> Area:
    la = LocalAuthorityFactory(la_code=LA_CODE, legal_name="Example Borough Council")
    lead = member(Role.PARTNERSHIP_LEAD, la).user
    partnership = partnership_convene(actor=lead, tenant=la, name="Example Local SEND Partnership")
    return Area(la=la, lead=lead, partnership=partnership)
