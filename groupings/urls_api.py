from django.urls import path

from groupings import apis

app_name = "groupings-api"

urlpatterns = [
    path("schools/", apis.SchoolSearchApi.as_view(), name="school-search"),
    path("arrangements/", apis.ArrangementListApi.as_view(), name="arrangements"),
    path("arrangements/propose/", apis.ArrangementProposeApi.as_view(), name="arrangement-propose"),
    path("arrangements/own-academies/", apis.OwnAcademiesApi.as_view(), name="own-academies"),
    path("arrangements/<int:arrangement_id>/", apis.ArrangementDetailApi.as_view(), name="arrangement"),
    path(
        "arrangements/<int:arrangement_id>/activate/",
        apis.ArrangementActivateApi.as_view(),
        name="arrangement-activate",
    ),
    path(
        "arrangements/<int:arrangement_id>/give-notice/",
        apis.ArrangementGiveNoticeApi.as_view(),
        name="arrangement-give-notice",
    ),
    path("arrangements/<int:arrangement_id>/end/", apis.ArrangementEndApi.as_view(), name="arrangement-end"),
    path(
        "arrangements/<int:arrangement_id>/withdraw/",
        apis.ArrangementWithdrawApi.as_view(),
        name="arrangement-withdraw",
    ),
    path("policy/", apis.PolicyListApi.as_view(), name="policy-versions"),
    path("policy/new/", apis.PolicyCreateApi.as_view(), name="policy-create"),
]
