"""Importing the school register from GIAS files: ``manage.py import_gias`` end to end.

Real samples are trimmed copies of public files in ``tests/data/gias`` (its SOURCES.md says
which rows); the corrupted files are ours, in ``tests/groupings/data`` (README there)."""

from __future__ import annotations

import csv
import importlib.util
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import ApplicationError
from core.models import AuditEvent
from core.tenancy import platform_context
from groupings.gias import read_establishments, read_london_extract
from groupings.models import School, SchoolLink, Trust
from groupings.services.register import school_register_import
from tests.sample_data import sample

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SUBSET_URNS = {100000, 100004, 101173, 101077, 137666, 150516, 124087, 126370}


@pytest.fixture
def subset() -> Path:
    return sample("establishments/edubasealldata_subset_2024_mixed.csv")


def run(*args: object) -> str:
    out = StringIO()
    call_command("import_gias", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def refused(*args: object) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    return str(caught.value)


def audit_events() -> list[AuditEvent]:
    with platform_context():
        return list(AuditEvent.objects.filter(verb="school_register.imported").order_by("id"))


def rewrite(source: Path, target: Path, changes: dict[tuple[str, str], str]) -> Path:
    """Copy a native extract, changing {(URN, column): value}; same encoding and layout."""
    with source.open(encoding="cp1252", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for row in rows[1:]:
        for (urn, column), value in changes.items():
            if row[0] == urn:
                row[header.index(column)] = value
    with target.open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return target


# --- The real native subset --------------------------------------------------------------


def test_real_native_subset_imports_every_school_with_its_values_and_eligibility(subset: Path) -> None:
    out = run(subset)

    assert "edubasealldata_subset_2024_mixed.csv (schools): created 8, updated 0, unchanged 0, rejected 0" in out
    assert set(School.objects.values_list("urn", flat=True)) == SUBSET_URNS

    academy = School.objects.get(urn=137666)
    assert academy.name == "Chudleigh Knighton Church of England Primary School"
    assert (academy.la_code, academy.la_name, academy.establishment_number) == ("878", "Devon", "3106")
    assert (academy.type_name, academy.type_group, academy.phase) == ("Academy converter", "Academies", "Primary")
    assert (academy.statutory_low_age, academy.statutory_high_age) == (5, 11)
    assert (academy.number_of_pupils, academy.percentage_fsm) == (100, Decimal("19.00"))
    assert (academy.trust_uid, academy.trust_name) == (3104, "THE FIRST FEDERATION TRUST")
    assert (academy.ukprn, academy.postcode) == (10035224, "TQ13 0EU")
    assert (academy.opened_on, academy.closed_on) == (date(2011, 11, 1), None)
    assert academy.is_imf_eligible is True
    assert academy.eligibility_reason == "Mainstream state-funded school for 5 to 16 year olds"

    independent = School.objects.get(urn=101173)
    assert independent.is_imf_eligible is False
    assert independent.eligibility_reason == "Other independent special school is not a mainstream state-funded school"

    nursery = School.objects.get(urn=100004)
    assert (nursery.status, nursery.closed_on) == ("Closed", date(1992, 8, 31))
    assert nursery.is_imf_eligible is False
    assert nursery.eligibility_reason == "Local authority nursery school is not a mainstream state-funded school"

    closing = School.objects.get(urn=126370)
    assert (closing.status, closing.closed_on, closing.is_imf_eligible) == (
        "Open, but proposed to close",
        date(2024, 7, 31),
        True,
    )
    aldgate = School.objects.get(urn=100000)
    assert (aldgate.percentage_fsm, aldgate.ukprn, aldgate.opened_on) == (Decimal("18.10"), 10079319, None)
    assert School.objects.get(urn=150516).la_code == "0"  # a British school overseas: LA "Does not apply"
    assert School.objects.filter(is_imf_eligible=True).count() == 4  # 100000, 137666, 124087, 126370

    [event] = audit_events()
    assert event.responsible_body_id is None
    assert event.after == {"establishments": {"created": 8, "updated": 0, "unchanged": 0, "rejected": 0, "skipped": 0}}


def test_importing_the_same_file_again_changes_and_writes_nothing(subset: Path) -> None:
    run(subset)
    stamps = dict(School.objects.values_list("urn", "updated_at"))

    with CaptureQueriesContext(connection) as queries:
        out = run(subset)

    assert "created 0, updated 0, unchanged 8, rejected 0" in out
    assert dict(School.objects.values_list("urn", "updated_at")) == stamps
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert writes == []
    assert len(audit_events()) == 1


def test_a_changed_row_updates_exactly_that_school_and_its_eligibility(subset: Path, tmp_path: Path) -> None:
    run(subset)
    stamps = dict(School.objects.values_list("urn", "updated_at"))
    changed = rewrite(
        subset,
        tmp_path / "edubasealldata20250101.csv",
        {("126370", "EstablishmentStatus (name)"): "Closed", ("126370", "NumberOfPupils"): "0"},
    )

    out = run(changed)

    assert "created 0, updated 1, unchanged 7, rejected 0" in out
    school = School.objects.get(urn=126370)
    assert (school.status, school.number_of_pupils) == ("Closed", 0)
    assert (school.is_imf_eligible, school.eligibility_reason) == (False, "The school is closed")
    after = dict(School.objects.values_list("urn", "updated_at"))
    assert [urn for urn in SUBSET_URNS if after[urn] != stamps[urn]] == [126370]
    assert audit_events()[-1].after["establishments"]["updated"] == 1


def test_a_file_without_optional_columns_leaves_those_fields_as_stored(subset: Path, tmp_path: Path) -> None:
    run(subset)
    lean = tmp_path / "lean.csv"
    lean.write_text(
        "URN,EstablishmentName,LA (code),TypeOfEstablishment (name),EstablishmentStatus (name),"
        "PhaseOfEducation (name)\r\n"
        "137666,Chudleigh Knighton CofE Primary School,878,Academy converter,Open,Primary\r\n",
        encoding="cp1252",
    )

    out = run(lean)

    assert "created 0, updated 1, unchanged 0, rejected 0" in out
    school = School.objects.get(urn=137666)
    assert school.name == "Chudleigh Knighton CofE Primary School"
    assert (school.number_of_pupils, school.trust_uid, school.opened_on) == (100, 3104, date(2011, 11, 1))


def test_columns_are_found_by_name_in_any_order_and_windows_1252_names_survive() -> None:
    out = run(DATA / "reduced_columns_cp1252.csv")

    assert "created 2, updated 0, unchanged 0, rejected 0" in out
    assert School.objects.get(urn=990001).name == "St Thomas à Becket’s Primary School"
    ecole = School.objects.get(urn=990002)
    assert (ecole.name, ecole.status, ecole.closed_on, ecole.number_of_pupils) == (
        "École Ivybridge",
        "Closed",
        date(2024, 8, 31),
        None,
    )


def test_dry_run_counts_but_writes_nothing(subset: Path) -> None:
    out = run(subset, "--dry-run")

    assert "Dry run, nothing written. edubasealldata_subset_2024_mixed.csv (schools): created 8" in out
    assert School.objects.count() == 0
    assert audit_events() == []


# --- Links and groups ----------------------------------------------------------------------


def test_real_links_record_predecessors_and_successors(subset: Path) -> None:
    links = sample("links/links_edubasealldata20250422_subset.csv")

    out = run(subset, "--links", links)

    assert "links_edubasealldata20250422_subset.csv (links): created 380, updated 0, unchanged 0, rejected 0" in out
    assert SchoolLink.objects.count() == 380
    predecessor = SchoolLink.objects.get(urn=137666)
    assert (predecessor.link_type, predecessor.linked_urn, predecessor.established_on) == (
        "Predecessor",
        113393,
        date(2011, 11, 1),
    )
    assert predecessor.linked_name == "Chudleigh Knighton Church of England Primary School"
    successor = SchoolLink.objects.get(urn=113393, link_type="Successor")
    assert (successor.linked_urn, successor.established_on) == (137666, date(2011, 10, 31))
    assert SchoolLink.objects.get(urn=100006, linked_urn=134643).link_type == "Predecessor - merged"
    # Windows-1252: 'St Thomas à Becket' is byte 0xE0 in the real file
    assert SchoolLink.objects.filter(linked_name__contains="Thomas à Becket").exists()

    again = run("--links", links)
    assert "(links): created 0, updated 0, unchanged 380, rejected 0" in again


def test_the_groups_file_upserts_trusts_and_skips_other_groups() -> None:
    out = run("--groups", DATA / "allgroupsdata_sample.csv")

    assert "allgroupsdata_sample.csv (trusts): created 3, updated 0, unchanged 0, rejected 0, skipped 2" in out
    assert "skipped groups that are not trusts: Federation 1, School sponsor 1" in out
    first = Trust.objects.get(uid=3104)
    assert (first.name, first.group_type, first.companies_house_number, first.status) == (
        "THE FIRST FEDERATION TRUST",
        "Multi-academy trust",
        "07524574",
        "Open",
    )
    assert Trust.objects.get(uid=1579).companies_house_number == "07318714"  # leading zero restored
    closed = Trust.objects.get(uid=4200)
    assert (closed.name, closed.status) == ("Académie St Thomas à Becket’s Trust", "Closed")
    assert not Trust.objects.filter(uid__in=[5001, 6001]).exists()

    again = run("--groups", DATA / "allgroupsdata_sample.csv")
    assert "created 0, updated 0, unchanged 3, rejected 0, skipped 2" in again


# --- Files that are refused, writing nothing ------------------------------------------------


def test_a_file_missing_required_columns_is_refused_naming_them() -> None:
    message = refused(DATA / "missing_required_columns.csv")

    assert message == (
        "missing_required_columns.csv is not a GIAS establishments file: the required columns "
        "'LA (code)', 'PhaseOfEducation (name)' are missing. Nothing was imported."
    )
    assert School.objects.count() == 0


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("utf16.csv", "utf16.csv is UTF-16 (it starts with a UTF-16 byte-order mark)"),
        ("utf16le_no_bom.csv", "utf16le_no_bom.csv line 1 has NUL bytes: the file looks like UTF-16"),
        ("undefined_cp1252_byte.csv", "undefined_cp1252_byte.csv line 3, byte 33 (0x81), is not a Windows-1252"),
    ],
)
def test_a_file_in_the_wrong_encoding_is_refused_with_the_reason(fixture: str, expected: str) -> None:
    message = refused(DATA / fixture)

    assert expected in message
    assert message.endswith("Nothing was imported.")
    assert School.objects.count() == 0


def test_a_utf8_file_imports_when_utf8_is_asked_for() -> None:
    out = run(DATA / "utf8_accents.csv", "--encoding", "utf-8")

    assert "utf8_accents.csv: read as UTF-8 (as asked)" in out
    assert "created 3, updated 0, unchanged 0, rejected 0" in out
    assert School.objects.get(urn=990001).name == "St Thomas à Becket’s Primary School"


def test_a_utf8_file_without_a_byte_order_mark_is_detected_and_the_import_says_so() -> None:
    out = run(DATA / "utf8_accents.csv")

    assert "utf8_accents.csv: read as UTF-8 (detected: non-ASCII text that is valid UTF-8)" in out
    assert "created 3, updated 0, unchanged 0, rejected 0" in out
    assert School.objects.get(urn=990001).name == "St Thomas à Becket’s Primary School"
    assert School.objects.get(urn=990002).name == "École Ivybridge"


def test_asking_for_windows_1252_on_a_utf8_file_is_refused_showing_the_garbling() -> None:
    message = refused(DATA / "utf8_accents.csv", "--encoding", "cp1252")

    assert message == (
        "utf8_accents.csv line 2 looks like UTF-8: read as Windows-1252, 'St Thomas à Becket’s Primary School' "
        "would become 'St Thomas Ã\xa0 Becketâ€™s Primary School'. Leave --encoding out (UTF-8 is detected) or "
        "pass --encoding utf-8. Nothing was imported."
    )
    assert School.objects.count() == 0


def test_a_utf8_byte_order_mark_is_detected_and_refused_only_when_cp1252_is_asked_for(tmp_path: Path) -> None:
    with_bom = tmp_path / "bom.csv"
    with_bom.write_bytes(b"\xef\xbb\xbf" + (DATA / "utf8_accents.csv").read_bytes())

    assert "looks like UTF-8 (it starts with a UTF-8 byte-order mark)" in refused(with_bom, "--encoding", "cp1252")
    out = run(with_bom)
    assert "bom.csv: read as UTF-8 (detected: byte-order mark)" in out
    assert "created 3" in out


def test_real_windows_1252_and_ascii_files_are_detected_as_windows_1252(subset: Path) -> None:
    out = run(subset, "--links", sample("links/links_edubasealldata20250422_subset.csv"), "--dry-run")

    assert "edubasealldata_subset_2024_mixed.csv: read as Windows-1252 (detected: ASCII only)" in out
    assert "links_edubasealldata20250422_subset.csv: read as Windows-1252 (detected: not valid UTF-8)" in out


def test_a_real_extract_resaved_as_utf8_with_a_welsh_school_imports_and_the_welsh_school_is_not_eligible(
    subset: Path, tmp_path: Path
) -> None:
    """The real native subset re-saved as UTF-8 (as Excel's "CSV UTF-8" does), with two more
    real establishments appended, each on The Aldgate School's row (a voluntary aided primary,
    every column filled as GIAS does) with its own identifying columns replaced:

    - URN 126416 "St Thomas à Becket Church of England Aided Primary School", Wiltshire (865),
      establishment 3396, voluntary aided: URN, names, LA and number as DfE's 2019-20 pupil
      premium allocations file gives them (tests/data/SOURCES.md); the "à" makes the file
      non-ASCII, so UTF-8 must be detected.
    - URN 402440 "Ysgol Santes Dwynwen", a school on Anglesey formed by amalgamation on
      31-03-2019 (GIAS's links file); GIAS lists schools in Wales as type 30 "Welsh
      establishment" in type group 6 "Welsh schools", LA 660 Isle of Anglesey. Its
      establishment number and postcode are left empty rather than invented."""
    with subset.open(encoding="cp1252", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]

    def appended(values: dict[str, str]) -> list[str]:
        row = list(rows[1])  # The Aldgate School's row as a template
        for column, value in values.items():
            row[header.index(column)] = value
        return row

    english = appended(
        {
            "URN": "126416",
            "LA (code)": "865",
            "LA (name)": "Wiltshire",
            "EstablishmentNumber": "3396",
            "EstablishmentName": "St Thomas à Becket Church of England Aided Primary School",
            "UKPRN": "",
            "Postcode": "",
        }
    )
    welsh = appended(
        {
            "URN": "402440",
            "LA (code)": "660",
            "LA (name)": "Isle of Anglesey",
            "EstablishmentNumber": "",
            "EstablishmentName": "Ysgol Santes Dwynwen",
            "TypeOfEstablishment (code)": "30",
            "TypeOfEstablishment (name)": "Welsh establishment",
            "EstablishmentTypeGroup (code)": "6",
            "EstablishmentTypeGroup (name)": "Welsh schools",
            "UKPRN": "",
            "Postcode": "",
        }
    )
    resaved = tmp_path / "edubasealldata20250422.csv"
    with resaved.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([*rows, english, welsh])

    out = run(resaved)

    assert "edubasealldata20250422.csv: read as UTF-8 (detected: non-ASCII text that is valid UTF-8)" in out
    assert "created 10, updated 0, unchanged 0, rejected 0" in out
    english_school = School.objects.get(urn=126416)
    assert english_school.name == "St Thomas à Becket Church of England Aided Primary School"
    assert (english_school.la_code, english_school.la_name) == ("865", "Wiltshire")
    assert english_school.is_imf_eligible is True
    school = School.objects.get(urn=402440)
    assert (school.name, school.la_code, school.la_name) == ("Ysgol Santes Dwynwen", "660", "Isle of Anglesey")
    assert (school.type_name, school.phase, school.status) == ("Welsh establishment", "Primary", "Open")
    assert school.is_imf_eligible is False
    assert school.eligibility_reason == (
        "Welsh establishment: the Inclusive Mainstream Fund is a grant for schools in England"
    )
    # The other English schools of the same file are read exactly as from the Windows-1252 original.
    assert School.objects.get(urn=137666).eligibility_reason == "Mainstream state-funded school for 5 to 16 year olds"
    assert School.objects.filter(is_imf_eligible=True).count() == 5


@pytest.mark.parametrize(
    ("fixture", "report"),
    [
        (
            "duplicate_urn.csv",
            ["line 5 (URN 990001): the same URN is also on line 2"],
        ),
        (
            "non_numeric_urn.csv",
            ["line 3 (URN 99O002): URN '99O002' is not a whole number", "line 4: URN is empty"],
        ),
        (
            "truncated_line.csv",
            ["line 3 (URN 990002): has 5 fields where the header has 18 (the line is cut short)"],
        ),
        (
            "bad_number.csv",
            [
                "line 2 (URN 990001): NumberOfPupils 'about 400' is not a whole number",
                "line 3 (URN 990002): PercentageFSM '9,8' is not a percentage",
                "line 4 (URN 990003): StatutoryHighAge 'five' is not a whole number",
            ],
        ),
        (
            "bad_date.csv",
            [
                "line 3 (URN 990002): OpenDate '2012-04-01' is not a date (dd-mm-yyyy)",
                "line 4 (URN 990003): CloseDate '31-02-1992' is not a date (dd-mm-yyyy)",
            ],
        ),
    ],
)
def test_bad_rows_are_each_reported_by_line_and_nothing_is_written(fixture: str, report: list[str]) -> None:
    message = refused(DATA / fixture)

    lines = message.splitlines()
    assert lines[0] == f"{fixture} (schools): created 0, updated 0, unchanged 0, rejected {len(report)}"
    assert [line.strip() for line in lines[1:-1]] == report
    assert lines[-1] == f"{len(report)} row{'s' if len(report) > 1 else ''} rejected: nothing was imported."
    assert School.objects.count() == 0
    assert audit_events() == []


def test_line_numbers_are_physical_lines_even_after_a_value_spanning_two_lines(tmp_path: Path) -> None:
    spanning = tmp_path / "spanning.csv"
    spanning.write_bytes(
        b"URN,EstablishmentName,LA (code),TypeOfEstablishment (name),EstablishmentStatus (name),"
        b"PhaseOfEducation (name),NumberOfPupils\r\n"
        b'990001,"Kingsgate Primary School\r\n(Infant site)",202,Community school,Open,Primary,420\r\n'
        b"990002,Ivybridge Community College,878,Academy converter,Open,Secondary,lots\r\n"
    )

    lines = refused(spanning).splitlines()

    assert lines[1] == "  line 4 (URN 990002): NumberOfPupils 'lots' is not a whole number"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty.csv is empty: there is no header line."),
        (b"PK\x03\x04\x14\x00\x06\x00", "empty.csv is a zip file or Excel workbook, not CSV."),
        (
            b"URN,URN,EstablishmentName,LA (code),TypeOfEstablishment (name),EstablishmentStatus (name),"
            b"PhaseOfEducation (name)\r\n",
            "empty.csv: the column URN appears twice.",
        ),
    ],
)
def test_a_file_that_is_not_a_usable_csv_is_refused(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)

    assert refused(path).startswith(expected)


def test_a_groups_file_with_bad_rows_is_refused(tmp_path: Path) -> None:
    groups = tmp_path / "allgroupsdata.csv"
    groups.write_text(
        "Group UID,Group Name,Group Type,Companies House Number,Group Status\r\n"
        "TR3104,THE FIRST FEDERATION TRUST,Multi-academy trust,07524574,Open\r\n"
        "1579,Tame Valley Co-Operative Learning Trust,Trust,0731-8714,Open\r\n"
        "4200,,Single-academy trust,09876543,Closed\r\n",
        encoding="cp1252",
    )

    assert refused("--groups", groups).splitlines() == [
        "allgroupsdata.csv (trusts): created 0, updated 0, unchanged 0, rejected 3",
        "  line 2 (Group UID TR3104): Group UID 'TR3104' is not a whole number",
        "  line 3 (Group UID 1579): Companies House Number '0731-8714' is not a Companies House number",
        "  line 4 (Group UID 4200): Group Name is empty",
        "3 rows rejected: nothing was imported.",
    ]
    assert Trust.objects.count() == 0


def test_a_bad_links_file_stops_the_whole_import(subset: Path) -> None:
    message = refused(subset, "--links", DATA / "links_with_errors.csv")

    assert message.splitlines() == [
        "edubasealldata_subset_2024_mixed.csv (schools): created 0, updated 0, unchanged 0, rejected 0",
        "links_with_errors.csv (links): created 0, updated 0, unchanged 0, rejected 4",
        "  line 3 (URN 990001): LinkURN '99OO05' is not a whole number",
        "  line 4 (URN 990002): LinkType is empty",
        "  line 5 (URN 990003): LinkEstablishedDate '1992-08-31' is not a date (dd-mm-yyyy)",
        "  line 6 (URN 990001): the same link is also on line 2",
        "4 rows rejected: nothing was imported.",
    ]
    assert School.objects.count() == 0
    assert SchoolLink.objects.count() == 0


def test_the_report_lists_fifty_rejections_and_counts_the_rest(subset: Path, tmp_path: Path) -> None:
    many = tmp_path / "many.csv"
    header = subset.read_text(encoding="cp1252").splitlines()[0]
    many.write_text(header + "\n" + "".join(f"X{n}\n" for n in range(60)), encoding="cp1252")

    lines = refused(many).splitlines()

    assert lines[0].endswith("rejected 60")
    assert lines[1] == "  line 2 (URN X0): has 1 fields where the header has 140 (the line is cut short)"
    assert lines[-2] == "  ... and 10 more"
    assert len(lines) == 1 + 50 + 1 + 1


def test_the_service_refuses_a_file_with_rejections() -> None:
    parsed = read_establishments(DATA / "duplicate_urn.csv")

    with pytest.raises(ApplicationError) as caught:
        school_register_import(establishments=parsed)

    assert caught.value.code == "gias_rows_rejected"
    assert caught.value.message == "1 row rejected in duplicate_urn.csv; nothing was imported."
    assert School.objects.count() == 0


# --- Other files -------------------------------------------------------------------------------


def test_the_derived_london_extract_still_reads_for_demo_data() -> None:
    london = sample("establishments/london_schools_gias_derived_2025_subset.csv")

    rows = list(read_london_extract(london))

    assert len(rows) == 86
    assert rows[0] == {
        "urn": 100000,
        "name": "The Aldgate School",
        "la_code": "201",
        "la_name": "City of London",
        "type_name": "Voluntary aided school",
        "phase": "Primary",
        "postcode": "EC3A 5DE",
        "trust_uid": None,
        "trust_name": "",
        "number_of_pupils": 249,
        "status": "Open",
    }
    gonville = next(row for row in rows if row["urn"] == 136714)
    assert (gonville["name"], gonville["trust_uid"], gonville["number_of_pupils"]) == ("Gonville Academy", 4836, 442)
    # It is not the native format, and the importer says so instead of guessing.
    assert "the required columns 'URN', 'EstablishmentName'" in refused(london, "--encoding", "utf-8")


def test_a_synthetic_extract_of_two_thousand_schools_imports_and_reimports_unchanged(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_synthetic_gias", REPO / "scripts" / "make_synthetic_gias.py")
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    extract = tmp_path / "edubasealldata_synthetic.csv"
    generator.write_extract(extract, rows=2000, seed=7)
    assert extract.read_bytes().count(b"\r\n") == 2001
    assert len(extract.read_text(encoding="cp1252").splitlines()[0].split(",")) == 140

    assert "created 2000, updated 0, unchanged 0, rejected 0" in run(extract)
    assert "created 0, updated 0, unchanged 2000, rejected 0" in run(extract)

    schools = School.objects.filter(urn__gte=900000)
    assert schools.count() == 2000
    assert schools.filter(name__contains="’").exists()
    assert not schools.filter(type_name="Academy converter", trust_uid__isnull=True).exists()
    eligible = schools.filter(is_imf_eligible=True)
    assert 0 < eligible.count() < 2000
    assert not eligible.exclude(status__in=["Open", "Open, but proposed to close"]).exists()
