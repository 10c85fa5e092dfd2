from django.apps import AppConfig


class GroupingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groupings"

    def ready(self) -> None:
        from accounts.policy import Action
        from accounts.web import register_body_nav, register_home_panel
        from groupings import home

        register_body_nav("Grouping", "groupings:members", Action.VIEW_GROUPING, 10)
        register_body_nav("Policy", "groupings:policy", Action.VIEW_GROUPING, 70)
        register_home_panel("groupings.policy", 6, home.policy_work)
