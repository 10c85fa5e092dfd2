"""Two responsible bodies with one of everything, for the cross-tenant suite.

Later issues extend ``build_world`` with rows of their new tenant-owned models, so that
every URL keyword naming a model (``<model_name>_id``) has a body-B row to point at. The
suite itself (test_cross_tenant.py) discovers endpoints and needs no edits."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import services
from accounts.models import Membership, ResponsibleBody, Role, User
from groupings import services as groupings_services
from tests.factories import TrustFactory, UserFactory, enable_mfa, member, own_academy


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
    for body, user, secret in ((body_a, user_a, "Alpha Counterparty"), (body_b, user_b, "Bravo Secret Counterparty")):
        groupings_services.policy_ensure_default(actor=user, tenant=body, effective_from=date(2026, 4, 1))
        groupings_services.arrangement_propose(
            actor=user,
            tenant=body,
            school_id=own_academy(body).pk,
            basis="own_academy",
            counterparty=secret,
            start_date=date(2026, 9, 1),
            agreement_reference=f"{secret} ref",
            agreement_document=SimpleUploadedFile("agreement.pdf", b"%PDF-1.4\n%%EOF\n"),
        )
    world = World(
        body_a=body_a,
        body_b=body_b,
        user_a=user_a,
        user_b=user_b,
        b_markers=[body_b.legal_name, "bravo.trustee.secret@example.org", user_b.email, "Bravo Secret Counterparty"],
    )
    for extend in _extensions():
        extend(world)
    return world


def _extensions() -> list[Callable[[World], None]]:
    """Each ``tests/isolation/world_<area>.py`` adds its area's rows for both bodies with
    ``extend(world)``; they run in name order."""
    found = []
    for path in sorted(Path(__file__).parent.glob("world_*.py")):
        module = importlib.import_module(f"tests.isolation.{path.stem}")
        found.append(module.extend)
    return found


def rows_of_body(model: type, body: ResponsibleBody) -> list[int]:
    from core.tenancy import platform_context

    with platform_context():
        return list(model._default_manager.filter(responsible_body=body).values_list("pk", flat=True))


__all__ = ["Membership", "World", "build_world", "rows_of_body"]
