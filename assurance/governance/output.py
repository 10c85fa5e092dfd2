"""Rendering the governance pack: a PDF (WeasyPrint, charts drawn here as SVG, each with
the same figures in a table) and an XLSX (XlsxWriter: a sheet per section, amounts in
pounds with a £ format, frozen header rows). Text that came from people (school names,
area labels) is written as a string, never a formula, and one starting with ``= + - @``
is prefixed with an apostrophe so a spreadsheet cannot run it."""

from __future__ import annotations

import io
from html import escape
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from assurance.governance.pack import SUPPRESS_UNDER, SUPPRESSED, Pack, suppress
from core.money import format_pence

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
        f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    span = width - left - right
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 26 + i * (bar_h + gap)
        w = max(1, round(span * abs(value) / peak)) if value else 0
        colour = "#1d70b8" if value >= 0 else "#d4351c"
        shown = format_pence(value) if unit == "pounds" else f"{value:,}"
        parts.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{escape(label[:38])}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w}" height="{bar_h}" fill="{colour}"/>')
        parts.append(f'<text x="{left + w + 4}" y="{y + 12}">{escape(shown)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


def charts(pack: Pack) -> dict[str, SafeString]:
    area_totals: dict[str, int] = {}
    for row in pack.need_phase:
        area_totals[row.area] = area_totals.get(row.area, 0) + row.awards
    equity = [s for s in pack.schools if _pupils_shown(s) and s.school_id is not None]
    return {
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
        "equity": bar_chart(
            title="Awards per pupil with SEN (where no count is under 5)",
            labels=[s.name for s in equity],
            values=[_per_pupil(s) or 0 for s in equity],
        ),
    }


def _pupils(s: Any) -> int | None:
    if s.sen_support is None and s.ehc_plan is None:
        return None
    return (s.sen_support or 0) + (s.ehc_plan or 0)


def _pupils_shown(s: Any) -> bool:
    """Whether a figure derived from the school's pupils with SEN may be shown: only when
    every count it is made of is shown (5 or more), so no suppressed count can be worked
    back out of it."""
    parts = [n for n in (s.sen_support, s.ehc_plan) if n is not None]
    return bool(parts) and all(n >= SUPPRESS_UNDER for n in parts)


def _per_pupil(s: Any) -> int | None:
    """Awards per pupil with SEN, in pence (rounded half up); None when not shown."""
    pupils = _pupils(s)
    if pupils is None or not _pupils_shown(s):
        return None
    quotient, remainder = divmod(s.awards, pupils)
    return quotient + (1 if remainder * 2 >= pupils else 0)


def census_cell(value: int | None) -> int | str:
    return "not available" if value is None else suppress(value)


def equity_rows(pack: Pack) -> list[dict[str, Any]]:
    rows = []
    for s in pack.schools:
        if s.school_id is None:
            continue
        per_pupil = _per_pupil(s)
        rows.append(
            {
                "name": s.name,
                "urn": s.urn,
                "phase": s.phase,
                "sen_support": census_cell(s.sen_support),
                "ehc_plan": census_cell(s.ehc_plan),
                "cases": suppress(s.cases),
                "awards": s.awards,
                "per_pupil": per_pupil,
                "per_pupil_text": format_pence(per_pupil) if per_pupil is not None else SUPPRESSED,
            }
        )
    return rows


def similar_cases(pack: Pack) -> list[dict[str, Any]]:
    """Award sizes of similar cases (same area of need and phase): shown only for groups of
    5 or more awards."""
    out = []
    for row in pack.need_phase:
        amounts = sorted(row.award_amounts)
        if not amounts:
            continue
        shown = len(amounts) >= SUPPRESS_UNDER
        out.append(
            {
                "area": row.area,
                "phase": row.phase,
                "awards": suppress(len(amounts)),
                "median": format_pence(_median(amounts)) if shown else SUPPRESSED,
                "lowest": format_pence(amounts[0]) if shown else SUPPRESSED,
                "highest": format_pence(amounts[-1]) if shown else SUPPRESSED,
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


def pack_pdf(pack: Pack) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "assurance/reporting/governance_pack.html",
        {
            "pack": pack,
            "charts": charts(pack),
            "equity": equity_rows(pack),
            "similar": similar_cases(pack),
            "suppressed": SUPPRESSED,
            "outcome_counts": {k: suppress(v) for k, v in pack.outcomes_by_result.items()},
        },
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


# --- XLSX -----------------------------------------------------------------------------------


class _Sheet:
    def __init__(self, book: Any, name: str, headers: list[str], formats: dict[str, Any], widths: list[int]) -> None:
        self.ws = book.add_worksheet(name)
        self.formats = formats
        self.row = 1
        for col, header in enumerate(headers):
            self.ws.write_string(0, col, header, formats["header"])
            self.ws.set_column(col, col, widths[col] if col < len(widths) else 16)
        self.ws.freeze_panes(1, 0)

    def add(self, cells: list[Any], *, bold: bool = False) -> None:
        for col, (kind, value) in enumerate(cells):
            fmt = self.formats[("bold_" if bold else "") + kind] if kind != "text" or bold else None
            if value is None:
                self.ws.write_blank(self.row, col, None, fmt)
            elif kind == "money":
                self.ws.write_number(self.row, col, value / 100, fmt)
            elif kind == "number" and isinstance(value, int):
                self.ws.write_number(self.row, col, value, fmt)
            elif kind == "date":
                self.ws.write_datetime(self.row, col, value, fmt)
            else:
                self.ws.write_string(self.row, col, neutralise(str(value)), fmt)
        self.row += 1


def _money(v: int) -> tuple[str, int]:
    return ("money", v)


def _text(v: Any) -> tuple[str, Any]:
    return ("text", v)


def _count(v: int | str) -> tuple[str, int | str]:
    return ("number", v)


def pack_xlsx(pack: Pack) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    pounds = "£#,##0.00;-£#,##0.00"
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#f3f2f1", "bottom": 1, "text_wrap": True}),
        "money": book.add_format({"num_format": pounds}),
        "bold_money": book.add_format({"num_format": pounds, "bold": True}),
        "number": book.add_format({"num_format": "#,##0"}),
        "bold_number": book.add_format({"num_format": "#,##0", "bold": True}),
        "date": book.add_format({"num_format": "mmm yyyy"}),
        "bold_date": book.add_format({"num_format": "mmm yyyy", "bold": True}),
        "bold_text": book.add_format({"bold": True}),
    }
    book.set_properties({"title": f"Financial-governance pack {pack.pool_label}", "author": pack.body_name})

    s = _Sheet(
        book,
        "Pool statement",
        [
            "Month",
            "Brought forward",
            "Contributions expected",
            "Contributions received",
            "Commitments",
            "Releases",
            "Recoveries",
            "Payments",
            "Reserve set aside",
            "Fund balance",
            "Available",
            "Cash in the pool",
        ],
        formats,
        [12] + [16] * 11,
    )
    for m in [*pack.months, pack.totals]:
        total = m is pack.totals
        s.add(
            [
                _text("Total") if total else ("date", m.month),
                *(
                    _money(getattr(m, name))
                    for name in (
                        "brought_forward",
                        "expected",
                        "received",
                        "commitments",
                        "releases",
                        "recoveries",
                        "payments",
                        "reserve",
                        "fund_balance",
                        "available",
                        "cash_balance",
                    )
                ),
            ],
            bold=total,
        )

    s = _Sheet(
        book,
        "By school",
        [
            "School",
            "URN",
            "Phase",
            "Contributions expected",
            "Contributions received",
            "Awards net of releases",
            "Paid to school",
            "Net position (awards less received)",
            "Cases decided",
            "Cases approved",
            "Outcomes achieved",
            "Outcomes partly achieved",
            "Outcomes not yet achieved",
        ],
        formats,
        [36, 10, 14, 16, 16, 16, 16, 18, 10, 10, 10, 10, 10],
    )
    for r in pack.schools:
        s.add(
            [
                _text(r.name),
                _count(r.urn) if r.urn is not None else _text(""),
                _text(r.phase),
                _money(r.expected),
                _money(r.received),
                _money(r.awards),
                _money(r.paid),
                _money(r.net),
                _count(suppress(r.cases)),
                _count(suppress(r.approved)),
                _count(suppress(r.outcomes_achieved)),
                _count(suppress(r.outcomes_partly)),
                _count(suppress(r.outcomes_not_yet)),
            ]
        )
    s.add(
        [
            _text("Total"),
            _text(""),
            _text(""),
            _money(sum(r.expected for r in pack.schools)),
            _money(sum(r.received for r in pack.schools)),
            _money(sum(r.awards for r in pack.schools)),
            _money(sum(r.paid for r in pack.schools)),
            _money(sum(r.net for r in pack.schools)),
        ],
        bold=True,
    )

    s = _Sheet(
        book,
        "Need and phase",
        [
            "Area of need",
            "Phase",
            "Cases decided",
            "Approved",
            "Approval rate",
            "Awards net of releases",
            "Median decision time (working days)",
            "Target (working days)",
            "Decided within target",
        ],
        formats,
        [34, 14, 10, 10, 10, 16, 14, 12, 12],
    )
    for np_row in pack.need_phase:
        s.add(
            [
                _text(np_row.area),
                _text(np_row.phase),
                _count(suppress(np_row.decided)),
                _count(suppress(np_row.approved)),
                _text(np_row.approval_rate),
                _money(np_row.awards),
                _text(np_row.median_days),
                _count(pack.target_days),
                _count(suppress(np_row.within_target)),
            ]
        )
    s.add(
        [_text("Total"), _text(""), _text(""), _text(""), _text(""), _money(sum(r.awards for r in pack.need_phase))],
        bold=True,
    )

    s = _Sheet(book, "Commitments schedule", ["Month due", "Instalments to pay"], formats, [14, 18])
    for month, amount in pack.schedule:
        s.add([("date", month), _money(amount)])
    s.add([_text("Later"), _money(pack.schedule_later)])
    s.add([_text("Total"), _money(pack.schedule_total)], bold=True)
    s.add([_text("Ledger: committed, not yet payable"), _money(pack.committed_outstanding)])

    s = _Sheet(book, "Outcomes", ["Measure", "Count"], formats, [40, 12])
    s.add([_text("Outcomes due for review by the period end"), _count(suppress(pack.outcomes_due))])
    s.add([_text("Reviews completed"), _count(suppress(pack.outcomes_completed))])
    for key, label in (("achieved", "Achieved"), ("partly", "Partly achieved"), ("not_yet", "Not yet achieved")):
        s.add([_text(label), _count(suppress(pack.outcomes_by_result.get(key, 0)))])

    s = _Sheet(
        book,
        "Equity",
        [
            "School",
            "URN",
            "Phase",
            "Pupils on SEN support",
            "Pupils with an EHC plan",
            "Cases decided",
            "Awards net of releases",
            "Awards per pupil with SEN",
        ],
        formats,
        [36, 10, 14, 12, 12, 10, 16, 16],
    )
    for e in equity_rows(pack):
        s.add(
            [
                _text(e["name"]),
                _count(e["urn"]),
                _text(e["phase"]),
                _count(e["sen_support"]),
                _count(e["ehc_plan"]),
                _count(e["cases"]),
                _money(e["awards"]),
                _money(e["per_pupil"]) if e["per_pupil"] is not None else _text(SUPPRESSED),
            ]
        )
    s = _Sheet(
        book,
        "Similar cases",
        ["Area of need", "Phase", "Awards", "Median award", "Lowest", "Highest"],
        formats,
        [34, 14, 10, 14, 14, 14],
    )
    for row in similar_cases(pack):
        s.add(
            [
                _text(row["area"]),
                _text(row["phase"]),
                _count(row["awards"]),
                _text(row["median"]),
                _text(row["lowest"]),
                _text(row["highest"]),
            ]
        )

    s = _Sheet(
        book, "Reconciliation", ["Check", "Pack", "Ledger", "Difference", "Result"], formats, [44, 16, 16, 14, 10]
    )
    for c in pack.checks:
        s.add(
            [
                _text(c.name),
                _money(c.pack_pence),
                _money(c.ledger_pence),
                _money(c.difference),
                _text("Agrees" if c.ok else "DIFFERS"),
            ]
        )
    headers = ["Date", "School", "Case", "Award paid from", "Recovered", "Why"]
    s = _Sheet(book, "Recoveries", headers, formats, [12, 30, 14, 16, 16, 50])
    for recovery in pack.recoveries:
        s.add(
            [
                ("text", recovery.posted_on.isoformat()),
                _text(recovery.school),
                _text(recovery.case_reference),
                _text(recovery.award_pool + (" (carried forward)" if recovery.carried_forward else "")),
                _money(recovery.amount_pence),
                _text(recovery.description),
            ]
        )

    book.close()
    return out.getvalue()
