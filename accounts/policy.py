"""One policy layer: who may do what. Pages, the API, downloads and exports all ask here.

``BodyAccess`` is what a signed-in user may do in one responsible body, built once per
request from their current memberships. ``can(user, action, obj)`` is the same question
asked outside a request (services, tasks, tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from allauth.mfa.models import Authenticator
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, ResponsibleBody, Role, User
from core.tenancy import current_tenant_id, tenant_context


class Action(StrEnum):
    VIEW_BODY = "body.view"
    MANAGE_MEMBERS = "members.manage"
    VIEW_AUDIT = "audit.view"
    VIEW_POOL = "pool.view"
    MOVE_MONEY = "money.move"
    VIEW_GROUPING = "grouping.view"
    MANAGE_GROUPING = "grouping.manage"
    RAISE_CASE = "case.raise"
    VIEW_CASE = "case.view"
    DECIDE_CASE = "case.decide"
    VIEW_PUPIL_IDENTITY = "pupil.identity.view"
    # The name a school typed for its own pupil, shown beside the reference on its own pages.
    SEE_OWN_PUPIL_NAMES = "pupil.name.see_own"
    VIEW_GOVERNANCE = "governance.view"
    REQUEST_REPORT = "report.request"
    EXPORT_AUDIT = "audit.export"
    VIEW_PARTNERSHIP = "partnership.view"
    VIEW_INCLUSION_ANNEX = "annex.view"
    VIEW_SHARED_RESOURCES = "shared_resources.view"
    MANAGE_SHARED_RESOURCES = "shared_resources.manage"
    ALLOCATE_SHARED_RESOURCES = "shared_resources.allocate"
    REQUEST_SHARED_RESOURCE = "shared_resources.request"
    # Collaboration (peer advice): a school asks; an adviser holds a per-object grant only.
    COLLABORATE = "collaboration.use"
    SEEK_ADVICE = "advice.seek"
    GIVE_ADVICE = "advice.give"
    # The grouping's forum: sessions (supervision, moderation, training) and peer review.
    ORGANISE_SESSION = "session.organise"
    OVERSEE_FORUM = "forum.oversee"
    RESPOND_PEER_REVIEW = "peer_review.respond"
    # An external auditor's read of one pool: a per-object grant on the pool.
    AUDIT_POOL = "pool.audit"
    # Data protection (#21): a legal hold on a case, and a pupil's subject-access export.
    MANAGE_LEGAL_HOLD = "retention.hold"
    ANSWER_SUBJECT_ACCESS = "subject_access.answer"


_ALL_POOL_READERS = {Role.FINANCE_OFFICER, Role.DECISION_OFFICER, Role.TRUSTEE, Role.AUDITOR, Role.BODY_ADMIN}

ROLE_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW_BODY: frozenset(Role),
    Action.MANAGE_MEMBERS: frozenset({Role.BODY_ADMIN}),
    Action.VIEW_AUDIT: frozenset({Role.BODY_ADMIN, Role.AUDITOR}),
    # An auditor reads a pool only through a live per-object grant (``AUDIT_POOL``) on it.
    Action.VIEW_POOL: frozenset(_ALL_POOL_READERS - {Role.AUDITOR}),
    Action.MOVE_MONEY: frozenset({Role.FINANCE_OFFICER}),
    Action.VIEW_GROUPING: frozenset(_ALL_POOL_READERS | {Role.HEAD, Role.SENDCO}),
    Action.MANAGE_GROUPING: frozenset({Role.BODY_ADMIN, Role.FINANCE_OFFICER}),
    Action.RAISE_CASE: frozenset({Role.HEAD, Role.SENDCO}),
    Action.VIEW_CASE: frozenset({Role.HEAD, Role.SENDCO, Role.DECISION_OFFICER, Role.AUDITOR}),
    Action.DECIDE_CASE: frozenset({Role.DECISION_OFFICER}),
    Action.VIEW_PUPIL_IDENTITY: frozenset({Role.HEAD, Role.SENDCO, Role.DECISION_OFFICER}),
    # Only the staff of the pupil's own school: officers, trustees, auditors and peers see the
    # reference (an officer may still open the audited identity page for one case).
    Action.SEE_OWN_PUPIL_NAMES: frozenset({Role.HEAD, Role.SENDCO}),
    # Auditors read a period's money through their per-pool grants (samples, the export), not
    # through the body-wide governance pack or the schools' annexes.
    Action.VIEW_GOVERNANCE: frozenset({Role.TRUSTEE, Role.FINANCE_OFFICER, Role.BODY_ADMIN}),
    Action.REQUEST_REPORT: frozenset({Role.FINANCE_OFFICER, Role.TRUSTEE, Role.AUDITOR, Role.BODY_ADMIN}),
    Action.EXPORT_AUDIT: frozenset({Role.AUDITOR}),
    Action.VIEW_PARTNERSHIP: frozenset({Role.PARTNERSHIP_LEAD, Role.BODY_ADMIN}),
    # A school's own annex for its published inclusion strategy; heads and SENDCOs see their school's only.
    Action.VIEW_INCLUSION_ANNEX: frozenset(
        (_ALL_POOL_READERS - {Role.DECISION_OFFICER, Role.AUDITOR}) | {Role.HEAD, Role.SENDCO}
    ),
    # Shared resources (issue 15): heads and SENDCOs see and request for their own school only.
    # Their funding is pool money, which an auditor reads only through a per-pool grant.
    Action.VIEW_SHARED_RESOURCES: frozenset((_ALL_POOL_READERS - {Role.AUDITOR}) | {Role.HEAD, Role.SENDCO}),
    Action.MANAGE_SHARED_RESOURCES: frozenset({Role.BODY_ADMIN, Role.FINANCE_OFFICER}),
    Action.ALLOCATE_SHARED_RESOURCES: frozenset({Role.DECISION_OFFICER}),
    Action.REQUEST_SHARED_RESOURCE: frozenset({Role.HEAD, Role.SENDCO}),
    # The grouping's forum: its schools' heads and SENDCOs and the body's own staff who
    # support them; never the people who decide or move money, auditors or partnership leads.
    Action.COLLABORATE: frozenset({Role.HEAD, Role.SENDCO, Role.BODY_ADMIN}),
    Action.SEEK_ADVICE: frozenset({Role.HEAD, Role.SENDCO}),
    # The body's staff organise sessions; a SENDCO also may when the grouping policy in force
    # says so (``sendco_may_organise_sessions``, checked by the session services).
    Action.ORGANISE_SESSION: frozenset({Role.BODY_ADMIN, Role.SENDCO}),
    # The body's staff see every session and run peer reviews across the schools.
    Action.OVERSEE_FORUM: frozenset({Role.BODY_ADMIN}),
    # A reviewed school's head responds to its peer review.
    Action.RESPOND_PEER_REVIEW: frozenset({Role.HEAD}),
    # No role gives these: only a live per-object grant (``register_object_grant``) does.
    Action.GIVE_ADVICE: frozenset(),
    Action.AUDIT_POOL: frozenset(),
    # A decision officer or the body's admin places or lifts a legal hold and answers a
    # subject-access request; never a school (a head may not export a pupil's whole record).
    Action.MANAGE_LEGAL_HOLD: frozenset({Role.DECISION_OFFICER, Role.BODY_ADMIN}),
    Action.ANSWER_SUBJECT_ACCESS: frozenset({Role.DECISION_OFFICER, Role.BODY_ADMIN}),
}

# A pupil's identity (name, UPN). A read-only API token never carries these, whatever the
# roles allow in the browser: a program reading figures has no need of children's names, and
# a leaked read-only key must not expose them. A token that needs them names them among its
# chosen actions, which asks for a fresh step-up proof when it is made.
IDENTITY_ACTIONS = frozenset({Action.VIEW_PUPIL_IDENTITY, Action.SEE_OWN_PUPIL_NAMES})

# What a read-only API token may carry: every action that only reads (per-pool audit grants
# included), except a pupil's identity. Anything else changes something and needs a token
# with chosen actions.
READ_ACTIONS = frozenset(
    {
        Action.VIEW_BODY,
        Action.VIEW_AUDIT,
        Action.VIEW_POOL,
        Action.VIEW_GROUPING,
        Action.VIEW_CASE,
        Action.VIEW_GOVERNANCE,
        Action.VIEW_PARTNERSHIP,
        Action.VIEW_INCLUSION_ANNEX,
        Action.VIEW_SHARED_RESOURCES,
        Action.AUDIT_POOL,
    }
)
# No role gives these; a live per-object grant does. A token may carry them, and the grant
# still decides.
GRANT_ONLY_ACTIONS = frozenset(action for action, roles in ROLE_ACTIONS.items() if not roles)


def token_actions_available(roles: set[str]) -> list[Action]:
    """The actions a person holding ``roles`` (in any body) may put on an API token: what
    their roles allow, and the grant-only actions; in the enum's order."""
    return [a for a in Action if a in GRANT_ONLY_ACTIONS or ROLE_ACTIONS[a] & roles]


# Acting on these needs multi-factor authentication set up first.
MFA_ACTIONS = frozenset(
    {
        Action.MOVE_MONEY,
        Action.DECIDE_CASE,
        Action.MANAGE_MEMBERS,
        Action.MANAGE_GROUPING,
        Action.MANAGE_SHARED_RESOURCES,
        Action.ALLOCATE_SHARED_RESOURCES,
        # A child's whole record leaves the pool; a lifted hold lets the next run erase a file.
        Action.ANSWER_SUBJECT_ACCESS,
        Action.MANAGE_LEGAL_HOLD,
    }
)
MFA_ROLES = frozenset({Role.FINANCE_OFFICER, Role.DECISION_OFFICER, Role.BODY_ADMIN})
# An auditor takes the pool's records away: any export (the auditor export, any report)
# needs MFA set up first (issue 21, point 3), on pages and in the API.
EXPORT_ACTIONS = frozenset({Action.EXPORT_AUDIT, Action.REQUEST_REPORT})
# Roles whose membership names no school yet opens only what the holder's live per-object
# grants open (an auditor: the pools granted to them), never the whole body.
GRANT_SCOPED_ROLES = frozenset({Role.AUDITOR})


@dataclass(frozen=True)
class ReadScope:
    """What of the body's school-owned rows one action reaches, by the route each of the
    reader's memberships gives; the reader sees the union of the routes. ``body_wide``: a
    role held in its own right over the whole body (a decision officer). ``schools``: the
    schools a school role (head, SENDCO) covers. ``through_grants``: a grant-scoped role (an
    auditor), which reaches only what the reader's live per-object grants open."""

    body_wide: bool
    schools: frozenset[int]
    through_grants: bool


@dataclass(frozen=True)
class ObjectGrant:
    """A per-object grant (django-guardian): the permission codename on the object's model
    and the rule that says whether a grant row still counts (time-boxed, not revoked)."""

    permission: str
    is_live: Callable[[User, Any], bool]


OBJECT_GRANTS: dict[Action, ObjectGrant] = {}


def register_object_grant(action: Action, *, permission: str, is_live: Callable[[User, Any], bool]) -> None:
    """Apps that own a per-object grant register it from ``AppConfig.ready``."""
    OBJECT_GRANTS[action] = ObjectGrant(permission=permission, is_live=is_live)


def granted(user: User, action: Action, obj: Any) -> bool:
    """Does ``user`` hold a live per-object grant of ``action`` on ``obj``?

    Only ever for a row of the active tenant: ``obj`` must have been loaded inside its
    body's ``tenant_context`` (row-level security applies to the grant tables too, which
    are tenant-owned), so a grant can never open another tenant's row. Superusers get
    nothing here: guardian's own ``has_perm`` would say yes to them for everything."""
    grant = OBJECT_GRANTS.get(action)
    if grant is None or not user.is_authenticated or not user.is_active or obj is None:
        return False
    if current_tenant_id() is None or getattr(obj, "responsible_body_id", None) != current_tenant_id():
        return False
    from guardian.shortcuts import get_user_perms

    return grant.permission in set(get_user_perms(user, obj)) and grant.is_live(user, obj)


def current_memberships_q(on: date | None = None) -> Q:
    today = on or timezone.localdate()
    return Q(valid_from__lte=today) & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))


SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def user_has_mfa(user: User) -> bool:
    """An authenticator app or a passkey (recovery codes alone are not a second factor)."""
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


def _school_of(obj: Any) -> int | None:
    """The school an object belongs to: itself for a school, else its ``school_id``
    (never its own primary key, which could coincide with a school's)."""
    if obj._meta.label_lower == "groupings.school":
        return int(obj.pk)
    school_id = getattr(obj, "school_id", None)
    return int(school_id) if school_id is not None else None


# The actions of the API token the current request came with (None: not a token request).
# Set by ``TenantAPIView`` for the whole request, so every ``BodyAccess.load`` in the services
# it calls is narrowed to the token's scope too, not only the view's own checks.
_request_token_actions: ContextVar[frozenset[str] | None] = ContextVar("request_token_actions", default=None)


@contextmanager
def request_token_scope() -> Iterator[None]:
    """A request's boundary for ``set_request_token_actions``: what is set inside ends with it."""
    token = _request_token_actions.set(None)
    try:
        yield
    finally:
        _request_token_actions.reset(token)


def set_request_token_actions(actions: frozenset[str]) -> None:
    _request_token_actions.set(actions)


# Every body page loads the person's memberships with their school: all of the membership,
# and of the school (fifty-odd columns from the register) only what pages show of it. A
# school's other columns are not read through a membership.
_MEMBERSHIP_FIELDS = tuple(f.name for f in Membership._meta.concrete_fields)
_MEMBERSHIP_SCHOOL_FIELDS = ("school__name", "school__urn")


@dataclass
class BodyAccess:
    """What ``user`` may do in ``body`` today. Build inside the body's tenant context."""

    user: User
    body: ResponsibleBody
    memberships: list[Membership]
    _mfa: bool | None = field(default=None, repr=False)
    # Set when the request came with an API token: the actions the token may use. Never
    # widens the roles: ``can`` needs both.
    token_actions: frozenset[str] | None = None

    @classmethod
    def load(cls, user: User, body: ResponsibleBody, *, token_actions: frozenset[str] | None = None) -> BodyAccess:
        """``token_actions`` defaults to the scope of the API token the request came with
        (``request_token_scope``), so a service's own check is narrowed like the view's."""
        if token_actions is None:
            token_actions = _request_token_actions.get()
        if not user.is_authenticated:
            return cls(user=user, body=body, memberships=[])
        memberships = list(
            Membership.objects.filter(current_memberships_q(), user=user, responsible_body=body)
            .select_related("school")
            .only(*_MEMBERSHIP_FIELDS, *_MEMBERSHIP_SCHOOL_FIELDS)
        )
        return cls(user=user, body=body, memberships=memberships, token_actions=token_actions)

    def token_allows(self, action: Action) -> bool:
        return self.token_actions is None or action in self.token_actions

    @property
    def is_member(self) -> bool:
        return bool(self.memberships)

    @property
    def roles(self) -> set[str]:
        return {m.role for m in self.memberships}

    @property
    def has_mfa(self) -> bool:
        if self._mfa is None:
            self._mfa = user_has_mfa(self.user)
        return self._mfa

    def school_ids(self, action: Action) -> set[int] | None:
        """Schools ``action`` is limited to, or ``None`` when it is body-wide."""
        if not self.token_allows(action):
            return set()
        allowed = ROLE_ACTIONS[action]
        schools: set[int] = set()
        for m in self.memberships:
            if m.role not in allowed:
                continue
            if m.school_id is None:
                return None
            schools.add(m.school_id)
        return schools

    def read_scope(self, action: Action) -> ReadScope:
        """``action``'s reach split by route (``ReadScope``): unlike ``school_ids``, an
        auditor's membership (no school) is not body-wide but limited to their grants."""
        if not self.token_allows(action):
            return ReadScope(body_wide=False, schools=frozenset(), through_grants=False)
        allowed = ROLE_ACTIONS[action]
        held = [m for m in self.memberships if m.role in allowed]
        own = [m for m in held if m.role not in GRANT_SCOPED_ROLES]
        return ReadScope(
            body_wide=any(m.school_id is None for m in own),
            schools=frozenset(m.school_id for m in own if m.school_id is not None),
            through_grants=any(m.role in GRANT_SCOPED_ROLES for m in held),
        )

    def can(self, action: Action, obj: Any = None) -> bool:
        if not self.token_allows(action):
            return False
        allowed = ROLE_ACTIONS[action]
        for m in self.memberships:
            if m.role not in allowed:
                continue
            scoped_elsewhere = m.school_id is not None and obj is not None and m.school_id != _school_of(obj)
            if scoped_elsewhere:
                continue
            return True
        return False

    def can_on(self, action: Action, obj: Any) -> bool:
        """``can`` for one object, or a live per-object grant of ``action`` on it. Only a
        current member of the body may use a grant: it ends with the membership."""
        if not self.token_allows(action):
            return False
        return self.can(action, obj) or (self.is_member and granted(self.user, action, obj))

    def needs_mfa_for(self, action: Action) -> bool:
        auditor_export = action in EXPORT_ACTIONS and Role.AUDITOR in self.roles
        return (action in MFA_ACTIONS or auditor_export) and not self.has_mfa

    def decision_limit_pence(self) -> int:
        limits = [m.decision_limit_pence or 0 for m in self.memberships if m.role == Role.DECISION_OFFICER]
        return max(limits, default=0)


def body_of(obj: Any) -> ResponsibleBody:
    if isinstance(obj, ResponsibleBody):
        return obj
    return ResponsibleBody.objects.get(pk=obj.responsible_body_id)


def can(user: User, action: Action, obj: Any) -> bool:
    """May ``user`` perform ``action`` on ``obj`` (a responsible body or one of its rows)?

    Actions that move money or decide also need MFA."""
    body = body_of(obj)
    with tenant_context(body):
        access = BodyAccess.load(user, body)
        target = None if isinstance(obj, ResponsibleBody) else obj
        allowed = access.can(action) if target is None else access.can_on(action, target)
        return allowed and not access.needs_mfa_for(action)
