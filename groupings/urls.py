from django.urls import path

from groupings.views.add_school import AddAgreementView, AddBasisView, AddCheckView, AddDatesView
from groupings.views.arrangements import (
    ArrangementActionView,
    ArrangementDetailView,
    ArrangementDocumentView,
    ArrangementEndingView,
    OwnAcademiesView,
)
from groupings.views.members import MembersView, SchoolSearchView
from groupings.views.policy import PolicyNewView, PolicyView, PublicGroupingView

app_name = "groupings"

urlpatterns = [
    path("", MembersView.as_view(), name="members"),
    path("add/", SchoolSearchView.as_view(), name="add"),
    path("add/basis/", AddBasisView.as_view(), name="add-basis"),
    path("add/dates/", AddDatesView.as_view(), name="add-dates"),
    path("add/agreement/", AddAgreementView.as_view(), name="add-agreement"),
    path("add/check/", AddCheckView.as_view(), name="add-check"),
    path("own-academies/", OwnAcademiesView.as_view(), name="own-academies"),
    path("arrangements/<int:arrangement_id>/", ArrangementDetailView.as_view(), name="arrangement"),
    path(
        "arrangements/<int:arrangement_id>/agreement/",
        ArrangementDocumentView.as_view(),
        name="arrangement-document",
    ),
    path(
        "arrangements/<int:arrangement_id>/approve/",
        ArrangementActionView.as_view(action="approve"),
        name="arrangement-approve",
    ),
    path(
        "arrangements/<int:arrangement_id>/withdraw/",
        ArrangementActionView.as_view(action="withdraw"),
        name="arrangement-withdraw",
    ),
    path(
        "arrangements/<int:arrangement_id>/give-notice/",
        ArrangementEndingView.as_view(action="give-notice"),
        name="arrangement-give-notice",
    ),
    path(
        "arrangements/<int:arrangement_id>/end/",
        ArrangementEndingView.as_view(action="end"),
        name="arrangement-end",
    ),
    path("policy/", PolicyView.as_view(), name="policy"),
    path("policy/new/", PolicyNewView.as_view(), name="policy-new"),
]

public_urlpatterns = [
    path("groupings/<slug:body_slug>/", PublicGroupingView.as_view(), name="public-grouping"),
]
