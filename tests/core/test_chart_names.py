"""Every chart the service draws has an accessible name: role="img", an aria-label and a
<title> saying what it shows (pages and PDFs draw the same SVG)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from assurance.governance.output import bar_chart
from partnerships.charts import Chart, Series, bar_chart_svg
from shared_resources.charts import capacity_chart, share_chart

SVG = "{http://www.w3.org/2000/svg}"


def _name(svg: str) -> tuple[str, str]:
    root = ET.fromstring(svg)  # noqa: S314 - our own markup, drawn by the code under test
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-hidden") is None
    title = root.find(f"{SVG}title")
    assert title is not None, "the chart has no <title>"
    assert title.text == root.get("aria-label")
    return root.get("aria-label") or "", title.text or ""


def test_a_partnership_chart_is_named_by_its_title_and_series() -> None:
    chart = Chart(
        id="need-chart",
        title="Capacity and forecast demand by academic year",
        categories=("2027/28", "2028/29"),
        series=(Series("capacity", "Capacity", (40, 42)), Series("demand", "Forecast demand", (45, 51))),
    )
    label, _ = _name(bar_chart_svg(chart))
    assert label == (
        "Bar chart: Capacity and forecast demand by academic year, showing Capacity, Forecast demand. "
        "The figures are in the table."
    )


def test_a_governance_pack_chart_is_named_by_its_title() -> None:
    svg = bar_chart(title="Spend by school <& trust>", labels=["Ash Academy"], values=[1_250_00])
    assert _name(svg) == ("Spend by school <& trust>", "Spend by school <& trust>")


@pytest.mark.parametrize(
    "svg",
    [
        capacity_chart(title="Educational psychologist: delivered and booked", rows=[("Spring 2027", 40, 30, 12)]),
        share_chart(title="Share of the resource and of pupils with SEN", rows=[("Ash Academy", 40, None)]),
    ],
)
def test_a_shared_resource_chart_is_named_by_its_title(svg: str) -> None:
    label, _ = _name(svg)
    assert label.startswith(("Educational psychologist", "Share of the resource"))
