from django.urls import path

from pooling.apis import ledger

urlpatterns = [
    path("", ledger.PoolListApi.as_view(), name="pools"),
    path("open/", ledger.PoolOpenApi.as_view(), name="pool-open"),
    path("<int:pool_id>/headroom/", ledger.PoolHeadroomApi.as_view(), name="pool-headroom"),
    path("<int:pool_id>/balances/", ledger.PoolBalancesApi.as_view(), name="pool-balances"),
    path("<int:pool_id>/transactions/", ledger.TransactionListApi.as_view(), name="transactions"),
    path("transactions/<int:transaction_id>/", ledger.TransactionDetailApi.as_view(), name="transaction"),
    path(
        "transactions/<int:transaction_id>/reverse/",
        ledger.TransactionReverseApi.as_view(),
        name="transaction-reverse",
    ),
]
