from django.urls import path

from pooling.views import audit_grants

urlpatterns = [
    path("auditors/", audit_grants.GrantListView.as_view(), name="audit-grants"),
    path("auditors/<int:poolauditgrant_id>/revoke/", audit_grants.GrantRevokeView.as_view(), name="audit-grant-revoke"),
    path("audit/", audit_grants.AuditPoolListView.as_view(), name="audit-pools"),
    path("audit/<int:pool_id>/", audit_grants.AuditPoolView.as_view(), name="audit-pool"),
]
