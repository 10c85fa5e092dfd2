"""Assurance pages under ``/b/<body_slug>/``: audit samples (``views/auditor.py``, the
``auditor`` namespace; the audit log itself is ``/b/<body_slug>/audit/`` in ``accounts``) and
the inclusion strategy annex (``views/annex.py``, the ``annex`` namespace)."""

from django.urls import include, path

from assurance.views import annex, auditor

auditor_urlpatterns = [
    path("audit/samples/", auditor.SampleListView.as_view(), name="samples"),
    path("audit/samples/<int:auditsample_id>/", auditor.SampleDetailView.as_view(), name="sample"),
    path(
        "audit/samples/<int:auditsample_id>/transactions/<int:transaction_id>/",
        auditor.ChainView.as_view(),
        name="chain",
    ),
]

annex_urlpatterns = [
    path("annex/", annex.AnnexListView.as_view(), name="list"),
    path("annex/<int:pool_id>/<int:arrangement_id>/", annex.AnnexView.as_view(), name="annex"),
    path("annex/<int:pool_id>/<int:arrangement_id>/csv/", annex.AnnexCsvView.as_view(), name="csv"),
    path("annex/<int:pool_id>/<int:arrangement_id>/pdf/", annex.AnnexPdfView.as_view(), name="pdf"),
]

urlpatterns = [
    path("", include((auditor_urlpatterns, "auditor"))),
    path("", include((annex_urlpatterns, "annex"))),
]
