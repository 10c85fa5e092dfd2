"""Importing DfE's school-level SEN census: ``manage.py import_sen_census`` end to end.

The real files are read from ``../shared/data/gias/sen`` beside the repository (see its
SOURCES.md); bad files are slices of the real one with values changed in the test."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from core.errors import ApplicationError
from core.models import AuditEvent
from core.tenancy import platform_context
from groupings.census import read_census
from groupings.census_services import school_census_import
from groupings.models import School, SchoolCensus
from groupings.selectors import school_census_for
from tests.groupings.test_gias_import import shared

pytestmark = pytest.mark.django_db

CENSUS_2023 = "sen/2022-2023_england_census.csv"
CENSUS_2019 = "sen/2018-2019_england_census.csv"


def run(*args: object) -> str:
    out = StringIO()
    call_command("import_sen_census", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def refused(*args: object) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    return str(caught.value)


def real_lines(relative: str) -> list[bytes]:
    return shared(relative).read_bytes().splitlines(keepends=True)


def sliced(tmp_path: Path, relative: str, *, rows: int = 200, keep_national: bool = True) -> Path:
    """The real file's header, its first ``rows`` schools and (optionally) its national rows,
    under the real file's name so the academic year comes from it."""
    lines = real_lines(relative)
    national = [line for line in lines if line.startswith(b"NAT,")] if keep_national else []
    path = tmp_path / Path(relative).name
    path.write_bytes(b"".join([*lines[: rows + 1], *national]))
    return path


def census(urn: int, year: int) -> SchoolCensus:
    with platform_context():
        return SchoolCensus.objects.get(urn=urn, academic_year=year)


def stored_count() -> int:
    with platform_context():
        return SchoolCensus.objects.count()


def import_events() -> int:
    with platform_context():
        return AuditEvent.objects.filter(verb="school_census.imported").count()


def with_values(tmp_path: Path, changes: dict[int, dict[str, str]], *, rows: int = 10) -> Path:
    """A slice of the real 2022-23 file with some values replaced: ``{line: {column: value}}``."""
    lines = [line.decode("utf-8-sig").rstrip("\n") for line in real_lines(CENSUS_2023)[: rows + 1]]
    header = lines[0].split(",")
    for line_number, values in changes.items():
        fields = lines[line_number - 1].split(",")
        for column, value in values.items():
            fields[header.index(column)] = value
        lines[line_number - 1] = ",".join(fields)
    path = tmp_path / "2022-2023_england_census.csv"
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_whole_real_2022_23_file_imports_with_dfes_national_totals() -> None:
    output = run(shared(CENSUS_2023))

    assert "(SEN census 2022/23): created 24433, updated 0, unchanged 0, rejected 0" in output
    assert "national total rows skipped: 3" in output
    with platform_context():
        totals = SchoolCensus.objects.filter(academic_year=2022).aggregate(
            ehc=Sum("ehc_plan_pupils"), support=Sum("sen_support_pupils")
        )
    # SOURCES.md: DfE's January 2023 national figures.
    assert totals == {"ehc": 389_074, "support": 1_183_074}
    aldgate = census(100000, 2022)
    assert (aldgate.pupils_total, aldgate.ehc_plan_pupils, aldgate.sen_support_pupils) == (271, 8, 59)
    assert (aldgate.school_type, aldgate.la_code, aldgate.source) == (
        "State-funded primary",
        "201",
        "2022-2023_england_census.csv",
    )
    assert aldgate.academic_year_label == "2022/23"


def test_two_years_are_kept_side_by_side_and_na_is_stored_as_unknown(tmp_path: Path) -> None:
    run(sliced(tmp_path, CENSUS_2023, rows=50))
    lines = real_lines(CENSUS_2019)
    with_na = [line for line in lines if line.startswith((b"110131,", b"103769,"))]
    older = tmp_path / "2018-2019_england_census.csv"
    older.write_bytes(b"".join([lines[0], *lines[1:51], *with_na]))

    output = run(older)

    assert "(SEN census 2018/19): created 52, updated 0, unchanged 0, rejected 0" in output
    then, now = census(100000, 2018), census(100000, 2022)
    assert (then.pupils_total, then.ehc_plan_pupils, then.sen_support_pupils) == (285, 5, 50)
    assert (now.pupils_total, now.ehc_plan_pupils, now.sen_support_pupils) == (271, 8, 59)
    partly_suppressed = census(110131, 2018)  # 321 on roll, EHC plans NA, 36 on SEN support
    assert (partly_suppressed.pupils_total, partly_suppressed.ehc_plan_pupils) == (321, None)
    assert partly_suppressed.sen_support_pupils == 36
    all_na = census(103769, 2018)
    assert (all_na.pupils_total, all_na.ehc_plan_pupils, all_na.sen_support_pupils) == (None, None, None)


def test_reimporting_the_same_file_writes_nothing_and_a_changed_row_updates_only_that_school(tmp_path: Path) -> None:
    path = sliced(tmp_path, CENSUS_2023, rows=100)
    run(path)
    events = import_events()

    assert "created 0, updated 0, unchanged 100, rejected 0" in run(path)
    assert import_events() == events == 1

    changed = with_values(tmp_path, {2: {"TSENELSE": "9", "TSENELK": "60"}}, rows=100)
    assert "created 0, updated 1, unchanged 99, rejected 0" in run(changed)
    aldgate = census(100000, 2022)
    assert (aldgate.ehc_plan_pupils, aldgate.sen_support_pupils) == (9, 60)
    assert stored_count() == 100
    assert import_events() == 2
    with platform_context():
        event = AuditEvent.objects.filter(verb="school_census.imported").latest("id")
    assert event.after is not None
    assert event.after["updated"] == 1


def test_urns_not_in_the_register_are_stored_and_counted(tmp_path: Path) -> None:
    with platform_context():
        School.objects.create(urn=100000, name="The Aldgate School", la_code="201")

    output = run(sliced(tmp_path, CENSUS_2023, rows=20))

    assert "URNs not in the school register (stored all the same): 19" in output
    assert stored_count() == 20


def test_dry_run_counts_but_writes_nothing(tmp_path: Path) -> None:
    output = run(sliced(tmp_path, CENSUS_2023, rows=30), "--dry-run")

    assert output.startswith("Dry run, nothing written.")
    assert "created 30" in output
    assert stored_count() == 0


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({3: {"TSENELK": "many"}}, "line 3 (URN 100001): TSENELK 'many' is not a number"),
        ({4: {"TSENELSE": "-2"}}, "line 4 (URN 100002): TSENELSE -2 is negative"),
        ({5: {"NOR": "1045.5"}}, "line 5 (URN 100003): NOR '1045.5' is not a whole number of pupils"),
        ({6: {"URN": "10OO05"}}, "line 6 (URN 10OO05): URN '10OO05' is not a URN (a whole number)"),
        ({7: {"URN": "100005"}}, "line 7 (URN 100005): the same URN is also on line 6"),
        (
            {8: {"TSENELSE": "12", "TSENELK": "10"}},
            "line 8 (URN 100007): TSENELSE 12 plus TSENELK 10 is more than NOR 19 (the pupils on roll)",
        ),
    ],
)
def test_a_bad_value_is_reported_by_line_and_nothing_is_imported(
    tmp_path: Path, changes: dict[int, dict[str, str]], expected: str
) -> None:
    message = refused(with_values(tmp_path, changes))

    assert expected in message
    assert "1 row rejected: nothing was imported." in message
    assert stored_count() == 0


def test_every_bad_row_is_listed_in_one_run_and_an_earlier_import_is_untouched(tmp_path: Path) -> None:
    good = sliced(tmp_path, CENSUS_2023, rows=10)
    run(good)
    bad = with_values(tmp_path, {2: {"TSENELSE": "99999"}, 9: {"NOR": "lots"}, 11: {"TSENELK": "-1"}})

    message = refused(bad)

    assert "rejected 3" in message
    assert "line 2 (URN 100000): TSENELSE 99999 plus TSENELK 59 is more than NOR 271" in message
    assert "line 9 (URN 100008): NOR 'lots' is not a number" in message
    assert "line 11 (URN 100010): TSENELK -1 is negative" in message
    assert census(100000, 2022).ehc_plan_pupils == 8


def test_a_file_that_is_not_a_census_file_is_refused_naming_the_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "2022-2023_other.csv"
    path.write_text("URN,LA,NOR\n100000,201,271\n", encoding="utf-8")

    message = refused(path)

    assert "the required columns 'TSENELSE', 'TSENELK' are missing" in message


def test_a_short_line_is_rejected_by_line_number(tmp_path: Path) -> None:
    path = sliced(tmp_path, CENSUS_2023, rows=3, keep_national=False)
    path.write_bytes(path.read_bytes() + b"100099,201,3614\n")

    message = refused(path)

    assert "line 5 (URN 100099): has 3 fields where the header has 23 (the line is cut short)" in message


def test_the_year_comes_from_the_name_or_must_be_given(tmp_path: Path) -> None:
    source = sliced(tmp_path, CENSUS_2023, rows=5)
    renamed = tmp_path / "census.csv"
    renamed.write_bytes(source.read_bytes())

    assert "pass --year" in refused(renamed)
    assert "(SEN census 2021/22): created 5" in run(renamed, "--year", "2021")
    assert census(100000, 2021).pupils_total == 271


def test_the_service_refuses_rejections_an_implausible_year_and_an_empty_file(tmp_path: Path) -> None:
    bad = read_census(with_values(tmp_path, {2: {"NOR": "x1"}}))
    with pytest.raises(ApplicationError) as rejected:
        school_census_import(parsed=bad, academic_year=2022)
    assert rejected.value.code == "census_rows_rejected"

    good = read_census(sliced(tmp_path, CENSUS_2023, rows=2))
    with pytest.raises(ApplicationError) as year:
        school_census_import(parsed=good, academic_year=1899)
    assert (year.value.code, year.value.field) == ("census_year_invalid", "academic_year")

    empty = tmp_path / "empty.csv"
    empty.write_bytes(real_lines(CENSUS_2023)[0])
    with pytest.raises(ApplicationError) as nothing:
        school_census_import(parsed=read_census(empty), academic_year=2022)
    assert nothing.value.code == "census_empty"
    assert stored_count() == 0


def test_the_selector_gives_each_schools_latest_figures_up_to_a_year(tmp_path: Path) -> None:
    run(sliced(tmp_path, CENSUS_2023, rows=3))
    lines = real_lines(CENSUS_2019)
    older = tmp_path / "2018-2019_england_census.csv"
    older.write_bytes(b"".join(lines[:3]))
    run(older)

    latest = school_census_for(urns=[100000, 100001, 100002, 999999])
    as_of_2020 = school_census_for(urns=[100000, 100002], on_or_before_year=2020)

    assert {urn: row.academic_year for urn, row in latest.items()} == {100000: 2022, 100001: 2022, 100002: 2022}
    assert (latest[100000].ehc_plan_pupils, latest[100000].sen_support_pupils) == (8, 59)
    assert {urn: row.academic_year for urn, row in as_of_2020.items()} == {100000: 2018}
    assert as_of_2020[100000].sen_support_pupils == 50
