from django.urls import path

from pooling.apis import payments

urlpatterns = [
    path("<int:pool_id>/schedules/", payments.ScheduleListApi.as_view(), name="schedules"),
    path("<int:pool_id>/payment-runs/", payments.PaymentRunListApi.as_view(), name="payment-runs"),
    path("<int:pool_id>/payment-runs/preview/", payments.PaymentRunPreviewApi.as_view(), name="payment-run-preview"),
    path("<int:pool_id>/payment-runs/confirm/", payments.PaymentRunConfirmApi.as_view(), name="payment-run-confirm"),
    path("payment-runs/<int:paymentrun_id>/", payments.PaymentRunDetailApi.as_view(), name="payment-run"),
    path(
        "payment-runs/<int:paymentrun_id>/remittances/",
        payments.RemittanceRequestApi.as_view(),
        name="payment-run-remittances",
    ),
    path("remittances/<int:remittance_id>/csv/", payments.RemittanceCsvApi.as_view(), name="remittance-csv"),
    path("remittances/<int:remittance_id>/pdf/", payments.RemittancePdfApi.as_view(), name="remittance-pdf"),
    path("<int:pool_id>/close-preview/", payments.PoolClosePreviewApi.as_view(), name="pool-close-preview"),
    path("<int:pool_id>/close/", payments.PoolCloseApi.as_view(), name="pool-close"),
    path("<int:pool_id>/reopen/", payments.PoolReopenApi.as_view(), name="pool-reopen"),
    path("journal/", payments.JournalExportApi.as_view(), name="journal-export"),
    path("<int:pool_id>/account-codes/", payments.AccountCodesListApi.as_view(), name="account-codes"),
    path("account-codes/<int:account_id>/", payments.AccountCodesSetApi.as_view(), name="account-codes-set"),
]
