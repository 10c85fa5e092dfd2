from django.apps import AppConfig


class ExceptionalResourceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "exceptional_resource"
    verbose_name = "Exceptional resource"

    def ready(self) -> None:
        from exceptional_resource.receivers import on_arrangement_ended
        from groupings.signals import arrangement_ended

        arrangement_ended.connect(on_arrangement_ended, dispatch_uid="exceptional_resource.arrangement_ended")
