from django.apps import AppConfig


class ExceptionalResourceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "exceptional_resource"
    verbose_name = "Exceptional resource"
