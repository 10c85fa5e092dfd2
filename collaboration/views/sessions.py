"""Session pages: the list, scheduling, one session (confirm or decline, notes, files,
actions, held or cancelled), a shared file's download, and your own actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from collaboration.forms.forum import ActionForm, MaterialForm, NotesForm, SessionForm
from collaboration.models import InvitationResponse, SessionStatus
from collaboration.selectors.forum import forum_people, may_organise, open_actions_for, session_get, session_list
from collaboration.services import actions as action_services
from collaboration.services import sessions as services
from core.errors import ApplicationError
from core.forms import show_service_error
from core.web import paginate_list


def url(name: str, body_slug: str, **kwargs: Any) -> str:
    return reverse(f"collaboration:{name}", kwargs={"body_slug": body_slug, **kwargs})


class SessionsView(BodyMixin, TemplateView):
    template_name = "collaboration/sessions.html"
    required_action = Action.COLLABORATE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pages = paginate_list(
            self.request, session_list(tenant=self.body, access=self.access), per_page=25, label="Sessions"
        )
        context.update(
            pages=pages,
            sessions=list(pages.page.object_list),
            can_organise=may_organise(access=self.access, tenant=self.body),
        )
        return context


class SessionNewView(BodyMixin, TemplateView):
    template_name = "collaboration/session_new.html"
    required_action = Action.ORGANISE_SESSION

    def form(self, data: Any = None) -> SessionForm:
        people = [(pk, label) for pk, label in forum_people(tenant=self.body) if pk != self.actor.pk]
        return SessionForm(data, people=people)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context["can_organise"] = may_organise(access=self.access, tenant=self.body)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            try:
                session = services.session_schedule(actor=self.actor, tenant=self.body, **form.cleaned_data)
            except ApplicationError as exc:
                show_service_error(form, exc, SessionForm.SERVICE_FIELDS)
            else:
                messages.success(request, "The session is scheduled and the people you invited have been told.")
                return HttpResponseRedirect(url("session", self.body.slug, forumsession_id=session.pk))
        return self.render_to_response(self.get_context_data(form=form))


class SessionView(BodyMixin, TemplateView):
    """One session for its organiser, its invitees and the body's staff (404 for anyone else)."""

    template_name = "collaboration/session.html"
    required_action = Action.COLLABORATE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        session = session_get(tenant=self.body, access=self.access, session_id=self.kwargs["forumsession_id"])
        invitations = list(session.invitations.all())
        mine = next((i for i in invitations if i.invitee_id == self.actor.pk), None)
        manages = session.organiser_id == self.actor.pk or self.access.can(Action.OVERSEE_FORUM)
        people = forum_people(tenant=self.body) if manages else []
        context.update(
            session=session,
            invitations=invitations,
            my_invitation=mine,
            materials=list(session.materials.all()),
            actions=list(session.actions.all()),
            manages=manages,
            scheduled=session.status == SessionStatus.SCHEDULED,
            cancelled=session.status == SessionStatus.CANCELLED,
            can_accept=mine is not None and mine.response != InvitationResponse.ACCEPTED,
            can_decline=mine is not None and mine.response != InvitationResponse.DECLINED,
        )
        context.setdefault("notes_form", NotesForm(initial={"notes": session.notes}))
        context.setdefault("material_form", MaterialForm())
        context.setdefault("action_form", ActionForm(people=people))
        return context


class _SessionPost(SessionView):
    """A form posted from the session page: on an error the page shows again with it."""

    http_method_names = ["post"]
    form_name = ""
    success = ""

    def build(self, request: HttpRequest) -> Any:
        raise NotImplementedError

    def perform(self, form: Any) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.build(request)
        if form.is_valid():
            try:
                self.perform(form)
            except ApplicationError as exc:
                show_service_error(form, exc)
            else:
                messages.success(request, self.success)
                return HttpResponseRedirect(url("session", self.body.slug, forumsession_id=kwargs["forumsession_id"]))
        return self.render_to_response(self.get_context_data(**{self.form_name: form}))


class SessionNotesView(_SessionPost):
    form_name, success = "notes_form", "The notes are saved."

    def build(self, request: HttpRequest) -> Any:
        return NotesForm(request.POST)

    def perform(self, form: Any) -> None:
        services.session_notes_save(
            actor=self.actor, tenant=self.body, session_id=self.kwargs["forumsession_id"], **form.cleaned_data
        )


class SessionMaterialView(_SessionPost):
    form_name, success = "material_form", "The file is shared with the session's invitees."

    def build(self, request: HttpRequest) -> Any:
        return MaterialForm(request.POST, request.FILES)

    def perform(self, form: Any) -> None:
        services.session_material_add(
            actor=self.actor,
            tenant=self.body,
            session_id=self.kwargs["forumsession_id"],
            upload=form.cleaned_data["file"],
        )


class SessionActionView(_SessionPost):
    form_name, success = "action_form", "The action is recorded and its owner has been told."

    def build(self, request: HttpRequest) -> Any:
        return ActionForm(request.POST, people=forum_people(tenant=self.body))

    def perform(self, form: Any) -> None:
        action_services.action_assign(
            actor=self.actor, tenant=self.body, session_id=self.kwargs["forumsession_id"], **form.cleaned_data
        )


class _SessionButton(BodyMixin, View):
    """A button on the session page: call the service, say what happened, go back."""

    http_method_names = ["post"]
    required_action = Action.COLLABORATE
    success = ""

    def perform(self, session_id: int) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.perform(kwargs["forumsession_id"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, self.success)
        return HttpResponseRedirect(url("session", self.body.slug, forumsession_id=kwargs["forumsession_id"]))


class SessionAcceptView(_SessionButton):
    success = "You have said you will come."

    def perform(self, session_id: int) -> None:
        services.session_invitation_accept(actor=self.actor, tenant=self.body, session_id=session_id)


class SessionDeclineView(_SessionButton):
    success = "You have said you cannot come."

    def perform(self, session_id: int) -> None:
        services.session_invitation_decline(actor=self.actor, tenant=self.body, session_id=session_id)


class SessionHeldView(_SessionButton):
    success = "The session is recorded as held."

    def perform(self, session_id: int) -> None:
        services.session_mark_held(actor=self.actor, tenant=self.body, session_id=session_id)


class SessionCancelView(_SessionButton):
    success = "The session is cancelled."

    def perform(self, session_id: int) -> None:
        services.session_cancel(actor=self.actor, tenant=self.body, session_id=session_id)


class MaterialDownloadView(BodyMixin, View):
    required_action = Action.COLLABORATE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        material, handle = services.session_material_open(
            actor=self.actor, tenant=self.body, session_material_id=kwargs["sessionmaterial_id"]
        )
        return FileResponse(
            handle, as_attachment=True, filename=material.original_name, content_type=material.content_type
        )


class MyActionsView(BodyMixin, TemplateView):
    """Your own open actions, from sessions and peer reviews, the earliest due first."""

    template_name = "collaboration/my_actions.html"
    required_action = Action.COLLABORATE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["actions"] = list(open_actions_for(tenant=self.body, user=self.actor)[:100])
        return context


class ActionDoneView(BodyMixin, View):
    http_method_names = ["post"]
    required_action = Action.COLLABORATE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            action = action_services.action_complete(
                actor=self.actor, tenant=self.body, agreed_action_id=kwargs["agreedaction_id"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(url("my-actions", self.body.slug))
        messages.success(request, f"Done: {action.description}")
        back = request.POST.get("back", "")
        if back == "session" and action.session_id:
            return HttpResponseRedirect(url("session", self.body.slug, forumsession_id=action.session_id))
        if back == "review" and action.peer_review_id:
            return HttpResponseRedirect(url("review", self.body.slug, peerreview_id=action.peer_review_id))
        return HttpResponseRedirect(url("my-actions", self.body.slug))
