from django.apps import AppConfig


class SharedResourcesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "shared_resources"
    verbose_name = "Shared resources"

    def ready(self) -> None:
        from accounts.policy import Action
        from accounts.web import register_body_nav

        register_body_nav("Shared resources", "shared-resources:list", Action.VIEW_SHARED_RESOURCES, 35)

        from core.erasure import register_case_erasure
        from core.subject_access import register_case_export
        from shared_resources.case_records import shared_resources_erase_for_cases, shared_resources_export_for_case

        register_case_erasure("shared_resources", shared_resources_erase_for_cases)
        register_case_export("shared_resources", shared_resources_export_for_case)
