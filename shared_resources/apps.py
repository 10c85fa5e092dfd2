from django.apps import AppConfig


class SharedResourcesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "shared_resources"
    verbose_name = "Shared resources"
