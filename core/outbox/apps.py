from django.apps import AppConfig


class OutboxConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core.outbox"
    label = "outbox"
    verbose_name = "Outbox"

    def ready(self) -> None:
        from celery.signals import task_success

        from core.outbox.services import acknowledge_on_success

        task_success.connect(acknowledge_on_success, dispatch_uid="outbox.acknowledge_on_success")
