"""Reading school register files. The native GIAS extract importer arrives with the
groupings issue; this adapter reads the derived London extract used for demo data."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _int(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    return int(float(value))


def read_london_extract(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of the derived London extract as School field values (floats like '4836.0' parsed)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {
                "urn": _int(row["urn"]),
                "name": row["school_name"].strip(),
                "la_code": row["la_code"].strip(),
                "la_name": row["la_name"].strip(),
                "type_name": row["school_type"].strip(),
                "phase": row["phase"].strip(),
                "postcode": row["postcode"].strip(),
                "trust_uid": _int(row["trust_code"]),
                "trust_name": row["trust_name"].strip(),
                "number_of_pupils": _int(row["pupil_count"]),
                "status": "Open",
            }
