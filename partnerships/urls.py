from django.urls import path

from partnerships.views import demand, experts, partnership, plan, provision, sufficiency

app_name = "partnerships"

P = "<int:partnership_id>/"

urlpatterns = [
    path("", partnership.HomeView.as_view(), name="home"),
    path("new/", partnership.ConveneView.as_view(), name="convene"),
    path("invitations/<int:partnershipmember_id>/join/", partnership.JoinView.as_view(), name="join"),
    path(
        "participations/<int:participation_id>/consent/",
        partnership.ConsentGrantView.as_view(),
        name="consent-grant",
    ),
    path(
        "participations/<int:participation_id>/revoke/",
        partnership.ConsentRevokeView.as_view(),
        name="consent-revoke",
    ),
    path(P, partnership.PartnershipView.as_view(), name="partnership"),
    path(P + "members/new/", partnership.MemberAddView.as_view(), name="member-add"),
    path("members/<int:partnershipmember_id>/", partnership.MemberView.as_view(), name="member"),
    path(
        "members/<int:partnershipmember_id>/contacts/new/",
        partnership.ContactAddView.as_view(),
        name="contact-add",
    ),
    path(
        "contacts/<int:partnershipcontact_id>/remove/",
        partnership.ContactRemoveView.as_view(),
        name="contact-remove",
    ),
    # The local inclusion plan
    path(P + "plan/", plan.PlanListView.as_view(), name="plans"),
    path(P + "plan/new/", plan.PlanDraftStartView.as_view(), name="plan-new"),
    path("plan/<int:planversion_id>/", plan.PlanView.as_view(), name="plan"),
    path("plan/<int:planversion_id>/edit/", plan.PlanEditView.as_view(), name="plan-edit"),
    path("plan/<int:planversion_id>/priorities/new/", plan.PriorityAddView.as_view(), name="priority-add"),
    path(
        "plan/priorities/<int:planpriority_id>/actions/new/",
        plan.ActionAddView.as_view(),
        name="action-add",
    ),
    path("plan/actions/<int:planaction_id>/", plan.ActionEditView.as_view(), name="action"),
    path("plan/<int:planversion_id>/publish/", plan.PublishView.as_view(), name="plan-publish"),
    path("plan/<int:planversion_id>/pdf/", plan.PlanPdfView.as_view(), name="plan-pdf"),
    # Specialist provision
    path(P + "provision/", provision.ProvisionView.as_view(), name="provision"),
    path(P + "provision/seed/", provision.SeedView.as_view(), name="provision-seed"),
    path(P + "provision/new/", provision.SettingAddView.as_view(), name="setting-add"),
    path("provision/<int:provisionsetting_id>/", provision.SettingView.as_view(), name="setting"),
    path(
        "provision/<int:provisionsetting_id>/edit/",
        provision.SettingEditView.as_view(),
        name="setting-edit",
    ),
    path("provision/<int:provisionsetting_id>/places/", provision.PlacesSetView.as_view(), name="places-set"),
    path(
        "provision/<int:provisionsetting_id>/planned/",
        provision.PlannedAddView.as_view(),
        name="planned-add",
    ),
    path(
        "planned/<int:plannedplaces_id>/remove/",
        provision.PlannedRemoveView.as_view(),
        name="planned-remove",
    ),
    # Demand and need signals
    path(P + "demand/", demand.DemandView.as_view(), name="demand"),
    path(P + "demand/forecast/", demand.ForecastSetView.as_view(), name="forecast-set"),
    path(P + "demand/upload/", demand.ForecastUploadView.as_view(), name="forecast-upload"),
    path(P + "demand/signals/refresh/", demand.SignalsRefreshView.as_view(), name="signals-refresh"),
    # Sufficiency
    path(P + "sufficiency/", sufficiency.DashboardView.as_view(), name="dashboard"),
    path(P + "sufficiency/csv/", sufficiency.SufficiencyCsvView.as_view(), name="dashboard-csv"),
    path(P + "sufficiency/pdf/", sufficiency.ReportRequestView.as_view(), name="report-request"),
    path(
        "reports/<int:reportrun_id>/pdf/",
        sufficiency.ReportDownloadView.as_view(),
        name="report-pdf",
    ),
    # Experts at Hand
    path(P + "experts/", experts.ExpertsView.as_view(), name="experts"),
    path(P + "experts/capacity/", experts.CapacitySetView.as_view(), name="capacity-set"),
    path(P + "experts/allocations/", experts.AllocationSetView.as_view(), name="allocation-set"),
]
