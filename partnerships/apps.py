from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "partnerships"

    def ready(self) -> None:
        from accounts.policy import Action
        from accounts.web import register_body_nav

        register_body_nav("Partnership", "partnerships:home", Action.VIEW_PARTNERSHIP, 40)

        from accounts.web import register_home_panel
        from partnerships import home

        register_home_panel("partnership.lead", 50, home.lead_work)

        from partnerships import reports

        reports.register()
