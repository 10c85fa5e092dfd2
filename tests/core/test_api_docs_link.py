"""The interactive API documentation (Swagger UI, not accessible) is not linked from every
page's footer; the about page's developer section links it with the OpenAPI schema, and the
accessibility statement says why."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_footer_does_not_link_the_api_documentation(client) -> None:  # type: ignore[no-untyped-def]
    for url in ("/", reverse("accessibility")):
        page = client.get(url).content.decode()
        footer = page[page.index('class="govuk-footer"') :]
        assert reverse("api-docs") not in footer
        assert "Accessibility statement" in footer


def test_the_about_page_links_the_api_documentation_and_schema(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get(reverse("about")).content.decode()
    main = page[page.index("<main") : page.index('class="govuk-footer"')]
    assert f'href="{reverse("api-docs")}"' in main
    assert f'href="{reverse("api-schema")}"' in main
    statement = client.get(reverse("accessibility")).content.decode()
    assert "Swagger UI" in statement
    assert "does not meet WCAG 2.2 AA" in statement
