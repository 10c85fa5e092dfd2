"""Peer reviews in the API: progress across schools, planning, findings, sharing, the
school's response, agreed actions and closing; the same services and selectors as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from collaboration.apis.sessions import ActionInput, AgreedActionOutput, valid
from collaboration.models import PeerReview, PeerReviewFinding
from collaboration.selectors.forum import findings_visible, peer_review_get, peer_review_list
from collaboration.services import actions as action_services
from collaboration.services import reviews as services
from collaboration.services.sessions import MAX_LONG_TEXT
from core.api import created


class PeerReviewOutput(serializers.ModelSerializer):
    school = serializers.CharField(source="school.name")

    class Meta:
        model = PeerReview
        fields = [
            "id",
            "school_id",
            "school",
            "reviewer_one_label",
            "reviewer_two_label",
            "visit_on",
            "follow_up_on",
            "status",
            "policy_version",
            "headings",
        ]


class PeerReviewProgressOutput(PeerReviewOutput):
    actions_open = serializers.IntegerField()
    actions_done = serializers.IntegerField()

    class Meta(PeerReviewOutput.Meta):
        fields = [*PeerReviewOutput.Meta.fields, "actions_open", "actions_done"]


class PeerReviewFindingOutput(serializers.ModelSerializer):
    class Meta:
        model = PeerReviewFinding
        fields = ["position", "heading", "text"]


class PeerReviewListApi(TenantAPIView):
    required_action = Action.COLLABORATE

    @extend_schema(responses=PeerReviewProgressOutput(many=True), operation_id="collaboration_reviews")
    def get(self, request: Request, body_slug: str) -> Response:
        return self.paginated(peer_review_list(tenant=self.tenant, access=self.access), PeerReviewProgressOutput)


class PeerReviewPlanApi(TenantAPIView):
    required_action = Action.OVERSEE_FORUM

    class InputSerializer(serializers.Serializer):
        school_id = serializers.IntegerField()
        reviewer_ids = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2)
        visit_on = serializers.DateField()
        follow_up_on = serializers.DateField()

    @extend_schema(request=InputSerializer, responses={201: PeerReviewOutput}, operation_id="collaboration_review_plan")
    def post(self, request: Request, body_slug: str) -> Response:
        review = services.peer_review_plan(
            actor=self.actor, tenant=self.tenant, **valid(self.InputSerializer, request.data)
        )
        return created(PeerReviewOutput(review).data)


class PeerReviewDetailApi(TenantAPIView):
    required_action = Action.COLLABORATE

    class OutputSerializer(serializers.Serializer):
        review = PeerReviewOutput()
        findings = PeerReviewFindingOutput(many=True)
        school_response = serializers.CharField()
        actions = AgreedActionOutput(many=True)

    @extend_schema(responses=OutputSerializer, operation_id="collaboration_review_detail")
    def get(self, request: Request, body_slug: str, peerreview_id: int) -> Response:
        review = peer_review_get(tenant=self.tenant, access=self.access, peer_review_id=peerreview_id)
        data: dict[str, Any] = {
            "review": review,
            "findings": list(review.findings.all()) if findings_visible(access=self.access, review=review) else [],
            "school_response": review.school_response,
            "actions": list(review.actions.all()),
        }
        return Response(self.OutputSerializer(data).data)


class PeerReviewFindingsApi(TenantAPIView):
    required_action = Action.COLLABORATE

    class InputSerializer(serializers.Serializer):
        findings = serializers.ListField(
            child=serializers.CharField(max_length=MAX_LONG_TEXT, allow_blank=True), allow_empty=False, max_length=12
        )

    @extend_schema(request=InputSerializer, responses=PeerReviewOutput, operation_id="collaboration_review_findings")
    def post(self, request: Request, body_slug: str, peerreview_id: int) -> Response:
        peer_review_get(tenant=self.tenant, access=self.access, peer_review_id=peerreview_id)  # 404 before the input
        review = services.peer_review_findings_save(
            actor=self.actor,
            tenant=self.tenant,
            peer_review_id=peerreview_id,
            **valid(self.InputSerializer, request.data),
        )
        return Response(PeerReviewOutput(review).data)


class PeerReviewShareApi(TenantAPIView):
    required_action = Action.COLLABORATE

    @extend_schema(request=None, responses=PeerReviewOutput, operation_id="collaboration_review_share")
    def post(self, request: Request, body_slug: str, peerreview_id: int) -> Response:
        review = services.peer_review_share(actor=self.actor, tenant=self.tenant, peer_review_id=peerreview_id)
        return Response(PeerReviewOutput(review).data)


class PeerReviewRespondApi(TenantAPIView):
    required_action = Action.COLLABORATE

    class InputSerializer(serializers.Serializer):
        response = serializers.CharField(max_length=MAX_LONG_TEXT)

    @extend_schema(request=InputSerializer, responses=PeerReviewOutput, operation_id="collaboration_review_respond")
    def post(self, request: Request, body_slug: str, peerreview_id: int) -> Response:
        peer_review_get(tenant=self.tenant, access=self.access, peer_review_id=peerreview_id)  # 404 before the input
        review = services.peer_review_respond(
            actor=self.actor,
            tenant=self.tenant,
            peer_review_id=peerreview_id,
            **valid(self.InputSerializer, request.data),
        )
        return Response(PeerReviewOutput(review).data)


class PeerReviewActionApi(TenantAPIView):
    required_action = Action.COLLABORATE

    @extend_schema(
        request=ActionInput, responses={201: AgreedActionOutput}, operation_id="collaboration_review_action_add"
    )
    def post(self, request: Request, body_slug: str, peerreview_id: int) -> Response:
        peer_review_get(tenant=self.tenant, access=self.access, peer_review_id=peerreview_id)  # 404 before the input
        action = action_services.action_assign(
            actor=self.actor, tenant=self.tenant, peer_review_id=peerreview_id, **valid(ActionInput, request.data)
        )
        return created(AgreedActionOutput(action).data)


class PeerReviewCloseApi(TenantAPIView):
    required_action = Action.COLLABORATE

    @extend_schema(request=None, responses=PeerReviewOutput, operation_id="collaboration_review_close")
    def post(self, request: Request, body_slug: str, peerreview_id: int) -> Response:
        review = services.peer_review_close(actor=self.actor, tenant=self.tenant, peer_review_id=peerreview_id)
        return Response(PeerReviewOutput(review).data)
