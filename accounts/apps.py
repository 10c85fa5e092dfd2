from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from accounts import home
        from accounts.web import register_home_panel

        register_home_panel("accounts.admin", 5, home.admin_work)
