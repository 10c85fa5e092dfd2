"""Pool pages under ``/b/<body_slug>/pool/``, one block per sub-domain (ledger,
contributions, payments and period close), all in the ``pooling`` namespace."""

from django.urls import path

from pooling.views import allocations, audit_grants, contributions, ledger, payment_returns, payment_runs, payments

app_name = "pooling"

urlpatterns = [
    # Ledger
    path("", ledger.DashboardView.as_view(), name="dashboard"),
    path("open/", ledger.PoolOpenView.as_view(), name="pool-open"),
    path("<int:pool_id>/ledger/", ledger.LedgerView.as_view(), name="ledger"),
    path("transactions/<int:transaction_id>/", ledger.TransactionView.as_view(), name="transaction"),
    path(
        "transactions/<int:transaction_id>/reverse/",
        ledger.TransactionReverseView.as_view(),
        name="transaction-reverse",
    ),
    # Contributions
    path("<int:pool_id>/allocations/", allocations.AllocationsView.as_view(), name="allocations"),
    path("<int:pool_id>/allocations/set/", allocations.AllocationSetView.as_view(), name="allocation-set"),
    path("<int:pool_id>/allocations/import/", allocations.AllocationImportView.as_view(), name="allocation-import"),
    path(
        "<int:pool_id>/allocations/import/columns/",
        allocations.AllocationImportColumnsView.as_view(),
        name="allocation-import-columns",
    ),
    path(
        "<int:pool_id>/allocations/import/preview/",
        allocations.AllocationImportPreviewView.as_view(),
        name="allocation-import-preview",
    ),
    path("<int:pool_id>/contributions/", contributions.ContributionsView.as_view(), name="contributions"),
    path(
        "<int:pool_id>/contributions/recalculate/",
        contributions.ContributionsRecalculateView.as_view(),
        name="contributions-recalculate",
    ),
    path("contributions/<int:contribution_id>/", contributions.ContributionDetailView.as_view(), name="contribution"),
    path(
        "contributions/<int:contribution_id>/receipts/new/",
        contributions.ReceiptNewView.as_view(),
        name="receipt-new",
    ),
    # Payments and period close
    path("<int:pool_id>/payment-runs/", payments.PaymentRunListView.as_view(), name="payment-runs"),
    path("<int:pool_id>/payment-runs/new/", payments.PaymentRunNewView.as_view(), name="payment-run-new"),
    path("payment-runs/<int:paymentrun_id>/", payments.PaymentRunDetailView.as_view(), name="payment-run"),
    path(
        "payment-runs/<int:paymentrun_id>/send/",
        payment_runs.PaymentRunSendView.as_view(),
        name="payment-run-send",
    ),
    path(
        "payment-runs/<int:paymentrun_id>/bank-file/",
        payment_runs.PaymentRunBankFileView.as_view(),
        name="payment-run-bank-file",
    ),
    path(
        "payment-runs/<int:paymentrun_id>/paid/",
        payment_runs.PaymentRunPaidView.as_view(),
        name="payment-run-paid",
    ),
    path(
        "payment-runs/<int:paymentrun_id>/failed/",
        payment_returns.PaymentRunFailedView.as_view(),
        name="payment-run-failed",
    ),
    path(
        "payment-runs/<int:paymentrun_id>/lines/<int:paymentrunline_id>/returned/",
        payment_returns.PaymentLineReturnedView.as_view(),
        name="payment-line-returned",
    ),
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
    # Auditors' access per pool (guardian grants)
    path("auditors/", audit_grants.GrantListView.as_view(), name="audit-grants"),
    path(
        "auditors/<int:poolauditgrant_id>/revoke/",
        audit_grants.GrantRevokeView.as_view(),
        name="audit-grant-revoke",
    ),
    path("audit/", audit_grants.AuditPoolListView.as_view(), name="audit-pools"),
    path("audit/<int:pool_id>/", audit_grants.AuditPoolView.as_view(), name="audit-pool"),
]
