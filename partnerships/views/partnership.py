"""The partnership home (convening; a trust's invitations and consent), the partnership's
overview with its members, and a member's named contacts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages

from accounts.models import ResponsibleBody
from partnerships import selectors
from partnerships.forms import ContactForm, ConveneForm, JoinForm, MemberForm
from partnerships.models import MemberKind, Participation
from partnerships.services import partnership as services
from partnerships.views.base import ButtonAction, FormAction, Page, PartnershipPage, url


class HomeView(Page):
    """A local authority's partnership (or the form to convene it); a trust's invitations
    and the partnerships it has joined, with its consent to share need signals."""

    template_name = "partnerships/home.html"

    def page_context(self, **forms: Any) -> dict[str, Any]:
        is_la = self.body.kind == ResponsibleBody.Kind.LOCAL_AUTHORITY
        context: dict[str, Any] = {"is_la": is_la}
        if is_la:
            context["partnerships"] = list(selectors.partnership_list(tenant=self.body))
            context["convene_form"] = forms.get("convene_form") or ConveneForm(
                initial={"name": f"{self.body.legal_name} local SEND partnership"}
            )
        else:
            participations = list(selectors.participation_list(tenant=self.body))
            joined = {p.partnership_id for p in participations}
            context["participations"] = [
                {"p": p, "open_consent": next((c for c in p.consents.all() if c.revoked_at is None), None)}
                for p in participations
            ]
            context["invitations"] = [
                {"i": i, "form": JoinForm(auto_id=f"join{i.member_id}_%s")}
                for i in selectors.platform_invitations(body=self.body)
                if i.partnership_id not in joined
            ]
            context["join_form"] = forms.get("join_form")
        return context


class ConveneView(FormAction, HomeView):
    form_class = ConveneForm
    context_key = "convene_form"

    def perform(self, data: dict[str, Any]) -> str:
        partnership = services.partnership_convene(actor=self.actor, tenant=self.body, name=data["name"])
        messages.success(self.request, f"{partnership.name} is convened.")
        return url("partnership", self.body, partnership_id=partnership.pk)


class JoinView(FormAction, HomeView):
    """A trust joins a partnership that named it (the id is the authority's member row,
    checked to name this trust), choosing whether to share need signals."""

    form_class = JoinForm
    context_key = "join_form"

    def perform(self, data: dict[str, Any]) -> str:
        services.participation_join(
            actor=self.actor,
            tenant=self.body,
            partnershipmember_id=self.kwargs["partnershipmember_id"],
            share_need_signals=data["share_need_signals"],
        )
        messages.success(self.request, "Your trust has joined the partnership.")
        return url("home", self.body)


class _ParticipationButton(ButtonAction, HomeView):
    participation: Participation

    def load(self) -> None:
        self.participation = selectors.participation_get(
            tenant=self.body, participation_id=self.kwargs["participation_id"]
        )

    def back_url(self) -> str:
        return url("home", self.body)


class ConsentGrantView(_ParticipationButton):
    def perform(self) -> str:
        services.consent_grant(actor=self.actor, tenant=self.body, participation_id=self.participation.pk)
        messages.success(
            self.request, f"Your trust now shares its need signals with {self.participation.partnership_label}."
        )
        return self.back_url()


class ConsentRevokeView(_ParticipationButton):
    def perform(self) -> str:
        services.consent_revoke(actor=self.actor, tenant=self.body, participation_id=self.participation.pk)
        messages.success(
            self.request,
            f"Your trust no longer shares its need signals with {self.participation.partnership_label}. "
            "They disappear from the partnership's figures at its next refresh.",
        )
        return self.back_url()


class PartnershipView(PartnershipPage):
    template_name = "partnerships/partnership.html"

    def page_context(self, **forms: Any) -> dict[str, Any]:
        members = list(selectors.member_list(tenant=self.body, partnership=self.partnership))
        statuses = selectors.platform_member_statuses(partnership_id=self.partnership.pk)
        return {
            "members": [{"m": m, "status": statuses.get(m.pk)} for m in members],
            "member_form": forms.get("member_form") or MemberForm(),
            "kinds": MemberKind,
        }


class MemberAddView(FormAction, PartnershipView):
    form_class = MemberForm
    context_key = "member_form"

    def perform(self, data: dict[str, Any]) -> str:
        member = services.member_add(
            actor=self.actor,
            tenant=self.body,
            partnership_id=self.partnership.pk,
            organisation_name=data.get("organisation_name") or "",
            kind=data["kind"],
            member_body_id=data.get("member_body"),
        )
        messages.success(self.request, f"{member.organisation_name} is a member of the partnership.")
        return url("partnership", self.body, partnership_id=self.partnership.pk)


class MemberView(Page):
    template_name = "partnerships/member.html"

    def load(self) -> None:
        self.member = selectors.member_get(tenant=self.body, partnershipmember_id=self.kwargs["partnershipmember_id"])

    def page_context(self, **forms: Any) -> dict[str, Any]:
        return {
            "member": self.member,
            "partnership": self.member.partnership,
            "contacts": list(self.member.contacts.all()),
            "contact_form": forms.get("contact_form") or ContactForm(),
        }


class ContactAddView(FormAction, MemberView):
    form_class = ContactForm
    context_key = "contact_form"

    def perform(self, data: dict[str, Any]) -> str:
        contact = services.contact_add(actor=self.actor, tenant=self.body, partnershipmember_id=self.member.pk, **data)
        messages.success(self.request, f"{contact.full_name} added.")
        return url("member", self.body, partnershipmember_id=self.member.pk)


class ContactRemoveView(ButtonAction, Page):
    def load(self) -> None:
        self.contact = selectors.contact_get(
            tenant=self.body, partnershipcontact_id=self.kwargs["partnershipcontact_id"]
        )

    def back_url(self) -> str:
        return url("member", self.body, partnershipmember_id=self.contact.member_id)

    def perform(self) -> str:
        services.contact_remove(actor=self.actor, tenant=self.body, partnershipcontact_id=self.contact.pk)
        messages.success(self.request, f"{self.contact.full_name} removed.")
        return self.back_url()
