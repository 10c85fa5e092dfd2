from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from accounts.models import ResponsibleBody, User
from accounts.services import platform_body_create
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.tenancy import platform_context

BODY_FIELDS = [
    "kind",
    "legal_name",
    "slug",
    "companies_house_number",
    "la_code",
    "gias_group_uid",
    "accountable_officer_name",
    "accountable_officer_title",
]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(ResponsibleBody)
class ResponsibleBodyAdmin(admin.ModelAdmin):
    """Platform staff create bodies here; creation goes through the platform service."""

    list_display = ["legal_name", "kind", "slug", "la_code", "companies_house_number", "gias_group_uid"]
    list_filter = ["kind"]
    search_fields = ["legal_name", "slug", "la_code", "companies_house_number"]
    prepopulated_fields = {"slug": ("legal_name",)}

    def save_model(self, request: HttpRequest, obj: ResponsibleBody, form: Any, change: bool) -> None:
        if not change:
            created = platform_body_create(
                actor=request.user,  # type: ignore[arg-type]
                **{f: getattr(obj, f) for f in BODY_FIELDS if getattr(obj, f) not in (None, "") or f == "kind"},
            )
            obj.pk = created.pk
            return
        with platform_context():
            before = snapshot(ResponsibleBody.objects.get(pk=obj.pk), BODY_FIELDS)
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,  # type: ignore[arg-type]
                tenant=obj,
                verb=AuditVerb.BODY_UPDATED,
                obj=obj,
                before=before,
                after=snapshot(obj, BODY_FIELDS),
            )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
