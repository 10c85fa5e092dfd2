"""Partnerships, members and contacts; and a trust's side: invitations, participations and
consent to share need signals."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import created
from partnerships import selectors
from partnerships.apis.common import Base, valid_input
from partnerships.apis.serializers import (
    ContactOutput,
    InvitationOutput,
    MemberOutput,
    ParticipationOutput,
    PartnershipDetailOutput,
    PartnershipOutput,
)
from partnerships.models import (
    MemberKind,
)
from partnerships.services import partnership

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
        data = valid_input(self.InputSerializer, request.data)
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
        data = valid_input(self.InputSerializer, request.data)
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
        data = valid_input(self.InputSerializer, request.data)
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
        data = valid_input(self.InputSerializer, request.data)
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
