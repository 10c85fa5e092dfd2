"""Email settings, under *Your account* (no namespace: the page is the person's, not a body's)."""

from django.urls import path

from notifications import views

urlpatterns = [
    path(
        "my-account/email-settings/",
        views.NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
]
