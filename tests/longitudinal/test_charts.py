"""SVG charts: shared axis, censored/preliminary/acute drawing, markers (no database)."""

import datetime as dt
import xml.etree.ElementTree as ET

from longitudinal.charts import Band, Marker, Point, chart_svg, shared_axis

D = dt.date
NS = "{http://www.w3.org/2000/svg}"


def render(points, **kwargs):
    axis = shared_axis([p.when for p in points])
    svg = chart_svg(title="CRP", unit="mg/L", axis=axis, points=points, **kwargs)
    return svg, ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def test_charts_on_one_page_share_the_date_axis():
    axis = shared_axis([D(2025, 1, 1), D(2025, 7, 1)], pad_days=0)
    assert axis.x(D(2025, 1, 1)) == 56 and axis.x(D(2025, 7, 1)) == 720 - 12


def test_a_censored_value_is_hollow_and_shows_its_comparator():
    svg, root = render([Point(D(2025, 1, 1), 0.5, "<0.5", "<"), Point(D(2025, 3, 1), 2.0)])
    circles = root.findall(f".//{NS}circle")
    assert circles[0].get("fill") == "#fff" and circles[1].get("fill") == "#1b1f24"
    assert root.find(f".//{NS}text[@class='censored']").text == "<"
    assert "2025-01-01: &lt;0.5" in svg


def test_preliminary_is_a_square_and_acute_is_ringed():
    _, root = render(
        [Point(D(2025, 1, 1), 3.0, preliminary=True), Point(D(2025, 2, 1), 40.0, acute=True)]
    )
    assert len(root.findall(f".//{NS}rect")) == 1
    titles = [t.text for t in root.iter(f"{NS}title")]
    assert any("preliminary" in t for t in titles) and any(
        "acute inflammation" in t for t in titles
    )


def test_bands_and_markers_are_drawn_with_their_labels():
    _, root = render(
        [Point(D(2025, 1, 1), 1.0), Point(D(2025, 6, 1), 12.0)],
        bands=[Band(10, None, "acute inflammation ≥10 mg/L", "high")],
        markers=[Marker(D(2025, 2, 1), "MSC infusion", "intervention")],
    )
    titles = [t.text for t in root.iter(f"{NS}title")]
    assert "acute inflammation ≥10 mg/L" in titles
    assert "MSC infusion (2025-02-01)" in titles


def test_an_empty_series_still_renders_an_accessible_chart():
    _, root = render([])
    assert root.find(f"{NS}desc").text == "No CRP values recorded."
