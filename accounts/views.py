"""Pages for accounts: the body switcher, people in a body, my account, the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from accounts import selectors, services
from accounts.audit_scope import audit_log_scope
from accounts.forms import AuditFilterForm, InviteForm
from accounts.models import Membership, Role
from accounts.policy import Action, user_has_mfa
from accounts.web import BodyMixin, home_work, request_user
from core.audit_labels import verb_label
from core.dates import short_dates
from core.errors import ApplicationError
from core.forms import show_service_error
from core.web import paginate_list


class HomeView(LoginRequiredMixin, TemplateView):
    """Where people land after signing in: their bodies, or straight into the only one."""

    template_name = "accounts/home.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        bodies = selectors.body_list_for_user(user=request_user(request))
        if len(bodies) == 1 and not request.GET.get("choose"):
            return redirect("accounts:body-home", body_slug=bodies[0][0].slug)
        return self.render_to_response(self.get_context_data(bodies=bodies))


class MyAccountView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/my_account.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["has_mfa"] = user_has_mfa(request_user(self.request))
        context["bodies"] = selectors.body_list_for_user(user=request_user(self.request))
        context["needs_mfa"] = any(
            m.role in {Role.FINANCE_OFFICER, Role.DECISION_OFFICER, Role.BODY_ADMIN}
            for _, memberships in context["bodies"]
            for m in memberships
        )
        return context


class BodyHomeView(BodyMixin, TemplateView):
    template_name = "accounts/body_home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["memberships"] = self.access.memberships
        context["work"] = home_work(self.access, self.body)
        context["actions"] = {action.name: self.access.can(action) for action in Action}
        context["needs_mfa"] = (
            bool(self.access.roles & {"finance_officer", "decision_officer", "body_admin"}) and not self.access.has_mfa
        )
        return context


class PeopleView(BodyMixin, TemplateView):
    template_name = "accounts/people.html"
    required_action = Action.MANAGE_MEMBERS

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        show_ended = self.request.GET.get("show") == "all"
        context["show_ended"] = show_ended
        context["memberships"] = list(selectors.membership_list(tenant=self.body, include_ended=show_ended))
        return context


def _school_choices(body: Any) -> list[tuple[int, str]]:
    from accounts.grouping_scope import school_choices

    return school_choices(tenant=body)


class InviteView(BodyMixin, FormView):
    template_name = "accounts/invite.html"
    form_class = InviteForm
    required_action = Action.MANAGE_MEMBERS
    mfa_action = Action.MANAGE_MEMBERS

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["schools"] = _school_choices(self.body)
        return kwargs

    def form_valid(self, form: InviteForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            membership = services.membership_invite(
                actor=self.actor,
                tenant=self.body,
                email=data["email"],
                full_name=data["full_name"],
                role=data["role"],
                school_id=data["school"],
                decision_limit_pence=data["decision_limit"],
                valid_to=data["valid_to"],
            )
        except ApplicationError as exc:
            show_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{membership.user.email} now has the role {membership.get_role_display()}.")
        return HttpResponseRedirect(reverse("accounts:people", kwargs={"body_slug": self.body.slug}))


class EndMembershipView(BodyMixin, TemplateView):
    template_name = "accounts/end_membership.html"
    required_action = Action.MANAGE_MEMBERS
    mfa_action = Action.MANAGE_MEMBERS

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["membership"] = selectors.membership_get(tenant=self.body, membership_id=kwargs["membership_id"])
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership: Membership = selectors.membership_get(tenant=self.body, membership_id=kwargs["membership_id"])
        try:
            services.membership_end(actor=self.actor, tenant=self.body, membership_id=membership.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"{membership.user.email} no longer has the role {membership.get_role_display()}."
            )
        return HttpResponseRedirect(reverse("accounts:people", kwargs={"body_slug": self.body.slug}))


class AuditLogView(BodyMixin, TemplateView):
    template_name = "accounts/audit_log.html"
    required_action = Action.VIEW_AUDIT

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = AuditFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        scope = audit_log_scope(access=self.access)
        events = selectors.audit_event_list(tenant=self.body, scope=scope, **{k: v for k, v in filters.items() if v})
        pages = paginate_list(
            self.request,
            events.values("created_at", "actor_label", "verb", "object_label"),
            per_page=50,
            label="Pages of audit events",
        )
        page = pages.page
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            scope=scope,
            form=form,
            page=page,
            pages=pages,
            events=_event_rows(page.object_list),
            query=query.urlencode(),
        )
        return context


def _event_rows(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page of audit events as the log shows them, in words, formatted once here: when
    (UK time, as ``|date:"j M Y H:i"`` wrote it), who, what (a page has a few verbs many
    times) and about what."""
    verbs: dict[str, str] = {}
    day = short_dates()
    rows = []
    for event in events:
        verb = event["verb"]
        if verb not in verbs:
            verbs[verb] = verb_label(verb)
        when = timezone.localtime(event["created_at"])
        event.update(when=f"{day(when.date())} {when:%H:%M}", what=verbs[verb])
        rows.append(event)
    return rows
