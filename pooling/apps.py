from django.apps import AppConfig


class PoolingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pooling"

    def ready(self) -> None:
        from accounts.policy import Action
        from accounts.web import register_body_nav

        register_body_nav("Pool", "pooling:dashboard", Action.VIEW_POOL, 20)

        from accounts.web import register_home_panel
        from pooling import home

        register_home_panel("pool.finance", 30, home.finance_work)
        register_home_panel("pool.trustee", 40, home.trustee_work)

        from pooling import receivers

        receivers.connect()
