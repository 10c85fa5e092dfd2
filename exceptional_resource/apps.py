from django.apps import AppConfig


class ExceptionalResourceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "exceptional_resource"
    verbose_name = "Exceptional resource"

    def ready(self) -> None:
        from accounts.policy import Action
        from accounts.web import register_body_nav

        register_body_nav("Cases", "cases:list", Action.VIEW_CASE, 30)

        from exceptional_resource.receivers import on_arrangement_ended
        from groupings.signals import arrangement_ended

        arrangement_ended.connect(on_arrangement_ended, dispatch_uid="exceptional_resource.arrangement_ended")

        from exceptional_resource.notifications import register_kinds

        register_kinds()

        from exceptional_resource.need_signals import need_signals
        from groupings.need_signals import register_provider

        register_provider("exceptional_resource", need_signals)
