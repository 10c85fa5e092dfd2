"""Case pages, all under ``/b/<body_slug>/cases/``, names in the ``cases`` namespace.

Each area keeps its own block of routes with its own view module, so adding one (decision
letters, evidence) is a new block here, not an edit to another's. Object kwargs are named
``<model_name>_id`` (``case_id``, ``award_id``, …) for the cross-tenant suite."""

from django.urls import URLPattern, URLResolver, path

from exceptional_resource.views import cases, evidence

app_name = "cases"

# My school's cases, the case form and case detail (exceptional_resource/views/cases.py).
case_urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", cases.CaseListView.as_view(), name="list"),
]

# Decision letters (exceptional_resource/views/letters.py).
letter_urlpatterns: list[URLPattern | URLResolver] = []

# Evidence uploads and downloads (exceptional_resource/views/evidence.py).
evidence_urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/evidence/", evidence.EvidenceView.as_view(), name="evidence"),
    path(
        "cases/evidence/<int:casedocument_id>/download/",
        evidence.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
    path(
        "cases/evidence/<int:casedocument_id>/remove/",
        evidence.EvidenceRemoveView.as_view(),
        name="evidence-remove",
    ),
]

urlpatterns = [*case_urlpatterns, *letter_urlpatterns, *evidence_urlpatterns]
