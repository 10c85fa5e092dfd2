"""Demo data for accounts: the platform operator, two responsible bodies (a real trust and
a real local authority from GIAS) and a person for every body-wide role. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts import services
from accounts.models import Membership, ResponsibleBody, Role, User
from accounts.policy import current_memberships_q
from core.tenancy import tenant_context

DEMO_PASSWORD = "inclusion-demo-2026"  # noqa: S105 - local settings only (DEMO_PASSWORDS_ENABLED)

TRUST = {
    "kind": ResponsibleBody.Kind.ACADEMY_TRUST,
    "legal_name": "STEP Academy Trust",
    "slug": "step-academy-trust",
    "companies_house_number": "DEMO4836",  # not the real number: a demo placeholder
    "gias_group_uid": 4836,
    "accountable_officer_name": "Demo Accounting Officer",
    "accountable_officer_title": "Chief Executive and Accounting Officer",
}
LOCAL_AUTHORITY = {
    "kind": ResponsibleBody.Kind.LOCAL_AUTHORITY,
    "legal_name": "Royal Borough of Kingston upon Thames",
    "slug": "kingston",
    "la_code": "314",
    "accountable_officer_name": "Demo Director of Children's Services",
    "accountable_officer_title": "Director of Children's Services",
}

BODY_WIDE_ROLES = [
    Role.BODY_ADMIN,
    Role.FINANCE_OFFICER,
    Role.DECISION_OFFICER,
    Role.TRUSTEE,
    Role.AUDITOR,
    Role.PARTNERSHIP_LEAD,
]


@dataclass
class DemoContext:
    staff: User
    bodies: dict[str, ResponsibleBody] = field(default_factory=dict)
    sign_ins: list[dict[str, Any]] = field(default_factory=list)

    def person(self, email: str, full_name: str) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name)
        return user

    def grant(self, body: ResponsibleBody, email: str, full_name: str, role: str, **kwargs: Any) -> None:
        school_label = kwargs.pop("school_label", "")
        user = self.person(email, full_name)
        with tenant_context(body):
            exists = Membership.objects.filter(
                current_memberships_q(), Membership.school_is(kwargs.get("school_id")), user=user, role=role
            ).exists()
        if not exists:
            services.membership_invite(actor=self.staff, tenant=body, email=email, role=role, **kwargs)
        self.sign_ins.append(
            {"email": email, "password": DEMO_PASSWORD, "role": role, "body": body.slug, "school": school_label}
        )


def seed(ctx: DemoContext) -> None:
    for spec in (TRUST, LOCAL_AUTHORITY):
        body = ResponsibleBody.objects.filter(slug=spec["slug"]).first()
        if body is None:
            body = services.platform_body_create(actor=ctx.staff, **spec)
        ctx.bodies[body.slug] = body
    for body, domain in (
        (ctx.bodies["step-academy-trust"], "step.example"),
        (ctx.bodies["kingston"], "kingston.example"),
    ):
        for role in BODY_WIDE_ROLES:
            if role == Role.PARTNERSHIP_LEAD and body.is_trust:
                continue
            extra: dict[str, Any] = {}
            if role == Role.DECISION_OFFICER:
                extra["decision_limit_pence"] = 25_000_00
            if role == Role.AUDITOR:
                extra["valid_to"] = timezone.localdate() + timedelta(days=365)
            local = role.value.replace("_", ".")
            ctx.grant(body, f"{local}@{domain}", f"Demo {role.label}", role, **extra)
        if body.is_trust:
            ctx.grant(
                body,
                f"senior.decision.officer@{domain}",
                "Demo Senior Decision Officer",
                Role.DECISION_OFFICER,
                decision_limit_pence=100_000_00,
            )
