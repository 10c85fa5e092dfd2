from django.apps import AppConfig


class SharedResourcesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "shared_resources"
    verbose_name = "Shared resources"

    def ready(self) -> None:
        from accounts.policy import Action
        from accounts.web import register_body_nav

        register_body_nav("Shared resources", "shared-resources:list", Action.VIEW_SHARED_RESOURCES, 35)
