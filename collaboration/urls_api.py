from django.urls import path

from collaboration.apis import advice as apis
from collaboration.apis import expertise as apis_expertise

app_name = "collaboration-api"

A = "collaboration/advice/<int:advicerequest_id>/"

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
]
