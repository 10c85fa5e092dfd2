from django.urls import path

from pooling.views import ledger

urlpatterns = [
    path("", ledger.DashboardView.as_view(), name="dashboard"),
    path("open/", ledger.PoolOpenView.as_view(), name="pool-open"),
    path("<int:pool_id>/ledger/", ledger.LedgerView.as_view(), name="ledger"),
    path("transactions/<int:transaction_id>/", ledger.TransactionView.as_view(), name="transaction"),
    path(
        "transactions/<int:transaction_id>/reverse/",
        ledger.TransactionReverseView.as_view(),
        name="transaction-reverse",
    ),
]
