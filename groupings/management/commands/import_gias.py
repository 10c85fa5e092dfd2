"""Import the school register from GIAS downloads. See docs/gias-import.md."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.db_roles import owner_connection
from core.errors import ApplicationError
from groupings.gias import (
    DEFAULT_ENCODING,
    ENCODINGS,
    ParsedFile,
    Rejection,
    read_establishments,
    read_groups,
    read_links,
)
from groupings.services.register import school_register_import
from groupings.services.upsert import ImportCounts

REJECTIONS_LISTED = 50


class Command(BaseCommand):
    help = (
        "Import schools from a GIAS establishments extract (edubasealldataYYYYMMDD.csv), and "
        "optionally establishment links and groups. All or nothing: any rejected row means nothing "
        "is written. Safe to re-run: unchanged rows are not written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="edubasealldataYYYYMMDD.csv (establishments)")
        parser.add_argument("--links", type=Path, metavar="FILE", help="links_edubasealldataYYYYMMDD.csv")
        parser.add_argument("--groups", type=Path, metavar="FILE", help="allgroupsdata.csv (trusts are imported)")
        parser.add_argument(
            "--encoding",
            default=DEFAULT_ENCODING,
            choices=sorted(ENCODINGS),
            help=(
                "Encoding of every file given. Default auto: UTF-8 when the file has a UTF-8 byte-order mark "
                "or its non-ASCII bytes are valid UTF-8, else Windows-1252 (cp1252, as GIAS publishes them)."
            ),
        )
        parser.add_argument("--dry-run", action="store_true", help="Read, validate and count; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        paths: dict[str, Path | None] = {
            "establishments": options["file"],
            "links": options["links"],
            "groups": options["groups"],
        }
        if not any(paths.values()):
            raise CommandError("Give an establishments file, --links FILE or --groups FILE.")
        for path in paths.values():
            if path is not None and not path.is_file():
                raise CommandError(f"{path} does not exist or is not a file.")
        encoding = options["encoding"]
        readers = {"establishments": read_establishments, "links": read_links, "groups": read_groups}
        parsed: dict[str, ParsedFile] = {}
        try:
            for kind, path in paths.items():
                if path is not None:
                    parsed[kind] = readers[kind](path, encoding=encoding)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

        for result in parsed.values():
            self.stdout.write(f"{result.source}: read as {result.encoding}")
        if any(p.rejections for p in parsed.values()):
            raise CommandError("\n".join(self._rejection_report(parsed)))

        try:
            with owner_connection():  # the runtime role may only read the register
                report = school_register_import(
                    establishments=parsed.get("establishments"),
                    links=parsed.get("links"),
                    groups=parsed.get("groups"),
                    dry_run=options["dry_run"],
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

        prefix = "Dry run, nothing written. " if report.dry_run else ""
        for kind, counts in (
            ("establishments", report.establishments),
            ("links", report.links),
            ("groups", report.trusts),
        ):
            if counts is None:
                continue
            self.stdout.write(f"{prefix}{parsed[kind].source} ({_noun(kind)}): {counts}")
            if kind == "groups" and parsed[kind].skipped:
                kinds = ", ".join(f"{name} {n}" for name, n in sorted(parsed[kind].skipped.items()))
                self.stdout.write(f"  skipped groups that are not trusts: {kinds}")
        if options["verbosity"] > 1:
            self.stdout.write(f"Took {time.perf_counter() - started:.1f} s.")

    def _rejection_report(self, parsed: dict[str, ParsedFile]) -> list[str]:
        lines: list[str] = []
        for kind, result in parsed.items():
            counts = ImportCounts(rejected=len(result.rejections))
            lines.append(f"{result.source} ({_noun(kind)}): {counts}")
            lines.extend(f"  {line}" for line in _describe(result.rejections, key_label=result.key_label))
        rejected = sum(len(p.rejections) for p in parsed.values())
        lines.append(f"{rejected} row{'s' if rejected != 1 else ''} rejected: nothing was imported.")
        return lines


def _noun(kind: str) -> str:
    return {"establishments": "schools", "links": "links", "groups": "trusts"}[kind]


def _describe(rejections: list[Rejection], *, key_label: str) -> list[str]:
    """Rejections as report lines: the first ``REJECTIONS_LISTED``, then a count of the rest."""
    lines = [
        f"line {r.line}" + (f" ({key_label} {r.key})" if r.key else "") + f": {r.reason}"
        for r in rejections[:REJECTIONS_LISTED]
    ]
    if len(rejections) > REJECTIONS_LISTED:
        lines.append(f"... and {len(rejections) - REJECTIONS_LISTED} more")
    return lines
