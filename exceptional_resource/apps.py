from django.apps import AppConfig


class ExceptionalResourceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "exceptional_resource"
    verbose_name = "Exceptional resource"

    def ready(self) -> None:
        from accounts.policy import Action
        from accounts.web import register_body_nav

        register_body_nav("Cases", "cases:list", Action.VIEW_CASE, 30)
        register_body_nav("Subject access", "cases:subject-access", Action.ANSWER_SUBJECT_ACCESS, 87)

        from accounts.web import register_home_panel
        from exceptional_resource import home

        register_home_panel("cases.school", 10, home.school_work)
        register_home_panel("cases.officer", 20, home.officer_work)
        register_home_panel("cases.auditor", 60, home.auditor_work)

        from exceptional_resource.receivers import on_arrangement_ended
        from groupings.signals import arrangement_ended

        arrangement_ended.connect(on_arrangement_ended, dispatch_uid="exceptional_resource.arrangement_ended")

        from exceptional_resource.notifications import register_kinds

        register_kinds()

        from exceptional_resource.selectors.cases import award_labels
        from pooling.source_labels import register_source_labels

        register_source_labels("award", award_labels)

        from exceptional_resource.selectors.deciders import awards_decided_by
        from pooling.services.duties import register_source_deciders

        register_source_deciders("award", awards_decided_by)

        from exceptional_resource.selectors.recoveries import recovery_close_listing
        from pooling.close_checks import register_close_listing

        register_close_listing("recovery-candidates", recovery_close_listing)

        from exceptional_resource.need_signals import need_signals
        from groupings.need_signals import register_provider

        register_provider("exceptional_resource", need_signals)

        from exceptional_resource.case_summaries import ExceptionalResourceCaseSummaries
        from groupings import case_summaries

        case_summaries.register_provider(ExceptionalResourceCaseSummaries())

        from exceptional_resource import subject_access

        subject_access.register()
