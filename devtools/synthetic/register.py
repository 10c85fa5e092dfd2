"""The schools and responsible bodies of a synthetic data set.

Schools come from the real January 2023 school census (real URNs, LA codes, pupil, EHC
plan and SEN support counts) joined by URN to the DfE 2019-20 pupil premium file for names,
LA names and types. Schools missing from that file get a made-up name and a type drawn in
national proportions. Academies are grouped into trusts by LA (trusts are regional), with
the national size distribution: about 1,000 single-academy trusts, most multi-academy
trusts 2 to 9 schools, about 170 with 10 to 20, about 20 with 30 or more, the largest ~90.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from groupings.models import ACADEMY_TYPES, MAINTAINED_TYPES

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "gias"
CENSUS_FILE = DATA_DIR / "sen" / "2022-2023_england_census.csv"
NAMES_FILE = DATA_DIR / "funding" / "pupil-premium-2019-2020.csv"

STATE_FUNDED = {
    "State-funded primary": ("Primary", "Primary school"),
    "State-funded secondary": ("Secondary", "Secondary school"),
    "State-funded special school": ("Not applicable", "Special school"),
    "State-funded AP school": ("Not applicable", "Alternative provision"),
    "State-funded nursery": ("Nursery", "Nursery school"),
}
TYPE_GROUP = {
    **{t: "Local authority maintained schools" for t in MAINTAINED_TYPES},
    **{t: "Academies" for t in ACADEMY_TYPES},
    "Free schools": "Free Schools",
}
AGES = {"Primary": (4, 11), "Secondary": (11, 16), "Nursery": (2, 5), "Not applicable": (5, 16)}
PLACES = (
    "Oak", "Ash", "Willow", "Cedar", "Riverside", "Meadow", "Hill", "Valley", "Forest", "Harbour",
    "Moor", "Brook", "Beacon", "Castle", "Orchard", "Heath", "Vale", "Downs", "Fen", "Marsh",
)  # fmt: skip
TRUST_WORDS = ("Learning Trust", "Academy Trust", "Schools Trust", "Education Trust", "Multi-Academy Trust")


@dataclass
class SchoolSpec:
    urn: int
    name: str
    la_code: str
    la_name: str
    establishment_number: str
    type_name: str
    phase: str
    pupils: int
    ehc_plans: int
    sen_support: int

    @property
    def eligible(self) -> bool:
        return self.phase in {"Primary", "Secondary"}

    @property
    def is_academy(self) -> bool:
        return self.type_name in ACADEMY_TYPES or self.type_name == "Free schools"


@dataclass
class BodySpec:
    kind: str  # academy_trust | local_authority
    legal_name: str
    slug: str
    la_code: str = ""
    companies_house_number: str = ""
    gias_group_uid: int | None = None
    schools: list[SchoolSpec] = field(default_factory=list)


def _int(value: str) -> int:
    try:
        return int(float(value))
    except ValueError:
        return 0


def read_census(path: Path = CENSUS_FILE, names_path: Path = NAMES_FILE) -> list[SchoolSpec]:
    """Every state-funded school in the census, with names and types where known, by URN."""
    names: dict[str, tuple[str, str, str]] = {}
    by_la_code: dict[str, str] = {}
    if names_path.exists():
        with names_path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                names[row["URN"]] = (row["School Name"], row["Local Authority"], row["School Type"])
                by_la_code.setdefault(row["LA"], row["Local Authority"])
    schools: list[SchoolSpec] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["URN"] == "NAT" or row["SCHOOLTYPE"] not in STATE_FUNDED:
                continue
            phase, fallback = STATE_FUNDED[row["SCHOOLTYPE"]]
            name, la_name, type_name = names.get(row["URN"], ("", "", ""))
            la_code = row["LA"]
            la_name = la_name or by_la_code.get(la_code, f"Local authority {la_code}")
            schools.append(
                SchoolSpec(
                    urn=int(row["URN"]),
                    name=name or f"{la_name} {fallback} {row['ESTAB']}",
                    la_code=la_code,
                    la_name=la_name,
                    establishment_number=row["ESTAB"][:4],
                    type_name=type_name,
                    phase=phase,
                    pupils=_int(row["NOR"]),
                    ehc_plans=_int(row["TSENELSE"]),
                    sen_support=_int(row["TSENELK"]),
                )
            )
    schools.sort(key=lambda s: s.urn)
    return schools


# The pupil premium file's type names, as GIAS names them.
PP_TYPES = {
    "Free School": "Free schools",
    "Special Academy": "Academy special converter",
    "AP Academy": "Academy alternative provision converter",
    "Free School AP": "Free schools alternative provision",
    "Free School-Special": "Free schools special",
}


def _fill_types(schools: list[SchoolSpec], rng: random.Random) -> None:
    """GIAS type names for every school: the pupil premium file's "Mainstream Academy" is
    a converter or a sponsored academy; schools the file does not know get a type in national
    proportions (about 40% of primaries and 80% of secondaries are academies)."""
    for school in schools:
        if school.type_name == "Mainstream Academy":
            school.type_name = "Academy converter" if rng.random() < 0.7 else "Academy sponsor led"
        school.type_name = PP_TYPES.get(school.type_name, school.type_name)
        if school.type_name:
            continue
        academy_share = {"Primary": 0.4, "Secondary": 0.8}.get(school.phase, 0.5)
        if rng.random() < academy_share:
            school.type_name = rng.choice(["Academy converter", "Academy converter", "Academy sponsor led"])
        else:
            school.type_name = rng.choice(["Community school", "Voluntary aided school", "Foundation school"])


def _trust_sizes(academies: int, rng: random.Random) -> list[int]:
    """Sizes of trusts for ``academies`` schools in the national distribution, scaled."""
    scale = academies / 9_300
    sizes = [1] * round(1_000 * scale)
    sizes += [rng.randint(30, 60) for _ in range(round(19 * scale))]
    if academies >= 90:
        sizes.append(90)
    sizes += [rng.randint(10, 20) for _ in range(round(170 * scale))]
    sizes += [rng.randint(21, 29) for _ in range(round(15 * scale))]
    remaining = academies - sum(sizes)
    while remaining > 1:
        size = min(remaining, rng.choice([2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7, 8, 9]))
        sizes.append(size)
        remaining -= size
    if remaining == 1:
        sizes.append(1)
    while sum(sizes) > academies:  # small scales: trim the largest
        sizes.sort()
        sizes[-1] -= sum(sizes) - academies
        sizes = [s for s in sizes if s > 0]
    rng.shuffle(sizes)
    return sizes


def build_bodies(schools: list[SchoolSpec], rng: random.Random) -> list[BodySpec]:
    """Local authorities for maintained schools, trusts (regional) for academies."""
    _fill_types(schools, rng)
    bodies: list[BodySpec] = []
    las: dict[str, BodySpec] = {}
    for school in schools:
        if school.la_code not in las:
            las[school.la_code] = BodySpec(
                kind="local_authority",
                legal_name=f"{school.la_name} Council",
                slug=f"la-{school.la_code}",
                la_code=school.la_code,
            )
        if not school.is_academy:
            las[school.la_code].schools.append(school)
    bodies.extend(las[code] for code in sorted(las))
    academies = sorted((s for s in schools if s.is_academy), key=lambda s: (s.la_code, s.urn))
    position = 0
    for n, size in enumerate(_trust_sizes(len(academies), rng)):
        members = academies[position : position + size]
        position += size
        if not members:
            break
        uid = 10_000 + n
        place = rng.choice(PLACES)
        name = f"{place} {members[0].la_name} {rng.choice(TRUST_WORDS)}" if size > 1 else f"{members[0].name} Trust"
        bodies.append(
            BodySpec(
                kind="academy_trust",
                legal_name=name[:200],
                slug=f"trust-{uid}",
                companies_house_number=f"{7_000_000 + n:08d}",
                gias_group_uid=uid,
                schools=members,
            )
        )
    return bodies
