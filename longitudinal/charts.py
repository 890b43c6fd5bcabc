"""Small server-rendered SVG charts on a shared time axis: no JavaScript, no CDN.

Plain Python, no Django. Every chart of a timeline page gets the same `start`/`end`, so
charts stacked on the page line up by date. Censored values (`<0.5`) are drawn hollow
with their comparator, preliminary results as hollow squares, acute-inflammation samples
ringed in red; threshold bands shade the background; interventions, adverse events and
visit timepoints are vertical markers. Each chart has a text title and description;
the page also shows the same data as a table.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 720, 130
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 22
BAND_COLOURS = {"normal": "#e7f4ea", "high": "#fbe9e9", "low": "#fff4da", "info": "#eef2f8"}
MARKER_COLOURS = {"intervention": "#0b5cad", "adverse_event": "#a4161a", "timepoint": "#8a94a3"}


@dataclass(frozen=True)
class Point:
    when: dt.date
    value: float
    text: str = ""  # as shown, e.g. "<0.5"
    comparator: str = ""
    preliminary: bool = False
    acute: bool = False


@dataclass(frozen=True)
class Band:
    low: float | None
    high: float | None
    label: str
    kind: str = "normal"


@dataclass(frozen=True)
class Marker:
    when: dt.date
    label: str
    kind: str = "timepoint"


@dataclass(frozen=True)
class Axis:
    start: dt.date
    end: dt.date

    def x(self, when: dt.date) -> float:
        span = max((self.end - self.start).days, 1)
        return LEFT + (WIDTH - LEFT - RIGHT) * (when - self.start).days / span


def shared_axis(dates: Sequence[dt.date], *, pad_days: int = 14) -> Axis:
    """One axis for every chart on a page, padded so edge points are not clipped."""
    if not dates:
        today = dt.date.today()  # noqa: DTZ011 - a display default only
        return Axis(today - dt.timedelta(days=30), today)
    return Axis(min(dates) - dt.timedelta(days=pad_days), max(dates) + dt.timedelta(days=pad_days))


def _y_range(points: Sequence[Point], bands: Sequence[Band]) -> tuple[float, float]:
    values = [p.value for p in points]
    values += [b for band in bands for b in (band.low, band.high) if b is not None]
    low, high = min(values, default=0.0), max(values, default=1.0)
    if low == high:
        low, high = low - 1, high + 1
    margin = (high - low) * 0.08
    return low - margin, high + margin


def chart_svg(
    *,
    title: str,
    unit: str,
    axis: Axis,
    points: Sequence[Point],
    bands: Sequence[Band] = (),
    markers: Sequence[Marker] = (),
    chart_id: str = "chart",
) -> str:
    """An accessible inline SVG for one measure."""
    low, high = _y_range(points, bands)

    def y(value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (high - value) / (high - low)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(_description(title, unit, points))}</desc>',
        *_bands(bands, y, low, high),
        *_frame(axis, y, low, high, unit),
        *_markers(markers, axis),
        _line(points, axis, y),
        *(_point(p, axis.x(p.when), y(p.value)) for p in points),
        "</svg>",
    ]
    return "".join(parts)


def _description(title: str, unit: str, points: Sequence[Point]) -> str:
    if not points:
        return f"No {title} values recorded."
    shown = ", ".join(f"{p.when:%Y-%m-%d}: {p.text or _fmt(p.value)}" for p in points[-6:])
    return f"{len(points)} values in {unit}; latest: {shown}."


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _bands(bands, y, low, high):
    for band in bands:
        top = y(min(band.high, high)) if band.high is not None else y(high)
        bottom = y(max(band.low, low)) if band.low is not None else y(low)
        colour = BAND_COLOURS.get(band.kind, BAND_COLOURS["info"])
        yield (
            f'<rect x="{LEFT}" y="{top:.1f}" width="{WIDTH - LEFT - RIGHT}" '
            f'height="{max(bottom - top, 0):.1f}" fill="{colour}"><title>{escape(band.label)}'
            f"</title></rect>"
        )


def _frame(axis, y, low, high, unit):
    yield (
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#8a94a3"/>'
    )
    for value in (low, high):
        yield (
            f'<text x="{LEFT - 4}" y="{y(value) + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(_fmt(value))}</text>"
        )
    yield f'<text x="4" y="{TOP + 10}" class="unit">{escape(unit)}</text>'
    for when in (axis.start, axis.start + (axis.end - axis.start) / 2, axis.end):
        yield (
            f'<text x="{axis.x(when):.1f}" y="{HEIGHT - 6}" text-anchor="middle" '
            f'class="tick">{when:%Y-%m-%d}</text>'
        )


def _markers(markers, axis):
    for m in markers:
        x = axis.x(m.when)
        colour = MARKER_COLOURS.get(m.kind, MARKER_COLOURS["timepoint"])
        dash = "" if m.kind != "timepoint" else ' stroke-dasharray="3 3"'
        yield (
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" '
            f'stroke="{colour}"{dash}><title>{escape(m.label)} ({m.when:%Y-%m-%d})</title></line>'
        )


def _line(points, axis, y) -> str:
    if len(points) < 2:
        return ""
    path = " ".join(f"{axis.x(p.when):.1f},{y(p.value):.1f}" for p in points)
    return f'<polyline points="{path}" fill="none" stroke="#1b1f24" stroke-width="1.5"/>'


def _point(p: Point, x: float, y: float) -> str:
    label = f"{p.when:%Y-%m-%d}: {p.text or _fmt(p.value)}"
    notes = [n for n, on in (("preliminary", p.preliminary), ("acute inflammation", p.acute)) if on]
    if notes:
        label += " (" + ", ".join(notes) + ")"
    hollow = bool(p.comparator) or p.preliminary
    fill = "#fff" if hollow else "#1b1f24"
    stroke = f'fill="{fill}" stroke="#1b1f24"'
    shape = (
        f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" {stroke}/>'
        if p.preliminary
        else f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" {stroke}/>'
    )
    extra = ""
    if p.comparator:
        extra += (
            f'<text x="{x + 6:.1f}" y="{y - 5:.1f}" class="censored">{escape(p.comparator)}</text>'
        )
    if p.acute:
        extra += f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="none" stroke="#a4161a"/>'
    return f'<g class="point"><title>{escape(label)}</title>{shape}{extra}</g>'
