"""Peer-review pages: progress across schools, planning a review, and one review (findings
under each heading, sharing, the school's response, agreed actions, closing)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from collaboration.forms.forum import ActionForm, FindingsForm, PeerReviewForm, ResponseForm
from collaboration.models import PeerReviewStatus
from collaboration.selectors.forum import (
    findings_visible,
    forum_people,
    peer_review_get,
    peer_review_list,
    reviewable_schools,
    reviewer_candidates,
)
from collaboration.services import actions as action_services
from collaboration.services import reviews as services
from collaboration.views.sessions import url
from core.errors import ApplicationError
from core.forms import show_service_error
from core.web import paginate_list


class ReviewsView(BodyMixin, TemplateView):
    """The body's staff see progress across schools; others see the reviews they are part of."""

    template_name = "collaboration/reviews.html"
    required_action = Action.COLLABORATE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pages = paginate_list(
            self.request, peer_review_list(tenant=self.body, access=self.access), per_page=25, label="Peer reviews"
        )
        context.update(
            pages=pages,
            reviews=list(pages.page.object_list),
            can_plan=self.access.can(Action.OVERSEE_FORUM),
            today=timezone.localdate(),
        )
        return context


class ReviewNewView(BodyMixin, TemplateView):
    template_name = "collaboration/review_new.html"
    required_action = Action.OVERSEE_FORUM

    def form(self, data: Any = None) -> PeerReviewForm:
        reviewers: dict[int, str] = {}
        for user_id, _school_id, label in reviewer_candidates(tenant=self.body):
            reviewers[user_id] = f"{reviewers[user_id]}; {label.split(', ', 1)[-1]}" if user_id in reviewers else label
        return PeerReviewForm(
            data,
            schools=reviewable_schools(tenant=self.body),
            reviewers=sorted(reviewers.items(), key=lambda kv: kv[1]),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            try:
                review = services.peer_review_plan(actor=self.actor, tenant=self.body, **form.cleaned_data)
            except ApplicationError as exc:
                show_service_error(form, exc)
            else:
                messages.success(request, "The peer review is planned.")
                return HttpResponseRedirect(url("review", self.body.slug, peerreview_id=review.pk))
        return self.render_to_response(self.get_context_data(form=form))


class ReviewView(BodyMixin, TemplateView):
    template_name = "collaboration/review.html"
    required_action = Action.COLLABORATE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        review = peer_review_get(tenant=self.body, access=self.access, peer_review_id=self.kwargs["peerreview_id"])
        staff = self.access.can(Action.OVERSEE_FORUM)
        reviewer = self.actor.pk in review.reviewer_ids
        findings = list(review.findings.all())
        planned = review.status == PeerReviewStatus.PLANNED
        context.update(
            review=review,
            findings=findings,
            actions=list(review.actions.all()),
            can_write=(staff or reviewer) and planned,
            can_share=(staff or reviewer) and planned and len(findings) == len(review.headings),
            can_respond=review.status == PeerReviewStatus.SHARED
            and self.access.can(Action.RESPOND_PEER_REVIEW, review),
            can_close=staff and review.status == PeerReviewStatus.RESPONDED,
            can_add_action=(staff or reviewer) and review.status != PeerReviewStatus.CLOSED,
            show_findings=findings_visible(access=self.access, review=review),
        )
        context.setdefault(
            "findings_form", FindingsForm(headings=review.headings, initial_texts=[f.text for f in findings])
        )
        context.setdefault("response_form", ResponseForm())
        people = forum_people(tenant=self.body) if context["can_add_action"] else []
        context.setdefault("action_form", ActionForm(people=people))
        return context


class _ReviewPost(ReviewView):
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
                return HttpResponseRedirect(url("review", self.body.slug, peerreview_id=kwargs["peerreview_id"]))
        return self.render_to_response(self.get_context_data(**{self.form_name: form}))


class ReviewFindingsView(_ReviewPost):
    form_name, success = "findings_form", "The findings are saved. Share them with the school when they are ready."

    def build(self, request: HttpRequest) -> Any:
        review = peer_review_get(tenant=self.body, access=self.access, peer_review_id=self.kwargs["peerreview_id"])
        return FindingsForm(request.POST, headings=review.headings)

    def perform(self, form: Any) -> None:
        services.peer_review_findings_save(
            actor=self.actor, tenant=self.body, peer_review_id=self.kwargs["peerreview_id"], findings=form.findings()
        )


class ReviewRespondView(_ReviewPost):
    form_name, success = "response_form", "Your response is recorded."

    def build(self, request: HttpRequest) -> Any:
        return ResponseForm(request.POST)

    def perform(self, form: Any) -> None:
        services.peer_review_respond(
            actor=self.actor, tenant=self.body, peer_review_id=self.kwargs["peerreview_id"], **form.cleaned_data
        )


class ReviewActionView(_ReviewPost):
    form_name, success = "action_form", "The action is recorded and its owner has been told."

    def build(self, request: HttpRequest) -> Any:
        return ActionForm(request.POST, people=forum_people(tenant=self.body))

    def perform(self, form: Any) -> None:
        action_services.action_assign(
            actor=self.actor, tenant=self.body, peer_review_id=self.kwargs["peerreview_id"], **form.cleaned_data
        )


class _ReviewButton(BodyMixin, View):
    http_method_names = ["post"]
    required_action = Action.COLLABORATE
    success = ""

    def perform(self, review_id: int) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.perform(kwargs["peerreview_id"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, self.success)
        return HttpResponseRedirect(url("review", self.body.slug, peerreview_id=kwargs["peerreview_id"]))


class ReviewShareView(_ReviewButton):
    success = "The findings are shared with the school."

    def perform(self, review_id: int) -> None:
        services.peer_review_share(actor=self.actor, tenant=self.body, peer_review_id=review_id)


class ReviewCloseView(_ReviewButton):
    success = "The peer review is closed."

    def perform(self, review_id: int) -> None:
        services.peer_review_close(actor=self.actor, tenant=self.body, peer_review_id=review_id)
