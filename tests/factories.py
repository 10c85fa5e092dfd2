"""factory-boy factories. Tenant-owned rows are created in platform context, and every
factory keeps its graph inside one responsible body."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from accounts.models import Membership, ResponsibleBody, Role, User
from core.tenancy import platform_context
from groupings.models import School

DEMO_PASSWORD = "correct-horse-battery-staple"


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        with platform_context():
            return super()._create(model_class, *args, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password(DEMO_PASSWORD)


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponsibleBody

    kind = ResponsibleBody.Kind.ACADEMY_TRUST
    legal_name = factory.Sequence(lambda n: f"Example Learning Trust {n}")
    slug = factory.Sequence(lambda n: f"trust-{n}")
    companies_house_number = factory.Sequence(lambda n: f"{10000000 + n:08d}")
    gias_group_uid = factory.Sequence(lambda n: 900000 + n)
    accountable_officer_name = factory.Faker("name", locale="en_GB")


class LocalAuthorityFactory(TrustFactory):
    kind = ResponsibleBody.Kind.LOCAL_AUTHORITY
    legal_name = factory.Sequence(lambda n: f"Example Borough Council {n}")
    slug = factory.Sequence(lambda n: f"la-{n}")
    companies_house_number = ""
    gias_group_uid = None
    la_code = factory.Sequence(lambda n: f"{800 + n % 199:03d}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    urn = factory.Sequence(lambda n: 150000 + n)
    name = factory.Sequence(lambda n: f"Example Primary School {n}")
    la_code = "999"
    la_name = "Example"
    type_name = "Academy converter"
    type_group = "Academies"
    status = "Open"
    phase = "Primary"
    statutory_low_age = 4
    statutory_high_age = 11
    number_of_pupils = 300
    is_imf_eligible = True
    eligibility_reason = "Mainstream state-funded school for 5 to 16 year olds"

    class Params:
        body = None

    @factory.lazy_attribute
    def trust_uid(self) -> int | None:
        body = self.body
        return body.gias_group_uid if body is not None and body.is_trust else None


class MembershipFactory(PlatformFactory):
    class Meta:
        model = Membership

    responsible_body = factory.SubFactory(TrustFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.FINANCE_OFFICER
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))

    @factory.lazy_attribute
    def decision_limit_pence(self) -> int | None:
        return 5_000_000 if self.role == Role.DECISION_OFFICER else None

    @factory.lazy_attribute
    def valid_to(self) -> Any:
        return timezone.localdate() + timedelta(days=90) if self.role == Role.AUDITOR else None

    @factory.lazy_attribute
    def school(self) -> School | None:
        if self.role in (Role.HEAD, Role.SENDCO):
            body = self.responsible_body
            if body.is_trust:
                return SchoolFactory(trust_uid=body.gias_group_uid)
            return SchoolFactory(la_code=body.la_code)
        return None


def enable_mfa(user: User) -> str:
    """Give ``user`` an activated TOTP authenticator; returns the secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(user: User) -> str:
    """The user's current authenticator code (what their app shows now)."""
    import time

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return format_hotp_value(hotp_value(decrypt(authenticator.data["secret"]), int(time.time()) // 30))


def member(role: str, body: ResponsibleBody | None = None, *, mfa: bool = False, **kwargs: Any) -> Membership:
    kwargs.setdefault("responsible_body", body or TrustFactory())
    membership = MembershipFactory(role=role, **kwargs)
    if mfa:
        enable_mfa(membership.user)
    return membership


def maintained_school(la: ResponsibleBody, **kwargs: Any) -> School:
    kwargs.setdefault("type_name", "Community school")
    kwargs.setdefault("type_group", "Local authority maintained schools")
    return SchoolFactory(la_code=la.la_code, trust_uid=None, **kwargs)


def own_academy(trust: ResponsibleBody, **kwargs: Any) -> School:
    return SchoolFactory(trust_uid=trust.gias_group_uid, trust_name=trust.legal_name, **kwargs)
