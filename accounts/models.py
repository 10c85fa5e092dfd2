from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core.tenancy import (
    TenantManager,
    TenantOwnedModel,
    current_tenant_id,
    current_user_id,
    in_platform_context,
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address. Not tenant-owned: one person may
    hold memberships in several responsible bodies."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Platform staff: may use the Django admin.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class ResponsibleBody(models.Model):
    """The tenant: an academy trust or a local authority that holds a pool."""

    class Kind(models.TextChoices):
        ACADEMY_TRUST = "academy_trust", "Academy trust"
        LOCAL_AUTHORITY = "local_authority", "Local authority"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    legal_name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    companies_house_number = models.CharField(max_length=8, blank=True)
    la_code = models.CharField("LA code", max_length=3, blank=True)
    gias_group_uid = models.PositiveIntegerField("GIAS group UID", null=True, blank=True)
    accountable_officer_name = models.CharField(max_length=200)
    accountable_officer_title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "responsible bodies"
        ordering = ["legal_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["academy_trust", "local_authority"]), name="body_kind_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="academy_trust") | models.Q(companies_house_number__regex=r"^[0-9A-Z]{8}$"),
                name="trust_has_companies_house_number",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="local_authority") | models.Q(la_code__regex=r"^[0-9]{3}$"),
                name="la_has_la_code",
            ),
            models.UniqueConstraint(
                fields=["la_code"], condition=models.Q(kind="local_authority"), name="one_body_per_la_code"
            ),
            models.UniqueConstraint(
                fields=["companies_house_number"],
                condition=models.Q(kind="academy_trust"),
                name="one_body_per_companies_house_number",
            ),
            models.UniqueConstraint(fields=["gias_group_uid"], name="one_body_per_gias_group"),
        ]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def is_trust(self) -> bool:
        return self.kind == self.Kind.ACADEMY_TRUST


class Role(models.TextChoices):
    FINANCE_OFFICER = "finance_officer", "Finance officer"
    DECISION_OFFICER = "decision_officer", "Decision officer"
    HEAD = "head", "Headteacher"
    SENDCO = "sendco", "SENDCO"
    TRUSTEE = "trustee", "Trustee"
    AUDITOR = "auditor", "Auditor"
    BODY_ADMIN = "body_admin", "Body administrator"
    PARTNERSHIP_LEAD = "partnership_lead", "Partnership lead"


SCHOOL_SCOPED_ROLES = frozenset({Role.HEAD, Role.SENDCO})


class MembershipManager(TenantManager["Membership"]):
    """Memberships are also readable by their own user across bodies (the body switcher)."""

    def get_queryset(self) -> Any:
        user_id = current_user_id()
        if user_id is not None and current_tenant_id() is None and not in_platform_context():
            return models.QuerySet(self.model, using=self._db).filter(user_id=user_id)
        return super().get_queryset()


class Membership(TenantOwnedModel):
    """A person's role in a responsible body, optionally scoped to one school, dated."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    school = models.ForeignKey("groupings.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decision_limit_pence = models.BigIntegerField(null=True, blank=True)
    valid_from = models.DateField(default=timezone.localdate)
    valid_to = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipManager()

    class Meta:
        base_manager_name = "objects"
        indexes = [models.Index(fields=["responsible_body", "user"], name="membership_body_user")]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=[r.value for r in Role]), name="membership_role_valid"),
            models.CheckConstraint(
                condition=models.Q(role__in=["head", "sendco"], school__isnull=False)
                | (~models.Q(role__in=["head", "sendco"]) & models.Q(school__isnull=True)),
                name="membership_school_scope_matches_role",
            ),
            models.CheckConstraint(
                condition=models.Q(role="decision_officer", decision_limit_pence__gte=0)
                | (~models.Q(role="decision_officer") & models.Q(decision_limit_pence__isnull=True)),
                name="membership_decision_limit_only_for_officers",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="membership_dates_ordered",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="auditor") | models.Q(valid_to__isnull=False),
                name="auditor_membership_time_boxed",
            ),
            models.UniqueConstraint(
                fields=["responsible_body", "user", "role", "school"],
                condition=models.Q(valid_to__isnull=True),
                nulls_distinct=False,
                name="one_open_membership_per_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"

    @staticmethod
    def school_is(school_id: int | None) -> models.Q:
        """Memberships for this school, or body-wide ones when ``school_id`` is None."""
        return models.Q(school__isnull=True) if school_id is None else models.Q(school__pk=school_id)

    def is_current(self, on: Any = None) -> bool:
        today = on or timezone.localdate()
        return self.valid_from <= today and (self.valid_to is None or today <= self.valid_to)


class ApiToken(models.Model):
    """A person's own API token (``Authorization: Token ipt_…``), made and revoked in the
    browser. Only a SHA-256 of the key is kept; the key is shown once. A token acts as its
    owner, never beyond what their roles allow, narrowed to read-only or to chosen actions,
    and stops at ``expires_at`` or on revocation. Not tenant-owned: it belongs to a person,
    like their account, and every query of it is filtered by its owner."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, help_text="The key's first characters, shown to tell tokens apart.")
    key_hash = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(default=False)
    actions = models.JSONField(default=list, blank=True, help_text="Policy actions the token may use.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "user",
                Lower("name"),
                condition=models.Q(revoked_at__isnull=True),
                name="api_token_live_name_unique_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="api_token_expires_after_creation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def audit_label(self) -> str:
        return f"API token #{self.pk} “{self.name}”"
