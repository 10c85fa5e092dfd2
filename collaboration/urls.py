from django.urls import path

from collaboration.views import advice as views
from collaboration.views import expertise as views_expertise

app_name = "collaboration"

A = "collaboration/advice/<int:advicerequest_id>/"

urlpatterns = [
    path("collaboration/", views.HomeView.as_view(), name="home"),
    path("collaboration/advice/new/", views.AdviceRequestNewView.as_view(), name="advice-new"),
    path(A, views.AdviceDetailView.as_view(), name="advice"),
    path(A + "advise/", views.AdviseView.as_view(), name="advise"),
    path(A + "reply/", views.ReplyView.as_view(), name="reply"),
    path(A + "revoke/", views.RevokeView.as_view(), name="revoke"),
    path("collaboration/advice/messages/<int:advicemessage_id>/attach/", views.AttachView.as_view(), name="attach"),
    path("collaboration/experts/", views_expertise.ExpertsView.as_view(), name="experts"),
    path("collaboration/experts/me/", views_expertise.ExpertiseEditView.as_view(), name="expertise-edit"),
]
