"""Which of the body's audit events a reader of the audit log sees (issue 16, point 5).

Audit events carry no pool, so an external auditor, who reads a body's money only through a
per-pool grant, sees the events whose time falls within the funding period of a pool they
hold a live grant on (``starts_on`` to ``ends_on``, whole days in UK time), and no other:
with no live grant, none. Everyone who reads the log in another role (a body administrator)
sees every event, as before.

``audit_log_scope`` is the one place that decides it; the audit log page and its API both
ask it and filter with ``events_within``. The grants belong to ``pooling``, which this app
may not import: pooling registers the read of a person's granted periods
(``register_granted_periods``) from its ``AppConfig.ready``. Without one registered, an
auditor sees no event (closed, not open)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import ResponsibleBody, Role, User
from accounts.policy import ROLE_ACTIONS, Action, BodyAccess
from core.models import AuditEvent


@dataclass(frozen=True, order=True)
class GrantedPeriod:
    """A funding period (a pool's) an auditor holds a live grant on."""

    starts_on: date
    ends_on: date
    label: str

    @property
    def words(self) -> str:
        """ "2026 to 2027", as GOV.UK writes a year that spans two."""
        return f"{self.starts_on.year} to {self.ends_on.year}"

    def instants(self) -> tuple[datetime, datetime]:
        """The period's first instant and the instant after its last, in UK time."""
        zone = timezone.get_default_timezone()
        return (
            datetime.combine(self.starts_on, time.min, tzinfo=zone),
            datetime.combine(self.ends_on + timedelta(days=1), time.min, tzinfo=zone),
        )


GrantedPeriods = Callable[[ResponsibleBody, User], Iterable[GrantedPeriod]]
_granted_periods: list[GrantedPeriods] = []


def register_granted_periods(source: GrantedPeriods) -> None:
    """``source(tenant, user)``: the periods of the pools ``user`` holds a live grant on."""
    _granted_periods[:] = [source]


@dataclass(frozen=True)
class AuditLogScope:
    """The periods a reader of the audit log is limited to (none: they see no event)."""

    periods: tuple[GrantedPeriod, ...]

    @property
    def words(self) -> str:
        names = [p.words for p in self.periods]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# Roles that read the whole audit log for their own work, not as an auditor of a period.
_WHOLE_LOG_ROLES = ROLE_ACTIONS[Action.VIEW_AUDIT] - {Role.AUDITOR}


def audit_log_scope(*, access: BodyAccess) -> AuditLogScope | None:
    """None: ``access``'s reader sees every event of the body. Otherwise they read the log
    only as an auditor, and see the events of the periods in the scope (one query)."""
    roles = access.roles
    if Role.AUDITOR not in roles or roles & _WHOLE_LOG_ROLES:
        return None
    periods: set[GrantedPeriod] = set()
    for source in _granted_periods:
        periods.update(source(access.body, access.user))
    return AuditLogScope(periods=tuple(sorted(periods)))


def events_within(qs: QuerySet[AuditEvent], scope: AuditLogScope | None) -> QuerySet[AuditEvent]:
    """``qs`` without the events outside ``scope``'s periods (all of them when it has none)."""
    if scope is None:
        return qs
    if not scope.periods:
        return qs.none()
    within = Q()
    for period in scope.periods:
        first, after_last = period.instants()
        within |= Q(created_at__gte=first, created_at__lt=after_last)
    return qs.filter(within)
