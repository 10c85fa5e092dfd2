from django.urls import path

from collaboration.views import advice as views
from collaboration.views import expertise as views_expertise
from collaboration.views import reviews as views_reviews
from collaboration.views import sessions as views_sessions

app_name = "collaboration"

A = "advice/<int:advicerequest_id>/"
S = "sessions/<int:forumsession_id>/"
R = "reviews/<int:peerreview_id>/"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("advice/new/", views.AdviceRequestNewView.as_view(), name="advice-new"),
    path(A, views.AdviceDetailView.as_view(), name="advice"),
    path(A + "advise/", views.AdviseView.as_view(), name="advise"),
    path(A + "reply/", views.ReplyView.as_view(), name="reply"),
    path(A + "revoke/", views.RevokeView.as_view(), name="revoke"),
    path("advice/messages/<int:advicemessage_id>/attach/", views.AttachView.as_view(), name="attach"),
    path("experts/", views_expertise.ExpertsView.as_view(), name="experts"),
    path("experts/me/", views_expertise.ExpertiseEditView.as_view(), name="expertise-edit"),
    path("sessions/", views_sessions.SessionsView.as_view(), name="sessions"),
    path("sessions/new/", views_sessions.SessionNewView.as_view(), name="session-new"),
    path(S, views_sessions.SessionView.as_view(), name="session"),
    path(S + "accept/", views_sessions.SessionAcceptView.as_view(), name="session-accept"),
    path(S + "decline/", views_sessions.SessionDeclineView.as_view(), name="session-decline"),
    path(S + "notes/", views_sessions.SessionNotesView.as_view(), name="session-notes"),
    path(S + "materials/", views_sessions.SessionMaterialView.as_view(), name="session-material"),
    path(S + "actions/", views_sessions.SessionActionView.as_view(), name="session-action"),
    path(S + "held/", views_sessions.SessionHeldView.as_view(), name="session-held"),
    path(S + "cancel/", views_sessions.SessionCancelView.as_view(), name="session-cancel"),
    path(
        "materials/<int:sessionmaterial_id>/",
        views_sessions.MaterialDownloadView.as_view(),
        name="material",
    ),
    path("actions/", views_sessions.MyActionsView.as_view(), name="my-actions"),
    path("actions/<int:agreedaction_id>/done/", views_sessions.ActionDoneView.as_view(), name="action-done"),
    path("reviews/", views_reviews.ReviewsView.as_view(), name="reviews"),
    path("reviews/new/", views_reviews.ReviewNewView.as_view(), name="review-new"),
    path(R, views_reviews.ReviewView.as_view(), name="review"),
    path(R + "findings/", views_reviews.ReviewFindingsView.as_view(), name="review-findings"),
    path(R + "share/", views_reviews.ReviewShareView.as_view(), name="review-share"),
    path(R + "respond/", views_reviews.ReviewRespondView.as_view(), name="review-respond"),
    path(R + "actions/", views_reviews.ReviewActionView.as_view(), name="review-action"),
    path(R + "close/", views_reviews.ReviewCloseView.as_view(), name="review-close"),
]
