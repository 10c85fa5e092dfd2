"""Report pages, included under ``/b/<body_slug>/``."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.ReportListView.as_view(), name="reports"),
    path("reports/new/", views.ReportRequestView.as_view(), name="report-new"),
    path("reports/<int:reportrun_id>/", views.ReportDetailView.as_view(), name="report"),
    path("reports/<int:reportrun_id>/progress/", views.ReportProgressView.as_view(), name="report-progress"),
    path(
        "reports/<int:reportrun_id>/files/<int:reportfile_id>/",
        views.ReportFileDownloadView.as_view(),
        name="report-file",
    ),
]
