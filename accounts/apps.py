from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts.signals import grant_runtime_role

        post_migrate.connect(grant_runtime_role, dispatch_uid="accounts.grant_runtime_role")
