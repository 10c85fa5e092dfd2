from django.apps import AppConfig


class PoolingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pooling"

    def ready(self) -> None:
        from accounts.policy import Action
        from accounts.web import register_body_nav

        register_body_nav("Pool", "pooling:dashboard", Action.VIEW_POOL, 20)

        from accounts.policy import register_object_grant
        from pooling.models.audit_grants import AUDIT_POOL_CODENAME, pool_grant_is_live

        register_object_grant(Action.AUDIT_POOL, permission=AUDIT_POOL_CODENAME, is_live=pool_grant_is_live)
        from accounts.audit_scope import register_granted_periods
        from pooling.selectors.audit_grants import audit_periods

        register_granted_periods(audit_periods)
        register_body_nav("Pools to audit", "pooling:audit-pools", Action.EXPORT_AUDIT, 84)
        register_body_nav("Auditors' access", "pooling:audit-grants", Action.MANAGE_MEMBERS, 81)
        from accounts.web import register_home_panel
        from pooling import home

        register_home_panel("pool.finance", 30, home.finance_work)
        register_home_panel("pool.trustee", 40, home.trustee_work)

        from pooling import receivers

        receivers.connect()
