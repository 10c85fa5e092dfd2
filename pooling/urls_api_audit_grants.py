from django.urls import path

from pooling.apis import audit_grants

urlpatterns = [
    path("auditor-grants/", audit_grants.GrantListApi.as_view(), name="audit-grants"),
    path("auditor-grants/grant/", audit_grants.GrantApi.as_view(), name="audit-grant"),
    path(
        "auditor-grants/<int:poolauditgrant_id>/revoke/",
        audit_grants.GrantRevokeApi.as_view(),
        name="audit-grant-revoke",
    ),
    path("audit/", audit_grants.AuditPoolListApi.as_view(), name="audit-pools"),
    path("audit/<int:pool_id>/", audit_grants.AuditPoolApi.as_view(), name="audit-pool"),
]
