"""Shared-resources pages under ``/b/<body_slug>/shared-resources/``."""

from django.urls import path

from shared_resources.views import cancel, edit, register, requests

app_name = "shared-resources"

urlpatterns = [
    path("", register.ResourceListView.as_view(), name="list"),
    path("new/", register.ResourceCreateView.as_view(), name="resource-new"),
    path("<int:sharedresource_id>/", register.ResourceDetailView.as_view(), name="resource"),
    path("<int:sharedresource_id>/edit/", edit.ResourceEditView.as_view(), name="resource-edit"),
    path(
        "<int:sharedresource_id>/capacity.csv",
        register.CapacityCsvView.as_view(),
        name="resource-capacity-csv",
    ),
    path(
        "<int:sharedresource_id>/terms/new/",
        register.PeriodCreateView.as_view(),
        name="resource-period-new",
    ),
    path(
        "terms/<int:capacityperiod_id>/edit/",
        register.PeriodEditView.as_view(),
        name="period-edit",
    ),
    path("<int:sharedresource_id>/fund/", register.FundingCreateView.as_view(), name="resource-fund"),
    path("<int:sharedresource_id>/schools/", requests.SharesView.as_view(), name="resource-shares"),
    path(
        "<int:sharedresource_id>/schools.csv",
        requests.SharesCsvView.as_view(),
        name="resource-shares-csv",
    ),
    path(
        "fundings/<int:resourcefunding_id>/vary/",
        register.FundingVaryView.as_view(),
        name="funding-vary",
    ),
    path("fundings/<int:resourcefunding_id>/end/", register.FundingEndView.as_view(), name="funding-end"),
    path("requests/", requests.RequestListView.as_view(), name="requests"),
    path("requests/new/", requests.RequestCreateView.as_view(), name="request-new"),
    path(
        "requests/<int:resourcerequest_id>/decide/",
        requests.RequestDecideView.as_view(),
        name="request-decide",
    ),
    path(
        "requests/<int:resourcerequest_id>/withdraw/",
        cancel.RequestWithdrawView.as_view(),
        name="request-withdraw",
    ),
    path(
        "allocations/<int:allocation_id>/cancel/",
        cancel.AllocationCancelView.as_view(),
        name="allocation-cancel",
    ),
    path(
        "allocations/<int:allocation_id>/delivery/",
        requests.DeliveryCreateView.as_view(),
        name="delivery-new",
    ),
    path("rules/", requests.RulesView.as_view(), name="rules"),
    path("pack/", requests.PackPreviewView.as_view(), name="pack"),
]
