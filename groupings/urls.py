from django.urls import path

from groupings import views

app_name = "groupings"

urlpatterns = [
    path("grouping/", views.MembersView.as_view(), name="members"),
    path("grouping/add/", views.SchoolSearchView.as_view(), name="add"),
    path("grouping/add/basis/", views.AddBasisView.as_view(), name="add-basis"),
    path("grouping/add/dates/", views.AddDatesView.as_view(), name="add-dates"),
    path("grouping/add/agreement/", views.AddAgreementView.as_view(), name="add-agreement"),
    path("grouping/add/check/", views.AddCheckView.as_view(), name="add-check"),
    path("grouping/own-academies/", views.OwnAcademiesView.as_view(), name="own-academies"),
    path("grouping/arrangements/<int:arrangement_id>/", views.ArrangementDetailView.as_view(), name="arrangement"),
    path(
        "grouping/arrangements/<int:arrangement_id>/agreement/",
        views.ArrangementDocumentView.as_view(),
        name="arrangement-document",
    ),
    path(
        "grouping/arrangements/<int:arrangement_id>/approve/",
        views.ArrangementActionView.as_view(action="approve"),
        name="arrangement-approve",
    ),
    path(
        "grouping/arrangements/<int:arrangement_id>/withdraw/",
        views.ArrangementActionView.as_view(action="withdraw"),
        name="arrangement-withdraw",
    ),
    path(
        "grouping/arrangements/<int:arrangement_id>/give-notice/",
        views.ArrangementEndingView.as_view(action="give-notice"),
        name="arrangement-give-notice",
    ),
    path(
        "grouping/arrangements/<int:arrangement_id>/end/",
        views.ArrangementEndingView.as_view(action="end"),
        name="arrangement-end",
    ),
    path("grouping/policy/", views.PolicyView.as_view(), name="policy"),
    path("grouping/policy/new/", views.PolicyNewView.as_view(), name="policy-new"),
]

public_urlpatterns = [
    path("groupings/<slug:body_slug>/", views.PublicGroupingView.as_view(), name="public-grouping"),
]
