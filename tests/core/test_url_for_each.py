"""``core.web.url_for_each`` and ``body_url``: one reverse for many links, the same URLs as reversing each."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from core.web import body_url, url_for_each


def test_each_id_s_url_is_the_one_reverse_gives() -> None:
    case_url = url_for_each("cases:detail", "case_id", body_slug="meadow-trust")

    for pk in (1, 42, 918_273):
        assert case_url(pk) == reverse("cases:detail", kwargs={"body_slug": "meadow-trust", "case_id": pk})


def test_body_url_is_what_reverse_gives_for_every_navigation_page() -> None:
    from accounts.web import BODY_NAV

    assert len(BODY_NAV) >= 5  # every app's section registered
    for item in BODY_NAV:
        for slug in ("meadow-trust", "la-850", "a_1"):
            assert body_url(item.url_name, slug) == reverse(item.url_name, kwargs={"body_slug": slug})


def test_body_url_follows_the_script_prefix_a_deployment_serves_under() -> None:
    """The pattern is kept per script prefix: a sub-path deployment's links keep it, and
    the next request without one does not get it."""
    set_script_prefix("/inclusion/")
    try:
        assert body_url("pooling:dashboard", "meadow-trust") == "/inclusion/b/meadow-trust/pool/"
        expected = reverse("pooling:dashboard", kwargs={"body_slug": "meadow-trust"})
        assert body_url("pooling:dashboard", "meadow-trust") == expected
    finally:
        set_script_prefix("/")
    assert body_url("pooling:dashboard", "meadow-trust") == "/b/meadow-trust/pool/"


def test_an_unknown_page_name_still_fails_loudly() -> None:
    with pytest.raises(NoReverseMatch):
        body_url("pooling:no-such-page", "meadow-trust")
