"""The sufficiency dashboard's figures and its PDF report."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import created
from partnerships import selectors
from partnerships.apis.common import Base, valid_input
from partnerships.apis.serializers import ReportOutput
from partnerships.reports import REPORT_TYPE, request_data
from partnerships.sufficiency import sufficiency
from reports.services import report_run_request

# --- Sufficiency and its PDF ---------------------------------------------------------------


class SufficiencyApi(Base):
    class FilterSerializer(serializers.Serializer):
        year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, allow_null=True, default=None)

    class OutputSerializer(serializers.Serializer):
        class LineOutput(serializers.Serializer):
            need = serializers.CharField()
            phase = serializers.CharField()
            places = serializers.IntegerField()
            on_roll = serializers.IntegerField()
            occupancy = serializers.IntegerField(allow_null=True)
            planned = serializers.IntegerField()
            capacity = serializers.IntegerField()
            demand = serializers.IntegerField(allow_null=True)
            gap = serializers.IntegerField(allow_null=True)
            status = serializers.CharField()

        class LocalityOutput(serializers.Serializer):
            locality = serializers.CharField()
            settings = serializers.IntegerField()
            places = serializers.IntegerField()
            on_roll = serializers.IntegerField()
            occupancy = serializers.IntegerField(allow_null=True)

        class YearOutput(serializers.Serializer):
            year = serializers.IntegerField()
            capacity = serializers.IntegerField()
            demand = serializers.IntegerField()
            gap = serializers.IntegerField()

        year = serializers.IntegerField()
        years = serializers.ListField(child=serializers.IntegerField())
        lines = LineOutput(many=True)
        localities = LocalityOutput(many=True)
        trend = YearOutput(many=True)

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    def get(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        f = valid_input(self.FilterSerializer, request.query_params)
        p = self.partnership(partnership_id)
        return Response(self.OutputSerializer(sufficiency(tenant=self.tenant, partnership=p, year=f["year"])).data)


class ReportRequestApi(Base):
    class InputSerializer(serializers.Serializer):
        year = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=2000, max_value=2100)

    @extend_schema(request=InputSerializer, responses={201: ReportOutput})
    def post(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        data = valid_input(self.InputSerializer, request.data)
        run = report_run_request(
            actor=self.actor, tenant=self.tenant, report_type=REPORT_TYPE, data=request_data(p.pk, data["year"])
        )
        return created(ReportOutput(selectors.report_get(tenant=self.tenant, report_run_id=run.pk)).data)


class ReportDetailApi(Base):
    @extend_schema(responses=ReportOutput)
    def get(self, request: Request, body_slug: str, reportrun_id: int) -> Response:
        run = selectors.report_get(tenant=self.tenant, report_run_id=reportrun_id)
        return Response(ReportOutput(run).data)
