"""Report pages, included under ``/b/<body_slug>/``."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportListView.as_view(), name="reports"),
    path("new/", views.ReportRequestView.as_view(), name="report-new"),
    path("<int:reportrun_id>/", views.ReportDetailView.as_view(), name="report"),
    path("<int:reportrun_id>/progress/", views.ReportProgressView.as_view(), name="report-progress"),
    path(
        "<int:reportrun_id>/files/<int:reportfile_id>/",
        views.ReportFileDownloadView.as_view(),
        name="report-file",
    ),
]
