from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts import urls as accounts_urls
from accounts import urls_api as accounts_urls_api
from config import views
from groupings import urls as groupings_urls

# Each app's pages under its own first segment, so resolving a path tries one prefix per
# app instead of every pattern of the apps before it (about a hundred for a case page).
body_pages = [
    path("", include("accounts.urls")),
    path("grouping/", include("groupings.urls")),
    path("pool/", include("pooling.urls")),
    path("reports/", include("reports.urls")),
    path("cases/", include("exceptional_resource.urls")),
    path("", include("assurance.urls")),
    path("partnership/", include("partnerships.urls")),
    path("shared-resources/", include("shared_resources.urls")),
    path("collaboration/", include("collaboration.urls")),
]
body_api = [
    path("", include("accounts.urls_api")),
    path("", include("reports.urls_api")),
    path("", include("groupings.urls_api")),
    path("", include("pooling.urls_api")),
    path("", include("exceptional_resource.urls_api")),
    path("", include("assurance.urls_api")),
    path("", include("partnerships.urls_api")),
    path("", include("shared_resources.urls_api")),
    path("", include("collaboration.urls_api")),
]

urlpatterns = [
    path("", views.StartView.as_view(), name="start"),
    path("about/", views.AboutView.as_view(), name="about"),
    path("accessibility/", views.AccessibilityView.as_view(), name="accessibility"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/trivial", views.healthz_trivial, name="healthz-trivial"),
    *groupings_urls.public_urlpatterns,
    path("accounts/", include("allauth.urls")),
    *accounts_urls.user_urlpatterns,
    path("", include("notifications.urls")),
    path("b/<slug:body_slug>/", include(body_pages)),
    path("api/v1/bodies/<slug:body_slug>/", include(body_api)),
    path("api/v1/", include(accounts_urls_api.user_urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", views.ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("platform/admin/", admin.site.urls),
]

# Platform staff sign in to the admin through allauth, so MFA applies there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

handler403 = "config.views.error_403"
handler404 = "config.views.error_404"
handler500 = "config.views.error_500"
