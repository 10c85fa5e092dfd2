"""Server-drawn SVG charts for the capacity and share pages. Each chart sits beside a table
with the same figures (the table is the accessible version); the SVG has a title and an
``aria-label`` saying what it shows, and every value is written beside its bar."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

DELIVERED, BOOKED, FREE = "#1d70b8", "#5694ca", "#f3f2f1"


def capacity_chart(*, title: str, rows: list[tuple[str, int, int, int]]) -> SafeString:
    """One stacked bar per term: delivered, booked but not yet delivered, free. ``rows`` are
    ``(label, capacity, booked, delivered)``."""
    bar_h, gap, left, width = 18, 10, 140, 640
    span = width - left - 170
    height = 40 + len(rows) * (bar_h + gap) + 24
    peak = max([cap for _, cap, _, _ in rows] + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" class="sr-chart" '
        f'width="100%" viewBox="0 0 {width} {height}" font-family="Arial, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, capacity, booked, delivered) in enumerate(rows):
        y = 30 + i * (bar_h + gap)
        scale = span / peak
        x = left
        for value, colour in ((delivered, DELIVERED), (booked - delivered, BOOKED), (capacity - booked, FREE)):
            w = round(value * scale)
            if w > 0:
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{w}" height="{bar_h}" fill="{colour}" stroke="#0b0c0c" '
                    'stroke-width="0.5"/>'
                )
            x += max(w, 0)
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{escape(label[:22])}</text>')
        parts.append(f'<text x="{x + 6}" y="{y + 13}">{delivered} delivered, {booked} booked of {capacity}</text>')
    legend_y = height - 10
    for j, (name, colour) in enumerate((("Delivered", DELIVERED), ("Booked", BOOKED), ("Free", FREE))):
        lx = left + j * 110
        parts.append(
            f'<rect x="{lx}" y="{legend_y - 10}" width="12" height="12" fill="{colour}" stroke="#0b0c0c" '
            'stroke-width="0.5"/>'
        )
        parts.append(f'<text x="{lx + 16}" y="{legend_y}">{name}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


def share_chart(*, title: str, rows: list[tuple[str, int | None, int | None]]) -> SafeString:
    """Two bars per school: its share of the resource and its share of pupils with SEN (a
    suppressed or unknown share draws no bar and says so). ``rows`` are ``(school, share %,
    SEN share % or None)``."""
    bar_h, gap, left, width = 12, 14, 200, 640
    span = width - left - 120
    height = 40 + len(rows) * (2 * bar_h + gap) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" class="sr-chart" '
        f'width="100%" viewBox="0 0 {width} {height}" font-family="Arial, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, share, sen) in enumerate(rows):
        y = 30 + i * (2 * bar_h + gap)
        parts.append(f'<text x="{left - 6}" y="{y + 16}" text-anchor="end">{escape(label[:30])}</text>')
        for k, (value, colour, what) in enumerate(((share, DELIVERED, "of the resource"), (sen, BOOKED, "of SEN"))):
            yy = y + k * bar_h
            if value is None:
                parts.append(f'<text x="{left + 4}" y="{yy + 10}">{what}: not shown</text>')
                continue
            w = round(span * value / 100)
            if w > 0:
                parts.append(f'<rect x="{left}" y="{yy}" width="{w}" height="{bar_h - 2}" fill="{colour}"/>')
            parts.append(f'<text x="{left + w + 4}" y="{yy + 10}">{value}% {what}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped
