"""Experts at Hand: capacity and allocations."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from partnerships import selectors
from partnerships.apis.common import Base, valid_input
from partnerships.experts import use_against_plan
from partnerships.models import (
    Profession,
)
from partnerships.services import experts

# --- Experts at Hand -----------------------------------------------------------------------


class ExpertsApi(Base):
    class OutputSerializer(serializers.Serializer):
        class UseOutput(serializers.Serializer):
            term = serializers.CharField()
            profession = serializers.CharField()
            capacity = serializers.DecimalField(max_digits=6, decimal_places=1)
            planned = serializers.DecimalField(max_digits=8, decimal_places=1)
            used = serializers.DecimalField(max_digits=8, decimal_places=1)
            schools = serializers.IntegerField()

        class AllocationOutput(serializers.Serializer):
            term = serializers.CharField()
            profession = serializers.CharField()
            school_urn = serializers.IntegerField(source="school.urn")
            school_name = serializers.CharField(source="school.name")
            days_planned = serializers.DecimalField(max_digits=6, decimal_places=1)
            days_used = serializers.DecimalField(max_digits=6, decimal_places=1)

        use = UseOutput(many=True)
        allocations = AllocationOutput(many=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        capacity = list(selectors.capacity_list(tenant=self.tenant, partnership=p))
        allocations = list(selectors.allocation_list(tenant=self.tenant, partnership=p))
        return Response(
            self.OutputSerializer({"use": use_against_plan(capacity, allocations), "allocations": allocations}).data
        )


class ExpertCapacitySetApi(Base):
    class InputSerializer(serializers.Serializer):
        term = serializers.CharField(max_length=20)
        profession = serializers.ChoiceField(choices=Profession.choices)
        days = serializers.CharField(max_length=10)

    @extend_schema(request=InputSerializer, responses={200: InputSerializer})
    def post(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        data = valid_input(self.InputSerializer, request.data)
        c = experts.capacity_set(actor=self.actor, tenant=self.tenant, partnership_id=p.pk, **data)
        return Response({"term": c.term, "profession": c.profession, "days": str(c.days)})


class ExpertAllocationSetApi(Base):
    class InputSerializer(serializers.Serializer):
        term = serializers.CharField(max_length=20)
        profession = serializers.ChoiceField(choices=Profession.choices)
        school_urn = serializers.IntegerField(min_value=1, max_value=2_147_483_647)
        days_planned = serializers.CharField(max_length=10)
        days_used = serializers.CharField(required=False, default="0", max_length=10)

    @extend_schema(request=InputSerializer, responses={200: InputSerializer})
    def post(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        data = valid_input(self.InputSerializer, request.data)
        a = experts.allocation_set(actor=self.actor, tenant=self.tenant, partnership_id=p.pk, **data)
        return Response(
            {
                "term": a.term,
                "profession": a.profession,
                "school_urn": a.school.urn,
                "days_planned": str(a.days_planned),
                "days_used": str(a.days_used),
            }
        )
