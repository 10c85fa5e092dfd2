"""The specialist provision register: settings, places and planned changes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import created
from partnerships import selectors
from partnerships.apis.common import Base, valid_input
from partnerships.apis.serializers import SettingOutput
from partnerships.models import (
    Phase,
    ProvisionSetting,
    SettingKind,
)
from partnerships.models.vocab import NEED_CHOICES
from partnerships.services import provision

# --- Specialist provision ------------------------------------------------------------------


class SettingListApi(Base):
    @extend_schema(responses=SettingOutput(many=True))
    def get(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        return Response(SettingOutput(selectors.setting_list(tenant=self.tenant, partnership=p), many=True).data)


class SettingAddApi(Base):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        kind = serializers.ChoiceField(choices=SettingKind.choices)
        locality = serializers.CharField(max_length=60, required=False, default="", allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: SettingOutput})
    def post(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        data = valid_input(self.InputSerializer, request.data)
        setting = provision.setting_add(actor=self.actor, tenant=self.tenant, partnership_id=p.pk, **data)
        return created(SettingOutput(selectors.setting_get(tenant=self.tenant, provisionsetting_id=setting.pk)).data)


class ProvisionSeedApi(Base):
    class OutputSerializer(serializers.Serializer):
        created = serializers.IntegerField()
        updated = serializers.IntegerField()

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        result = provision.provision_seed_from_gias(actor=self.actor, tenant=self.tenant, partnership_id=p.pk)
        return Response(self.OutputSerializer(result).data)


class SettingDetailApi(Base):
    @extend_schema(responses=SettingOutput)
    def get(self, request: Request, body_slug: str, provisionsetting_id: int) -> Response:
        setting = selectors.setting_get(tenant=self.tenant, provisionsetting_id=provisionsetting_id)
        return Response(SettingOutput(setting).data)


class PlacesSetApi(Base):
    class InputSerializer(serializers.Serializer):
        need = serializers.ChoiceField(choices=NEED_CHOICES)
        phase = serializers.ChoiceField(choices=Phase.choices)
        places = serializers.IntegerField(min_value=0, max_value=1_000_000)
        on_roll = serializers.IntegerField(min_value=0, max_value=1_000_000)

    @extend_schema(request=InputSerializer, responses=SettingOutput)
    def post(self, request: Request, body_slug: str, provisionsetting_id: int) -> Response:
        self.require_row(ProvisionSetting, provisionsetting_id)
        data = valid_input(self.InputSerializer, request.data)
        provision.places_set(actor=self.actor, tenant=self.tenant, provisionsetting_id=provisionsetting_id, **data)
        return Response(
            SettingOutput(selectors.setting_get(tenant=self.tenant, provisionsetting_id=provisionsetting_id)).data
        )


class PlannedAddApi(Base):
    class InputSerializer(serializers.Serializer):
        need = serializers.ChoiceField(choices=NEED_CHOICES)
        phase = serializers.ChoiceField(choices=Phase.choices)
        places = serializers.IntegerField(min_value=1, max_value=1_000_000)
        opens_on = serializers.DateField()
        note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: SettingOutput})
    def post(self, request: Request, body_slug: str, provisionsetting_id: int) -> Response:
        self.require_row(ProvisionSetting, provisionsetting_id)
        data = valid_input(self.InputSerializer, request.data)
        provision.planned_add(actor=self.actor, tenant=self.tenant, provisionsetting_id=provisionsetting_id, **data)
        return created(
            SettingOutput(selectors.setting_get(tenant=self.tenant, provisionsetting_id=provisionsetting_id)).data
        )
