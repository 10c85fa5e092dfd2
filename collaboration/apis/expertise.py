"""The expertise directory in the API: search by area of need; save your own entry."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from collaboration.selectors.expertise import expertise_list
from collaboration.services.expertise import expertise_save

MAX_ROWS = 200


class ExpertOutput(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    areas_of_need = serializers.ListField(child=serializers.CharField())
    qualifications = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField()
    availability = serializers.CharField()


class ExpertListApi(TenantAPIView):
    required_action = Action.COLLABORATE

    @extend_schema(
        parameters=[OpenApiParameter("area", str, description="A need code, e.g. ASD")],
        responses=ExpertOutput(many=True),
        operation_id="collaboration_experts",
    )
    def get(self, request: Request, body_slug: str) -> Response:
        rows = expertise_list(tenant=self.tenant, area=str(request.query_params.get("area", "")))[:MAX_ROWS]
        return Response(ExpertOutput(rows, many=True).data)


class ExpertiseSaveApi(TenantAPIView):
    required_action = Action.COLLABORATE

    class InputSerializer(serializers.Serializer):
        display_name = serializers.CharField(max_length=200)
        areas_of_need = serializers.ListField(child=serializers.CharField(max_length=10), allow_empty=False)
        qualifications = serializers.ListField(child=serializers.CharField(max_length=30), required=False)
        summary = serializers.CharField(max_length=500, required=False, allow_blank=True)
        availability = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=ExpertOutput, operation_id="collaboration_expertise_save")
    def post(self, request: Request, body_slug: str) -> Response:
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        data.setdefault("qualifications", [])
        profile = expertise_save(actor=self.actor, tenant=self.tenant, **data)
        return Response(ExpertOutput(profile).data)
