from importlib import import_module

from django.apps import AppConfig
from django.conf import settings


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"

    def ready(self) -> None:
        from accounts.policy import Action
        from accounts.web import register_body_nav

        register_body_nav("Reports", "reports:reports", Action.REQUEST_REPORT, 70)

        for module in getattr(settings, "REPORT_TYPE_MODULES", []):
            import_module(module)
