"""Case pages, all under ``/b/<body_slug>/cases/``, names in the ``cases`` namespace.

Each area keeps its own block of routes with its own view module, so adding one (decision
letters, evidence) is a new block here, not an edit to another's. Object kwargs are named
``<model_name>_id`` (``case_id``, ``award_id``, …) for the cross-tenant suite."""

from django.urls import URLPattern, URLResolver, path

from exceptional_resource.views import (
    cases,
    decisions,
    draft_rows,
    drafts,
    evidence,
    holds,
    letters,
    recoveries,
    reviews,
    subject_access,
)

app_name = "cases"

# My school's cases, case detail and the school's actions (exceptional_resource/views/cases.py).
case_urlpatterns: list[URLPattern | URLResolver] = [
    path("", cases.CaseListView.as_view(), name="list"),
    path("awards/", cases.AwardListView.as_view(), name="awards"),
    path("<int:case_id>/", cases.CaseDetailView.as_view(), name="detail"),
    path("<int:case_id>/pupil/", cases.PupilIdentityView.as_view(), name="pupil-identity"),
    path("<int:case_id>/answer/", cases.ProvideInformationView.as_view(), name="provide-information"),
    path("<int:case_id>/withdraw/", cases.WithdrawView.as_view(), name="withdraw"),
    path("<int:case_id>/reconsideration/", cases.ReconsiderationView.as_view(), name="reconsideration"),
    path("<int:case_id>/legal-hold/", holds.LegalHoldView.as_view(), name="legal-hold"),
    path("subject-access/", subject_access.SubjectAccessView.as_view(), name="subject-access"),
    path(
        "subject-access/<int:reportrun_id>/",
        subject_access.SubjectAccessRunView.as_view(),
        name="subject-access-run",
    ),
    path(
        "subject-access/<int:reportrun_id>/files/<int:reportfile_id>/",
        subject_access.SubjectAccessDownloadView.as_view(),
        name="subject-access-file",
    ),
]

# The case form: a task list of sections, then check answers and send (views/drafts.py, views/draft_rows.py).
draft_urlpatterns: list[URLPattern | URLResolver] = [
    path("new/", drafts.NewCaseView.as_view(), name="new"),
    path("<int:case_id>/draft/", drafts.TaskListView.as_view(), name="draft"),
    path("<int:case_id>/draft/need/", drafts.NeedView.as_view(), name="draft-need"),
    path("<int:case_id>/draft/provision/", draft_rows.ProvisionView.as_view(), name="draft-provision"),
    path(
        "<int:case_id>/draft/provision/<int:provisionrow_id>/remove/",
        draft_rows.ProvisionRemoveView.as_view(),
        name="draft-provision-remove",
    ),
    path("<int:case_id>/draft/funding/", drafts.FundingView.as_view(), name="draft-funding"),
    path("<int:case_id>/draft/resources/", draft_rows.ResourcesView.as_view(), name="draft-resources"),
    path(
        "<int:case_id>/draft/resources/<int:resourceline_id>/remove/",
        draft_rows.ResourceRemoveView.as_view(),
        name="draft-resources-remove",
    ),
    path("<int:case_id>/draft/outcomes/", draft_rows.OutcomesView.as_view(), name="draft-outcomes"),
    path(
        "<int:case_id>/draft/outcomes/<int:outcome_id>/remove/",
        draft_rows.OutcomeRemoveView.as_view(),
        name="draft-outcomes-remove",
    ),
    path("<int:case_id>/draft/involvement/", drafts.InvolvementView.as_view(), name="draft-involvement"),
    path("<int:case_id>/draft/check/", drafts.CheckAnswersView.as_view(), name="draft-check"),
]

# Decision officers: the queue, deciding, asking for information, changing awards (views/decisions.py).
decision_urlpatterns: list[URLPattern | URLResolver] = [
    path("decisions/", decisions.DecisionQueueView.as_view(), name="queue"),
    path("<int:case_id>/decide/", decisions.DecideView.as_view(), name="decide"),
    path("<int:case_id>/ask/", decisions.RequestInformationView.as_view(), name="request-information"),
    path("awards/<int:award_id>/change/", decisions.AwardVaryView.as_view(), name="award-vary"),
    path("awards/<int:award_id>/end/", decisions.AwardEndView.as_view(), name="award-end"),
    path("awards/<int:award_id>/recover/", recoveries.AwardRecoverView.as_view(), name="award-recover"),
    path(
        "pools/<int:pool_id>/recovery-candidates/",
        recoveries.RecoveryCandidatesView.as_view(),
        name="recovery-candidates",
    ),
]

# Reviews of outcomes (views/reviews.py).
review_urlpatterns: list[URLPattern | URLResolver] = [
    path("reviews/", reviews.ReviewsDueView.as_view(), name="reviews"),
    path("<int:case_id>/review/", reviews.ReviewRecordView.as_view(), name="review-record"),
    path("<int:case_id>/review/decide/", reviews.ReviewDecideView.as_view(), name="review-decide"),
]

# Decision letters (exceptional_resource/views/letters.py).
letter_urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:case_id>/letter/", letters.DecisionLetterView.as_view(), name="letter"),
    path("<int:case_id>/letter/pdf/", letters.DecisionLetterPdfView.as_view(), name="letter-pdf"),
    path("<int:case_id>/letters/<int:caseevent_id>/", letters.ChangeLetterView.as_view(), name="change-letter"),
    path(
        "<int:case_id>/letters/<int:caseevent_id>/pdf/",
        letters.ChangeLetterPdfView.as_view(),
        name="change-letter-pdf",
    ),
]

# Evidence uploads and downloads (exceptional_resource/views/evidence.py).
evidence_urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:case_id>/evidence/", evidence.EvidenceView.as_view(), name="evidence"),
    path(
        "evidence/<int:casedocument_id>/download/",
        evidence.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
    path("evidence/<int:casedocument_id>/remove/", evidence.EvidenceRemoveView.as_view(), name="evidence-remove"),
]

urlpatterns = [
    *case_urlpatterns,
    *draft_urlpatterns,
    *decision_urlpatterns,
    *review_urlpatterns,
    *letter_urlpatterns,
    *evidence_urlpatterns,
]
