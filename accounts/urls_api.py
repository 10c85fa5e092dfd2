from django.urls import path

from accounts import apis

app_name = "accounts-api"

urlpatterns = [
    path("members/", apis.MembershipListApi.as_view(), name="members"),
    path("members/invite/", apis.MembershipInviteApi.as_view(), name="member-invite"),
    path("members/<int:membership_id>/end/", apis.MembershipEndApi.as_view(), name="member-end"),
    path("audit-events/", apis.AuditEventListApi.as_view(), name="audit-events"),
]
