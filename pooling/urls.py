from django.urls import include, path

app_name = "pooling"

# Each sub-domain keeps its own URL module; names stay in the one "pooling" namespace.
urlpatterns = [
    path("pool/", include("pooling.urls_ledger")),
    path("pool/", include("pooling.urls_contributions")),
    path("pool/", include("pooling.urls_payments")),
    path("pool/", include("pooling.urls_audit_grants")),
]
