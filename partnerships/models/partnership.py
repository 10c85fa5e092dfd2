"""The partnership, its member organisations and their named contacts; a trust's
participation and its consent to share need signals."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.tenancy import TenantOwnedModel


class Partnership(TenantOwnedModel):
    """A local strategic SEND partnership, convened by a local authority for its area."""

    name = models.CharField(max_length=200)
    la_code = models.CharField("LA code", max_length=3)
    la_name = models.CharField("area", max_length=100)
    convened_on = models.DateField(default=timezone.localdate)
    created_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["responsible_body", "la_code"], name="one_partnership_per_la_area"),
            models.CheckConstraint(condition=Q(la_code__regex=r"^[0-9]{3}$"), name="partnership_la_code_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class MemberKind(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    TRUST = "trust", "Academy trust"
    HEALTH = "health", "Health (integrated care board)"
    PARENT_CARER_FORUM = "parent_carer_forum", "Parent carer forum"
    ALTERNATIVE_PROVISION = "alternative_provision", "Alternative provision"
    OTHER = "other", "Other organisation"


class PartnershipMember(TenantOwnedModel):
    """An organisation in the partnership with its role. A trust that uses this service is
    named by ``member_body``: it can then join and choose to share its need signals."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="members")
    organisation_name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=MemberKind.choices)
    member_body = models.ForeignKey(
        "accounts.ResponsibleBody", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_by_label = models.CharField(max_length=254)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["kind", "organisation_name"]
        indexes = [models.Index(fields=["responsible_body", "partnership"], name="pmember_body_partnership")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in MemberKind]), name="pmember_kind_valid"),
            models.CheckConstraint(
                condition=Q(member_body__isnull=True) | Q(kind="trust"), name="pmember_only_trusts_name_a_body"
            ),
            models.UniqueConstraint(
                fields=["partnership", "member_body"],
                condition=Q(member_body__isnull=False),
                name="pmember_body_once_per_partnership",
            ),
            models.UniqueConstraint(fields=["partnership", "organisation_name"], name="pmember_name_unique"),
        ]

    def __str__(self) -> str:
        return self.organisation_name


class PartnershipContact(TenantOwnedModel):
    """A named contact at a member organisation."""

    member = models.ForeignKey(PartnershipMember, on_delete=models.CASCADE, related_name="contacts")
    full_name = models.CharField(max_length=200)
    role_title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        base_manager_name = "objects"
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class Participation(TenantOwnedModel):
    """Owned by the trust: it has joined a partnership it was named in. The partnership and
    member rows belong to the local authority (read through ``platform_*`` selectors)."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(PartnershipMember, on_delete=models.PROTECT, related_name="+")
    partnership_label = models.CharField(max_length=300)
    joined_at = models.DateTimeField(default=timezone.now)
    joined_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        base_manager_name = "objects"
        ordering = ["partnership_label"]
        constraints = [
            models.UniqueConstraint(fields=["responsible_body", "partnership"], name="participation_once"),
        ]

    def __str__(self) -> str:
        return self.partnership_label


class NeedSignalConsent(TenantOwnedModel):
    """Owned by the trust: its consent to share anonymised need signals with a partnership,
    who gave it and when, and who revoked it and when. A new consent is a new row, so the
    history is kept; at most one is open at a time."""

    participation = models.ForeignKey(Participation, on_delete=models.PROTECT, related_name="consents")
    given_at = models.DateTimeField(default=timezone.now)
    given_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        base_manager_name = "objects"
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["participation"], condition=Q(revoked_at__isnull=True), name="one_open_consent"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="consent_revocation_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.revoked_at is None
