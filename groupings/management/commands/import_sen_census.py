"""Import DfE's school-level census (SEN support and EHC plan pupils by URN). See
docs/sen-census-import.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.db_roles import owner_connection
from core.errors import ApplicationError
from groupings.census import academic_year_from_name, read_census
from groupings.management.commands.import_gias import _describe
from groupings.services.census import school_census_import


class Command(BaseCommand):
    help = (
        "Import one academic year of DfE's school census file (YYYY-YYYY_england_census.csv): pupils on "
        "roll, pupils with an EHC plan and pupils on SEN support, by URN. All or nothing; safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the census CSV, e.g. 2022-2023_england_census.csv")
        parser.add_argument(
            "--year",
            type=int,
            metavar="YYYY",
            help="first year of the academic year (2022 for 2022/23); default: taken from the file name",
        )
        parser.add_argument("--dry-run", action="store_true", help="Read, validate and count; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} does not exist or is not a file.")
        year = options["year"] or academic_year_from_name(path.name)
        if year is None:
            raise CommandError(
                f"Cannot tell the academic year from the name {path.name}: pass --year (2022 for 2022/23)."
            )
        try:
            parsed = read_census(path)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if parsed.rejections:
            count = len(parsed.rejections)
            lines = [f"{parsed.source} (SEN census): rejected {count}"]
            lines.extend(f"  {line}" for line in _describe(parsed.rejections, key_label="URN"))
            lines.append(f"{count} row{'s' if count != 1 else ''} rejected: nothing was imported.")
            raise CommandError("\n".join(lines))
        try:
            with owner_connection():  # the runtime role may only read the register
                report = school_census_import(parsed=parsed, academic_year=year, dry_run=options["dry_run"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        prefix = "Dry run, nothing written. " if report.dry_run else ""
        label = f"{year}/{(year + 1) % 100:02d}"
        self.stdout.write(f"{prefix}{parsed.source} (SEN census {label}): {report.counts}")
        self.stdout.write(
            f"  national total rows skipped: {report.national_rows_skipped}; "
            f"URNs not in the school register (stored all the same): {report.not_in_register}"
        )
