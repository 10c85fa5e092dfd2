from django.urls import path

from collaboration.apis import advice as apis
from collaboration.apis import expertise as apis_expertise
from collaboration.apis import reviews as apis_reviews
from collaboration.apis import sessions as apis_sessions

app_name = "collaboration-api"

A = "collaboration/advice/<int:advicerequest_id>/"
S = "collaboration/sessions/<int:forumsession_id>/"
R = "collaboration/reviews/<int:peerreview_id>/"

urlpatterns = [
    path("collaboration/advice/", apis.AdviceListApi.as_view(), name="advice-list"),
    path("collaboration/advice/request/", apis.AdviceRequestApi.as_view(), name="advice-request"),
    path(A, apis.AdviceDetailApi.as_view(), name="advice"),
    path(A + "advise/", apis.AdviseApi.as_view(), name="advise"),
    path(A + "reply/", apis.ReplyApi.as_view(), name="reply"),
    path(A + "revoke/", apis.RevokeApi.as_view(), name="revoke"),
    path("collaboration/advice/messages/<int:advicemessage_id>/attach/", apis.AttachApi.as_view(), name="attach"),
    path("collaboration/experts/", apis_expertise.ExpertListApi.as_view(), name="experts"),
    path("collaboration/experts/me/", apis_expertise.ExpertiseSaveApi.as_view(), name="expertise-save"),
    path("collaboration/sessions/", apis_sessions.ForumSessionListApi.as_view(), name="sessions"),
    path("collaboration/sessions/schedule/", apis_sessions.ForumSessionScheduleApi.as_view(), name="session-schedule"),
    path(S, apis_sessions.ForumSessionDetailApi.as_view(), name="session"),
    path(S + "accept/", apis_sessions.ForumSessionAcceptApi.as_view(), name="session-accept"),
    path(S + "decline/", apis_sessions.ForumSessionDeclineApi.as_view(), name="session-decline"),
    path(S + "notes/", apis_sessions.ForumSessionNotesApi.as_view(), name="session-notes"),
    path(S + "materials/", apis_sessions.ForumMaterialAddApi.as_view(), name="session-material"),
    path(S + "actions/", apis_sessions.ForumSessionActionApi.as_view(), name="session-action"),
    path(S + "held/", apis_sessions.ForumSessionHeldApi.as_view(), name="session-held"),
    path(S + "cancel/", apis_sessions.ForumSessionCancelApi.as_view(), name="session-cancel"),
    path(
        "collaboration/materials/<int:sessionmaterial_id>/",
        apis_sessions.ForumMaterialDownloadApi.as_view(),
        name="material",
    ),
    path("collaboration/actions/", apis_sessions.MyActionsApi.as_view(), name="my-actions"),
    path(
        "collaboration/actions/<int:agreedaction_id>/done/", apis_sessions.ActionDoneApi.as_view(), name="action-done"
    ),
    path("collaboration/reviews/", apis_reviews.PeerReviewListApi.as_view(), name="reviews"),
    path("collaboration/reviews/plan/", apis_reviews.PeerReviewPlanApi.as_view(), name="review-plan"),
    path(R, apis_reviews.PeerReviewDetailApi.as_view(), name="review"),
    path(R + "findings/", apis_reviews.PeerReviewFindingsApi.as_view(), name="review-findings"),
    path(R + "share/", apis_reviews.PeerReviewShareApi.as_view(), name="review-share"),
    path(R + "respond/", apis_reviews.PeerReviewRespondApi.as_view(), name="review-respond"),
    path(R + "actions/", apis_reviews.PeerReviewActionApi.as_view(), name="review-action"),
    path(R + "close/", apis_reviews.PeerReviewCloseApi.as_view(), name="review-close"),
]
