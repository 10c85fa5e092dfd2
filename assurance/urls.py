"""Auditors' pages under ``/b/<body_slug>/audit/`` (``exceptional_resource/views/auditor.py``).
The audit log itself is ``/b/<body_slug>/audit/`` in ``accounts``."""

from django.urls import path

from assurance.views import auditor

app_name = "auditor"

urlpatterns = [
    path("audit/samples/", auditor.SampleListView.as_view(), name="samples"),
    path("audit/samples/<int:auditsample_id>/", auditor.SampleDetailView.as_view(), name="sample"),
    path(
        "audit/samples/<int:auditsample_id>/transactions/<int:transaction_id>/",
        auditor.ChainView.as_view(),
        name="chain",
    ),
]
