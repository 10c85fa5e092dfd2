"""API for partnerships: one view per operation, nested input serializers, the services
and selectors the pages use. Only partnership leads and body administrators reach it;
everyone else gets the same 404 as another body's URL."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import TenantAPIView
from accounts.policy import Action
from core.api import created
from partnerships import selectors
from partnerships.experts import use_against_plan
from partnerships.models import (
    ActionStatus,
    MemberKind,
    Partnership,
    Phase,
    PlanAction,
    PlanPriority,
    Profession,
    ProvisionSetting,
    SettingKind,
)
from partnerships.models.vocab import NEED_CHOICES
from partnerships.reports import REPORT_TYPE, request_data
from partnerships.services import demand, experts, partnership, plan, provision
from partnerships.sufficiency import sufficiency
from reports.services import report_run_request

T = TypeVar("T")


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    s = serializer_class(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


class Base(TenantAPIView):
    required_action = Action.VIEW_PARTNERSHIP

    def partnership(self, partnership_id: int) -> Partnership:
        return selectors.partnership_get(tenant=self.tenant, partnership_id=partnership_id)

    def require_row(self, model: type[Model], pk: int) -> None:
        """404 unless the body has this row: checked before the input, so another body's
        id never reveals a validation message."""
        selectors.row_get(tenant=self.tenant, model=model, pk=pk)


# --- Output serializers ------------------------------------------------------------------


class ContactOutput(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    role_title = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()


class MemberOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organisation_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=MemberKind.choices)
    member_body_id = serializers.IntegerField(allow_null=True)
    contacts = ContactOutput(many=True, source="contacts.all")


class PartnershipOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    la_code = serializers.CharField()
    la_name = serializers.CharField()
    convened_on = serializers.DateField()


class PartnershipDetailOutput(PartnershipOutput):
    members = MemberOutput(many=True)


class ActionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    owner_id = serializers.IntegerField()
    owner = serializers.CharField(source="owner.organisation_name")
    due_on = serializers.DateField()
    status = serializers.ChoiceField(choices=ActionStatus.choices)


class PriorityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    actions = ActionOutput(many=True, source="actions.all")


class PlanVersionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    status = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    published_by_label = serializers.CharField()


class PlanDetailOutput(PlanVersionOutput):
    priorities = PriorityOutput(many=True, source="priorities.all")


class PlacesOutput(serializers.Serializer):
    need = serializers.CharField()
    phase = serializers.CharField()
    places = serializers.IntegerField()
    on_roll = serializers.IntegerField()


class PlannedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    need = serializers.CharField()
    phase = serializers.CharField()
    places = serializers.IntegerField()
    opens_on = serializers.DateField()
    note = serializers.CharField()


class SettingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=SettingKind.choices)
    locality = serializers.CharField()
    school_urn = serializers.IntegerField(source="school.urn", allow_null=True, default=None)
    gias_type = serializers.CharField()
    gias_capacity = serializers.IntegerField(allow_null=True)
    gias_number_on_roll = serializers.IntegerField(allow_null=True)
    places = PlacesOutput(many=True, source="places.all")
    planned = PlannedOutput(many=True, source="planned.all")


class ForecastOutput(serializers.Serializer):
    need = serializers.CharField()
    phase = serializers.CharField()
    year = serializers.IntegerField()
    pupils = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]


class NeedSignalOutput(serializers.Serializer):
    """The published counts, exactly the fields of ``groupings.need_signals.NeedSignalRow``."""

    area_of_need = serializers.CharField()
    phase = serializers.CharField()
    term = serializers.CharField()
    cases = serializers.IntegerField(allow_null=True, help_text="Rounded to 5; null when fewer than 5.")
    awards = serializers.IntegerField(allow_null=True, help_text="Rounded to 5; null when fewer than 5.")


class SnapshotOutput(serializers.Serializer):
    id = serializers.IntegerField()
    refreshed_at = serializers.DateTimeField()
    trusts_included = serializers.IntegerField()
    counts = NeedSignalOutput(many=True, source="counts.all")


class ReportOutput(serializers.Serializer):
    """A sufficiency report run of the report-run framework."""

    class FileOutput(serializers.Serializer):
        name = serializers.CharField()
        size_bytes = serializers.IntegerField()
        sha256 = serializers.CharField()

    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    status = serializers.CharField()
    progress_percent = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    error_message = serializers.CharField()
    files = FileOutput(many=True, source="files.all")


class ParticipationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    partnership_id = serializers.IntegerField()
    partnership_label = serializers.CharField()
    joined_at = serializers.DateTimeField()
    sharing_need_signals = serializers.SerializerMethodField()

    def get_sharing_need_signals(self, obj: Any) -> bool:
        return any(c.revoked_at is None for c in obj.consents.all())


class InvitationOutput(serializers.Serializer):
    member_id = serializers.IntegerField()
    partnership_id = serializers.IntegerField()
    partnership_name = serializers.CharField()
    area = serializers.CharField()
    convened_by = serializers.CharField()


# --- Partnerships, members, contacts -------------------------------------------------------


class PartnershipListApi(Base):
    @extend_schema(responses=PartnershipOutput(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        return Response(PartnershipOutput(selectors.partnership_list(tenant=self.tenant), many=True).data)


class PartnershipConveneApi(Base):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)

    @extend_schema(request=InputSerializer, responses={201: PartnershipOutput})
    def post(self, request: Request, body_slug: str) -> Response:
        data = _valid(self.InputSerializer, request.data)
        p = partnership.partnership_convene(actor=self.actor, tenant=self.tenant, **data)
        return created(PartnershipOutput(p).data)


class PartnershipDetailApi(Base):
    @extend_schema(responses=PartnershipDetailOutput)
    def get(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        members = selectors.member_list(tenant=self.tenant, partnership=p)
        return Response(PartnershipDetailOutput({**PartnershipOutput(p).data, "members": members}).data)


class MemberAddApi(Base):
    class InputSerializer(serializers.Serializer):
        organisation_name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
        kind = serializers.ChoiceField(choices=MemberKind.choices)
        member_body_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)

    @extend_schema(request=InputSerializer, responses={201: MemberOutput})
    def post(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        data = _valid(self.InputSerializer, request.data)
        member = partnership.member_add(actor=self.actor, tenant=self.tenant, partnership_id=p.pk, **data)
        return created(MemberOutput(member).data)


class ContactAddApi(Base):
    class InputSerializer(serializers.Serializer):
        full_name = serializers.CharField(max_length=200)
        role_title = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
        email = serializers.EmailField(required=False, allow_blank=True)
        phone = serializers.CharField(max_length=30, required=False, default="", allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: ContactOutput})
    def post(self, request: Request, body_slug: str, partnershipmember_id: int) -> Response:
        member = selectors.member_get(tenant=self.tenant, partnershipmember_id=partnershipmember_id)
        data = _valid(self.InputSerializer, request.data)
        contact = partnership.contact_add(actor=self.actor, tenant=self.tenant, partnershipmember_id=member.pk, **data)
        return created(ContactOutput(contact).data)


# --- A trust's side ------------------------------------------------------------------------


class InvitationListApi(Base):
    @extend_schema(responses=InvitationOutput(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        return Response(InvitationOutput(selectors.platform_invitations(body=self.tenant), many=True).data)


class JoinApi(Base):
    class InputSerializer(serializers.Serializer):
        share_need_signals = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses={201: ParticipationOutput})
    def post(self, request: Request, body_slug: str, partnershipmember_id: int) -> Response:
        selectors.platform_invitation_get(body=self.tenant, partnershipmember_id=partnershipmember_id)
        data = _valid(self.InputSerializer, request.data)
        p = partnership.participation_join(
            actor=self.actor,
            tenant=self.tenant,
            partnershipmember_id=partnershipmember_id,
            **data,
        )
        return created(ParticipationOutput(selectors.participation_get(tenant=self.tenant, participation_id=p.pk)).data)


class ParticipationListApi(Base):
    @extend_schema(responses=ParticipationOutput(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        return Response(ParticipationOutput(selectors.participation_list(tenant=self.tenant), many=True).data)


class ConsentGrantApi(Base):
    @extend_schema(request=None, responses=ParticipationOutput)
    def post(self, request: Request, body_slug: str, participation_id: int) -> Response:
        partnership.consent_grant(actor=self.actor, tenant=self.tenant, participation_id=participation_id)
        return Response(
            ParticipationOutput(selectors.participation_get(tenant=self.tenant, participation_id=participation_id)).data
        )


class ConsentRevokeApi(Base):
    @extend_schema(request=None, responses=ParticipationOutput)
    def post(self, request: Request, body_slug: str, participation_id: int) -> Response:
        partnership.consent_revoke(actor=self.actor, tenant=self.tenant, participation_id=participation_id)
        return Response(
            ParticipationOutput(selectors.participation_get(tenant=self.tenant, participation_id=participation_id)).data
        )


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
        data = _valid(self.InputSerializer, request.data)
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
        data = _valid(self.InputSerializer, request.data)
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
        data = _valid(self.InputSerializer, request.data)
        action = plan.plan_action_update(actor=self.actor, tenant=self.tenant, planaction_id=planaction_id, **data)
        return Response(ActionOutput(action).data)


class PlanPublishApi(Base):
    @extend_schema(request=None, responses=PlanDetailOutput)
    def post(self, request: Request, body_slug: str, planversion_id: int) -> Response:
        version = plan.plan_publish(actor=self.actor, tenant=self.tenant, planversion_id=planversion_id)
        return Response(PlanDetailOutput(selectors.plan_get(tenant=self.tenant, planversion_id=version.pk)).data)


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
        data = _valid(self.InputSerializer, request.data)
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
        return Response(
            SettingOutput(selectors.setting_get(tenant=self.tenant, provisionsetting_id=provisionsetting_id)).data
        )


class PlacesSetApi(Base):
    class InputSerializer(serializers.Serializer):
        need = serializers.ChoiceField(choices=NEED_CHOICES)
        phase = serializers.ChoiceField(choices=Phase.choices)
        places = serializers.IntegerField(min_value=0, max_value=1_000_000)
        on_roll = serializers.IntegerField(min_value=0, max_value=1_000_000)

    @extend_schema(request=InputSerializer, responses=SettingOutput)
    def post(self, request: Request, body_slug: str, provisionsetting_id: int) -> Response:
        self.require_row(ProvisionSetting, provisionsetting_id)
        data = _valid(self.InputSerializer, request.data)
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
        data = _valid(self.InputSerializer, request.data)
        provision.planned_add(actor=self.actor, tenant=self.tenant, provisionsetting_id=provisionsetting_id, **data)
        return created(
            SettingOutput(selectors.setting_get(tenant=self.tenant, provisionsetting_id=provisionsetting_id)).data
        )


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
        data = _valid(self.InputSerializer, request.data)
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
        data = _valid(self.InputSerializer, request.data)
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
        f = _valid(self.FilterSerializer, request.query_params)
        p = self.partnership(partnership_id)
        return Response(self.OutputSerializer(sufficiency(tenant=self.tenant, partnership=p, year=f["year"])).data)


class ReportRequestApi(Base):
    class InputSerializer(serializers.Serializer):
        year = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=2000, max_value=2100)

    @extend_schema(request=InputSerializer, responses={201: ReportOutput})
    def post(self, request: Request, body_slug: str, partnership_id: int) -> Response:
        p = self.partnership(partnership_id)
        data = _valid(self.InputSerializer, request.data)
        run = report_run_request(
            actor=self.actor, tenant=self.tenant, report_type=REPORT_TYPE, data=request_data(p.pk, data["year"])
        )
        return created(ReportOutput(selectors.report_get(tenant=self.tenant, reportrun_id=run.pk)).data)


class ReportDetailApi(Base):
    @extend_schema(responses=ReportOutput)
    def get(self, request: Request, body_slug: str, reportrun_id: int) -> Response:
        return Response(ReportOutput(selectors.report_get(tenant=self.tenant, reportrun_id=reportrun_id)).data)


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
        data = _valid(self.InputSerializer, request.data)
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
        data = _valid(self.InputSerializer, request.data)
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
