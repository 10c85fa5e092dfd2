from django.apps import AppConfig


class PoolingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pooling"

    def ready(self) -> None:
        from accounts.policy import Action
        from accounts.web import register_body_nav

        register_body_nav("Pool", "pooling:dashboard", Action.VIEW_POOL, 20)

        from pooling import receivers

        receivers.connect()
