from django.urls import path

from pooling.apis import contributions as apis

urlpatterns = [
    path("<int:pool_id>/allocations/", apis.AllocationListApi.as_view(), name="allocations"),
    path("<int:pool_id>/allocations/set/", apis.AllocationSetApi.as_view(), name="allocation-set"),
    path("<int:pool_id>/allocations/import/", apis.AllocationImportApi.as_view(), name="allocation-import"),
    path("<int:pool_id>/allocations/imports/", apis.AllocationImportListApi.as_view(), name="allocation-imports"),
    path("<int:pool_id>/contributions/", apis.ContributionListApi.as_view(), name="contributions"),
    path(
        "<int:pool_id>/contributions/recalculate/",
        apis.ContributionsRecalculateApi.as_view(),
        name="contributions-recalculate",
    ),
    path("contributions/<int:contribution_id>/", apis.ContributionDetailApi.as_view(), name="contribution"),
    path("contributions/<int:contribution_id>/receipts/", apis.ReceiptListApi.as_view(), name="receipts"),
    path("contributions/<int:contribution_id>/receipts/new/", apis.ReceiptRecordApi.as_view(), name="receipt-new"),
]
