from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import services
from accounts.models import Membership, ResponsibleBody, Role, User
from core.errors import ApplicationError, ConflictError, NotFound
from core.models import AuditEvent
from core.tenancy import TenantContextMissing, platform_context, tenant_context
from tests.factories import LocalAuthorityFactory, SchoolFactory, TrustFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def _events(body: ResponsibleBody) -> list[AuditEvent]:
    with tenant_context(body):
        return list(AuditEvent.objects.order_by("id"))


def _memberships(body: ResponsibleBody) -> list[Membership]:
    with tenant_context(body):
        return list(Membership.objects.order_by("id"))


def test_platform_body_create_records_an_audit_event() -> None:
    staff = UserFactory(is_staff=True)
    body = services.platform_body_create(
        actor=staff,
        kind="academy_trust",
        legal_name="Harbour Learning Trust",
        slug="harbour",
        accountable_officer_name="A. Officer",
        companies_house_number="09876543",
        gias_group_uid=4242,
    )
    events = _events(body)
    assert [e.verb for e in events] == ["body.created"]
    assert events[0].actor_label == staff.email
    assert events[0].after["companies_house_number"] == "09876543"


def test_platform_body_create_refuses_non_staff() -> None:
    with pytest.raises(ApplicationError) as exc:
        services.platform_body_create(
            actor=UserFactory(),
            kind="local_authority",
            legal_name="X",
            slug="x",
            accountable_officer_name="Y",
            la_code="123",
        )
    assert exc.value.code == "platform_only"
    assert not ResponsibleBody.objects.filter(slug="x").exists()


def test_platform_body_create_rejects_bad_identifiers() -> None:
    staff = UserFactory(is_staff=True)
    with pytest.raises(Exception) as exc:
        services.platform_body_create(
            actor=staff,
            kind="local_authority",
            legal_name="Nowhere",
            slug="nowhere",
            accountable_officer_name="Y",
            la_code="12",
        )
    assert "la_has_la_code" in str(exc.value) or "LA code" in str(exc.value)
    assert not ResponsibleBody.objects.filter(slug="nowhere").exists()


def test_invite_creates_user_membership_audit_and_email(django_capture_on_commit_callbacks, settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    admin = member(Role.BODY_ADMIN, mfa=True)
    body = admin.responsible_body
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_invite(
            actor=admin.user,
            tenant=body,
            email="  New.Officer@Example.org ",
            role=Role.DECISION_OFFICER,
            decision_limit_pence=250_000_00,
        )
    assert membership.user.email == "new.officer@example.org"
    assert membership.decision_limit_pence == 25_000_000
    assert [e.verb for e in _events(body)] == ["membership.created"]
    assert len(mail.outbox) == 1
    assert "password/reset/key/" in mail.outbox[0].body
    assert body.legal_name in mail.outbox[0].subject


def test_invite_existing_person_to_a_second_body_reuses_their_account() -> None:
    first = member(Role.TRUSTEE)
    second_admin = member(Role.BODY_ADMIN)
    services.membership_invite(
        actor=second_admin.user, tenant=second_admin.responsible_body, email=first.user.email, role=Role.TRUSTEE
    )
    assert User.objects.filter(email=first.user.email).count() == 1


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "", "two@@example.org", "x@example.org\nBcc: y@z.org"])
def test_invite_rejects_malformed_email(email: str) -> None:
    admin = member(Role.BODY_ADMIN)
    with pytest.raises(ApplicationError) as exc:
        services.membership_invite(actor=admin.user, tenant=admin.responsible_body, email=email, role=Role.TRUSTEE)
    assert exc.value.code == "invalid_email"
    assert exc.value.field == "email"
    assert len(_memberships(admin.responsible_body)) == 1
    assert _events(admin.responsible_body) == []


def test_invite_rejects_unknown_role() -> None:
    admin = member(Role.BODY_ADMIN)
    with pytest.raises(ApplicationError) as exc:
        services.membership_invite(
            actor=admin.user, tenant=admin.responsible_body, email="p@example.org", role="overlord"
        )
    assert exc.value.code == "invalid_role"
    assert not User.objects.filter(email="p@example.org").exists()


def test_invite_rejects_school_from_another_body() -> None:
    admin = member(Role.BODY_ADMIN)
    other_trust = TrustFactory()
    other_school = SchoolFactory(trust_uid=other_trust.gias_group_uid)
    with pytest.raises(ApplicationError) as exc:
        services.membership_invite(
            actor=admin.user,
            tenant=admin.responsible_body,
            email="head@example.org",
            role=Role.HEAD,
            school_id=other_school.pk,
        )
    assert exc.value.code == "school_not_in_body"
    assert not User.objects.filter(email="head@example.org").exists()


def test_invite_scopes_head_to_school_in_la_grouping() -> None:
    la = LocalAuthorityFactory(la_code="201")
    admin = member(Role.BODY_ADMIN, la)
    school = SchoolFactory(la_code="201", type_name="Community school", type_group="Local authority maintained schools")
    with pytest.raises(ApplicationError) as exc:  # not in the LA's grouping until it has an arrangement
        services.membership_invite(
            actor=admin.user, tenant=la, email="head@example.org", role=Role.HEAD, school_id=school.pk
        )
    assert exc.value.code == "school_not_in_body"
    from groupings.services import arrangement_propose

    arrangement_propose(
        actor=admin.user,
        tenant=la,
        school_id=school.pk,
        basis="maintained_via_la",
        counterparty="Governing body",
        start_date=timezone.localdate(),
    )
    membership = services.membership_invite(
        actor=admin.user, tenant=la, email="head@example.org", role=Role.HEAD, school_id=school.pk
    )
    assert membership.school_id == school.pk


def test_invite_requires_school_for_head_and_refuses_it_for_others() -> None:
    admin = member(Role.BODY_ADMIN)
    body = admin.responsible_body
    with pytest.raises(ApplicationError) as exc:
        services.membership_invite(actor=admin.user, tenant=body, email="h@example.org", role=Role.SENDCO)
    assert exc.value.code == "school_required"
    school = SchoolFactory(trust_uid=body.gias_group_uid)
    with pytest.raises(ApplicationError) as exc:
        services.membership_invite(
            actor=admin.user, tenant=body, email="t@example.org", role=Role.TRUSTEE, school_id=school.pk
        )
    assert exc.value.code == "school_not_allowed"


def test_invite_of_an_existing_member_is_a_conflict_and_writes_nothing() -> None:
    existing = member(Role.TRUSTEE)
    admin = member(Role.BODY_ADMIN, existing.responsible_body)
    with pytest.raises(ConflictError) as exc:
        services.membership_invite(
            actor=admin.user, tenant=existing.responsible_body, email=existing.user.email.upper(), role=Role.TRUSTEE
        )
    assert exc.value.code == "already_member"
    assert len(_memberships(existing.responsible_body)) == 2
    assert _events(existing.responsible_body) == []


def test_invite_auditor_needs_an_end_date_and_decision_officer_a_limit() -> None:
    admin = member(Role.BODY_ADMIN)
    body = admin.responsible_body
    with pytest.raises(ApplicationError) as exc:
        services.membership_invite(actor=admin.user, tenant=body, email="a@example.org", role=Role.AUDITOR)
    assert exc.value.code == "auditor_needs_end_date"
    with pytest.raises(ApplicationError) as exc:
        services.membership_invite(actor=admin.user, tenant=body, email="d@example.org", role=Role.DECISION_OFFICER)
    assert exc.value.code == "decision_limit_required"
    with pytest.raises(ApplicationError) as exc:
        services.membership_invite(
            actor=admin.user,
            tenant=body,
            email="a@example.org",
            role=Role.AUDITOR,
            valid_from=timezone.localdate(),
            valid_to=timezone.localdate() - timedelta(days=1),
        )
    assert exc.value.code == "dates_out_of_order"


def test_membership_end_keeps_history_and_audits() -> None:
    trustee = member(Role.TRUSTEE)
    admin = member(Role.BODY_ADMIN, trustee.responsible_body)
    ended = services.membership_end(actor=admin.user, tenant=trustee.responsible_body, membership_id=trustee.pk)
    assert ended.valid_to == timezone.localdate()
    assert len(_memberships(trustee.responsible_body)) == 2
    [event] = _events(trustee.responsible_body)
    assert event.verb == "membership.ended"
    assert event.before["valid_to"] is None
    assert event.after["valid_to"] == timezone.localdate().isoformat()


def test_membership_end_of_another_bodys_membership_is_not_found() -> None:
    other = member(Role.TRUSTEE)
    admin = member(Role.BODY_ADMIN)
    with pytest.raises(NotFound) as exc:
        services.membership_end(actor=admin.user, tenant=admin.responsible_body, membership_id=other.pk)
    assert (exc.value.code, exc.value.message) == ("not_found", "No such membership.")
    with tenant_context(other.responsible_body):
        assert Membership.objects.get(pk=other.pk).valid_to is None


def test_tenant_manager_refuses_queries_without_context() -> None:
    member(Role.TRUSTEE)
    with pytest.raises(TenantContextMissing):
        list(Membership.objects.all())
    with platform_context():
        assert Membership.objects.count() == 1
