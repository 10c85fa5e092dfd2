"""Documents from the partnership's figures: the sufficiency CSV (streamed; cells people
typed go through ``core.csv_export``, whose ``defusedcsv`` neutralises a leading ``= + - @``), the
sufficiency PDF and the plan PDF (WeasyPrint, from HTML templates with the same SVG
charts as the pages; fonts: DejaVu Sans from Debian's fonts-dejavu-core, never GDS
Transport)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from core.csv_export import csv_lines
from core.pdf import html_to_pdf
from partnerships.charts import Chart, Series, bar_chart_svg
from partnerships.models import Partnership, PlanVersion
from partnerships.sufficiency import Sufficiency

CSV_HEADER = [
    "Area",
    "Academic year",
    "Primary need",
    "Phase",
    "Places commissioned",
    "Number on roll",
    "Occupancy (%)",
    "Planned places open by September",
    "Capacity",
    "Forecast demand",
    "Gap (+) or surplus (-)",
]


def _sufficiency_rows(partnership: Partnership, s: Sufficiency) -> Iterator[list[Any]]:
    for ln in s.lines:
        yield [
            partnership.la_name,
            s.year_label,
            ln.need,
            ln.phase_label,
            ln.places,
            ln.on_roll,
            "" if ln.occupancy is None else ln.occupancy,
            ln.planned,
            ln.capacity,
            "" if ln.demand is None else ln.demand,
            "" if ln.gap is None else ln.gap,
        ]
    yield []
    yield ["Locality", "Settings", "Places commissioned", "Number on roll", "Occupancy (%)"]
    for loc in s.localities:
        yield [loc.locality, loc.settings, loc.places, loc.on_roll, "" if loc.occupancy is None else loc.occupancy]


def sufficiency_csv_lines(partnership: Partnership, s: Sufficiency) -> Iterator[str]:
    """The sufficiency table then the localities, as formula-safe CSV lines (core.csv_export)."""
    return csv_lines(CSV_HEADER, _sufficiency_rows(partnership, s))


def need_chart(s: Sufficiency) -> Chart:
    rows = s.by_need()
    return Chart(
        id="need-chart",
        title=f"Capacity, number on roll and forecast demand by primary need, {s.year_label}",
        categories=tuple(str(r["need"]) for r in rows),
        series=(
            Series("capacity", "Capacity", tuple(int(r["capacity"]) for r in rows)),  # type: ignore[call-overload]
            Series("on_roll", "On roll", tuple(int(r["on_roll"]) for r in rows)),  # type: ignore[call-overload]
            Series("demand", "Forecast demand", tuple(int(r["demand"]) for r in rows)),  # type: ignore[call-overload]
        ),
    )


def trend_chart(s: Sufficiency) -> Chart:
    return Chart(
        id="trend-chart",
        title="Capacity and forecast demand by academic year",
        categories=tuple(t.label for t in s.trend),
        series=(
            Series("capacity", "Capacity", tuple(t.capacity for t in s.trend)),
            Series("demand", "Forecast demand", tuple(t.demand for t in s.trend)),
        ),
    )


def sufficiency_context(partnership: Partnership, s: Sufficiency) -> dict[str, Any]:
    needs, trend = need_chart(s), trend_chart(s)
    return {
        "partnership": partnership,
        "s": s,
        "totals": s.totals,
        "need_chart": needs,
        "need_svg": bar_chart_svg(needs),
        "trend_chart": trend,
        "trend_svg": bar_chart_svg(trend),
    }


def sufficiency_pdf(partnership: Partnership, s: Sufficiency) -> bytes:
    html = render_to_string(
        "partnerships/pdf/sufficiency.html",
        {**sufficiency_context(partnership, s), "generated_at": timezone.localtime()},
    )
    return html_to_pdf(html)


def plan_pdf(version: PlanVersion) -> bytes:
    html = render_to_string("partnerships/pdf/plan.html", {"version": version, "generated_at": timezone.localtime()})
    return html_to_pdf(html)
