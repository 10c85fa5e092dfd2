from django.urls import path

from pooling.views import contributions as views

urlpatterns = [
    path("<int:pool_id>/allocations/", views.AllocationsView.as_view(), name="allocations"),
    path("<int:pool_id>/allocations/set/", views.AllocationSetView.as_view(), name="allocation-set"),
    path("<int:pool_id>/allocations/import/", views.AllocationImportView.as_view(), name="allocation-import"),
    path(
        "<int:pool_id>/allocations/import/columns/",
        views.AllocationImportColumnsView.as_view(),
        name="allocation-import-columns",
    ),
    path(
        "<int:pool_id>/allocations/import/preview/",
        views.AllocationImportPreviewView.as_view(),
        name="allocation-import-preview",
    ),
    path("<int:pool_id>/contributions/", views.ContributionsView.as_view(), name="contributions"),
    path(
        "<int:pool_id>/contributions/recalculate/",
        views.ContributionsRecalculateView.as_view(),
        name="contributions-recalculate",
    ),
    path("contributions/<int:contribution_id>/", views.ContributionDetailView.as_view(), name="contribution"),
    path("contributions/<int:contribution_id>/receipts/new/", views.ReceiptNewView.as_view(), name="receipt-new"),
]
