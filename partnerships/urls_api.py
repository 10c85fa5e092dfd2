from django.urls import path

from partnerships import apis

app_name = "partnerships-api"

P = "partnerships/<int:partnership_id>/"

urlpatterns = [
    path("partnerships/", apis.PartnershipListApi.as_view(), name="partnerships"),
    path("partnerships/convene/", apis.PartnershipConveneApi.as_view(), name="convene"),
    path("partnerships/invitations/", apis.InvitationListApi.as_view(), name="invitations"),
    path("partnerships/invitations/<int:partnershipmember_id>/join/", apis.JoinApi.as_view(), name="join"),
    path("partnerships/participations/", apis.ParticipationListApi.as_view(), name="participations"),
    path(
        "partnerships/participations/<int:participation_id>/consent/",
        apis.ConsentGrantApi.as_view(),
        name="consent-grant",
    ),
    path(
        "partnerships/participations/<int:participation_id>/revoke/",
        apis.ConsentRevokeApi.as_view(),
        name="consent-revoke",
    ),
    path(P, apis.PartnershipDetailApi.as_view(), name="partnership"),
    path(P + "members/", apis.MemberAddApi.as_view(), name="member-add"),
    path("partnerships/members/<int:partnershipmember_id>/contacts/", apis.ContactAddApi.as_view(), name="contact-add"),
    path(P + "plan/", apis.PlanListApi.as_view(), name="plans"),
    path(P + "plan/new/", apis.PlanDraftStartApi.as_view(), name="plan-new"),
    path("partnerships/plan/<int:planversion_id>/", apis.PlanDetailApi.as_view(), name="plan"),
    path("partnerships/plan/<int:planversion_id>/priorities/", apis.PriorityAddApi.as_view(), name="priority-add"),
    path("partnerships/plan/priorities/<int:planpriority_id>/actions/", apis.ActionAddApi.as_view(), name="action-add"),
    path("partnerships/plan/actions/<int:planaction_id>/", apis.ActionUpdateApi.as_view(), name="action"),
    path("partnerships/plan/<int:planversion_id>/publish/", apis.PlanPublishApi.as_view(), name="plan-publish"),
    path(P + "provision/", apis.SettingListApi.as_view(), name="settings"),
    path(P + "provision/new/", apis.SettingAddApi.as_view(), name="setting-add"),
    path(P + "provision/seed/", apis.ProvisionSeedApi.as_view(), name="provision-seed"),
    path("partnerships/provision/<int:provisionsetting_id>/", apis.SettingDetailApi.as_view(), name="setting"),
    path("partnerships/provision/<int:provisionsetting_id>/places/", apis.PlacesSetApi.as_view(), name="places-set"),
    path("partnerships/provision/<int:provisionsetting_id>/planned/", apis.PlannedAddApi.as_view(), name="planned-add"),
    path(P + "forecasts/", apis.ForecastListApi.as_view(), name="forecasts"),
    path(P + "forecasts/set/", apis.ForecastSetApi.as_view(), name="forecast-set"),
    path(P + "forecasts/upload/", apis.ForecastUploadApi.as_view(), name="forecast-upload"),
    path(P + "need-signals/", apis.NeedSignalsApi.as_view(), name="need-signals"),
    path(P + "need-signals/refresh/", apis.NeedSignalsRefreshApi.as_view(), name="need-signals-refresh"),
    path(P + "sufficiency/", apis.SufficiencyApi.as_view(), name="sufficiency"),
    path(P + "reports/", apis.ReportRequestApi.as_view(), name="report-request"),
    path("partnerships/reports/<int:reportrun_id>/", apis.ReportDetailApi.as_view(), name="report"),
    path(P + "experts/", apis.ExpertsApi.as_view(), name="experts"),
    path(P + "experts/capacity/", apis.ExpertCapacitySetApi.as_view(), name="capacity-set"),
    path(P + "experts/allocations/", apis.ExpertAllocationSetApi.as_view(), name="allocation-set"),
]
