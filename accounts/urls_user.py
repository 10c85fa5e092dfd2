from django.urls import path

from accounts import views

urlpatterns = [
    path("home/", views.HomeView.as_view(), name="home"),
    path("my-account/", views.MyAccountView.as_view(), name="my-account"),
]
