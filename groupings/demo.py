"""Demo data for groupings: real schools of the demo trust and local authority, each
body's default policy and its members (the trust's own academies, the LA's maintained
schools), and a head and SENDCO for one school in each. Idempotent."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from core.tenancy import body_only_context, tenant_context
from groupings.census import read_census
from groupings.gias import read_london_extract
from groupings.models import Arrangement, School, SchoolCensus, imf_eligibility
from groupings.services.arrangements import (
    arrangement_activate,
    arrangement_propose,
    own_academies_add,
    own_academies_preview,
)
from groupings.services.census import school_census_import
from groupings.services.policy import policy_ensure_default

# Real GIAS rows of the demo trust and LA (tests/data/SOURCES.md).
DEMO_SCHOOLS = (
    Path(__file__).resolve().parents[1] / "tests" / "data" / "gias" / "establishments" / "demo_london_schools.csv"
)
DEMO_HEAD_SCHOOLS = {"step-academy-trust": "Gonville Academy", "kingston": "Latchmere School"}
POLICY_FROM = date(2026, 4, 1)
DEMO_AGREEMENT_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
MEMBERS_FROM = date(2026, 4, 1)
# DfE's school-level SEN census, a real extract (tests/data/SOURCES.md): what the partnership
# pages and the governance pack read for pupils with SEN support and EHC plans.
DEMO_CENSUS = (
    Path(__file__).resolve().parents[1] / "tests" / "data" / "gias" / "sen" / "2022-2023_england_census_subset.csv"
)
DEMO_CENSUS_YEAR = 2022


def _census() -> None:
    if SchoolCensus.objects.filter(academic_year=DEMO_CENSUS_YEAR).exists():
        return
    school_census_import(parsed=read_census(DEMO_CENSUS), academic_year=DEMO_CENSUS_YEAR)


def _load_schools() -> None:
    for fields in read_london_extract(DEMO_SCHOOLS):
        urn = fields.pop("urn")
        # The derived extract has no ages; its phases are enough to judge eligibility here.
        fields["is_imf_eligible"], fields["eligibility_reason"] = imf_eligibility(
            type_name=fields["type_name"], phase=fields["phase"], status=fields["status"], low_age=None, high_age=None
        )
        School.objects.update_or_create(urn=urn, defaults=fields)


def seed(ctx: Any) -> None:
    _load_schools()
    _census()
    trust, la = ctx.bodies["step-academy-trust"], ctx.bodies["kingston"]
    for body in (trust, la):
        with body_only_context(body):  # out of the platform's context, which sees every body's policies
            policy_ensure_default(actor=ctx.staff, tenant=body, effective_from=POLICY_FROM)

    preview = own_academies_preview(tenant=trust, start_date=MEMBERS_FROM)
    if preview.to_add:
        own_academies_add(
            actor=ctx.staff, tenant=trust, start_date=MEMBERS_FROM, school_ids=[s.pk for s in preview.to_add]
        )
    maintained = School.objects.filter(la_code=la.la_code, is_imf_eligible=True).order_by("name")
    with tenant_context(la):
        taken = set(Arrangement.objects.values_list("school_id", flat=True))
    for school in maintained:
        if school.pk in taken or not school.is_maintained:
            continue
        arrangement = arrangement_propose(
            actor=ctx.staff,
            tenant=la,
            school_id=school.pk,
            basis="maintained_via_la",
            counterparty=f"The governing body of {school.name}",
            start_date=MEMBERS_FROM,
            agreement_reference="Scheme for financing schools, section 3",
        )
        arrangement_activate(actor=ctx.staff, tenant=la, arrangement_id=arrangement.pk)

    latchmere = School.objects.filter(urn=138689).first()  # a standalone academy trust joining by contract
    if latchmere is not None:
        with tenant_context(la):
            exists = Arrangement.objects.filter(school=latchmere).exists()
        if not exists:
            arrangement = arrangement_propose(
                actor=ctx.staff,
                tenant=la,
                school_id=latchmere.pk,
                basis="contracted_trust",
                counterparty="Latchmere Academy Trust",
                start_date=MEMBERS_FROM,
                agreement_reference="KINGSTON-IMF-2026-001",
                agreement_document=SimpleUploadedFile("demo-signed-agreement.pdf", DEMO_AGREEMENT_PDF),
            )
            arrangement_activate(actor=ctx.staff, tenant=la, arrangement_id=arrangement.pk)

    for slug, school_name in DEMO_HEAD_SCHOOLS.items():
        body = ctx.bodies[slug]
        head_school = School.objects.filter(name=school_name).first()
        if head_school is None:
            continue
        domain = "step.example" if body.is_trust else "kingston.example"
        for role in (Role.HEAD, Role.SENDCO):
            ctx.grant(
                body,
                f"{role.value}@{domain}",
                f"Demo {role.label}",
                role,
                school_id=head_school.pk,
                school_label=head_school.name,
            )
