"""Demo data for groupings: real schools of the demo trust and local authority, and a head
and SENDCO for one school in each. Idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accounts.models import Role
from groupings.gias import read_london_extract
from groupings.models import School

DEMO_SCHOOLS = Path(__file__).resolve().parent / "data" / "demo_london_schools.csv"
DEMO_HEAD_SCHOOLS = {"step-academy-trust": "Gonville Academy", "kingston": "Latchmere School"}


def seed(ctx: Any) -> None:
    for fields in read_london_extract(DEMO_SCHOOLS):
        School.objects.update_or_create(urn=fields.pop("urn"), defaults=fields)
    for slug, school_name in DEMO_HEAD_SCHOOLS.items():
        body = ctx.bodies[slug]
        school = (
            School.objects.filter(name=school_name).first()
            or School.objects.filter(la_code=body.la_code or "---").first()
        )
        if school is None:
            continue
        domain = "step.example" if body.is_trust else "kingston.example"
        for role in (Role.HEAD, Role.SENDCO):
            ctx.grant(
                body,
                f"{role.value}@{domain}",
                f"Demo {role.label}",
                role,
                school_id=school.pk,
                school_label=school.name,
            )
