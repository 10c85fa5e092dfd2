"""Convening a partnership, its member organisations and contacts; a trust joining and
consenting (or not) to share its anonymised need signals."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, Role, User
from accounts.policy import BodyAccess
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.constraints import violates
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.queries import one_or_not_found
from core.tenancy import platform_context, tenant_context
from groupings.models import School
from partnerships.error_codes import PartnershipError
from partnerships.models import (
    MemberKind,
    NeedSignalConsent,
    Participation,
    Partnership,
    PartnershipContact,
    PartnershipMember,
)
from partnerships.services._common import actor_label, check, require_la


def partnership_convene(*, actor: User, tenant: ResponsibleBody, name: str) -> Partnership:
    """The local authority convenes its area's partnership and is its first member."""
    require_la(tenant)
    la_name = School.objects.filter(la_code=tenant.la_code).values_list("la_name", flat=True).first()
    with tenant_context(tenant):
        partnership = Partnership(
            responsible_body=tenant,
            name=name.strip(),
            la_code=tenant.la_code,
            la_name=la_name or tenant.legal_name,
            created_by_label=actor.email,
        )
        check(partnership)
        if Partnership.objects.filter(la_code=tenant.la_code).exists():
            raise ConflictError(
                "Your authority already convenes the partnership for this area.",
                code=PartnershipError.PARTNERSHIP_EXISTS,
            )
        partnership.save()
        PartnershipMember.objects.create(
            responsible_body=tenant,
            partnership=partnership,
            organisation_name=tenant.legal_name,
            kind=MemberKind.LOCAL_AUTHORITY,
            added_by_label=actor.email,
        )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PARTNERSHIP_CONVENED,
            obj=partnership,
            after=snapshot(partnership, ["name", "la_code"]),
        )
    return partnership


def member_add(
    *,
    actor: User,
    tenant: ResponsibleBody,
    partnership_id: int,
    organisation_name: str,
    kind: str,
    member_body_id: int | None = None,
) -> PartnershipMember:
    """Add an organisation. A trust on this service is named by its body, which lets it
    join and choose to share need signals; the name then comes from the body."""
    if kind not in MemberKind.values:
        raise ApplicationError(
            "Choose the organisation's role in the partnership.", code=PartnershipError.INVALID_KIND, field="kind"
        )
    body: ResponsibleBody | None = None
    if member_body_id is not None:
        if kind != MemberKind.TRUST:
            raise ApplicationError(
                "Only a trust can be linked to a body on this service.",
                code=PartnershipError.BODY_NOT_A_TRUST,
                field="member_body",
            )
        body = ResponsibleBody.objects.filter(pk=member_body_id, kind=ResponsibleBody.Kind.ACADEMY_TRUST).first()
        if body is None:
            raise ApplicationError(
                "Choose a trust that uses this service.", code=PartnershipError.UNKNOWN_TRUST, field="member_body"
            )
        organisation_name = organisation_name.strip() or body.legal_name
    with tenant_context(tenant):
        partnership = one_or_not_found(Partnership.objects, "No such partnership.", pk=partnership_id)
        member = PartnershipMember(
            responsible_body=tenant,
            partnership=partnership,
            organisation_name=organisation_name.strip(),
            kind=kind,
            member_body=body,
            added_by_label=actor.email,
        )
        check(member, exclude=["member_body"])
        try:
            with transaction.atomic():
                member.save()
        except IntegrityError as exc:
            if not violates(exc, "pmember_body_once_per_partnership", "pmember_name_unique"):
                raise
            raise ConflictError(
                "That organisation is already a member of the partnership.",
                code=PartnershipError.MEMBER_EXISTS,
                field="organisation_name",
            ) from exc
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PARTNERSHIP_MEMBER_ADDED,
            obj=member,
            after=snapshot(member, ["organisation_name", "kind", "member_body"]),
        )
    return member


def contact_add(
    *,
    actor: User,
    tenant: ResponsibleBody,
    partnershipmember_id: int,
    full_name: str,
    role_title: str = "",
    email: str = "",
    phone: str = "",
) -> PartnershipContact:
    with tenant_context(tenant):
        member = one_or_not_found(PartnershipMember.objects, "No such member.", pk=partnershipmember_id)
        contact = PartnershipContact(
            responsible_body=tenant,
            member=member,
            full_name=full_name.strip(),
            role_title=role_title.strip(),
            email=email.strip().lower(),
            phone=phone.strip(),
        )
        check(contact)
        contact.save()
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PARTNERSHIP_CONTACT_ADDED,
            obj=contact,
            label=f"{contact.full_name} at {member.organisation_name}",
        )
    return contact


def contact_remove(*, actor: User, tenant: ResponsibleBody, partnershipcontact_id: int) -> None:
    with tenant_context(tenant):
        contact = one_or_not_found(
            PartnershipContact.objects.select_related("member"), "No such contact.", pk=partnershipcontact_id
        )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PARTNERSHIP_CONTACT_REMOVED,
            obj=contact,
            label=f"{contact.full_name} at {contact.member.organisation_name}",
        )
        contact.delete()


# --- The trust's side ----------------------------------------------------------------------


def _invitation(tenant: ResponsibleBody, partnershipmember_id: int) -> PartnershipMember:
    """The member row (owned by the local authority) that names ``tenant``; the same
    404-like error whether it is missing or names another body."""
    with platform_context():
        member = (
            PartnershipMember.objects.select_related("partnership")
            .filter(pk=partnershipmember_id, member_body=tenant)
            .first()
        )
    if member is None:
        raise NotFound("No such invitation.")
    return member


def _require_trust_admin(actor: User, tenant: ResponsibleBody) -> None:
    """Joining a partnership and consenting to share need signals (derived from children's
    cases) are the trust's own decisions: its administrators take them, not whoever can see
    the partnerships pages. Anyone who can see them may stop sharing."""
    with tenant_context(tenant):
        if Role.BODY_ADMIN not in BodyAccess.load(actor, tenant).roles:
            raise ApplicationError(
                "Only your trust's administrators can join a partnership or agree to share need signals.",
                code=PartnershipError.NOT_ALLOWED,
            )


def participation_join(
    *, actor: User, tenant: ResponsibleBody, partnershipmember_id: int, share_need_signals: bool
) -> Participation:
    """A trust joins a partnership that named it, and opts in to sharing its anonymised
    need signals or not. Joining twice is refused."""
    _require_trust_admin(actor, tenant)
    member = _invitation(tenant, partnershipmember_id)
    with tenant_context(tenant):
        if Participation.objects.filter(partnership_id=member.partnership_id).exists():
            raise ConflictError("Your trust has already joined this partnership.", code=PartnershipError.ALREADY_JOINED)
        participation = Participation.objects.create(
            responsible_body=tenant,
            partnership_id=member.partnership_id,
            member_id=member.pk,
            partnership_label=f"{member.partnership.name} ({member.partnership.la_name})",
            joined_by=actor,
        )
        audit_record(actor=actor, tenant=tenant, verb=AuditVerb.PARTNERSHIP_JOINED, obj=participation)
        if share_need_signals:
            _grant(actor, tenant, participation)
    return participation


def _grant(actor: User, tenant: ResponsibleBody, participation: Participation) -> NeedSignalConsent:
    consent = NeedSignalConsent.objects.create(responsible_body=tenant, participation=participation, given_by=actor)
    audit_record(
        actor=actor,
        tenant=tenant,
        verb=AuditVerb.NEED_SIGNALS_CONSENT_GIVEN,
        obj=consent,
        label=f"Consent to share need signals with {participation.partnership_label}",
        after={"given_at": consent.given_at, "given_by": actor.email},
    )
    return consent


def consent_grant(*, actor: User, tenant: ResponsibleBody, participation_id: int) -> NeedSignalConsent:
    _require_trust_admin(actor, tenant)
    with tenant_context(tenant):
        participation = one_or_not_found(
            lock_rows(Participation.objects), "No such participation.", pk=participation_id
        )
        if participation.consents.filter(revoked_at__isnull=True).exists():
            raise ConflictError(
                "Your trust already shares its need signals here.", code=PartnershipError.CONSENT_ALREADY_GIVEN
            )
        return _grant(actor, tenant, participation)


def consent_revoke(*, actor: User, tenant: ResponsibleBody, participation_id: int) -> NeedSignalConsent:
    """Stop sharing: the partnership's next refresh leaves this trust's signals out."""
    with tenant_context(tenant):
        participation = one_or_not_found(
            lock_rows(Participation.objects), "No such participation.", pk=participation_id
        )
        consent = participation.consents.filter(revoked_at__isnull=True).first()
        if consent is None:
            raise ConflictError(
                "Your trust does not share its need signals here.", code=PartnershipError.NO_CONSENT_TO_REVOKE
            )
        consent.revoked_at = timezone.now()
        consent.revoked_by = actor
        consent.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.NEED_SIGNALS_CONSENT_REVOKED,
            obj=consent,
            label=f"Consent to share need signals with {participation.partnership_label}",
            before={"given_at": consent.given_at},
            after={"revoked_at": consent.revoked_at, "revoked_by": actor_label(actor)},
        )
    return consent
