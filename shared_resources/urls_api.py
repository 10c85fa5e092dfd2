"""The shared-resources API under ``/api/v1/bodies/<body_slug>/shared-resources/``. Object
kwargs are named ``<model_name>_id`` for the cross-tenant suite."""

from django.urls import path

from shared_resources.apis import cancel, register, requests

app_name = "shared-resources-api"

urlpatterns = [
    path("shared-resources/", register.ResourceListApi.as_view(), name="resources"),
    path("shared-resources/create/", register.ResourceCreateApi.as_view(), name="resource-create"),
    path("shared-resources/<int:sharedresource_id>/", register.ResourceDetailApi.as_view(), name="resource"),
    path(
        "shared-resources/<int:sharedresource_id>/update/",
        register.ResourceUpdateApi.as_view(),
        name="resource-update",
    ),
    path("shared-resources/<int:sharedresource_id>/terms/", register.PeriodSetApi.as_view(), name="resource-terms"),
    path("shared-resources/<int:sharedresource_id>/fund/", register.FundingCommitApi.as_view(), name="resource-fund"),
    path(
        "shared-resources/<int:sharedresource_id>/shares/", requests.ResourceSharesApi.as_view(), name="resource-shares"
    ),
    path(
        "shared-resources/fundings/<int:resourcefunding_id>/vary/",
        register.FundingVaryApi.as_view(),
        name="funding-vary",
    ),
    path(
        "shared-resources/fundings/<int:resourcefunding_id>/end/", register.FundingEndApi.as_view(), name="funding-end"
    ),
    path("shared-resources/requests/", requests.RequestListApi.as_view(), name="requests"),
    path("shared-resources/requests/create/", requests.RequestCreateApi.as_view(), name="request-create"),
    path(
        "shared-resources/requests/<int:resourcerequest_id>/allocate/",
        requests.RequestAllocateApi.as_view(),
        name="request-allocate",
    ),
    path(
        "shared-resources/requests/<int:resourcerequest_id>/waitlist/",
        requests.RequestWaitlistApi.as_view(),
        name="request-waitlist",
    ),
    path(
        "shared-resources/requests/<int:resourcerequest_id>/decline/",
        requests.RequestDeclineApi.as_view(),
        name="request-decline",
    ),
    path(
        "shared-resources/requests/<int:resourcerequest_id>/withdraw/",
        cancel.RequestWithdrawApi.as_view(),
        name="request-withdraw",
    ),
    path(
        "shared-resources/allocations/<int:allocation_id>/cancel/",
        cancel.AllocationCancelApi.as_view(),
        name="allocation-cancel",
    ),
    path(
        "shared-resources/allocations/<int:allocation_id>/deliveries/",
        requests.DeliveryRecordApi.as_view(),
        name="delivery-record",
    ),
    path("shared-resources/schools/", requests.SchoolPositionsApi.as_view(), name="school-positions"),
    path("shared-resources/rules/", requests.RulesApi.as_view(), name="rules"),
    path("shared-resources/rules/publish/", requests.RulesPublishApi.as_view(), name="rules-publish"),
]
