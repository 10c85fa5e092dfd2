"""Demand forecasts and need-signal snapshots."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import created
from partnerships import selectors
from partnerships.apis.common import Base, valid_input
from partnerships.apis.serializers import ForecastOutput, SnapshotOutput
from partnerships.models import (
    Phase,
)
from partnerships.models.vocab import NEED_CHOICES
from partnerships.services import demand

# --- Demand and need signals ---------------------------------------------------------------


class ForecastListApi(Base):
    @extend_schema(responses=ForecastOutput(many=True))
    def get(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        return Response(ForecastOutput(selectors.forecast_list(tenant=self.tenant, partnership=p), many=True).data)


class ForecastSetApi(Base):
    class InputSerializer(serializers.Serializer):
        need = serializers.ChoiceField(choices=NEED_CHOICES)
        phase = serializers.ChoiceField(choices=Phase.choices)
        year = serializers.IntegerField(min_value=2000, max_value=2100)
        pupils = serializers.IntegerField(min_value=0, max_value=1_000_000)

    @extend_schema(request=InputSerializer, responses=ForecastOutput)
    def post(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        data = valid_input(self.InputSerializer, request.data)
        return Response(
            ForecastOutput(demand.forecast_set(actor=self.actor, tenant=self.tenant, partnership_id=p.pk, **data)).data
        )


class ForecastUploadApi(Base):
    """All or nothing: any problem answers 400 ``forecast_file_rejected`` with every
    problem and its line number in ``detail.problems``, and nothing is saved."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()

    class OutputSerializer(serializers.Serializer):
        saved = serializers.IntegerField()

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses=OutputSerializer)
    def post(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        data = valid_input(self.InputSerializer, request.data)
        upload = data["file"]
        saved = demand.forecast_import(
            actor=self.actor, tenant=self.tenant, partnership_id=p.pk, data=upload.read(), filename=upload.name or ""
        )
        return Response({"saved": saved})


class NeedSignalsApi(Base):
    @extend_schema(responses=SnapshotOutput)
    def get(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        snapshot = selectors.latest_snapshot(tenant=self.tenant, partnership=p)
        if snapshot is None:
            raise exceptions.NotFound("The need signals have not been refreshed yet.")
        return Response(SnapshotOutput(snapshot).data)


class NeedSignalsRefreshApi(Base):
    @extend_schema(request=None, responses={201: SnapshotOutput})
    def post(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        snapshot = demand.need_signals_refresh(actor=self.actor, tenant=self.tenant, partnership_id=p.pk)
        return created(SnapshotOutput(snapshot).data)
