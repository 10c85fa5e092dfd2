"""Server-side SVG bar charts. Pages and the PDF draw the same markup (WeasyPrint runs no
JavaScript); every bar carries its series, category and value as data attributes, and
the page shows the same figures in a table beside the chart."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#1d70b8", "#505a5f", "#f47738", "#00703c")  # GOV.UK blue, dark grey, orange, green


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Chart:
    """What a chart draws and its table lists: one value per category and series."""

    id: str
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]

    def as_data(self) -> dict[str, object]:
        return {
            "categories": list(self.categories),
            "series": [{"key": s.key, "label": s.label, "values": list(s.values)} for s in self.series],
        }

    def rows(self) -> list[dict[str, object]]:
        return [{"category": c, "values": [s.values[i] for s in self.series]} for i, c in enumerate(self.categories)]


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    step = 10 ** (len(str(value)) - 1)
    return ((value + step - 1) // step) * step


def chart_name(chart: Chart) -> str:
    """The chart's accessible name: what it shows and its series; the figures are in the table."""
    series = ", ".join(s.label for s in chart.series)
    return f"Bar chart: {chart.title}" + (f", showing {series}" if series else "") + ". The figures are in the table."


def bar_chart_svg(chart: Chart, *, width: int = 450, bar_height: int = 16) -> SafeString:
    """A horizontal grouped bar chart, named for screen readers (``role="img"``, an ``aria-label``
    and a ``<title>``) by what it shows; the table beside it carries the same figures."""
    label_width, right_pad, top = 70, 44, 34
    group_gap = 12
    n_series = max(len(chart.series), 1)
    group_height = n_series * bar_height + group_gap
    height = top + len(chart.categories) * group_height + 10
    top_value = _nice_max(max((v for s in chart.series for v in s.values), default=0))
    plot_width = width - label_width - right_pad
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-svg-chart" id="{escape(chart.id)}" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(chart_name(chart))}" '
        'focusable="false" font-family="Arial, Helvetica, sans-serif" '
        f'data-chart-title="{escape(chart.title)}">',
        f"<title>{escape(chart_name(chart))}</title>",
    ]
    x = label_width
    for i, s in enumerate(chart.series):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="16" font-size="12" fill="#0b0c0c">{escape(s.label)}</text>')
        x += 16 + 7 * len(s.label) + 14
    for ci, category in enumerate(chart.categories):
        y0 = top + ci * group_height
        parts.append(
            f'<text x="{label_width - 6}" y="{y0 + (n_series * bar_height) / 2 + 4}" font-size="13" '
            f'text-anchor="end" fill="#0b0c0c">{escape(category)}</text>'
        )
        for si, s in enumerate(chart.series):
            value = s.values[ci]
            w = 0 if top_value == 0 else round(plot_width * value / top_value, 1)
            y = y0 + si * bar_height
            parts.append(
                f'<rect class="app-svg-chart__bar" x="{label_width}" y="{y}" width="{w}" height="{bar_height - 2}" '
                f'fill="{PALETTE[si % len(PALETTE)]}" data-series="{escape(s.key)}" '
                f'data-category="{escape(category)}" data-value="{value}"/>'
            )
            parts.append(
                f'<text x="{label_width + w + 4}" y="{y + bar_height - 4}" font-size="12" fill="#0b0c0c">{value}</text>'
            )
    parts.append(
        f'<line x1="{label_width}" y1="{top - 4}" x2="{label_width}" y2="{height - 6}" '
        'stroke="#0b0c0c" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
