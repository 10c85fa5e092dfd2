"""The bench's journeys (``devtools.bench.data``) answer as their roles: the auditor of the
largest body holds a live grant on the pool its journey visits, given through the service
a body administrator uses, so its pages answer 200 rather than 404 (B1 kept only what
answered). Here on the demo scale; ``make bench`` runs them on the national data set."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from accounts.models import Membership, ResponsibleBody, Role, User
from accounts.policy import current_memberships_q
from accounts.services import membership_end
from core.models import AuditEvent
from core.tenancy import platform_context, tenant_context
from devtools.bench.data import BENCH_PLATFORM_EMAIL, journeys, largest_body, sessions_for
from devtools.synthetic import generate
from exceptional_resource.models import Case, Pupil
from groupings.models import School
from pooling.selectors.audit_grants import audit_pool_ids
from pooling.services.ledger import pool_open
from tests.factories import member, own_academy

AS_OF = date(2026, 11, 28)


@pytest.mark.django_db
def test_every_page_of_the_auditor_s_journey_answers_once_sessions_are_made() -> None:
    generate(scale="demo", seed=1, as_of=AS_OF)
    with time_machine.travel(AS_OF, tick=False):
        body_id = largest_body()
        ctx = sessions_for(body_id)
        again = sessions_for(body_id)  # each bench step makes its sessions: the grant is there once
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = ctx["cookies"]["auditor"]
        statuses = {path: client.get(path, secure=True).status_code for path in journeys(ctx)["auditor"]}
        body = ResponsibleBody.objects.get(pk=body_id)
        auditor = User.objects.get(pk=ctx["user_ids"]["auditor"])
        granted = audit_pool_ids(tenant=body, user=auditor)

    assert statuses == dict.fromkeys(journeys(ctx)["auditor"], 200)
    assert granted == {ctx["pool_id"]}
    assert again["cookies"]["auditor"]
    with tenant_context(body):
        assert AuditEvent.objects.filter(verb="pool.audit_granted").count() == 1


def _journey(ctx: dict[str, Any], role: str) -> dict[str, int]:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = ctx["cookies"][role]
    return {path: client.get(path, secure=True).status_code for path in journeys(ctx)[role]}


def _grants_and_admins(body: ResponsibleBody) -> tuple[list[str], list[str]]:
    """Who granted the auditor access (the audit rows' actors), and the body's current
    administrators (sign-in emails)."""
    with tenant_context(body):
        granted_by = AuditEvent.objects.filter(verb="pool.audit_granted").values_list("actor_label", flat=True)
        admins = Membership.objects.filter(current_memberships_q(), role=Role.BODY_ADMIN).values_list(
            "user__email", flat=True
        )
        return list(granted_by), list(admins)


@pytest.mark.django_db
def test_the_auditor_is_granted_when_the_body_administrator_s_membership_has_ended() -> None:
    generate(scale="demo", seed=1, as_of=AS_OF)
    with time_machine.travel(AS_OF, tick=False):
        body = ResponsibleBody.objects.get(pk=largest_body())
        with tenant_context(body):
            admin = Membership.objects.get(role=Role.BODY_ADMIN)
            finance = Membership.objects.filter(role=Role.FINANCE_OFFICER).select_related("user").first()
        assert finance is not None
        membership_end(actor=finance.user, tenant=body, membership_id=admin.pk, on=date(2026, 11, 1))
        ctx = sessions_for(body.pk)
        sessions_for(body.pk)  # again: the bench's administrator is kept, the grant is there once
        statuses = _journey(ctx, "auditor")

    assert statuses == dict.fromkeys(journeys(ctx)["auditor"], 200)
    bench_admin = f"bench-admin@{body.slug}.bench.invalid"
    assert _grants_and_admins(body) == ([bench_admin], [bench_admin])
    with tenant_context(body):
        made = AuditEvent.objects.get(verb="membership.created", object_label__startswith=bench_admin)
    assert made.actor_label == BENCH_PLATFORM_EMAIL


@pytest.mark.django_db
def test_the_auditor_is_granted_on_a_body_that_never_had_an_administrator() -> None:
    with time_machine.travel(AS_OF, tick=False):
        body, _ = _small_body()
        ctx = sessions_for(body.pk)
        statuses = _journey(ctx, "auditor")
        auditor = User.objects.get(pk=ctx["user_ids"]["auditor"])
        granted = audit_pool_ids(tenant=body, user=auditor)

    assert statuses == dict.fromkeys(journeys(ctx)["auditor"], 200)
    assert granted == {ctx["pool_id"]}
    bench_admin = f"bench-admin@{body.slug}.bench.invalid"
    assert _grants_and_admins(body) == ([bench_admin], [bench_admin])


def _small_body() -> tuple[ResponsibleBody, list[School]]:
    """A trust with no administrator, two schools (Ash, then Birch), each with a head and a
    SENDCO, the body-wide roles the journeys sign in as, and the 2026-27 pool. No case yet."""
    finance = member(Role.FINANCE_OFFICER, mfa=True)
    body = finance.responsible_body
    schools = [own_academy(body, name=f"{name} Academy") for name in ("Ash", "Birch")]
    for school in schools:
        member(Role.HEAD, body, school=school)
        member(Role.SENDCO, body, school=school)
    member(Role.DECISION_OFFICER, body, mfa=True)
    member(Role.AUDITOR, body, valid_to=date(2027, 3, 31))
    member(Role.PARTNERSHIP_LEAD, body)
    pool_open(actor=finance.user, tenant=body, label="2026-27")
    return body, schools


@pytest.mark.django_db
def test_the_head_and_sendco_journeys_open_a_case_page_of_their_own_school_in_every_body_of_the_demo_set() -> None:
    """Seed 5: in the smaller body (24 cases) the first head's school has none."""
    generate(scale="demo", seed=5, as_of=AS_OF)
    with platform_context():
        bodies = list(Case.objects.values_list("responsible_body_id", flat=True).distinct().order_by())
    assert len(bodies) == 2
    for body_id in bodies:
        with time_machine.travel(AS_OF, tick=False):
            ctx = sessions_for(body_id)
            with tenant_context(body_id):
                case_school = Case.objects.filter(pk=ctx["school_case_id"]).values_list("school_id", flat=True).first()
                head, sendco = (
                    Membership.objects.get(user_id=ctx["user_ids"][role], role=role).school_id
                    for role in ("head", "sendco")
                )
            pages = {role: _journey(ctx, role) for role in ("head", "sendco")}
        assert case_school is not None, body_id
        assert case_school == head == sendco
        for role, statuses in pages.items():
            assert f"/b/{ctx['slug']}/cases/{ctx['school_case_id']}/" in statuses, role
            assert statuses == dict.fromkeys(journeys(ctx)[role], 200), role


@pytest.mark.django_db
def test_the_bench_picks_the_first_school_with_a_case_and_leaves_the_case_page_out_with_none() -> None:
    with time_machine.travel(AS_OF, tick=False):
        body, (_, birch) = _small_body()  # Ash, the first school, has no case
        without = sessions_for(body.pk)
        with tenant_context(body):
            pupil = Pupil.objects.create(
                responsible_body=body, school=birch, year_group="Y3", sen_status="sen_support", primary_need="SLCN"
            )
            case = Case.objects.create(responsible_body=body, reference="ER-BENCH-1", school=birch, pupil=pupil)
        with_case = sessions_for(body.pk)
    with tenant_context(body):
        schools = {
            role: Membership.objects.get(user_id=with_case["user_ids"][role], role=role).school_id
            for role in ("head", "sendco")
        }

    assert without["school_case_id"] is None
    assert [p for role in ("head", "sendco") for p in journeys(without)[role] if "/cases/None/" in p] == []
    assert (with_case["school_case_id"], schools) == (case.pk, {"head": birch.pk, "sendco": birch.pk})
    assert f"/b/{body.slug}/cases/{case.pk}/" in journeys(with_case)["head"]
