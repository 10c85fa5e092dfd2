from django.urls import path

from pooling.views import ledger

urlpatterns = [
    path("", ledger.DashboardView.as_view(), name="dashboard"),
]
