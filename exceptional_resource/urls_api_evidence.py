"""Evidence API routes (``exceptional_resource/apis_evidence.py``)."""

from django.urls import path

from exceptional_resource import apis_evidence as apis

app_name = "evidence-api"

urlpatterns = [
    path("cases/<int:case_id>/evidence/", apis.EvidenceListApi.as_view(), name="list"),
    path("cases/<int:case_id>/evidence/upload/", apis.EvidenceUploadApi.as_view(), name="upload"),
    path("evidence/<int:casedocument_id>/download/", apis.EvidenceDownloadApi.as_view(), name="download"),
    path("evidence/<int:casedocument_id>/remove/", apis.EvidenceRemoveApi.as_view(), name="remove"),
]
