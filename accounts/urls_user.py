from django.urls import path

from accounts import views
from accounts.notifications import views as notification_views

urlpatterns = [
    path("home/", views.HomeView.as_view(), name="home"),
    path("my-account/", views.MyAccountView.as_view(), name="my-account"),
    path(
        "my-account/email-settings/",
        notification_views.NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
]
