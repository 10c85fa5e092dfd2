"""Writes for groupings: grouping policy versions (``GroupingPolicy``), one per date it takes
effect; ``policy_on`` answers which version is in force on a day.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError
from core.locking import advisory_lock
from core.tenancy import tenant_context
from groupings.error_codes import GroupingError
from groupings.models import GroupingPolicy
from groupings.policy_defaults import (
    AREAS_OF_NEED,
    CASE_FILE_RETENTION_YEARS_RANGE,
    DECISION_CRITERIA,
    DEFAULTS,
    FINANCIAL_RETENTION_YEARS_RANGE,
    PEER_REVIEW_HEADINGS,
    RETENTION_DEFAULTS,
    need_codes,
)

POLICY_FIELDS = (
    "version",
    "effective_from",
    "pooled_share_bp",
    "allow_share_override",
    "segregation_of_duties",
    "sendco_may_organise_sessions",
    "peer_review_headings",
    "funding_periods",
    "decision_target_working_days",
    "urgent_reserve_bp",
    "delegated_limits_pence",
    "decision_criteria",
    "case_file_retention_years",
    "financial_retention_years",
)


def percent_to_bp(value: Any, *, field: str) -> int:
    """A percentage as typed (``"10"``, ``"12.5%"``) in basis points; two decimals at most."""
    try:
        amount = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(
            "Enter a percentage, like 10.00.", code=GroupingError.INVALID_PERCENTAGE, field=field
        ) from exc
    if amount != amount.quantize(Decimal("0.01")):
        raise ApplicationError(
            "Enter a percentage with no more than 2 decimal places.", code=GroupingError.TOO_MANY_DECIMALS, field=field
        )
    if not Decimal(0) <= amount <= Decimal(100):
        raise ApplicationError(
            "Enter a percentage between 0 and 100.", code=GroupingError.PERCENTAGE_OUT_OF_RANGE, field=field
        )
    return int(amount * 100)


def _headings(value: list[str] | None) -> list[str] | None:
    """The peer-review framework's headings: one to twelve distinct headings of up to 200
    characters (None: keep the latest version's, or the platform's for a first version)."""
    if value is None:
        return None
    headings = [h.strip() for h in value if h and h.strip()]
    if not 1 <= len(headings) <= 12 or len(set(headings)) != len(headings) or any(len(h) > 200 for h in headings):
        raise ApplicationError(
            "List from 1 to 12 different peer-review headings, each 200 characters or fewer.",
            code=GroupingError.INVALID_REVIEW_HEADINGS,
            field="peer_review_headings",
        )
    return headings


def _years(value: Any, current: int, bounds: tuple[int, int], *, field: str, what: str) -> int:
    """A retention period in whole years within ``bounds`` (None or "": keep ``current``)."""
    if value is None or value == "":
        return current
    low, high = bounds
    try:
        years = int(str(value).strip())
    except ValueError:
        years = -1
    if str(value).strip() != str(years) or not low <= years <= high:
        raise ApplicationError(
            f"Enter how many years {what} are kept, a whole number from {low} to {high}.",
            code=GroupingError.INVALID_RETENTION,
            field=field,
        )
    return years


def policy_version_create(
    *,
    actor: User,
    tenant: ResponsibleBody,
    effective_from: date,
    pooled_share_percent: Any,
    urgent_reserve_percent: Any,
    decision_target_working_days: int,
    decision_criteria: list[str],
    allow_share_override: bool = False,
    funding_periods: list[str] | None = None,
    areas_of_need: list[dict[str, Any]] | None = None,
    delegated_limits_pence: dict[str, int] | None = None,
    change_note: str = "",
    allow_backdating: bool = False,
    segregation_of_duties: bool = True,
    sendco_may_organise_sessions: bool = False,
    peer_review_headings: list[str] | None = None,
    case_file_retention_years: Any = None,
    financial_retention_years: Any = None,
) -> GroupingPolicy:
    """Publish a new version of the body's grouping policy from ``effective_from``.

    Versions are never edited; a new one applies from its date onwards and must start
    after every earlier version (and not in the past, unless it is the first)."""
    pooled_share_bp = percent_to_bp(pooled_share_percent, field="pooled_share_percent")
    urgent_reserve_bp = percent_to_bp(urgent_reserve_percent, field="urgent_reserve_percent")
    criteria = [c.strip() for c in decision_criteria if c and c.strip()]
    if not criteria:
        raise ApplicationError(
            "Publish at least one decision criterion.", code=GroupingError.CRITERIA_REQUIRED, field="decision_criteria"
        )
    if not 1 <= int(decision_target_working_days) <= 60:
        raise ApplicationError(
            "Enter a decision target between 1 and 60 working days.",
            code=GroupingError.INVALID_TARGET,
            field="decision_target_working_days",
        )
    areas = areas_of_need if areas_of_need is not None else AREAS_OF_NEED
    if not need_codes(areas):
        raise ApplicationError(
            "List at least one area of need.", code=GroupingError.AREAS_REQUIRED, field="areas_of_need"
        )
    limits = delegated_limits_pence if delegated_limits_pence is not None else dict(DEFAULTS["delegated_limits_pence"])  # type: ignore[call-overload]
    if any(not isinstance(v, int) or v < 0 for v in limits.values()):
        raise ApplicationError(
            "Delegated limits must be whole pence, 0 or more.",
            code=GroupingError.INVALID_LIMITS,
            field="delegated_limits_pence",
        )
    headings = _headings(peer_review_headings)
    with tenant_context(tenant), transaction.atomic():
        advisory_lock("groupings.policy", tenant.pk)  # one new version at a time (append-only table)
        latest = GroupingPolicy.objects.order_by("-version").first()
        case_years = _years(
            case_file_retention_years,
            latest.case_file_retention_years if latest else RETENTION_DEFAULTS["case_file_retention_years"],
            CASE_FILE_RETENTION_YEARS_RANGE,
            field="case_file_retention_years",
            what="case files",
        )
        financial_years = _years(
            financial_retention_years,
            latest.financial_retention_years if latest else RETENTION_DEFAULTS["financial_retention_years"],
            FINANCIAL_RETENTION_YEARS_RANGE,
            field="financial_retention_years",
            what="the financial record",
        )
        if latest is not None:
            if effective_from <= latest.effective_from:
                raise ConflictError(
                    f"A new version must start after {latest.effective_from:%-d %B %Y}, "
                    f"when version {latest.version} started.",
                    code=GroupingError.POLICY_NOT_AFTER_LATEST,
                    field="effective_from",
                )
            if effective_from < timezone.localdate() and not allow_backdating:
                raise ApplicationError(
                    "A new version cannot start in the past: what already happened is not rewritten.",
                    code=GroupingError.POLICY_BACKDATED,
                    field="effective_from",
                )
        policy = GroupingPolicy(
            responsible_body=tenant,
            version=(latest.version + 1) if latest else 1,
            effective_from=effective_from,
            pooled_share_bp=pooled_share_bp,
            allow_share_override=allow_share_override,
            funding_periods=funding_periods or [],
            areas_of_need=areas,
            decision_criteria=criteria,
            decision_target_working_days=int(decision_target_working_days),
            delegated_limits_pence=limits,
            urgent_reserve_bp=urgent_reserve_bp,
            segregation_of_duties=bool(segregation_of_duties),
            sendco_may_organise_sessions=bool(sendco_may_organise_sessions),
            peer_review_headings=headings
            if headings is not None
            else list(latest.peer_review_headings if latest else PEER_REVIEW_HEADINGS),
            case_file_retention_years=case_years,
            financial_retention_years=financial_years,
            change_note=change_note.strip()[:300],
            created_by_label=actor.email,
        )
        policy.save()
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.POLICY_VERSION_PUBLISHED,
            obj=policy,
            after=snapshot(policy, POLICY_FIELDS),
        )
    return policy


def policy_ensure_default(*, actor: User, tenant: ResponsibleBody, effective_from: date) -> GroupingPolicy:
    """Give a body the platform's default policy if it has none yet."""
    with tenant_context(tenant):
        existing = GroupingPolicy.objects.order_by("version").first()
        if existing is not None:
            return existing
        return policy_version_create(
            actor=actor,
            tenant=tenant,
            effective_from=effective_from,
            pooled_share_percent=int(DEFAULTS["pooled_share_bp"]) / 100,  # type: ignore[call-overload]
            urgent_reserve_percent=int(DEFAULTS["urgent_reserve_bp"]) / 100,  # type: ignore[call-overload]
            decision_target_working_days=int(DEFAULTS["decision_target_working_days"]),  # type: ignore[call-overload]
            decision_criteria=list(DECISION_CRITERIA),
            change_note="Platform default policy",
            allow_backdating=True,
        )


def policy_on(day: date) -> GroupingPolicy | None:
    """The policy version in force on ``day`` in the current tenant, if any."""
    return GroupingPolicy.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
