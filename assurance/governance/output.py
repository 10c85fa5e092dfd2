"""Rendering the governance pack: the PDF (WeasyPrint, charts drawn here as SVG, each with
the same figures in a table) and the rows both the PDF and the XLSX (``xlsx.py``) show.
Text that came from people is neutralised (``neutralise``) before a spreadsheet sees it."""

from __future__ import annotations

from html import escape
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from assurance.governance.appendix import by_phase, has_appendix
from assurance.governance.pack import AUDIENCE, Pack, census_cell, per_pupil
from core.money import format_pence
from core.pdf import html_to_pdf

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A user-typed cell that a spreadsheet would read as a formula gets a leading apostrophe."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


# --- SVG charts -----------------------------------------------------------------------------


def bar_chart(*, title: str, labels: list[str], values: list[int], unit: str = "pounds") -> SafeString:
    """Horizontal bars, one per label, with each value written beside its bar. Values are
    pence (``unit="pounds"``) or plain numbers."""
    bar_h, gap, left, width, right = 16, 8, 210, 600, 110
    height = 30 + len(labels) * (bar_h + gap) + 10
    peak = max([abs(v) for v in values] + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="Arial" font-size="10">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    span = width - left - right
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 26 + i * (bar_h + gap)
        w = max(1, round(span * abs(value) / peak)) if value else 0
        colour = "#1d70b8" if value >= 0 else "#d4351c"
        shown = format_pence(value) if unit == "pounds" else f"{value}%" if unit == "percent" else f"{value:,}"
        parts.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{escape(label[:38])}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w}" height="{bar_h}" fill="{colour}"/>')
        parts.append(f'<text x="{left + w + 4}" y="{y + 12}">{escape(shown)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


def charts(pack: Pack) -> dict[str, SafeString]:
    area_totals: dict[str, int] = {}
    for row in pack.need_phase:
        area_totals[row.area] = area_totals.get(row.area, 0) + row.awards
    shared = pack.shared.lines if pack.shared else []
    if has_appendix(pack):
        # Each school's bar is drawn in its row of the appendix; here, one bar per phase.
        phases = [r for r in by_phase(pack)[0] if r.per_pupil is not None]
        equity = bar_chart(
            title="Awards per pupil with SEN, by phase",
            labels=[r.phase for r in phases],
            values=[r.per_pupil or 0 for r in phases],
        )
    else:
        listed = [s for s in pack.schools if per_pupil(s) is not None and s.school_id is not None]
        equity = bar_chart(
            title="Awards per pupil with SEN",
            labels=[s.name for s in listed],
            values=[per_pupil(s) or 0 for s in listed],
        )
    return {
        "shared": bar_chart(
            title="Shared resources: delivered as a share of capacity",
            labels=[line.name for line in shared],
            values=[line.utilisation_pct or 0 for line in shared],
            unit="percent",
        ),
        "available": bar_chart(
            title="Available to commit at each month end",
            labels=[f"{m.month:%b %Y}" for m in pack.months],
            values=[m.available for m in pack.months],
        ),
        "areas": bar_chart(
            title="Awards net of releases by area of need",
            labels=list(area_totals),
            values=list(area_totals.values()),
        ),
        "equity": equity,
    }


def equity_rows(pack: Pack) -> list[dict[str, Any]]:
    rows = []
    for s in pack.schools:
        if s.school_id is None:
            continue
        value = per_pupil(s)
        rows.append(
            {
                "name": s.name,
                "urn": s.urn,
                "phase": s.phase,
                "sen_support": census_cell(s.sen_support),
                "ehc_plan": census_cell(s.ehc_plan),
                "cases": s.cases,
                "awards": s.awards,
                "per_pupil": value,
                "per_pupil_text": format_pence(value) if value is not None else "not available",
            }
        )
    return rows


def similar_cases(pack: Pack) -> list[dict[str, Any]]:
    """Award sizes of similar cases (same area of need and phase), exact for the body's trustees."""
    out = []
    for row in pack.need_phase:
        amounts = sorted(row.award_amounts)
        if not amounts:
            continue
        out.append(
            {
                "area": row.area,
                "phase": row.phase,
                "awards": len(amounts),
                "median": format_pence(_median(amounts)),
                "lowest": format_pence(amounts[0]),
                "highest": format_pence(amounts[-1]),
            }
        )
    return out


def _median(values: list[int]) -> int:
    n = len(values)
    mid = n // 2
    if n % 2:
        return values[mid]
    total = values[mid - 1] + values[mid]
    return total // 2 + (total % 2)


# --- PDF ------------------------------------------------------------------------------------


def pack_pdf(pack: Pack, *, appendix: str = "") -> bytes:
    """The pack's PDF: every section; with many schools (``appendix.has_appendix``) its
    sections 2 and 6 show the schools by phase and name the appendix (``appendix``, the
    file's name) that lists each school."""
    listed = not has_appendix(pack)
    phases, phase_total = by_phase(pack)
    html = render_to_string(
        "assurance/reporting/governance_pack.html",
        {
            "pack": pack,
            "charts": charts(pack),
            "schools_listed": listed,
            "appendix": appendix,
            "phases": [] if listed else phases,
            "phase_total": phase_total,
            "equity": equity_rows(pack) if listed else [],
            "similar": similar_cases(pack),
            "audience": AUDIENCE,
            "outcome_counts": {k: pack.outcomes_by_result.get(k, 0) for k in ("achieved", "partly", "not_yet")},
        },
    )
    return html_to_pdf(html)
