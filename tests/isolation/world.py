"""Two responsible bodies with one of everything, for the cross-tenant suite.

Later issues extend ``build_world`` with rows of their new tenant-owned models, so that
every URL keyword naming a model (``<model_name>_id``) has a body-B row to point at. The
suite itself (test_cross_tenant.py) discovers endpoints and needs no edits."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts import services
from accounts.models import Membership, ResponsibleBody, Role, User
from tests.factories import TrustFactory, UserFactory, enable_mfa, member


@dataclass
class World:
    body_a: ResponsibleBody
    body_b: ResponsibleBody
    user_a: User
    user_b: User
    # Strings that must never appear in a response to user A.
    b_markers: list[str] = field(default_factory=list)


def build_world() -> World:
    body_a = TrustFactory(legal_name="Alpha Schools Trust")
    body_b = TrustFactory(legal_name="Bravo Secret Learning Trust")
    user_a = UserFactory(email="alpha.person@example.org")
    user_b = UserFactory(email="bravo.person@example.org")
    enable_mfa(user_a)
    enable_mfa(user_b)
    for role in Role:
        member(role, body_a, user=user_a)
        member(role, body_b, user=user_b)
    b_member = member(Role.TRUSTEE, body_b, user=UserFactory(email="bravo.trustee.secret@example.org"))
    services.membership_end(actor=user_b, tenant=body_b, membership_id=b_member.pk)
    return World(
        body_a=body_a,
        body_b=body_b,
        user_a=user_a,
        user_b=user_b,
        b_markers=[body_b.legal_name, "bravo.trustee.secret@example.org", user_b.email],
    )


def rows_of_body(model: type, body: ResponsibleBody) -> list[int]:
    from accounts.tenancy import platform_context

    with platform_context():
        return list(model._default_manager.filter(responsible_body=body).values_list("pk", flat=True))


__all__ = ["Membership", "World", "build_world", "rows_of_body"]
