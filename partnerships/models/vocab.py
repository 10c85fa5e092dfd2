"""Shared vocabulary: SEN2 primary-need codes, phases, terms and Experts at Hand professions."""

from __future__ import annotations

import re

from django.db import models

from groupings.policy_defaults import AREAS_OF_NEED, need_codes

NEED_CODES: tuple[str, ...] = tuple(str(n["code"]) for a in AREAS_OF_NEED for n in a["needs"])  # type: ignore[attr-defined]
NEED_LABELS: dict[str, str] = {str(n["code"]): str(n["label"]) for a in AREAS_OF_NEED for n in a["needs"]}  # type: ignore[attr-defined]
assert set(NEED_CODES) == need_codes(AREAS_OF_NEED)

NEED_CHOICES = [(code, f"{code}: {NEED_LABELS[code]}") for code in NEED_CODES]


class Phase(models.TextChoices):
    EARLY_YEARS = "early_years", "Early years"
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"
    POST_16 = "post_16", "Post-16"


PHASES: tuple[str, ...] = tuple(p.value for p in Phase)


class Profession(models.TextChoices):
    EDUCATIONAL_PSYCHOLOGIST = "ep", "Educational psychologists"
    SPEECH_AND_LANGUAGE = "salt", "Speech and language therapists"
    OCCUPATIONAL_THERAPIST = "ot", "Occupational therapists"
    SPECIALIST_TEACHER = "specialist_teacher", "Specialist teachers"


PROFESSIONS: tuple[str, ...] = tuple(p.value for p in Profession)

# "2026/27 autumn": the academic year and the term (groupings.need_signals.term_of).
TERM_PATTERN = r"^[0-9]{4}/[0-9]{2} (autumn|spring|summer)$"
_TERM = re.compile(TERM_PATTERN)


def is_term(text: str) -> bool:
    if not _TERM.match(text):
        return False
    start, end = int(text[:4]), int(text[5:7])
    return (start + 1) % 100 == end
