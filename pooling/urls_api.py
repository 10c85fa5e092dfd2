from django.urls import include, path

app_name = "pooling-api"

urlpatterns = [
    path("pools/", include("pooling.urls_api_ledger")),
    path("pools/", include("pooling.urls_api_contributions")),
    path("pools/", include("pooling.urls_api_payments")),
    path("pools/", include("pooling.urls_api_audit_grants")),
]
