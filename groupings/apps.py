from django.apps import AppConfig


class GroupingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groupings"
