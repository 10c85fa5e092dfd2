from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The platform: tenancy and row-level security, the audit trail, errors, money,
    uploads, and page and API plumbing that knows no body or role. The lowest layer."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from core.signals import grant_runtime_role

        post_migrate.connect(grant_runtime_role, dispatch_uid="core.grant_runtime_role")
