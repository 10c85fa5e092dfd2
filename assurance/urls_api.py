"""Auditors' API under ``/api/v1/bodies/<body_slug>/audit/`` (``apis_auditor.py``)."""

from django.urls import path

from assurance import apis

app_name = "auditor-api"

urlpatterns = [
    path("audit/samples/", apis.SampleListApi.as_view(), name="samples"),
    path("audit/samples/draw/", apis.SampleDrawApi.as_view(), name="sample-draw"),
    path("audit/samples/<int:auditsample_id>/", apis.SampleDetailApi.as_view(), name="sample"),
    path(
        "audit/samples/<int:auditsample_id>/transactions/<int:transaction_id>/chain/",
        apis.ChainApi.as_view(),
        name="chain",
    ),
]
