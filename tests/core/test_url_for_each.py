"""``core.web.url_for_each``: one reverse for a table's links, the same URLs as reversing each."""

from __future__ import annotations

from django.urls import reverse

from core.web import url_for_each


def test_each_id_s_url_is_the_one_reverse_gives() -> None:
    case_url = url_for_each("cases:detail", "case_id", body_slug="meadow-trust")

    for pk in (1, 42, 918_273):
        assert case_url(pk) == reverse("cases:detail", kwargs={"body_slug": "meadow-trust", "case_id": pk})
