from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts.signals import grant_runtime_role

        post_migrate.connect(grant_runtime_role, dispatch_uid="accounts.grant_runtime_role")

        # Registers the report tasks with Celery and the Reports section in the navigation.
        from accounts.policy import Action
        from accounts.reports import tasks as report_tasks  # noqa: F401
        from accounts.web import register_body_nav

        register_body_nav("Reports", "accounts:reports", Action.REQUEST_REPORT, 70)

        from importlib import import_module

        from django.conf import settings

        for module in getattr(settings, "REPORT_TYPE_MODULES", []):
            import_module(module)
