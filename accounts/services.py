"""Writes for accounts: responsible bodies (platform staff only), memberships, tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.error_codes import AccountError
from accounts.grouping_scope import school_in_grouping
from accounts.models import SCHOOL_SCOPED_ROLES, ApiToken, Membership, ResponsibleBody, Role, User
from accounts.policy import READ_ACTIONS, Action, current_memberships_q
from accounts.selectors import token_actions_for_user
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.constraints import violates
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.outbox.services import outbox_enqueue
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
            outbox_enqueue(task="accounts.send_invitation_email", kwargs={"membership_id": membership.pk})
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


API_TOKEN_PREFIX = "ipt_"  # noqa: S105 - the prefix every key starts with, not a secret
API_TOKEN_MAX_DAYS = 365


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(
    *,
    user: User,
    name: str,
    read_only: bool,
    actions: list[str],
    expires_in_days: int,
) -> tuple[ApiToken, str]:
    """Make one of ``user``'s own API tokens and return it with its key, which is not kept
    (only its SHA-256) and is shown once. Read-only tokens carry every read action the
    user's roles allow; otherwise ``actions`` (at least one) must all be allowed to them."""
    name = name.strip()
    if not name:
        raise ApplicationError("Enter a name for the token.", code=AccountError.TOKEN_NAME_REQUIRED, field="name")
    if len(name) > 80:
        raise ApplicationError(
            "Token name must be 80 characters or fewer.", code=AccountError.TOKEN_NAME_REQUIRED, field="name"
        )
    if (
        isinstance(expires_in_days, bool)
        or not isinstance(expires_in_days, int)
        or not 1 <= expires_in_days <= API_TOKEN_MAX_DAYS
    ):
        raise ApplicationError(
            f"A token lasts between 1 and {API_TOKEN_MAX_DAYS} days.",
            code=AccountError.TOKEN_EXPIRY_INVALID,
            field="expires_in_days",
        )
    available = token_actions_for_user(user=user)
    if read_only:
        chosen = [a for a in available if a in READ_ACTIONS]
    else:
        chosen = list(dict.fromkeys(str(a) for a in actions))
        if not chosen:
            raise ApplicationError(
                "Choose at least one thing the token may do, or make it read-only.",
                code=AccountError.TOKEN_ACTIONS_REQUIRED,
                field="actions",
            )
        refused = [a for a in chosen if a not in available]
        if refused:
            raise ApplicationError(
                f"Your roles do not allow: {', '.join(refused)}.",
                code=AccountError.TOKEN_ACTION_NOT_ALLOWED,
                field="actions",
            )
        if str(Action.VIEW_BODY) not in chosen:
            chosen.insert(0, str(Action.VIEW_BODY))  # every API call first checks membership of the body
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic(), platform_context():
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user,
                    name=name,
                    prefix=key[:10],
                    key_hash=api_token_hash(key),
                    read_only=read_only,
                    actions=chosen,
                    created_at=now,
                    expires_at=now + timedelta(days=expires_in_days),
                )
        except IntegrityError as exc:
            if not violates(exc, "api_token_live_name_unique_per_user"):
                raise
            raise ApplicationError(
                "You already have a token with this name. Choose another name.",
                code=AccountError.TOKEN_NAME_TAKEN,
                field="name",
            ) from exc
        audit_record(
            actor=user,
            tenant=None,
            verb=AuditVerb.API_TOKEN_CREATED,
            obj=token,
            label=token.audit_label,
            after={"read_only": read_only, "actions": chosen, "expires_at": token.expires_at.isoformat()},
        )
    return token, key


AUTOMATION_TOKEN_NAME = "Automation (manage.py create_api_token)"  # noqa: S105 - a name, not a secret


def api_token_automation_issue(*, user: User, rotate: bool = False) -> tuple[ApiToken, str]:
    """The token of ``manage.py create_api_token``: stored hashed like the self-service ones,
    with every action the user's roles allow (the roles still decide each request), lasting
    ``API_TOKEN_MAX_AGE_DAYS``. A user has one live automation token: ``rotate`` revokes it
    and makes a new one; without ``rotate`` a live one is a conflict, since its key is not
    kept and cannot be shown again."""
    with transaction.atomic(), platform_context():
        live = list(
            lock_rows(ApiToken.objects).filter(
                user=user, name=AUTOMATION_TOKEN_NAME, revoked_at__isnull=True, expires_at__gt=timezone.now()
            )
        )
        if live and not rotate:
            raise ConflictError(
                f"{user.email} already has a live automation token ({live[0].prefix}…, expires "
                f"{live[0].expires_at:%d %B %Y}). Its key is not kept, so it cannot be shown again: "
                "use --rotate to replace it.",
                code=AccountError.TOKEN_NAME_TAKEN,
            )
        for old in ApiToken.objects.filter(user=user, name=AUTOMATION_TOKEN_NAME, revoked_at__isnull=True):
            api_token_revoke(user=user, token_id=old.pk)
        return api_token_issue(
            user=user,
            name=AUTOMATION_TOKEN_NAME,
            read_only=False,
            actions=token_actions_for_user(user=user),
            expires_in_days=min(int(settings.API_TOKEN_MAX_AGE_DAYS), API_TOKEN_MAX_DAYS),
        )


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens: it stops working on the next request."""
    with transaction.atomic(), platform_context():
        token = lock_rows(ApiToken.objects).filter(user=user, pk=token_id).first()
        if token is None:
            raise NotFound("No such token.")
        if token.revoked_at is not None:
            raise ConflictError("This token is already revoked.", code=AccountError.TOKEN_ALREADY_REVOKED)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=user, tenant=None, verb=AuditVerb.API_TOKEN_REVOKED, obj=token, label=token.audit_label)
    return token


def api_token_mark_used(*, token: ApiToken) -> None:
    """Record when a token was last used, at most once a minute (not a write per request)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
