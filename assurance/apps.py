from django.apps import AppConfig


class AssuranceConfig(AppConfig):
    """Reads across the domain apps and writes files: the financial-governance pack, the
    auditor export and audit samples, the inclusion strategy annex."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "assurance"

    def ready(self) -> None:
        from accounts.policy import Action
        from accounts.web import register_body_nav
        from assurance.auditor import register_auditor_export
        from assurance.governance import register_governance_pack

        register_governance_pack()
        register_auditor_export()
        register_body_nav("Audit samples", "auditor:samples", Action.EXPORT_AUDIT, 85)
        register_body_nav("Inclusion annex", "annex:list", Action.VIEW_INCLUSION_ANNEX, 86)
