"""The cells of the case tables (the case list, the decision queue, reviews due), each
worked out in the view once and shown by the template as one value (issue 22): a status's
tag and a month's name once a page however many rows repeat them, a case's link from
one reversed URL. The HTML is ``templatetags/case_tags.py``'s, the same functions its tags
call for one case (the case page's tag and clock)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString

from accounts.models import ResponsibleBody
from core.dates import long_dates, short_dates
from core.web import url_for_each
from exceptional_resource.selectors.clock import Clock
from exceptional_resource.templatetags.case_tags import clock_html, status_tag_html
from exceptional_resource.views.common import status_tag


class CaseCells:
    """One page of a case table's cells: a page's fifty rows fall on a few statuses, each
    of whose tags is written once, and on a few months, each of whose names is translated
    once (``day`` and ``long_day``: ``core.dates.short_dates`` and ``long_dates``)."""

    def __init__(self, *, body: ResponsibleBody, today: date | None = None) -> None:
        self.case_url = url_for_each("cases:detail", "case_id", body_slug=body.slug)
        self.today = today or timezone.localdate()
        self._tags: dict[str, dict[str, Any]] = {}
        self.day = short_dates()
        self.long_day = long_dates()

    def tag(self, status: str) -> dict[str, Any]:
        """``views.common.status_tag``'s answer with the tag's HTML (``html``)."""
        found = self._tags.get(status)
        if found is None:
            tag = status_tag(status)
            found = self._tags[status] = {**tag, "html": status_tag_html(tag)}
        return found

    def clock(self, clock: Clock) -> SafeString:
        return clock_html(clock, self.day)
