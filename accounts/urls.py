from django.urls import path

from accounts import views, views_tokens

app_name = "accounts"

# Under /b/<body_slug>/
urlpatterns = [
    path("", views.BodyHomeView.as_view(), name="body-home"),
    path("people/", views.PeopleView.as_view(), name="people"),
    path("people/invite/", views.InviteView.as_view(), name="invite"),
    path("people/<int:membership_id>/end/", views.EndMembershipView.as_view(), name="end-membership"),
    path("audit/", views.AuditLogView.as_view(), name="audit-log"),
]

# The signed-in person's own pages, at the top level (no namespace)
user_urlpatterns = [
    path("home/", views.HomeView.as_view(), name="home"),
    path("my-account/", views.MyAccountView.as_view(), name="my-account"),
    path("my-account/api-tokens/", views_tokens.ApiTokenListView.as_view(), name="api-tokens"),
    path("my-account/api-tokens/new/", views_tokens.ApiTokenCreateView.as_view(), name="api-token-new"),
    path(
        "my-account/api-tokens/<int:apitoken_id>/revoke/",
        views_tokens.ApiTokenRevokeView.as_view(),
        name="api-token-revoke",
    ),
]
