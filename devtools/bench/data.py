"""Step 0: the bench database and the national synthetic data set, and signed-in sessions
and page journeys for each role of the largest body."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from typing import Any

from devtools.bench.common import DB, PY, ROOT, say

# --- 0. the database and the data set -------------------------------------------------


def prepare(
    env: dict[str, str], seed: int, largest_body_cases: int = 20_000, largest_only: bool = False
) -> dict[str, Any]:
    say(f"database {DB}: create/migrate, collect static files")
    subprocess.run([PY, "scripts/db_setup.py"], cwd=ROOT, env=env, check=True, capture_output=True)
    if not (ROOT / ".data" / "staticfiles" / "staticfiles.json").exists() or "--collectstatic" in sys.argv:
        subprocess.run(
            [PY, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
        )
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)  # the in-process steps' request logs
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.platform', 'on', false)")
        cursor.execute("SELECT count(*) FROM pooling_pool")
        present = cursor.fetchone()[0] > 0
    info: dict[str, Any] = {"generated_now": not present, "largest_body_only": largest_only}
    if not present:
        say(f"generating the {'largest body of the ' if largest_only else ''}national data set (first run only)")
        started = time.monotonic()
        out = subprocess.run(
            [
                PY,
                "manage.py",
                "generate_synthetic",
                "--scale",
                "national",
                "--seed",
                str(seed),
                "--json",
                "--workers",
                str(min(2, os.cpu_count() or 1)),
                "--largest-body-cases",
                str(largest_body_cases),
                *(["--largest-body-only"] if largest_only else []),
            ],
            cwd=ROOT,
            # The COPY of a national ledger (a trigger checks every leg) can outlast the
            # app's 2-minute statement timeout on a shared 2-core machine: off for this step.
            env=env | {"DATABASE_STATEMENT_TIMEOUT_MS": "0"},
            check=True,
            capture_output=True,
            text=True,
        )
        info["generate_seconds"] = round(time.monotonic() - started, 1)
        info["generate"] = json.loads(out.stdout[out.stdout.index("{") :])
    vacuum(env)
    with connection.cursor() as cursor:
        for table in ("pooling_leg", "pooling_transaction", "exceptional_resource_case", "accounts_auditevent"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            info[f"rows_{table}"] = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('app.platform', '', false)")
    body_id, legs = largest_body_and_legs()
    info["largest_body_id"] = body_id
    info["largest_body_legs"] = legs
    return info


def vacuum(env: dict[str, str]) -> None:
    """VACUUM (ANALYZE) the freshly generated database as its owner: the state autovacuum
    brings a database to soon after a bulk load (PostgreSQL vacuums tables after inserts
    too), with planner statistics and the visibility map set. Measured before this, the
    pages ran on a database no vacuum had seen: every index-only scan fetched each row
    from the heap (on the largest body's case list, a 15 ms sort of 20,001 cases instead
    of reading 50 index entries), which no running database is in for long. The runtime
    role cannot vacuum or analyze tables it does not own (PostgreSQL skips them)."""
    import psycopg

    say("VACUUM (ANALYZE) after the load, as autovacuum would")
    with psycopg.connect(env["DATABASE_OWNER_URL"], autocommit=True, connect_timeout=5) as conn:
        conn.execute("VACUUM (ANALYZE)")


def largest_body_and_legs() -> tuple[int, int]:
    """The body with the most ledger legs (the largest LA of the data set) and its legs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.platform', 'on', false)")
        cursor.execute("SELECT responsible_body_id, count(*) FROM pooling_leg GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1")
        body_id, legs = cursor.fetchone()
        cursor.execute("SELECT set_config('app.platform', '', false)")
    return int(body_id), int(legs)


def largest_body() -> int:
    return largest_body_and_legs()[0]


# --- users and sessions ------------------------------------------------------------------


def sessions_for(body_id: int) -> dict[str, Any]:
    """A signed-in session cookie per role in the largest body, and the ids its pages need."""
    from django.conf import settings
    from django.db.models import F
    from django.test import Client

    from accounts.models import Membership, ResponsibleBody
    from accounts.policy import current_memberships_q
    from core.tenancy import tenant_context
    from exceptional_resource.models import Case
    from pooling.models import PaymentRun, Pool
    from pooling.periods import period_of
    from shared_resources.models import Allocation, CapacityPeriod, ResourceRequest, SharedResource

    body = ResponsibleBody.objects.get(pk=body_id)
    with tenant_context(body):
        current = Membership.objects.filter(current_memberships_q()).select_related("user").order_by("id")
        memberships: dict[str, Any] = {}
        for m in current.filter(role__in=["decision_officer", "finance_officer", "auditor", "partnership_lead"]):
            memberships.setdefault(m.role, m)
        memberships["head"], memberships["sendco"], school_case = _school_roles_with_a_case(current)
        pool = Pool.objects.get(label=period_of(date.today()).label)
        school_id = memberships["head"].school_id
        cases = Case.objects.count()
        any_case = Case.objects.filter(status="submitted").order_by("-id").values_list("id", flat=True).first()
        run = PaymentRun.objects.filter(pool=pool).order_by("-id").values_list("id", flat=True).first()
        resource = SharedResource.objects.order_by("id").values_list("id", flat=True).first()
        today = date.today()
        term = (
            CapacityPeriod.objects.filter(resource_id=resource, starts_on__lte=today, ends_on__gte=today)
            .order_by("id")
            .values_list("id", flat=True)
            .first()
        )
        # A request waiting for its decision in a term with a unit still free (to allocate).
        pending = (
            ResourceRequest.objects.filter(status="pending", period__capacity_units__gt=F("period__allocated_units"))
            .order_by("-id")
            .values_list("id", flat=True)
            .first()
        )
        allocation = (
            Allocation.objects.filter(cancelled_at__isnull=True).order_by("-id").values_list("id", flat=True).first()
        )
        open_request = (
            ResourceRequest.objects.filter(school_id=school_id, status__in=["pending", "waitlisted"])
            .order_by("-id")
            .values_list("id", flat=True)
            .first()
        )
    _auditor_granted(body, auditor=memberships["auditor"], pools=[pool])
    cookies = {}
    for role, membership in memberships.items():
        client = Client()
        client.force_login(membership.user)
        cookies[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "slug": body.slug,
        "name": body.legal_name,
        "pool_id": pool.pk,
        "cases": cases,
        "school_case_id": school_case,
        "case_id": any_case,
        "run_id": run,
        "resource_id": resource,
        "allocation_id": allocation,
        "open_request_id": open_request,
        "term_id": term,
        "pending_request_id": pending,
        "sendco_school_id": memberships["sendco"].school_id,
        "user_ids": {role: m.user_id for role, m in memberships.items()},
        "cookies": cookies,
    }


def _school_roles_with_a_case(current: Any) -> tuple[Any, Any, int | None]:
    """The head and the SENDCO of one school, and that school's latest case, so that both
    journeys open a real case page of their own school: the first school (in the order of its
    head's membership) with a current head, a current SENDCO and a case. ``current``: the
    body's current memberships. With no case in any of those schools, the first of them and
    no case (the journeys then leave the case page out)."""
    from exceptional_resource.models import Case

    heads: dict[int, Any] = {}
    sendcos: dict[int, Any] = {}
    for m in current.filter(role__in=["head", "sendco"]):
        (heads if m.role == "head" else sendcos).setdefault(m.school_id, m)
    schools = [school for school in heads if school in sendcos]
    if not schools:
        raise RuntimeError("The bench's school journeys need a school with a current head and SENDCO; none has both.")
    with_cases = set(Case.objects.filter(school_id__in=schools).values_list("school_id", flat=True).distinct())
    school = next((s for s in schools if s in with_cases), schools[0])
    case = Case.objects.filter(school_id=school).order_by("-id").values_list("id", flat=True).first()
    return heads[school], sendcos[school], case


BENCH_PLATFORM_EMAIL = "bench-platform@bench.invalid"


def _granter(body: Any) -> Any:
    """Who grants the auditor access: a current administrator of the body, as the grant
    service requires (``pool_audit_grant``: a current body administrator's membership). A
    body with none (it never had one, or its administrator's membership has ended) is given
    one as a body gets its first: the platform operator gives the role (``membership_invite``)
    to the bench's own administrator of the body, an account with no password. Kept once made."""
    from accounts.models import Membership, Role, User
    from accounts.policy import current_memberships_q
    from accounts.services import membership_invite
    from core.tenancy import tenant_context

    with tenant_context(body):
        admins = Membership.objects.filter(current_memberships_q(), role=Role.BODY_ADMIN)
        admin = admins.select_related("user").order_by("id").first()
    if admin is not None:
        return admin.user
    staff = User.objects.filter(email=BENCH_PLATFORM_EMAIL).first() or User.objects.create_user(
        email=BENCH_PLATFORM_EMAIL, password=None, full_name="Bench platform operator", is_staff=True
    )
    email = f"bench-admin@{body.slug}.bench.invalid"
    if not User.objects.filter(email=email).exists():  # made here: no invitation email to a bench account
        User.objects.create_user(email=email, password=None, full_name="Bench administrator")
    return membership_invite(actor=staff, tenant=body, email=email, role=Role.BODY_ADMIN).user


def _auditor_granted(body: Any, *, auditor: Any, pools: list[Any]) -> None:
    """A body administrator (``_granter``) grants the bench's auditor the pools its journey
    visits until the auditor's membership ends, through the service of the grants page: an
    auditor reads pool money, cases and the audit log only of pools they hold a live grant on
    (issue 16), and answers 404 elsewhere. Every bench step makes its sessions: a live grant
    is kept, a lapsed one revoked and given again."""
    from core.tenancy import tenant_context
    from pooling.selectors.audit_grants import audit_pool_ids, pool_audit_grant_list
    from pooling.services.audit_grants import pool_audit_grant, pool_audit_revoke

    live = audit_pool_ids(tenant=body, user=auditor.user)
    if all(pool.pk in live for pool in pools):
        return
    admin = _granter(body)
    for pool in pools:
        if pool.pk in live:
            continue
        with tenant_context(body):
            lapsed = pool_audit_grant_list(tenant=body).filter(user=auditor.user, content_object_id=pool.pk)
            lapsed_ids = list(lapsed.values_list("pk", flat=True))
        for grant_id in lapsed_ids:
            pool_audit_revoke(actor=admin, tenant=body, poolauditgrant_id=grant_id)
        pool_audit_grant(
            actor=admin,
            tenant=body,
            pool_id=pool.pk,
            auditor_id=auditor.user_id,
            valid_until=auditor.valid_to or pool.ends_on,
        )


def journeys(ctx: dict[str, Any]) -> dict[str, list[str]]:
    b, p = f"/b/{ctx['slug']}", ctx["pool_id"]
    school_case = [f"{b}/cases/{ctx['school_case_id']}/"] if ctx["school_case_id"] is not None else []
    return {
        "head": [f"{b}/", f"{b}/cases/", *school_case, f"{b}/cases/awards/"],
        "sendco": [f"{b}/cases/", f"{b}/cases/new/", *school_case, f"{b}/"],
        "decision_officer": [
            f"{b}/cases/decisions/", f"{b}/cases/{ctx['case_id']}/", f"{b}/cases/reviews/", f"{b}/pool/",
        ],
        "finance_officer": [
            f"{b}/pool/", f"{b}/pool/{p}/ledger/", f"{b}/pool/{p}/contributions/", f"{b}/pool/{p}/payment-runs/",
            f"{b}/pool/payment-runs/{ctx['run_id']}/", f"{b}/pool/{p}/allocations/",
        ],
        # An auditor reads a pool through its audit pages, on a grant (the pool pages are not theirs).
        "auditor": [f"{b}/audit/", f"{b}/pool/audit/", f"{b}/pool/audit/{p}/", f"{b}/reports/"],
        "partnership_lead": [f"{b}/", f"{b}/partnership/"],
    }  # fmt: skip


def explain_journeys(ctx: dict[str, Any]) -> dict[str, list[str]]:
    """The B1 journeys plus pages the EXPLAIN step also covers (not in B1's load mix): the
    shared-resources register, a resource's capacity per term (and its CSV), a term's edit
    page, share by school (and its CSV), its edit and funding pages, the requests (waiting,
    waiting list, cancelled; the new-request form, the decide page that allocates, the
    withdraw and cancel pages), a school's position, the rules, the pack section, and the
    payment run (with any payees other than schools)."""
    b, r = f"/b/{ctx['slug']}/shared-resources", ctx.get("resource_id")
    a, q = ctx.get("allocation_id"), ctx.get("open_request_id")
    term, pending = ctx.get("term_id"), ctx.get("pending_request_id")
    extra = {
        "finance_officer": [f"{b}/", f"{b}/requests/", f"{b}/pack/", f"{b}/rules/"]
        + ([f"{b}/{r}/", f"{b}/{r}/capacity.csv", f"{b}/{r}/edit/", f"{b}/{r}/fund/"] if r else [])
        + ([f"{b}/terms/{term}/edit/"] if term else []),
        "decision_officer": [f"{b}/requests/?status=waitlisted", f"{b}/requests/?status=cancelled",
                             f"{b}/requests/?status=pending"]
        + ([f"{b}/{r}/schools/", f"{b}/{r}/schools.csv"] if r else [])
        + ([f"{b}/allocations/{a}/cancel/"] if a else [])
        + ([f"{b}/requests/{pending}/decide/"] if pending else []),
        "head": [f"{b}/", f"{b}/requests/"] + ([f"{b}/requests/{q}/withdraw/"] if q else []),
        "sendco": [f"{b}/requests/new/"],
    }  # fmt: skip
    paths = journeys(ctx)
    return {role: paths.get(role, []) + extra.get(role, []) for role in dict.fromkeys([*paths, *extra])}
