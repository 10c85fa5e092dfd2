"""Pupils: the list a head, SENDCO, decision officer or auditor may see (pseudonymous),
recording a pupil, and one pupil. A name and UPN appear only on the single pupil, only for
the school's head or SENDCO and the body's decision officers, and every such view is
audited; lists never carry them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created
from core.errors import ApplicationError
from exceptional_resource.apis.serializers import PupilOutputSerializer
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Pupil
from exceptional_resource.models.cases import YEAR_GROUPS
from exceptional_resource.selectors import cases as selectors
from exceptional_resource.selectors import queues
from exceptional_resource.selectors.auditor_scope import CaseScope, case_scope, pupil_within_or_404
from exceptional_resource.services.pupils import pupil_create, pupil_identity_view, pupil_transfer
from groupings.selectors import school_choices


def case_school_scope(view: TenantAPIView) -> set[int] | None:
    """The schools whose pupils, cases and awards the user may see (None: all the body's)."""
    return view.access.school_ids(Action.VIEW_CASE)


def case_reach(view: TenantAPIView) -> CaseScope:
    """The cases and awards the user reaches (``selectors.auditor_scope``): a school role's
    own schools, an auditor's granted pools, or the whole body for a body-wide role."""
    return case_scope(access=view.access, tenant=view.tenant)


class PupilListApi(TenantAPIView):
    """Pupils the user may see, by reference: a school role's own schools', a body-wide
    role's every pupil, an auditor's only those with a case they may read (``case_reach``).
    No names or UPNs."""

    required_action = Action.VIEW_CASE

    class FilterSerializer(serializers.Serializer):
        school_id = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(parameters=[FilterSerializer], responses=PupilOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        qs = queues.pupil_list_of(
            tenant=self.tenant, school_ids=case_school_scope(self), school_id=f.validated_data.get("school_id")
        )
        return self.paginated(case_reach(self).pupils(qs), PupilOutputSerializer)


class PupilCreateApi(TenantAPIView):
    """Record a pupil at the head's or SENDCO's school. A UPN the school already has finds
    the same pupil: 200 with that pupil instead of 201. A UPN recorded at another school
    of the grouping is a 400 on ``upn`` (``pupil_elsewhere``) that says nothing about that
    pupil; a decision officer moves the record (``pupils/<id>/transfer/``)."""

    required_action = Action.VIEW_CASE

    class InputSerializer(serializers.Serializer):
        school_id = serializers.IntegerField(min_value=1)
        year_group = serializers.ChoiceField(choices=YEAR_GROUPS)
        sen_status = serializers.ChoiceField(choices=Pupil.SenStatus.choices)
        primary_need = serializers.CharField(max_length=10, help_text="A need code from the grouping policy.")
        secondary_need = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
        name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        upn = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={201: PupilOutputSerializer, 200: PupilOutputSerializer})
    def post(self, request: Request, body_slug: str) -> Response:
        self.require(Action.RAISE_CASE)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        school = school_choices(school_ids={data.pop("school_id")}).first()
        if school is None or not self.access.can(Action.RAISE_CASE, school):
            raise ApplicationError("Choose your own school.", code=CaseError.INVALID_SCHOOL, field="school_id")
        known = selectors.pupil_list(tenant=self.tenant, school_ids=None).count()
        try:
            pupil = pupil_create(
                actor=self.actor,
                tenant=self.tenant,
                school_id=school.pk,
                **data,
            )
        except ApplicationError as exc:
            if exc.field == "school":
                exc.field = "school_id"
            raise
        pupil = selectors.pupil_get(tenant=self.tenant, pupil_id=pupil.pk, school_ids=None)
        body = PupilOutputSerializer(pupil).data
        is_new = selectors.pupil_list(tenant=self.tenant, school_ids=None).count() > known
        return created(body) if is_new else Response(body)


class PupilDetailApi(TenantAPIView):
    """One pupil. ``identity`` (name and UPN) is present only for the school's head or
    SENDCO and the body's decision officers, and each such view is audited."""

    required_action = Action.VIEW_CASE

    class OutputSerializer(PupilOutputSerializer):
        class IdentitySerializer(serializers.Serializer):
            name = serializers.CharField()
            upn = serializers.CharField()

        identity = IdentitySerializer(allow_null=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, body_slug: str, pupil_id: int) -> Response:
        pupil = selectors.pupil_get(tenant=self.tenant, pupil_id=pupil_id, school_ids=case_school_scope(self))
        pupil_within_or_404(tenant=self.tenant, pupil=pupil, scope=case_reach(self))
        identity = None
        if self.access.can(Action.VIEW_PUPIL_IDENTITY, pupil) and (pupil.name_encrypted or pupil.upn_encrypted):
            identity = pupil_identity_view(actor=self.actor, tenant=self.tenant, pupil=pupil)
        return Response({**PupilOutputSerializer(pupil).data, "identity": identity})


class PupilTransferApi(TenantAPIView):
    """Move a pupil's record to another school of the grouping (they changed school), so
    their cases and awards stay on one record. Decision officers only."""

    required_action = Action.DECIDE_CASE

    class InputSerializer(serializers.Serializer):
        school_id = serializers.IntegerField(min_value=1)
        year_group = serializers.ChoiceField(choices=YEAR_GROUPS, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=PupilOutputSerializer)
    def post(self, request: Request, body_slug: str, pupil_id: int) -> Response:
        pupil = selectors.pupil_get(tenant=self.tenant, pupil_id=pupil_id, school_ids=None)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        pupil_transfer(actor=self.actor, tenant=self.tenant, pupil_id=pupil.pk, **s.validated_data)
        pupil = selectors.pupil_get(tenant=self.tenant, pupil_id=pupil.pk, school_ids=None)
        return Response(PupilOutputSerializer(pupil).data)
