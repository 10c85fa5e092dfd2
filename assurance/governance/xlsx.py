"""The governance pack as an XLSX (XlsxWriter): a sheet per section, amounts in pounds with
a £ format, frozen header rows. Text that came from people (school names, area labels) is
written as a string, never a formula, and one starting with ``= + - @`` is prefixed with
an apostrophe so a spreadsheet cannot run it."""

from __future__ import annotations

import io
from typing import Any

from assurance.governance.output import equity_rows, neutralise, similar_cases
from assurance.governance.pack import AUDIENCE, Pack


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


def _about_sheet(book: Any, formats: dict[str, Any], pack: Pack) -> None:
    """Who the pack is for, and so why its figures are exact."""
    s = _Sheet(book, "About this pack", ["About this pack"], formats, [110])
    s.add([_text(f"{pack.body_name}: financial-governance pack for {pack.pool_label}")])
    s.add([_text(AUDIENCE)])


def _statement_sheet(book: Any, formats: dict[str, Any], pack: Pack) -> None:
    """The pool statement by month, with a total row."""
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


def _schools_sheet(book: Any, formats: dict[str, Any], pack: Pack) -> None:
    """Each school: contributions, awards, payments, net position, cases and outcomes."""
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
                _count(r.cases),
                _count(r.approved),
                _count(r.outcomes_achieved),
                _count(r.outcomes_partly),
                _count(r.outcomes_not_yet),
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


def _need_phase_sheet(book: Any, formats: dict[str, Any], pack: Pack) -> None:
    """Cases by area of need and phase against the decision-time target."""
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
                _count(np_row.decided),
                _count(np_row.approved),
                _text(np_row.approval_rate),
                _money(np_row.awards),
                _text(np_row.median_days),
                _count(pack.target_days),
                _count(np_row.within_target),
            ]
        )
    s.add(
        [_text("Total"), _text(""), _text(""), _text(""), _text(""), _money(sum(r.awards for r in pack.need_phase))],
        bold=True,
    )


def _schedule_sheet(book: Any, formats: dict[str, Any], pack: Pack) -> None:
    """Instalments to pay by month due, later, and the ledger's committed figure."""
    s = _Sheet(book, "Commitments schedule", ["Month due", "Instalments to pay"], formats, [14, 18])
    for month, amount in pack.schedule:
        s.add([("date", month), _money(amount)])
    s.add([_text("Later"), _money(pack.schedule_later)])
    s.add([_text("Total"), _money(pack.schedule_total)], bold=True)
    s.add([_text("Ledger: committed, not yet payable"), _money(pack.committed_outstanding)])


def _outcomes_sheet(book: Any, formats: dict[str, Any], pack: Pack) -> None:
    """Outcomes due, reviewed and by result."""
    s = _Sheet(book, "Outcomes", ["Measure", "Count"], formats, [40, 12])
    s.add([_text("Outcomes due for review by the period end"), _count(pack.outcomes_due)])
    s.add([_text("Reviews completed"), _count(pack.outcomes_completed)])
    for key, label in (("achieved", "Achieved"), ("partly", "Partly achieved"), ("not_yet", "Not yet achieved")):
        s.add([_text(label), _count(pack.outcomes_by_result.get(key, 0))])


def _equity_sheet(book: Any, formats: dict[str, Any], pack: Pack) -> None:
    """Census pupils, cases and awards per pupil with SEN (exact: the pack is for trustees)."""
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
                _money(e["per_pupil"]) if e["per_pupil"] is not None else _text("not available"),
            ]
        )


def _similar_cases_sheet(book: Any, formats: dict[str, Any], pack: Pack) -> None:
    """Awards by need and phase: count, median, lowest, highest."""
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


def _shared_resources_sheet(book: Any, formats: dict[str, Any], pack: Pack) -> None:
    """Shared resources funded from the pool: cost, paid, capacity, booked, delivered,
    utilisation and cost per unit delivered."""
    s = _Sheet(
        book,
        "Shared resources",
        ["Resource", "Kind", "Unit", "Cost committed", "Paid", "Capacity", "Booked", "Delivered", "Utilisation %",
         "Cost per unit delivered"],
        formats,
        [34, 30, 10, 16, 16, 10, 10, 10, 12, 18],
    )  # fmt: skip
    for line in pack.shared.lines if pack.shared else []:
        s.add(
            [
                _text(line.name),
                _text(line.kind_label),
                _text(line.unit),
                _money(line.committed_pence),
                _money(line.paid_pence),
                _count(line.capacity),
                _count(line.booked),
                _count(line.delivered),
                _count(line.utilisation_pct) if line.utilisation_pct is not None else _text("–"),
                _money(line.cost_per_unit_pence) if line.cost_per_unit_pence is not None else _text("–"),
            ]
        )


def _reconciliation_sheet(book: Any, formats: dict[str, Any], pack: Pack) -> None:
    """Each check of the pack against the ledger."""
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


def _recoveries_sheet(book: Any, formats: dict[str, Any], pack: Pack) -> None:
    """Money recovered from schools in the period, award by award."""
    headers = ["Date", "School", "Case", "Award paid from", "Recovered", "Why"]
    s = _Sheet(book, "Recoveries", headers, formats, [12, 30, 14, 16, 16, 50])
    for recovery in pack.recoveries:
        s.add(
            [
                _text(recovery.posted_on.isoformat()),
                _text(recovery.school),
                _text(recovery.case_reference),
                _text(recovery.award_pool + (" (carried forward)" if recovery.carried_forward else "")),
                _money(recovery.amount_pence),
                _text(recovery.description),
            ]
        )


def pack_xlsx(pack: Pack) -> bytes:
    """The pack as a workbook: a sheet per section, frozen header rows, £ amounts."""
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
    book.set_properties(
        {"title": f"Financial-governance pack {pack.pool_label}", "author": pack.body_name, "comments": AUDIENCE}
    )

    for sheet in (
        _about_sheet,
        _statement_sheet,
        _schools_sheet,
        _need_phase_sheet,
        _schedule_sheet,
        _outcomes_sheet,
        _equity_sheet,
        _similar_cases_sheet,
        _shared_resources_sheet,
        _reconciliation_sheet,
        _recoveries_sheet,
    ):
        sheet(book, formats, pack)
    book.close()
    return out.getvalue()
