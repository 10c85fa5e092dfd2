from django.urls import path

from pooling.views import payments

urlpatterns = [
    path("<int:pool_id>/payment-runs/", payments.PaymentRunListView.as_view(), name="payment-runs"),
    path("<int:pool_id>/payment-runs/new/", payments.PaymentRunNewView.as_view(), name="payment-run-new"),
    path("payment-runs/<int:paymentrun_id>/", payments.PaymentRunDetailView.as_view(), name="payment-run"),
    path(
        "payment-runs/<int:paymentrun_id>/remittances/",
        payments.RemittanceRequestView.as_view(),
        name="payment-run-remittances",
    ),
    path(
        "remittances/<int:remittance_id>/csv/",
        payments.RemittanceDownloadView.as_view(kind="csv"),
        name="remittance-csv",
    ),
    path(
        "remittances/<int:remittance_id>/pdf/",
        payments.RemittanceDownloadView.as_view(kind="pdf"),
        name="remittance-pdf",
    ),
    path("<int:pool_id>/close/", payments.PoolCloseView.as_view(), name="pool-close"),
    path("<int:pool_id>/reopen/", payments.PoolReopenView.as_view(), name="pool-reopen"),
    path("journal/", payments.JournalExportView.as_view(), name="journal-export"),
    path("<int:pool_id>/account-codes/", payments.AccountCodesView.as_view(), name="account-codes"),
    path("account-codes/<int:account_id>/", payments.AccountCodesEditView.as_view(), name="account-code-edit"),
]
