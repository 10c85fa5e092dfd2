#!/usr/bin/env python3
"""Write a synthetic GIAS establishments extract in the native format, for load tests.

    python scripts/make_synthetic_gias.py --rows 50000 --out /tmp/national.csv [--seed 1]

The file has the 140 columns of the 2024 ``edubasealldata`` download in their order,
Windows-1252, CRLF line endings and the GIAS quoting (text quoted, numbers not). Values
are made up but shaped like the real register: real LA codes and names, types and phases
in roughly national proportions, about two in five establishments closed, trust codes on
academies, and names with a few characters outside ASCII (é, à, ’). URNs start at 900000
(``--first-urn``) so they never collide with real ones and are easy to delete."""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, timedelta
from pathlib import Path

HEADER = [
    "URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName", "TypeOfEstablishment (code)",
    "TypeOfEstablishment (name)", "EstablishmentTypeGroup (code)", "EstablishmentTypeGroup (name)",
    "EstablishmentStatus (code)", "EstablishmentStatus (name)", "ReasonEstablishmentOpened (code)",
    "ReasonEstablishmentOpened (name)", "OpenDate", "ReasonEstablishmentClosed (code)",
    "ReasonEstablishmentClosed (name)", "CloseDate", "PhaseOfEducation (code)", "PhaseOfEducation (name)",
    "StatutoryLowAge", "StatutoryHighAge", "Boarders (code)", "Boarders (name)", "NurseryProvision (name)",
    "OfficialSixthForm (code)", "OfficialSixthForm (name)", "Gender (code)", "Gender (name)",
    "ReligiousCharacter (code)", "ReligiousCharacter (name)", "ReligiousEthos (name)", "Diocese (code)",
    "Diocese (name)", "AdmissionsPolicy (code)", "AdmissionsPolicy (name)", "SchoolCapacity",
    "SpecialClasses (code)", "SpecialClasses (name)", "CensusDate", "NumberOfPupils", "NumberOfBoys",
    "NumberOfGirls", "PercentageFSM", "TrustSchoolFlag (code)", "TrustSchoolFlag (name)", "Trusts (code)",
    "Trusts (name)", "SchoolSponsorFlag (name)", "SchoolSponsors (name)", "FederationFlag (name)",
    "Federations (code)", "Federations (name)", "UKPRN", "FEHEIdentifier", "FurtherEducationType (name)",
    "OfstedLastInsp", "OfstedSpecialMeasures (code)", "OfstedSpecialMeasures (name)", "LastChangedDate",
    "Street", "Locality", "Address3", "Town", "County (name)", "Postcode", "SchoolWebsite", "TelephoneNum",
    "HeadTitle (name)", "HeadFirstName", "HeadLastName", "HeadPreferredJobTitle", "BSOInspectorateName (name)",
    "InspectorateReport", "DateOfLastInspectionVisit", "NextInspectionVisit", "TeenMoth (name)", "TeenMothPlaces",
    "CCF (name)", "SENPRU (name)", "EBD (name)", "PlacesPRU", "FTProv (name)", "EdByOther (name)",
    "Section41Approved (name)", "SEN1 (name)", "SEN2 (name)", "SEN3 (name)", "SEN4 (name)", "SEN5 (name)",
    "SEN6 (name)", "SEN7 (name)", "SEN8 (name)", "SEN9 (name)", "SEN10 (name)", "SEN11 (name)", "SEN12 (name)",
    "SEN13 (name)", "TypeOfResourcedProvision (name)", "ResourcedProvisionOnRoll", "ResourcedProvisionCapacity",
    "SenUnitOnRoll", "SenUnitCapacity", "GOR (code)", "GOR (name)", "DistrictAdministrative (code)",
    "DistrictAdministrative (name)", "AdministrativeWard (code)", "AdministrativeWard (name)",
    "ParliamentaryConstituency (code)", "ParliamentaryConstituency (name)", "UrbanRural (code)",
    "UrbanRural (name)", "GSSLACode (name)", "Easting", "Northing", "MSOA (name)", "LSOA (name)",
    "InspectorateName (name)", "SENStat", "SENNoStat", "BoardingEstablishment (name)", "PropsName",
    "PreviousLA (code)", "PreviousLA (name)", "PreviousEstablishmentNumber", "OfstedRating (name)",
    "RSCRegion (name)", "Country (name)", "UPRN", "SiteName", "QABName (code)", "QABName (name)",
    "EstablishmentAccredited (code)", "EstablishmentAccredited (name)", "QABReport", "CHNumber", "MSOA (code)",
    "LSOA (code)", "FSM", "AccreditationExpiryDate",
]  # fmt: skip

# Real local authority codes and names (a cross-section of England).
LAS = {
    "201": "City of London", "202": "Camden", "203": "Greenwich", "204": "Hackney",
    "205": "Hammersmith and Fulham", "206": "Islington", "207": "Kensington and Chelsea", "208": "Lambeth",
    "209": "Lewisham", "210": "Southwark", "211": "Tower Hamlets", "212": "Wandsworth", "213": "Westminster",
    "301": "Barking and Dagenham", "302": "Barnet", "303": "Bexley", "304": "Brent", "305": "Bromley",
    "306": "Croydon", "307": "Ealing", "308": "Enfield", "309": "Haringey", "310": "Harrow", "311": "Havering",
    "312": "Hillingdon", "313": "Hounslow", "314": "Kingston upon Thames", "315": "Merton", "316": "Newham",
    "317": "Redbridge", "318": "Richmond upon Thames", "319": "Sutton", "320": "Waltham Forest",
    "330": "Birmingham", "331": "Coventry", "332": "Dudley", "333": "Sandwell", "336": "Wolverhampton",
    "341": "Liverpool", "352": "Manchester", "373": "Sheffield", "380": "Bradford", "383": "Leeds",
    "391": "Newcastle upon Tyne", "801": "Bristol, City of", "815": "North Yorkshire", "830": "Derbyshire",
    "850": "Hampshire", "855": "Leicestershire", "860": "Staffordshire", "865": "Wiltshire", "873": "Cambridgeshire",
    "878": "Devon", "881": "Essex", "886": "Kent", "888": "Lancashire", "891": "Nottinghamshire",
    "908": "Cornwall", "916": "Gloucestershire", "919": "Hertfordshire", "925": "Lincolnshire", "926": "Norfolk",
    "931": "Oxfordshire", "935": "Suffolk", "936": "Surrey", "937": "Warwickshire", "938": "West Sussex",
}  # fmt: skip

# (type code, type name, type group code, type group name, weight, phases)
TYPES = [
    ("01", "Community school", "4", "Local authority maintained schools", 26, "school"),
    ("02", "Voluntary aided school", "4", "Local authority maintained schools", 8, "school"),
    ("03", "Voluntary controlled school", "4", "Local authority maintained schools", 7, "school"),
    ("05", "Foundation school", "4", "Local authority maintained schools", 3, "school"),
    ("28", "Academy sponsor led", "10", "Academies", 6, "school"),
    ("34", "Academy converter", "10", "Academies", 18, "school"),
    ("35", "Free schools", "11", "Free Schools", 2, "school"),
    ("15", "Local authority nursery school", "4", "Local authority maintained schools", 2, "nursery"),
    ("07", "Community special school", "5", "Special schools", 3, "special"),
    ("33", "Academy special converter", "10", "Academies", 1, "special"),
    ("10", "Other independent special school", "5", "Special schools", 3, "special"),
    ("11", "Other independent school", "3", "Independent schools", 9, "special"),
    ("14", "Pupil referral unit", "4", "Local authority maintained schools", 2, "special"),
    ("18", "Further education", "1", "Colleges", 2, "college"),
    ("25", "Offshore schools", "9", "Other types", 1, "special"),
]
# Columns the importer does not read, filled as a typical row is so the file has the size
# and shape of the real one (about 1.2 kB a row).
FILLER = {
    "ReasonEstablishmentOpened (code)": "00", "ReasonEstablishmentOpened (name)": "Not applicable",
    "ReasonEstablishmentClosed (code)": "00", "ReasonEstablishmentClosed (name)": "Not applicable",
    "Boarders (code)": "1", "Boarders (name)": "No boarders", "NurseryProvision (name)": "No Nursery Classes",
    "OfficialSixthForm (code)": "0", "OfficialSixthForm (name)": "Not applicable", "Gender (code)": "3",
    "ReligiousCharacter (code)": "99", "ReligiousCharacter (name)": "Does not apply",
    "ReligiousEthos (name)": "Does not apply", "AdmissionsPolicy (code)": "0",
    "AdmissionsPolicy (name)": "Not applicable", "SpecialClasses (code)": "2",
    "SpecialClasses (name)": "No Special Classes", "CensusDate": "16-01-2025", "TrustSchoolFlag (code)": "0",
    "TrustSchoolFlag (name)": "Not applicable", "SchoolSponsorFlag (name)": "Not applicable",
    "FederationFlag (name)": "Not applicable", "FurtherEducationType (name)": "Not applicable",
    "OfstedSpecialMeasures (code)": "0", "OfstedSpecialMeasures (name)": "Not applicable",
    "HeadTitle (name)": "Mrs", "HeadFirstName": "Alexandra", "HeadLastName": "Westwood",
    "HeadPreferredJobTitle": "Headteacher", "BSOInspectorateName (name)": "Not applicable",
    "TeenMoth (name)": "Not applicable", "CCF (name)": "Not applicable", "SENPRU (name)": "Not applicable",
    "EBD (name)": "Not applicable", "EdByOther (name)": "Not applicable", "Section41Approved (name)": "Not applicable",
    "UrbanRural (code)": "A1", "UrbanRural (name)": "(England/Wales) Urban major conurbation",
    "QABName (code)": "0", "QABName (name)": "Not applicable", "EstablishmentAccredited (code)": "0",
    "EstablishmentAccredited (name)": "Not applicable", "RSCRegion (name)": "South-West England",
}  # fmt: skip
SCHOOL_PHASES = [("2", "Primary", 4, 11, 75), ("4", "Secondary", 11, 18, 18), ("7", "All-through", 4, 18, 3),
                 ("3", "Middle deemed primary", 8, 12, 2), ("5", "Middle deemed secondary", 9, 13, 2)]  # fmt: skip
STATUSES = [("1", "Open", 56), ("2", "Closed", 41), ("3", "Open, but proposed to close", 2),
            ("4", "Proposed to open", 1)]  # fmt: skip
PLACES = ["Ashby", "Barrow", "Chudleigh", "Denton", "Elmhurst", "Farley", "Grantham", "Holme", "Ivybridge",
          "Kingsgate", "Latchmere", "Marston", "Norbury", "Oakfield", "Priory", "Queensbury", "Rydal", "Sefton",
          "Thornhill", "Upton", "Valley", "Westbury", "Yardley"]  # fmt: skip
SAINTS = ["St Mary’s", "St Thomas à Becket", "St Joseph’s", "St Peter’s", "Holy Trinity", "St André", "Our Lady’s"]
TRUST_WORDS = ["Learning", "Academies", "Education", "Schools", "Co-operative", "Church of England", "Catholic"]


def _date(rng: random.Random, start: int, end: int) -> date:
    return date(start, 1, 1) + timedelta(days=rng.randrange((date(end, 12, 31) - date(start, 1, 1)).days))


def _name(rng: random.Random, kind: str, phase: str) -> str:
    place = rng.choice(PLACES)
    if kind == "nursery":
        return f"{place} Nursery School"
    if kind == "special":
        return rng.choice([f"{place} School", f"{place} House School", f"The {place} Centre"])
    if kind == "college":
        return f"{place} College"
    base = f"{rng.choice(SAINTS)} CofE" if rng.random() < 0.12 else place
    if rng.random() < 0.01:
        base = f"École {place}"
    suffix = {"Primary": "Primary School", "Secondary": rng.choice(["Academy", "High School", "School"])}
    return f"{base} {suffix.get(phase, 'School')}"


def write_extract(path: Path, *, rows: int, seed: int = 1, first_urn: int = 900_000) -> None:
    rng = random.Random(seed)  # noqa: S311 (made-up data, not secrets)
    la_codes = list(LAS)
    trusts = {2000 + n: f"{rng.choice(PLACES)} {rng.choice(TRUST_WORDS)} Trust" for n in range(max(rows // 20, 10))}
    trust_ids = list(trusts)
    index = {name: position for position, name in enumerate(HEADER)}
    type_weights = [t[4] for t in TYPES]
    phase_weights = [p[4] for p in SCHOOL_PHASES]
    status_weights = [s[2] for s in STATUSES]
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
        writer.writerow(HEADER)
        for offset in range(rows):
            urn = first_urn + offset
            type_code, type_name, group_code, group_name, _, kind = rng.choices(TYPES, type_weights)[0]
            status_code, status, _ = rng.choices(STATUSES, status_weights)[0]
            if kind == "school":
                phase_code, phase, low, high, _ = rng.choices(SCHOOL_PHASES, phase_weights)[0]
            elif kind == "nursery":
                phase_code, phase, low, high = "1", "Nursery", 2, 5
            elif kind == "college":
                phase_code, phase, low, high = "6", "16 plus", 16, 99
            else:
                phase_code, phase = "0", "Not applicable"
                low, high = rng.choice([3, 5, 7, 11]), rng.choice([16, 18, 19])
            la = rng.choice(la_codes)
            opened = _date(rng, 1990, 2024) if type_name in {"Academy converter", "Academy sponsor led"} else None
            closed = _date(rng, 2000, 2025) if status == "Closed" else None
            pupils = None if status in {"Closed", "Proposed to open"} else rng.randint(20, 1800 if high > 11 else 650)
            row: list[object] = [""] * len(HEADER)
            district = rng.randint(10_000, 99_999)
            values: dict[str, object] = {
                **FILLER,
                "URN": urn,
                "LA (code)": int(la),
                "LA (name)": LAS[la],
                "EstablishmentNumber": rng.randint(1000, 7999),
                "EstablishmentName": _name(rng, kind, phase),
                "TypeOfEstablishment (code)": type_code,
                "TypeOfEstablishment (name)": type_name,
                "EstablishmentTypeGroup (code)": group_code,
                "EstablishmentTypeGroup (name)": group_name,
                "EstablishmentStatus (code)": status_code,
                "EstablishmentStatus (name)": status,
                "OpenDate": opened.strftime("%d-%m-%Y") if opened else "",
                "CloseDate": closed.strftime("%d-%m-%Y") if closed else "",
                "PhaseOfEducation (code)": phase_code,
                "PhaseOfEducation (name)": phase,
                "StatutoryLowAge": low,
                "StatutoryHighAge": high,
                "Gender (name)": "Mixed",
                "NumberOfPupils": pupils if pupils is not None else "",
                "PercentageFSM": round(rng.uniform(0, 60), 1) if pupils is not None else "",
                "UKPRN": 10_000_000 + urn % 90_000_000 if rng.random() < 0.8 else "",
                "Postcode": f"{rng.choice('BDEGLMNRSTW')}{rng.randint(1, 29)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",  # noqa: E501
                "Street": f"{rng.randint(1, 200)} {rng.choice(PLACES)} Road",
                "Town": rng.choice(PLACES),
                "SchoolWebsite": f"http://www.school{urn}.sch.uk",
                "TelephoneNum": f"0{rng.randint(1_000_000_000, 1_999_999_999)}",
                "NumberOfBoys": pupils // 2 if pupils is not None else "",
                "NumberOfGirls": pupils - pupils // 2 if pupils is not None else "",
                "SchoolCapacity": (pupils or 200) + rng.randint(0, 60),
                "GOR (code)": "K",
                "GOR (name)": "South West",
                "DistrictAdministrative (code)": f"E0700{district % 1000:04d}",
                "DistrictAdministrative (name)": LAS[la],
                "AdministrativeWard (code)": f"E05{district:06d}",
                "AdministrativeWard (name)": rng.choice(PLACES),
                "ParliamentaryConstituency (code)": f"E14{district % 10_000:06d}",
                "ParliamentaryConstituency (name)": f"{rng.choice(PLACES)} and {rng.choice(PLACES)}",
                "GSSLACode (name)": f"E0{district % 10_000_000:08d}",
                "Easting": rng.randint(130_000, 650_000),
                "Northing": rng.randint(10_000, 650_000),
                "MSOA (name)": f"{LAS[la]} {rng.randint(1, 40):03d}",
                "LSOA (name)": f"{LAS[la]} {rng.randint(1, 40):03d}A",
                "MSOA (code)": f"E0200{district % 10_000:04d}",
                "LSOA (code)": f"E0100{district:05d}",
                "UPRN": rng.randint(10_000_000_000, 99_999_999_999),
                "OfstedRating (name)": rng.choice(["Good", "Outstanding", "Requires improvement", ""]),
                "OfstedLastInsp": _date(rng, 2015, 2025).strftime("%d-%m-%Y"),
                "LastChangedDate": _date(rng, 2023, 2025).strftime("%d-%m-%Y"),
                "Country (name)": "United Kingdom",
            }
            if type_name in {"Academy converter", "Academy sponsor led", "Free schools", "Academy special converter"}:
                trust = rng.choice(trust_ids)
                values["Trusts (code)"], values["Trusts (name)"] = trust, trusts[trust]
                values["TrustSchoolFlag (name)"] = "Supported by a multi-academy trust"
            if kind == "school" and rng.random() < 0.04:
                values["TypeOfResourcedProvision (name)"] = "Resourced provision"
                values["ResourcedProvisionCapacity"] = rng.choice([8, 10, 12, 15, 20])
            for name, value in values.items():
                row[index[name]] = value
            writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first-urn", type=int, default=900_000)
    args = parser.parse_args()
    write_extract(args.out, rows=args.rows, seed=args.seed, first_urn=args.first_urn)
    print(f"Wrote {args.rows} establishments to {args.out}")


if __name__ == "__main__":
    main()
