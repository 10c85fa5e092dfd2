"""The local inclusion plan: drafts, priorities, actions, publishing."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import created
from partnerships import selectors
from partnerships.apis.common import Base, valid_input
from partnerships.apis.serializers import ActionOutput, PlanDetailOutput, PlanVersionOutput
from partnerships.models import (
    ActionStatus,
    PlanAction,
    PlanPriority,
)
from partnerships.services import plan

# --- The local inclusion plan ------------------------------------------------------------


class PlanListApi(Base):
    @extend_schema(responses=PlanVersionOutput(many=True))
    def get(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        return Response(PlanVersionOutput(selectors.plan_versions(tenant=self.tenant, partnership=p), many=True).data)


class PlanDraftStartApi(Base):
    @extend_schema(request=None, responses={201: PlanDetailOutput})
    def post(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        version = plan.plan_draft_start(actor=self.actor, tenant=self.tenant, partnership_id=p.pk)
        return created(PlanDetailOutput(selectors.plan_get(tenant=self.tenant, planversion_id=version.pk)).data)


class PlanDetailApi(Base):
    @extend_schema(responses=PlanDetailOutput)
    def get(self, request: Request, body_slug: str, planversion_id: int) -> Response:
        return Response(PlanDetailOutput(selectors.plan_get(tenant=self.tenant, planversion_id=planversion_id)).data)


class PriorityAddApi(Base):
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        description = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: PlanDetailOutput})
    def post(self, request: Request, body_slug: str, planversion_id: int) -> Response:
        version = selectors.plan_get(tenant=self.tenant, planversion_id=planversion_id)
        data = valid_input(self.InputSerializer, request.data)
        plan.plan_priority_add(actor=self.actor, tenant=self.tenant, planversion_id=version.pk, **data)
        return created(PlanDetailOutput(selectors.plan_get(tenant=self.tenant, planversion_id=version.pk)).data)


class ActionAddApi(Base):
    class InputSerializer(serializers.Serializer):
        description = serializers.CharField(max_length=500)
        owner_id = serializers.IntegerField(min_value=1)
        due_on = serializers.DateField()
        status = serializers.ChoiceField(choices=ActionStatus.choices, required=False, default=ActionStatus.NOT_STARTED)

    @extend_schema(request=InputSerializer, responses={201: ActionOutput})
    def post(self, request: Request, body_slug: str, planpriority_id: int) -> Response:
        self.require_row(PlanPriority, planpriority_id)
        data = valid_input(self.InputSerializer, request.data)
        action = plan.plan_action_add(actor=self.actor, tenant=self.tenant, planpriority_id=planpriority_id, **data)
        return created(ActionOutput(action).data)


class ActionUpdateApi(Base):
    class InputSerializer(serializers.Serializer):
        owner_id = serializers.IntegerField(min_value=1)
        due_on = serializers.DateField()
        status = serializers.ChoiceField(choices=ActionStatus.choices)

    @extend_schema(request=InputSerializer, responses=ActionOutput)
    def post(self, request: Request, body_slug: str, planaction_id: int) -> Response:
        self.require_row(PlanAction, planaction_id)
        data = valid_input(self.InputSerializer, request.data)
        action = plan.plan_action_update(actor=self.actor, tenant=self.tenant, planaction_id=planaction_id, **data)
        return Response(ActionOutput(action).data)


class PlanPublishApi(Base):
    @extend_schema(request=None, responses=PlanDetailOutput)
    def post(self, request: Request, body_slug: str, planversion_id: int) -> Response:
        version = plan.plan_publish(actor=self.actor, tenant=self.tenant, planversion_id=planversion_id)
        return Response(PlanDetailOutput(selectors.plan_get(tenant=self.tenant, planversion_id=version.pk)).data)
