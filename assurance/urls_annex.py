"""The inclusion strategy annex under ``/b/<body_slug>/annex/`` (``views/annex.py``)."""

from django.urls import path

from assurance.views import annex

app_name = "annex"

urlpatterns = [
    path("annex/", annex.AnnexListView.as_view(), name="list"),
    path("annex/<int:pool_id>/<int:arrangement_id>/", annex.AnnexView.as_view(), name="annex"),
    path("annex/<int:pool_id>/<int:arrangement_id>/csv/", annex.AnnexCsvView.as_view(), name="csv"),
    path("annex/<int:pool_id>/<int:arrangement_id>/pdf/", annex.AnnexPdfView.as_view(), name="pdf"),
]
