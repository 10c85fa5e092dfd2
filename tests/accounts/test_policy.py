from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.policy import Action, BodyAccess
from core.tenancy import tenant_context
from groupings.models import Arrangement
from tests.factories import member, own_academy

pytestmark = pytest.mark.django_db


def test_a_school_scoped_role_is_not_fooled_by_an_object_id_equal_to_its_school_id() -> None:
    head = member(Role.HEAD)
    body = head.responsible_body
    other_school = own_academy(body)
    with tenant_context(body):
        access = BodyAccess.load(head.user, body)
    # An arrangement of another school whose own id happens to equal the head's school id.
    lookalike = Arrangement(pk=head.school_id, responsible_body=body, school=other_school)
    mine = Arrangement(pk=10**9, responsible_body=body, school_id=head.school_id)
    assert not access.can(Action.VIEW_GROUPING, lookalike)
    assert access.can(Action.VIEW_GROUPING, mine)
    assert access.can(Action.VIEW_GROUPING, head.school)
    assert not access.can(Action.VIEW_GROUPING, other_school)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (
            Role.FINANCE_OFFICER,
            {
                "body.view",
                "pool.view",
                "money.move",
                "grouping.view",
                "grouping.manage",
                "governance.view",
                "report.request",
                "annex.view",
                "shared_resources.view",
                "shared_resources.manage",
            },
        ),
        (Role.PARTNERSHIP_LEAD, {"body.view", "partnership.view"}),
        (
            Role.TRUSTEE,
            {
                "body.view",
                "pool.view",
                "grouping.view",
                "governance.view",
                "report.request",
                "annex.view",
                "shared_resources.view",
            },
        ),
        (
            Role.AUDITOR,
            {
                # No "pool.view", "governance.view" or "annex.view": an auditor reads a
                # period's money only through a per-pool grant (samples, the export).
                "body.view",
                "audit.view",
                "case.view",
                "grouping.view",
                "report.request",
                "audit.export",
            },
        ),
    ],
)
def test_each_role_can_do_exactly_its_actions(role: str, allowed: set[str]) -> None:
    m = member(role)
    with tenant_context(m.responsible_body):
        access = BodyAccess.load(m.user, m.responsible_body)
    assert {a.value for a in Action if access.can(a)} == allowed
