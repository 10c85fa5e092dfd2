"""Writes for groupings: grouping policy versions and contractual arrangements.

Arrangement workflow (one service per transition; each locks the row, checks the
transition, writes and records an audit event):

    proposed ──activate──▶ active ──give_notice──▶ notice_given ──end──▶ ended
       │                      └──────────────────end──────────────────▶ ended
       └──withdraw──▶ withdrawn
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import structlog
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.constraints import violates
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from core.uploads import validate_upload
from groupings.error_codes import GroupingError
from groupings.models import Arrangement, ArrangementBasis, ArrangementStatus, GroupingPolicy, School
from groupings.policy_defaults import AREAS_OF_NEED, DECISION_CRITERIA, DEFAULTS, need_codes
from groupings.signals import arrangement_ended

logger = structlog.get_logger(__name__)

ARRANGEMENT_FIELDS = (
    "school",
    "basis",
    "status",
    "counterparty",
    "agreement_reference",
    "agreement_document_name",
    "conversion_pathway",
    "start_date",
    "end_date",
    "notice_given_on",
    "pooled_share_override_bp",
    "approved_by",
)
POLICY_FIELDS = (
    "version",
    "effective_from",
    "pooled_share_bp",
    "allow_share_override",
    "segregation_of_duties",
    "funding_periods",
    "decision_target_working_days",
    "urgent_reserve_bp",
    "delegated_limits_pence",
    "decision_criteria",
)

# (from statuses, to status) for each transition service
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "activate": (frozenset({ArrangementStatus.PROPOSED}), ArrangementStatus.ACTIVE),
    "give_notice": (frozenset({ArrangementStatus.ACTIVE}), ArrangementStatus.NOTICE_GIVEN),
    "end": (frozenset({ArrangementStatus.ACTIVE, ArrangementStatus.NOTICE_GIVEN}), ArrangementStatus.ENDED),
    "withdraw": (frozenset({ArrangementStatus.PROPOSED}), ArrangementStatus.WITHDRAWN),
}
TRANSITION_VERBS = {"activate": "approved", "give_notice": "given notice", "end": "ended", "withdraw": "withdrawn"}
# The audit verb each transition records: "arrangement.<status it moves to>".
TRANSITION_AUDIT_VERBS: dict[str, AuditVerb] = {
    "activate": AuditVerb.ARRANGEMENT_ACTIVE,
    "give_notice": AuditVerb.ARRANGEMENT_NOTICE_GIVEN,
    "end": AuditVerb.ARRANGEMENT_ENDED,
    "withdraw": AuditVerb.ARRANGEMENT_WITHDRAWN,
}
AGREEMENT_DOCUMENT_TYPES = frozenset({"pdf", "docx"})
BASES_NEEDING_A_SIGNED_AGREEMENT = frozenset(
    {ArrangementBasis.CONTRACTED_TRUST, ArrangementBasis.MAINTAINED_PATHWAY_TO_TRUST}
)


# --- Grouping policy ------------------------------------------------------------------------


def _percent_to_bp(value: Any, *, field: str) -> int:
    from decimal import Decimal, InvalidOperation

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
) -> GroupingPolicy:
    """Publish a new version of the body's grouping policy from ``effective_from``.

    Versions are never edited; a new one applies from its date onwards and must start
    after every earlier version (and not in the past, unless it is the first)."""
    pooled_share_bp = _percent_to_bp(pooled_share_percent, field="pooled_share_percent")
    urgent_reserve_bp = _percent_to_bp(urgent_reserve_percent, field="urgent_reserve_percent")
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
    with tenant_context(tenant), transaction.atomic():
        latest = lock_rows(GroupingPolicy.objects).order_by("-version").first()
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


def _policy_on(day: date) -> GroupingPolicy | None:
    return GroupingPolicy.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


# --- Arrangements ---------------------------------------------------------------------------


def _check_basis(*, tenant: ResponsibleBody, school: School, basis: str, conversion_pathway: str) -> None:
    if basis not in ArrangementBasis.values:
        raise ApplicationError(
            "Choose how the school joins the grouping.", code=GroupingError.INVALID_BASIS, field="basis"
        )
    if basis == ArrangementBasis.OWN_ACADEMY:
        if not tenant.is_trust or school.trust_uid is None or school.trust_uid != tenant.gias_group_uid:
            raise ApplicationError(
                "Only the trust's own academies (by their GIAS trust) can join as its own academy.",
                code=GroupingError.NOT_OWN_ACADEMY,
                field="basis",
            )
    elif basis == ArrangementBasis.MAINTAINED_VIA_LA:
        if tenant.is_trust:
            raise ApplicationError(
                "Only a local authority holds maintained schools' pooled IMF.",
                code=GroupingError.NOT_AN_LA,
                field="basis",
            )
        if not school.is_maintained:
            raise ApplicationError(
                "Only a maintained school can join through its local authority.",
                code=GroupingError.NOT_MAINTAINED,
                field="basis",
            )
        if school.la_code != tenant.la_code:
            raise ApplicationError(
                f"{school.name} is in another local authority ({school.la_name or school.la_code}).",
                code=GroupingError.SCHOOL_IN_ANOTHER_LA,
                field="basis",
            )
    elif basis == ArrangementBasis.MAINTAINED_PATHWAY_TO_TRUST:
        if not tenant.is_trust:
            raise ApplicationError(
                "Only a trust can take a school on a pathway to join it.", code=GroupingError.NOT_A_TRUST, field="basis"
            )
        if not school.is_maintained:
            raise ApplicationError(
                "Only a maintained school can be on a pathway to join a trust.",
                code=GroupingError.NOT_MAINTAINED,
                field="basis",
            )
        if not conversion_pathway.strip():
            raise ApplicationError(
                "Describe the school's pathway to join the trust (for example, the academy order date).",
                code=GroupingError.PATHWAY_REQUIRED,
                field="conversion_pathway",
            )
    elif basis == ArrangementBasis.CONTRACTED_TRUST:
        if not school.is_academy:
            raise ApplicationError(
                "Only an academy or free school of another trust can join by contract.",
                code=GroupingError.NOT_AN_ACADEMY,
                field="basis",
            )
        if tenant.is_trust and school.trust_uid == tenant.gias_group_uid:
            raise ApplicationError(
                "This is one of the trust's own academies: add it as an own academy.",
                code=GroupingError.IS_OWN_ACADEMY,
                field="basis",
            )


def arrangement_propose(
    *,
    actor: User,
    tenant: ResponsibleBody,
    school_id: int,
    basis: str,
    counterparty: str,
    start_date: date,
    end_date: date | None = None,
    agreement_reference: str = "",
    agreement_document: File | None = None,
    conversion_pathway: str = "",
    pooled_share_override_percent: Any = None,
) -> Arrangement:
    """Propose that a school joins the body's grouping from ``start_date``."""
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise ApplicationError("Choose a school from the register.", code=GroupingError.UNKNOWN_SCHOOL, field="school")
    if not school.is_open:
        raise ApplicationError(
            f"{school.name} is {school.status.lower() or 'not open'}: it cannot join a grouping.",
            code=GroupingError.SCHOOL_CLOSED,
            field="school",
        )
    if not school.is_imf_eligible:
        raise ApplicationError(
            f"{school.name} is not eligible for the Inclusive Mainstream Fund: {school.eligibility_reason}.",
            code=GroupingError.SCHOOL_NOT_ELIGIBLE,
            field="school",
        )
    _check_basis(tenant=tenant, school=school, basis=basis, conversion_pathway=conversion_pathway)
    if not counterparty.strip():
        raise ApplicationError(
            "Enter the trust or governing body that runs the school.",
            code=GroupingError.COUNTERPARTY_REQUIRED,
            field="counterparty",
        )
    if end_date is not None and end_date < start_date:
        raise ApplicationError(
            "The end date must be on or after the start date.", code=GroupingError.DATES_OUT_OF_ORDER, field="end_date"
        )
    checked = None
    if agreement_document is not None:
        checked = validate_upload(agreement_document, allowed=AGREEMENT_DOCUMENT_TYPES, field="agreement_document")
    with tenant_context(tenant), transaction.atomic():
        policy = _policy_on(start_date)
        override_bp = None
        if pooled_share_override_percent not in (None, ""):
            if policy is None or not policy.allow_share_override:
                raise ApplicationError(
                    "The grouping policy does not allow a different pooled share for one school.",
                    code=GroupingError.OVERRIDE_NOT_ALLOWED,
                    field="pooled_share_override_percent",
                )
            override_bp = _percent_to_bp(pooled_share_override_percent, field="pooled_share_override_percent")
        arrangement = Arrangement(
            responsible_body=tenant,
            school=school,
            basis=basis,
            counterparty=counterparty.strip()[:200],
            agreement_reference=agreement_reference.strip()[:100],
            conversion_pathway=conversion_pathway.strip()[:300],
            start_date=start_date,
            end_date=end_date,
            pooled_share_override_bp=override_bp,
            policy=policy,
            proposed_by_label=actor.email,
        )
        if agreement_document is not None and checked is not None:
            arrangement.agreement_document.save(f"{school.urn}-{checked.name}", agreement_document, save=False)
            arrangement.agreement_document_name = checked.name
        try:
            with transaction.atomic():
                arrangement.save()
        except IntegrityError as exc:
            if violates(exc, "one_arrangement_per_school_per_date"):
                raise ConflictError(
                    f"{school.name} is already in a grouping for some of these dates. "
                    "A school is in one grouping at a time.",
                    code=GroupingError.SCHOOL_ALREADY_IN_A_GROUPING,
                    field="start_date",
                ) from exc
            raise
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.ARRANGEMENT_PROPOSED,
            obj=arrangement,
            label=f"{school.name} ({school.urn})",
            after=snapshot(arrangement, ARRANGEMENT_FIELDS),
        )
    return arrangement


def _transition(
    *, actor: User, tenant: ResponsibleBody, arrangement_id: int, name: str, changes: dict[str, Any]
) -> Arrangement:
    sources, target = TRANSITIONS[name]
    arrangement = lock_rows(Arrangement.objects).select_related("school").filter(pk=arrangement_id).first()
    if arrangement is None:
        raise NotFound("No such arrangement.")
    if arrangement.status not in sources:
        raise ConflictError(
            f"This arrangement is {arrangement.get_status_display().lower()}: it cannot be {TRANSITION_VERBS[name]}.",
            code=GroupingError.INVALID_TRANSITION,
        )
    before = snapshot(arrangement, ARRANGEMENT_FIELDS)
    arrangement.status = target
    for field, value in changes.items():
        setattr(arrangement, field, value)
    try:
        with transaction.atomic():
            arrangement.save(update_fields=["status", *changes])
    except IntegrityError as exc:
        if violates(exc, "one_arrangement_per_school_per_date"):
            raise ConflictError(
                f"{arrangement.school.name} is already in a grouping for some of these dates. "
                "A school is in one grouping at a time.",
                code=GroupingError.SCHOOL_ALREADY_IN_A_GROUPING,
            ) from exc
        raise
    audit_record(
        actor=actor,
        tenant=tenant,
        verb=TRANSITION_AUDIT_VERBS[name],
        obj=arrangement,
        label=f"{arrangement.school.name} ({arrangement.school.urn})",
        before=before,
        after=snapshot(arrangement, ARRANGEMENT_FIELDS),
    )
    return arrangement


def _refuse_extension(current: Arrangement | None, end_date: date) -> None:
    """Notice and ending can bring an arrangement's end forward, never push it later
    (that would be a new arrangement, and could overlap a school's next grouping)."""
    if current is not None and current.end_date is not None and end_date > current.end_date:
        raise ApplicationError(
            f"The arrangement already ends on {current.end_date:%-d %B %Y}; choose that date or an earlier one.",
            code=GroupingError.END_AFTER_AGREED_END,
            field="end_date",
        )


def _send_ended(payload: dict[str, Any]) -> None:
    for receiver, result in arrangement_ended.send_robust(sender=Arrangement, **payload):
        if isinstance(result, Exception):
            logger.error("arrangement_ended receiver failed", receiver=str(receiver), error=repr(result), **payload)


def arrangement_activate(*, actor: User, tenant: ResponsibleBody, arrangement_id: int) -> Arrangement:
    """Approve a proposed arrangement: the school's IMF is pooled from its start date."""
    with tenant_context(tenant), transaction.atomic():
        current = Arrangement.objects.filter(pk=arrangement_id).first()
        if current is not None and current.basis in BASES_NEEDING_A_SIGNED_AGREEMENT and not current.agreement_document:
            raise ApplicationError(
                "Upload the signed agreement before approving this arrangement.",
                code=GroupingError.AGREEMENT_REQUIRED,
                field="agreement_document",
            )
        return _transition(
            actor=actor,
            tenant=tenant,
            arrangement_id=arrangement_id,
            name="activate",
            changes={"approved_by": actor, "approved_at": timezone.now()},
        )


def arrangement_give_notice(
    *, actor: User, tenant: ResponsibleBody, arrangement_id: int, end_date: date, given_on: date | None = None
) -> Arrangement:
    """Record notice to leave: the arrangement ends on ``end_date``."""
    given_on = given_on or timezone.localdate()
    with tenant_context(tenant), transaction.atomic():
        current = Arrangement.objects.filter(pk=arrangement_id).first()
        if current is not None and (end_date < given_on or end_date < current.start_date):
            raise ApplicationError(
                "The leaving date must be on or after today and the start date.",
                code=GroupingError.END_BEFORE_NOTICE,
                field="end_date",
            )
        _refuse_extension(current, end_date)
        return _transition(
            actor=actor,
            tenant=tenant,
            arrangement_id=arrangement_id,
            name="give_notice",
            changes={"end_date": end_date, "notice_given_on": given_on},
        )


def arrangement_end(*, actor: User, tenant: ResponsibleBody, arrangement_id: int, end_date: date) -> Arrangement:
    """End an arrangement on ``end_date`` (its last day in the grouping). History stays;
    the apps that hold money react to ``arrangement_ended`` after commit."""
    with tenant_context(tenant), transaction.atomic():
        current = Arrangement.objects.filter(pk=arrangement_id).first()
        if current is not None and end_date < current.start_date:
            raise ApplicationError(
                "The end date must be on or after the start date.",
                code=GroupingError.DATES_OUT_OF_ORDER,
                field="end_date",
            )
        _refuse_extension(current, end_date)
        arrangement = _transition(
            actor=actor, tenant=tenant, arrangement_id=arrangement_id, name="end", changes={"end_date": end_date}
        )
        payload = {
            "tenant_id": tenant.pk,
            "arrangement_id": arrangement.pk,
            "school_id": arrangement.school_id,
            "end_date": end_date,
        }
        transaction.on_commit(lambda: _send_ended(payload))
    return arrangement


def arrangement_withdraw(*, actor: User, tenant: ResponsibleBody, arrangement_id: int) -> Arrangement:
    """Withdraw a proposal that will not go ahead."""
    with tenant_context(tenant), transaction.atomic():
        return _transition(actor=actor, tenant=tenant, arrangement_id=arrangement_id, name="withdraw", changes={})


@dataclass(frozen=True)
class OwnAcademyPreview:
    to_add: list[School]
    already_in_a_grouping: list[School]
    not_eligible: list[School]


def own_academies_preview(*, tenant: ResponsibleBody, start_date: date) -> OwnAcademyPreview:
    """The trust's academies in GIAS, split by whether they can be added from ``start_date``."""
    if not tenant.is_trust or tenant.gias_group_uid is None:
        raise ApplicationError(
            "Only a trust with a GIAS group UID has academies to add.", code=GroupingError.NOT_A_TRUST
        )
    schools = list(School.objects.filter(trust_uid=tenant.gias_group_uid).order_by("name"))
    to_add, taken, not_eligible = [], [], []
    with tenant_context(tenant):
        mine = set(
            Arrangement.objects.exclude(status=ArrangementStatus.WITHDRAWN)
            .filter(school__in=schools)
            .values_list("school_id", flat=True)
        )
    for school in schools:
        if not (school.is_imf_eligible and school.is_open):
            not_eligible.append(school)
        elif school.pk in mine:
            taken.append(school)
        else:
            to_add.append(school)
    return OwnAcademyPreview(to_add=to_add, already_in_a_grouping=taken, not_eligible=not_eligible)


def own_academies_add(
    *, actor: User, tenant: ResponsibleBody, start_date: date, school_ids: list[int]
) -> list[Arrangement]:
    """Add the trust's own academies (as previewed) as active ``own_academy`` arrangements."""
    preview = own_academies_preview(tenant=tenant, start_date=start_date)
    allowed = {s.pk: s for s in preview.to_add}
    unknown = [i for i in school_ids if i not in allowed]
    if unknown or not school_ids:
        raise ConflictError(
            "The list of academies changed since the preview: check it again.", code=GroupingError.PREVIEW_STALE
        )
    created = []
    with tenant_context(tenant), transaction.atomic():
        for school_id in school_ids:
            arrangement = arrangement_propose(
                actor=actor,
                tenant=tenant,
                school_id=school_id,
                basis=ArrangementBasis.OWN_ACADEMY,
                counterparty=tenant.legal_name,
                start_date=start_date,
                agreement_reference="Own academy (trust membership)",
            )
            created.append(arrangement_activate(actor=actor, tenant=tenant, arrangement_id=arrangement.pk))
    return created


def arrangement_document_open(*, actor: User, tenant: ResponsibleBody, arrangement_id: int) -> Arrangement:
    """The arrangement whose signed agreement ``actor`` is about to download, with the
    download audited; ``NotFound`` when it has no agreement on file."""
    with tenant_context(tenant), transaction.atomic():
        arrangement = Arrangement.objects.select_related("school").filter(pk=arrangement_id).first()
        if arrangement is None or not arrangement.agreement_document:
            raise NotFound("No such document.")
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.ARRANGEMENT_DOCUMENT_DOWNLOADED,
            obj=arrangement,
            label=f"{arrangement.agreement_document_name} ({arrangement.school.name})",
        )
    return arrangement
