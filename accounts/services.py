"""Writes for accounts: responsible bodies (platform staff only), memberships, tokens."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.error_codes import AccountError
from accounts.grouping_scope import school_in_grouping
from accounts.models import SCHOOL_SCOPED_ROLES, Membership, ResponsibleBody, Role, User
from accounts.policy import current_memberships_q
from accounts.tasks import send_invitation_email
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.constraints import violates
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import platform_context, tenant_context

MEMBERSHIP_FIELDS = ("user", "role", "school", "decision_limit_pence", "valid_from", "valid_to")

# Any of these refusing a new body means the body is already registered.
BODY_IDENTIFIER_CONSTRAINTS = (
    "accounts_responsiblebody_slug_key",
    "one_body_per_gias_group",
    "one_body_per_la_code",
    "one_body_per_companies_house_number",
)


def platform_body_create(
    *,
    actor: User,
    kind: str,
    legal_name: str,
    slug: str,
    accountable_officer_name: str,
    companies_house_number: str = "",
    la_code: str = "",
    gias_group_uid: int | None = None,
    accountable_officer_title: str = "",
) -> ResponsibleBody:
    """Create a responsible body (a tenant). Platform staff only."""
    if not actor.is_staff:
        raise ApplicationError("Only platform staff can create a responsible body.", code=AccountError.PLATFORM_ONLY)
    body = ResponsibleBody(
        kind=kind,
        legal_name=legal_name.strip(),
        slug=slug,
        accountable_officer_name=accountable_officer_name.strip(),
        accountable_officer_title=accountable_officer_title.strip(),
        companies_house_number=companies_house_number.strip().upper(),
        la_code=la_code.strip(),
        gias_group_uid=gias_group_uid,
    )
    body.full_clean()
    with platform_context():
        try:
            with transaction.atomic():
                body.save()
        except IntegrityError as exc:
            if not violates(exc, *BODY_IDENTIFIER_CONSTRAINTS):
                raise
            raise ConflictError(
                "A responsible body with these identifiers already exists.", code=AccountError.BODY_EXISTS
            ) from exc
        audit_record(
            actor=actor,
            tenant=body,
            verb=AuditVerb.BODY_CREATED,
            obj=body,
            after=snapshot(body, ["kind", "legal_name", "slug", "companies_house_number", "la_code", "gias_group_uid"]),
        )
    return body


def _normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ApplicationError(
            "Enter an email address in the correct format, like name@example.org.",
            code=AccountError.INVALID_EMAIL,
            field="email",
        ) from exc
    return email


def _check_school_scope(*, tenant: ResponsibleBody, role: str, school_id: int | None) -> None:
    if role in SCHOOL_SCOPED_ROLES:
        if school_id is None:
            raise ApplicationError(
                "Choose the school this person works in.", code=AccountError.SCHOOL_REQUIRED, field="school"
            )
        if not school_in_grouping(tenant=tenant, school_id=school_id):
            raise ApplicationError(
                "That school is not in this responsible body's grouping.",
                code=AccountError.SCHOOL_NOT_IN_BODY,
                field="school",
            )
    elif school_id is not None:
        raise ApplicationError(
            "Only headteachers and SENDCOs are scoped to a school.",
            code=AccountError.SCHOOL_NOT_ALLOWED,
            field="school",
        )


def membership_invite(
    *,
    actor: User,
    tenant: ResponsibleBody,
    email: str,
    role: str,
    school_id: int | None = None,
    decision_limit_pence: int | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    full_name: str = "",
) -> Membership:
    """Give a person a role in the body, creating their account if they have none.

    New people get an email with a link to choose a password (after commit)."""
    email = _normalise_email(email)
    if role not in Role.values:
        raise ApplicationError("Choose a role from the list.", code=AccountError.INVALID_ROLE, field="role")
    _check_school_scope(tenant=tenant, role=role, school_id=school_id)
    if role == Role.DECISION_OFFICER:
        if decision_limit_pence is None or decision_limit_pence < 0:
            raise ApplicationError(
                "Enter the officer's delegated decision limit.",
                code=AccountError.DECISION_LIMIT_REQUIRED,
                field="decision_limit_pence",
            )
    else:
        decision_limit_pence = None
    if role == Role.AUDITOR and valid_to is None:
        raise ApplicationError(
            "An auditor's access must have an end date.", code=AccountError.AUDITOR_NEEDS_END_DATE, field="valid_to"
        )
    valid_from = valid_from or timezone.localdate()
    if valid_to is not None and valid_to < valid_from:
        raise ApplicationError(
            "The end date must be on or after the start date.", code=AccountError.DATES_OUT_OF_ORDER, field="valid_to"
        )

    with tenant_context(tenant), transaction.atomic():
        user = User.objects.filter(email=email).first()
        created_user = user is None
        if user is None:
            user = User.objects.create_user(email=email, password=None, full_name=full_name.strip())
        elif Membership.objects.filter(
            current_memberships_q(), Membership.school_is(school_id), user=user, role=role
        ).exists():
            raise ConflictError(f"{email} already has this role here.", code=AccountError.ALREADY_MEMBER, field="email")
        membership = Membership(
            responsible_body=tenant,
            user=user,
            role=role,
            school_id=school_id,
            decision_limit_pence=decision_limit_pence,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        membership.full_clean(exclude=["user", "responsible_body", "school"])
        try:
            with transaction.atomic():
                membership.save()
        except IntegrityError as exc:
            if not violates(exc, "one_open_membership_per_role"):
                raise
            raise ConflictError(
                f"{email} already has this role here.", code=AccountError.ALREADY_MEMBER, field="email"
            ) from exc
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.MEMBERSHIP_CREATED,
            obj=membership,
            label=f"{email} as {membership.get_role_display()}",
            after=snapshot(membership, MEMBERSHIP_FIELDS),
        )
        if created_user:
            transaction.on_commit(lambda: send_invitation_email.delay(membership_id=membership.pk))
    return membership


def membership_end(*, actor: User, tenant: ResponsibleBody, membership_id: int, on: date | None = None) -> Membership:
    """End a membership from ``on`` (default today). Nothing is deleted."""
    on = on or timezone.localdate()
    with tenant_context(tenant), transaction.atomic():
        membership = lock_rows(Membership.objects).filter(pk=membership_id).first()
        if membership is None:
            raise NotFound("No such membership.")
        if membership.valid_to is not None and membership.valid_to < on:
            raise ConflictError("This membership has already ended.", code=AccountError.MEMBERSHIP_ALREADY_ENDED)
        if membership.user_id == actor.pk and membership.role == Role.BODY_ADMIN:
            raise ApplicationError(
                "You cannot end your own administrator role.", code=AccountError.CANNOT_END_OWN_ADMIN
            )
        before = snapshot(membership, MEMBERSHIP_FIELDS)
        membership.valid_to = max(on, membership.valid_from)
        membership.save(update_fields=["valid_to"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.MEMBERSHIP_ENDED,
            obj=membership,
            label=f"{membership.user.email} as {membership.get_role_display()}",
            before=before,
            after=snapshot(membership, MEMBERSHIP_FIELDS),
        )
    return membership


def api_token_create(*, user: User, rotate: bool = False) -> Token:
    """Return the user's API token, creating it on first use. ``rotate`` (or an expired
    token, see ``accounts.authentication.ExpiringTokenAuthentication``) replaces it with a new key, and
    the old key stops working at once."""
    with transaction.atomic():
        token = lock_rows(Token.objects).filter(user=user).first()
        expired = token is not None and token.created < timezone.now() - timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)
        if token is not None and (rotate or expired):
            token.delete()
            token = None
        if token is None:
            try:
                with transaction.atomic():
                    token = Token.objects.create(user=user)
            except IntegrityError as exc:  # created by a concurrent call just now: use that one
                if not violates(exc, "authtoken_token_user_id_key"):
                    raise
                token = Token.objects.get(user=user)
    return token
