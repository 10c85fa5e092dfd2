from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "partnerships"

    def ready(self) -> None:
        from accounts.policy import Action
        from accounts.web import register_body_nav

        register_body_nav("Partnership", "partnerships:home", Action.VIEW_PARTNERSHIP, 40)

        from partnerships import reports

        reports.register()
