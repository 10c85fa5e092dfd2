from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "collaboration"
    verbose_name = "Collaboration"

    def ready(self) -> None:
        from accounts.policy import Action, register_object_grant
        from accounts.web import register_body_nav, register_home_panel
        from collaboration.models import ADVISE_PERMISSION, advice_grant_is_live

        register_object_grant(Action.GIVE_ADVICE, permission=ADVISE_PERMISSION, is_live=advice_grant_is_live)
        register_body_nav("Collaboration", "collaboration:home", Action.COLLABORATE, 50)
        from collaboration import home

        register_home_panel("collaboration.forum", 70, home.forum_work)

        from collaboration.notifications import register_kinds

        register_kinds()

        from collaboration.services.erasure import collaboration_erase_for_cases
        from core.erasure import register_case_erasure

        register_case_erasure("collaboration", collaboration_erase_for_cases)

        from collaboration.subject_access import collaboration_export_for_case
        from core.subject_access import register_case_export

        register_case_export("collaboration", collaboration_export_for_case)
