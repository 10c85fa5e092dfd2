from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format

from accounts.models import Membership, Role
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.models import AuditEvent
from core.tenancy import tenant_context
from tests.factories import DEMO_PASSWORD, SchoolFactory, TrustFactory, UserFactory, member
from tests.pooling.audit_grants_support import current_period_auditor

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_start_page_explains_the_service() -> None:
    response = Client().get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Inclusion Pool" in text
    assert "responsible body" in text.lower()


def test_single_body_member_lands_in_their_body() -> None:
    m = member(Role.TRUSTEE)
    response = _client(m.user).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:body-home", kwargs={"body_slug": m.responsible_body.slug})


def test_person_with_two_bodies_chooses_between_them() -> None:
    user = UserFactory()
    a = member(Role.TRUSTEE, user=user)
    b = member(Role.AUDITOR, user=user)
    response = _client(user).get(reverse("home"))
    assert response.status_code == 200
    text = response.content.decode()
    assert a.responsible_body.legal_name in text
    assert b.responsible_body.legal_name in text


def test_body_admin_invites_a_person_through_the_page() -> None:
    admin = member(Role.BODY_ADMIN, mfa=True)
    body = admin.responsible_body
    url = reverse("accounts:invite", kwargs={"body_slug": body.slug})
    response = _client(admin.user).post(url, {"email": "new.trustee@example.org", "role": "trustee"})
    assert response.status_code == 302, response.content.decode()[:2000]
    auditor = {
        "email": "new.auditor@example.org",
        "role": "auditor",
        "valid_to_day": "31",
        "valid_to_month": "3",
        "valid_to_year": str(timezone.localdate().year + 1),
    }
    response = _client(admin.user).post(url, auditor)
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(body):
        assert Membership.objects.filter(user__email="new.trustee@example.org", role="trustee").count() == 1
        assert Membership.objects.get(user__email="new.auditor@example.org").valid_to == date(
            timezone.localdate().year + 1, 3, 31
        )
        assert AuditEvent.objects.filter(verb="membership.created").count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "nope", "role": "trustee"}, "Enter an email address in the correct format"),
        ({"email": "a@example.org", "role": "emperor"}, "Select a valid choice"),
        (
            {"email": "a@example.org", "role": "decision_officer", "decision_limit": "12.345"},
            "no more than 2 decimal places",
        ),
        ({"email": "a@example.org", "role": "decision_officer", "decision_limit": "-5"}, "0 or more"),
        ({"email": "a@example.org", "role": "auditor"}, "must have an end date"),
        (
            {"email": "a@example.org", "role": "auditor", "valid_to_day": "31", "valid_to_month": "6"},
            "The date access ends must include a year",
        ),
        (
            {
                "email": "a@example.org",
                "role": "auditor",
                "valid_to_day": "31",
                "valid_to_month": "6",
                "valid_to_year": "20x7",
            },
            "The date access ends must be a real date",
        ),
    ],
)
def test_invite_form_shows_a_clear_error_and_keeps_what_was_typed(data: dict[str, str], message: str) -> None:
    admin = member(Role.BODY_ADMIN, mfa=True)
    url = reverse("accounts:invite", kwargs={"body_slug": admin.responsible_body.slug})
    response = _client(admin.user).post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    assert "There is a problem" in text
    assert f'value="{data["email"]}"' in text
    with tenant_context(admin.responsible_body):
        assert Membership.objects.count() == 1


def test_invite_form_refuses_school_of_another_body() -> None:
    admin = member(Role.BODY_ADMIN, mfa=True)
    own = SchoolFactory(trust_uid=admin.responsible_body.gias_group_uid)
    other = SchoolFactory(trust_uid=TrustFactory().gias_group_uid)
    url = reverse("accounts:invite", kwargs={"body_slug": admin.responsible_body.slug})
    response = _client(admin.user).post(url, {"email": "h@example.org", "role": "head", "school": other.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    ok = _client(admin.user).post(url, {"email": "h@example.org", "role": "head", "school": own.pk})
    assert ok.status_code == 302


def test_money_and_admin_roles_must_set_up_mfa_before_acting() -> None:
    admin = member(Role.BODY_ADMIN, mfa=False)
    url = reverse("accounts:invite", kwargs={"body_slug": admin.responsible_body.slug})
    response = _client(admin.user).post(url, {"email": "x@example.org", "role": "trustee"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    with tenant_context(admin.responsible_body):
        assert not Membership.objects.filter(user__email="x@example.org").exists()


def test_roles_without_the_permission_get_not_found() -> None:
    trustee = member(Role.TRUSTEE)
    client = _client(trustee.user)
    slug = trustee.responsible_body.slug
    assert client.get(reverse("accounts:people", kwargs={"body_slug": slug})).status_code == 404
    assert client.get(reverse("accounts:audit-log", kwargs={"body_slug": slug})).status_code == 404
    assert client.get(reverse("accounts:body-home", kwargs={"body_slug": slug})).status_code == 200


def test_expired_auditor_membership_grants_nothing() -> None:
    auditor = member(
        Role.AUDITOR,
        valid_from=timezone.localdate() - timedelta(days=60),
        valid_to=timezone.localdate() - timedelta(days=1),
    )
    client = _client(auditor.user)
    slug = auditor.responsible_body.slug
    assert client.get(reverse("accounts:audit-log", kwargs={"body_slug": slug})).status_code == 404
    assert client.get(reverse("accounts:body-home", kwargs={"body_slug": slug})).status_code == 404
    assert client.get(f"/api/v1/bodies/{slug}/audit-events/").status_code == 404


def test_current_auditor_reads_the_audit_log_with_filters() -> None:
    # An auditor sees the events of the funding periods granted to them (today's here).
    admin = member(Role.BODY_ADMIN, mfa=True)
    auditor = current_period_auditor(admin.responsible_body)
    from accounts import services

    services.membership_invite(
        actor=admin.user, tenant=admin.responsible_body, email="z@example.org", role=Role.TRUSTEE
    )
    url = reverse("accounts:audit-log", kwargs={"body_slug": admin.responsible_body.slug})
    client = _client(auditor)
    assert "z@example.org as Trustee" in client.get(url).content.decode()
    assert "z@example.org as Trustee" not in client.get(url, {"verb": "body."}).content.decode()


def test_the_audit_log_shows_when_in_uk_time_who_what_in_words_and_about_what() -> None:
    admin = member(Role.BODY_ADMIN, mfa=True)
    body = admin.responsible_body
    with tenant_context(body):
        with time_machine.travel(datetime(2026, 7, 1, 11, 5, tzinfo=UTC), tick=False):  # 12:05 in London
            audit_record(actor=admin.user, tenant=body, verb=AuditVerb.CASE_VIEWED, label="Case <A & B>")
        with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False):
            audit_record(actor=None, tenant=body, verb=AuditVerb.POOL_OPENED, label="Pool 2026-27")
    page = _client(admin.user).get(reverse("accounts:audit-log", kwargs={"body_slug": body.slug})).content.decode()
    rows = [re.sub(r"\s*\n\s*", "", row) for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S)]
    cell = '<td class="govuk-table__cell">{}</td>'
    assert "".join(cell.format(text) for text in ("1 Dec 2026 09:00", "system", "Pool opened", "Pool 2026-27")) in rows
    assert (
        "".join(
            cell.format(text)
            for text in ("1 Jul 2026 12:05", admin.user.email, "Case viewed", "Case &lt;A &amp; B&gt;")
        )
        in rows
    )


def test_the_audit_log_writes_its_times_as_the_date_filter_does_in_the_active_language() -> None:
    """Months are Django's, translated as the template filter's are (strftime's "%b" is the
    C locale's, English whatever the language)."""
    admin = member(Role.BODY_ADMIN, mfa=True)
    body = admin.responsible_body
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with tenant_context(body), time_machine.travel(at, tick=False):
        audit_record(actor=None, tenant=body, verb=AuditVerb.POOL_OPENED, label="Pool 2026-27")
    with translation.override("fr"):
        expected = date_format(timezone.localtime(at), "j M Y H:i")
        page = _client(admin.user).get(reverse("accounts:audit-log", kwargs={"body_slug": body.slug})).content
    assert expected == "1 Déc 2026 09:00"
    assert f'<td class="govuk-table__cell">{expected}</td>' in page.decode()


def test_end_membership_page_ends_the_role() -> None:
    trustee = member(Role.TRUSTEE)
    admin = member(Role.BODY_ADMIN, trustee.responsible_body, mfa=True)
    url = reverse(
        "accounts:end-membership", kwargs={"body_slug": admin.responsible_body.slug, "membership_id": trustee.pk}
    )
    client = _client(admin.user)
    assert trustee.user.email in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    with tenant_context(admin.responsible_body):
        assert Membership.objects.get(pk=trustee.pk).valid_to == timezone.localdate()


def _fail_five_times(client: Client, email: str) -> None:
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": email, "password": "wrong-password"})
        assert response.status_code in (200, 429)  # the fifth failure already answers "locked"
        assert "_auth_user_id" not in client.session


def test_repeated_failed_sign_ins_lock_the_account_and_are_recorded() -> None:
    user = UserFactory(email="locked@example.org")
    client = Client()
    _fail_five_times(client, user.email)
    response = client.post(reverse("account_login"), {"login": user.email, "password": DEMO_PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username=user.email)
    assert attempt.failures_since_start >= 5


def test_axes_locks_the_account_even_from_a_fresh_browser(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ACCOUNT_RATE_LIMITS = False  # take allauth's own limiter away: axes alone must lock
    user = UserFactory(email="locked2@example.org")
    _fail_five_times(Client(), user.email)
    fresh = Client(REMOTE_ADDR="10.9.8.7")
    response = fresh.post(reverse("account_login"), {"login": user.email, "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in fresh.session


def test_sign_in_with_correct_password_works() -> None:
    user = UserFactory(email="ok@example.org")
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_session_expires_after_inactivity(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 60
    m = member(Role.TRUSTEE)
    client = _client(m.user)
    url = reverse("accounts:body-home", kwargs={"body_slug": m.responsible_body.slug})
    assert client.get(url).status_code == 200
    session = client.session
    session["_last_seen"] = session["_last_seen"] - 61
    session.save()
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_last_seen_is_written_at_most_once_a_minute(settings: Any) -> None:
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 600
    m = member(Role.TRUSTEE)
    client = _client(m.user)
    url = reverse("accounts:body-home", kwargs={"body_slug": m.responsible_body.slug})
    assert client.get(url).status_code == 200
    first = client.session["_last_seen"]
    session = client.session
    session["_last_seen"] = first - 30
    session.save()
    assert client.get(url).status_code == 200
    assert client.session["_last_seen"] == first - 30  # not rewritten within the minute
    session = client.session
    session["_last_seen"] = first - 61
    session.save()
    assert client.get(url).status_code == 200
    assert client.session["_last_seen"] >= first  # rewritten once a minute has passed


def test_a_short_idle_timeout_still_keeps_an_active_person_signed_in(settings: Any) -> None:
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 30  # the stamp is then refreshed every 3 s, not every 60 s
    m = member(Role.TRUSTEE)
    client = _client(m.user)
    url = reverse("accounts:body-home", kwargs={"body_slug": m.responsible_body.slug})
    assert client.get(url).status_code == 200
    session = client.session
    session["_last_seen"] = session["_last_seen"] - 20  # active 20 s ago: within the timeout
    session.save()
    assert client.get(url).status_code == 200
    session = client.session
    session["_last_seen"] = session["_last_seen"] - 20  # 20 s after the refreshed stamp: still within it
    session.save()
    assert client.get(url).status_code == 200


def test_the_home_page_names_each_membership_s_school_and_urn_without_reading_more(
    django_assert_num_queries: Any,
) -> None:
    """A person's memberships are read with only the school's name and URN (issue 22): the
    home page shows both for a head and a SENDCO membership, and reading them makes no
    query of its own (a left-out column would be one query a membership)."""
    trust = TrustFactory()
    meadow = SchoolFactory(name="Meadow Academy", urn=140001)
    brook = SchoolFactory(name="Brook Academy", urn=140002)
    head = member(Role.HEAD, trust, school=meadow)
    member(Role.SENDCO, trust, school=brook, user=head.user)
    client = _client(head.user)
    url = reverse("accounts:body-home", kwargs={"body_slug": trust.slug})
    client.get(url)
    with django_assert_num_queries(12) as read:
        text = client.get(url).content.decode()
    assert "Meadow Academy (URN 140001)" in text
    assert "Brook Academy (URN 140002)" in text
    membership_reads = [q["sql"] for q in read.captured_queries if 'FROM "accounts_membership"' in q["sql"]]
    assert len(membership_reads) == 1
    assert '"groupings_school"."name"' in membership_reads[0]
    assert '"groupings_school"."la_code"' not in membership_reads[0]
