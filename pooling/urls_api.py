"""The pool API under ``/api/v1/bodies/<body_slug>/pools/``, one block per sub-domain, all
in the ``pooling-api`` namespace."""

from django.urls import path

from pooling.apis import audit_grants, contributions, ledger, payment_runs, payments

app_name = "pooling-api"

urlpatterns = [
    # Ledger
    path("pools/", ledger.PoolListApi.as_view(), name="pools"),
    path("pools/open/", ledger.PoolOpenApi.as_view(), name="pool-open"),
    path("pools/<int:pool_id>/headroom/", ledger.PoolHeadroomApi.as_view(), name="pool-headroom"),
    path("pools/<int:pool_id>/balances/", ledger.PoolBalancesApi.as_view(), name="pool-balances"),
    path("pools/<int:pool_id>/transactions/", ledger.TransactionListApi.as_view(), name="transactions"),
    path("pools/transactions/<int:transaction_id>/", ledger.TransactionDetailApi.as_view(), name="transaction"),
    path(
        "pools/transactions/<int:transaction_id>/reverse/",
        ledger.TransactionReverseApi.as_view(),
        name="transaction-reverse",
    ),
    # Contributions
    path("pools/<int:pool_id>/allocations/", contributions.AllocationListApi.as_view(), name="allocations"),
    path("pools/<int:pool_id>/allocations/set/", contributions.AllocationSetApi.as_view(), name="allocation-set"),
    path(
        "pools/<int:pool_id>/allocations/import/", contributions.AllocationImportApi.as_view(), name="allocation-import"
    ),
    path(
        "pools/<int:pool_id>/allocations/imports/",
        contributions.AllocationImportListApi.as_view(),
        name="allocation-imports",
    ),
    path("pools/<int:pool_id>/contributions/", contributions.ContributionListApi.as_view(), name="contributions"),
    path(
        "pools/<int:pool_id>/contributions/recalculate/",
        contributions.ContributionsRecalculateApi.as_view(),
        name="contributions-recalculate",
    ),
    path(
        "pools/contributions/<int:contribution_id>/", contributions.ContributionDetailApi.as_view(), name="contribution"
    ),
    path(
        "pools/contributions/<int:contribution_id>/receipts/", contributions.ReceiptListApi.as_view(), name="receipts"
    ),
    path(
        "pools/contributions/<int:contribution_id>/receipts/new/",
        contributions.ReceiptRecordApi.as_view(),
        name="receipt-new",
    ),
    # Payments and period close
    path("pools/<int:pool_id>/schedules/", payments.ScheduleListApi.as_view(), name="schedules"),
    path("pools/<int:pool_id>/payment-runs/", payments.PaymentRunListApi.as_view(), name="payment-runs"),
    path(
        "pools/<int:pool_id>/payment-runs/preview/", payments.PaymentRunPreviewApi.as_view(), name="payment-run-preview"
    ),
    path(
        "pools/<int:pool_id>/payment-runs/confirm/", payments.PaymentRunConfirmApi.as_view(), name="payment-run-confirm"
    ),
    path("pools/payment-runs/<int:paymentrun_id>/", payments.PaymentRunDetailApi.as_view(), name="payment-run"),
    path(
        "pools/payment-runs/<int:paymentrun_id>/send/",
        payment_runs.PaymentRunSendApi.as_view(),
        name="payment-run-send",
    ),
    path(
        "pools/payment-runs/<int:paymentrun_id>/bank-file/",
        payment_runs.PaymentRunBankFileApi.as_view(),
        name="payment-run-bank-file",
    ),
    path(
        "pools/payment-runs/<int:paymentrun_id>/paid/",
        payment_runs.PaymentRunPaidApi.as_view(),
        name="payment-run-paid",
    ),
    path(
        "pools/payment-runs/<int:paymentrun_id>/failed/",
        payment_runs.PaymentRunFailedApi.as_view(),
        name="payment-run-failed",
    ),
    path(
        "pools/payment-runs/<int:paymentrun_id>/lines/<int:paymentrunline_id>/returned/",
        payment_runs.PaymentLineReturnedApi.as_view(),
        name="payment-line-returned",
    ),
    path(
        "pools/payment-runs/<int:paymentrun_id>/remittances/",
        payments.RemittanceRequestApi.as_view(),
        name="payment-run-remittances",
    ),
    path("pools/remittances/<int:remittance_id>/csv/", payments.RemittanceCsvApi.as_view(), name="remittance-csv"),
    path("pools/remittances/<int:remittance_id>/pdf/", payments.RemittancePdfApi.as_view(), name="remittance-pdf"),
    path("pools/<int:pool_id>/close-preview/", payments.PoolClosePreviewApi.as_view(), name="pool-close-preview"),
    path("pools/<int:pool_id>/close/", payments.PoolCloseApi.as_view(), name="pool-close"),
    path("pools/<int:pool_id>/reopen/", payments.PoolReopenApi.as_view(), name="pool-reopen"),
    path("pools/journal/", payments.JournalExportApi.as_view(), name="journal-export"),
    path("pools/<int:pool_id>/account-codes/", payments.AccountCodesListApi.as_view(), name="account-codes"),
    path("pools/account-codes/<int:account_id>/", payments.AccountCodesSetApi.as_view(), name="account-codes-set"),
    # Auditors' access per pool (guardian grants)
    path("pools/auditor-grants/", audit_grants.GrantListApi.as_view(), name="audit-grants"),
    path("pools/auditor-grants/grant/", audit_grants.GrantApi.as_view(), name="audit-grant"),
    path(
        "pools/auditor-grants/<int:poolauditgrant_id>/revoke/",
        audit_grants.GrantRevokeApi.as_view(),
        name="audit-grant-revoke",
    ),
    path("pools/audit/", audit_grants.AuditPoolListApi.as_view(), name="audit-pools"),
    path("pools/audit/<int:pool_id>/", audit_grants.AuditPoolApi.as_view(), name="audit-pool"),
]
