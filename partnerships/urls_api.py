from django.urls import path

from partnerships.apis.demand import (
    ForecastListApi,
    ForecastSetApi,
    ForecastUploadApi,
    NeedSignalsApi,
    NeedSignalsRefreshApi,
)
from partnerships.apis.experts import ExpertAllocationSetApi, ExpertCapacitySetApi, ExpertsApi
from partnerships.apis.partnership import (
    ConsentGrantApi,
    ConsentRevokeApi,
    ContactAddApi,
    InvitationListApi,
    JoinApi,
    MemberAddApi,
    ParticipationListApi,
    PartnershipConveneApi,
    PartnershipDetailApi,
    PartnershipListApi,
)
from partnerships.apis.plan import (
    ActionAddApi,
    ActionUpdateApi,
    PlanDetailApi,
    PlanDraftStartApi,
    PlanListApi,
    PlanPublishApi,
    PriorityAddApi,
)
from partnerships.apis.provision import (
    PlacesSetApi,
    PlannedAddApi,
    ProvisionSeedApi,
    SettingAddApi,
    SettingDetailApi,
    SettingListApi,
)
from partnerships.apis.sufficiency import ReportDetailApi, ReportRequestApi, SufficiencyApi

app_name = "partnerships-api"

P = "partnerships/<int:partnership_id>/"

urlpatterns = [
    path("partnerships/", PartnershipListApi.as_view(), name="partnerships"),
    path("partnerships/convene/", PartnershipConveneApi.as_view(), name="convene"),
    path("partnerships/invitations/", InvitationListApi.as_view(), name="invitations"),
    path("partnerships/invitations/<int:partnershipmember_id>/join/", JoinApi.as_view(), name="join"),
    path("partnerships/participations/", ParticipationListApi.as_view(), name="participations"),
    path(
        "partnerships/participations/<int:participation_id>/consent/",
        ConsentGrantApi.as_view(),
        name="consent-grant",
    ),
    path(
        "partnerships/participations/<int:participation_id>/revoke/",
        ConsentRevokeApi.as_view(),
        name="consent-revoke",
    ),
    path(P, PartnershipDetailApi.as_view(), name="partnership"),
    path(P + "members/", MemberAddApi.as_view(), name="member-add"),
    path("partnerships/members/<int:partnershipmember_id>/contacts/", ContactAddApi.as_view(), name="contact-add"),
    path(P + "plan/", PlanListApi.as_view(), name="plans"),
    path(P + "plan/new/", PlanDraftStartApi.as_view(), name="plan-new"),
    path("partnerships/plan/<int:planversion_id>/", PlanDetailApi.as_view(), name="plan"),
    path("partnerships/plan/<int:planversion_id>/priorities/", PriorityAddApi.as_view(), name="priority-add"),
    path("partnerships/plan/priorities/<int:planpriority_id>/actions/", ActionAddApi.as_view(), name="action-add"),
    path("partnerships/plan/actions/<int:planaction_id>/", ActionUpdateApi.as_view(), name="action"),
    path("partnerships/plan/<int:planversion_id>/publish/", PlanPublishApi.as_view(), name="plan-publish"),
    path(P + "provision/", SettingListApi.as_view(), name="settings"),
    path(P + "provision/new/", SettingAddApi.as_view(), name="setting-add"),
    path(P + "provision/seed/", ProvisionSeedApi.as_view(), name="provision-seed"),
    path("partnerships/provision/<int:provisionsetting_id>/", SettingDetailApi.as_view(), name="setting"),
    path("partnerships/provision/<int:provisionsetting_id>/places/", PlacesSetApi.as_view(), name="places-set"),
    path("partnerships/provision/<int:provisionsetting_id>/planned/", PlannedAddApi.as_view(), name="planned-add"),
    path(P + "forecasts/", ForecastListApi.as_view(), name="forecasts"),
    path(P + "forecasts/set/", ForecastSetApi.as_view(), name="forecast-set"),
    path(P + "forecasts/upload/", ForecastUploadApi.as_view(), name="forecast-upload"),
    path(P + "need-signals/", NeedSignalsApi.as_view(), name="need-signals"),
    path(P + "need-signals/refresh/", NeedSignalsRefreshApi.as_view(), name="need-signals-refresh"),
    path(P + "sufficiency/", SufficiencyApi.as_view(), name="sufficiency"),
    path(P + "reports/", ReportRequestApi.as_view(), name="report-request"),
    path("partnerships/reports/<int:reportrun_id>/", ReportDetailApi.as_view(), name="report"),
    path(P + "experts/", ExpertsApi.as_view(), name="experts"),
    path(P + "experts/capacity/", ExpertCapacitySetApi.as_view(), name="capacity-set"),
    path(P + "experts/allocations/", ExpertAllocationSetApi.as_view(), name="allocation-set"),
]
