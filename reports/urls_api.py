"""Report API, included under ``/api/v1/bodies/<body_slug>/``."""

from django.urls import path

from reports import apis

app_name = "reports-api"

urlpatterns = [
    path("reports/", apis.ReportRunListApi.as_view(), name="reports"),
    path("reports/request/", apis.ReportRunRequestApi.as_view(), name="report-request"),
    path("reports/<int:reportrun_id>/", apis.ReportRunDetailApi.as_view(), name="report"),
    path(
        "reports/<int:reportrun_id>/files/<int:reportfile_id>/",
        apis.ReportFileDownloadApi.as_view(),
        name="report-file",
    ),
]
