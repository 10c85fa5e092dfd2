"""Report API, included under ``/api/v1/bodies/<body_slug>/`` in the ``accounts-api`` namespace."""

from django.urls import path

from accounts.reports import apis

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
