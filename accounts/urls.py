from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.BodyHomeView.as_view(), name="body-home"),
    path("people/", views.PeopleView.as_view(), name="people"),
    path("people/invite/", views.InviteView.as_view(), name="invite"),
    path("people/<int:membership_id>/end/", views.EndMembershipView.as_view(), name="end-membership"),
    path("audit/", views.AuditLogView.as_view(), name="audit-log"),
]
