"""The exceptional-resource API under ``/api/v1/bodies/<body_slug>/``. Object kwargs are
named ``<model_name>_id`` for the cross-tenant suite."""

from django.urls import path

from exceptional_resource.apis import awards, cases, evidence, holds, letters, pupils, subject_access, workflow

app_name = "cases-api"

urlpatterns = [
    path("pupils/", pupils.PupilListApi.as_view(), name="pupils"),
    path("pupils/create/", pupils.PupilCreateApi.as_view(), name="pupil-create"),
    path("pupils/<int:pupil_id>/", pupils.PupilDetailApi.as_view(), name="pupil"),
    path("pupils/<int:pupil_id>/transfer/", pupils.PupilTransferApi.as_view(), name="pupil-transfer"),
    path(
        "pupils/<int:pupil_id>/subject-access/",
        subject_access.SubjectAccessRequestApi.as_view(),
        name="pupil-subject-access",
    ),
    path("subject-access/<int:reportrun_id>/", subject_access.SubjectAccessRunApi.as_view(), name="subject-access"),
    path(
        "subject-access/<int:reportrun_id>/files/<int:reportfile_id>/",
        subject_access.SubjectAccessDownloadApi.as_view(),
        name="subject-access-file",
    ),
    path("cases/<int:case_id>/legal-hold/", holds.LegalHoldApi.as_view(), name="case-legal-hold"),
    path("cases/<int:case_id>/legal-hold/lift/", holds.LegalHoldLiftApi.as_view(), name="case-legal-hold-lift"),
    path("cases/", cases.CaseListApi.as_view(), name="cases"),
    path("cases/create/", cases.CaseCreateApi.as_view(), name="case-create"),
    path("cases/<int:case_id>/", cases.CaseDetailApi.as_view(), name="case"),
    path("cases/<int:case_id>/update/", cases.CaseUpdateApi.as_view(), name="case-update"),
    path("cases/<int:case_id>/provision/", cases.ProvisionRowAddApi.as_view(), name="case-provision-add"),
    path(
        "cases/<int:case_id>/provision/<int:provisionrow_id>/remove/",
        cases.ProvisionRowRemoveApi.as_view(),
        name="case-provision-remove",
    ),
    path("cases/<int:case_id>/resource-lines/", cases.ResourceLineAddApi.as_view(), name="case-resource-add"),
    path(
        "cases/<int:case_id>/resource-lines/<int:resourceline_id>/remove/",
        cases.ResourceLineRemoveApi.as_view(),
        name="case-resource-remove",
    ),
    path("cases/<int:case_id>/outcomes/", cases.OutcomeAddApi.as_view(), name="case-outcome-add"),
    path(
        "cases/<int:case_id>/outcomes/<int:outcome_id>/remove/",
        cases.OutcomeRemoveApi.as_view(),
        name="case-outcome-remove",
    ),
    path("cases/<int:case_id>/submit/", workflow.CaseSubmitApi.as_view(), name="case-submit"),
    path(
        "cases/<int:case_id>/request-information/",
        workflow.CaseRequestInformationApi.as_view(),
        name="case-request-information",
    ),
    path(
        "cases/<int:case_id>/provide-information/",
        workflow.CaseProvideInformationApi.as_view(),
        name="case-provide-information",
    ),
    path("cases/<int:case_id>/headroom/", workflow.CaseHeadroomApi.as_view(), name="case-headroom"),
    path("cases/<int:case_id>/decide/", workflow.CaseDecideApi.as_view(), name="case-decide"),
    path("cases/<int:case_id>/withdraw/", workflow.CaseWithdrawApi.as_view(), name="case-withdraw"),
    path(
        "cases/<int:case_id>/request-reconsideration/",
        workflow.CaseRequestReconsiderationApi.as_view(),
        name="case-request-reconsideration",
    ),
    path("cases/<int:case_id>/comments/", cases.CaseCommentListApi.as_view(), name="case-comments"),
    path("cases/<int:case_id>/comments/add/", cases.CaseCommentAddApi.as_view(), name="case-comment-add"),
    path("cases/<int:case_id>/letter/", letters.DecisionLetterPdfApi.as_view(), name="case-letter"),
    path("cases/<int:case_id>/review/", awards.ReviewRecordApi.as_view(), name="case-review-record"),
    path("cases/<int:case_id>/review-decision/", awards.ReviewDecideApi.as_view(), name="case-review-decide"),
    path("reviews-due/", awards.ReviewsDueApi.as_view(), name="reviews-due"),
    path("awards/", awards.AwardListApi.as_view(), name="awards"),
    path("awards/<int:award_id>/", awards.AwardDetailApi.as_view(), name="award"),
    path("awards/<int:award_id>/vary/", awards.AwardVaryApi.as_view(), name="award-vary"),
    path("awards/<int:award_id>/end/", awards.AwardEndApi.as_view(), name="award-end"),
    # Evidence
    path("cases/<int:case_id>/evidence/", evidence.EvidenceListApi.as_view(), name="evidence-list"),
    path("cases/<int:case_id>/evidence/upload/", evidence.EvidenceUploadApi.as_view(), name="evidence-upload"),
    path("evidence/<int:casedocument_id>/download/", evidence.EvidenceDownloadApi.as_view(), name="evidence-download"),
    path("evidence/<int:casedocument_id>/remove/", evidence.EvidenceRemoveApi.as_view(), name="evidence-remove"),
    path("awards/<int:award_id>/recoveries/", awards.AwardRecoverApi.as_view(), name="award-recover"),
    path(
        "pools/<int:pool_id>/recovery-candidates/",
        awards.RecoveryCandidateListApi.as_view(),
        name="recovery-candidates",
    ),
]
