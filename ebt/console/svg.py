"""Charts and diagrams drawn on the server as SVG: no script, no network, the same picture
in every browser. Each drawing has a <title> and a text alternative beside it in the page
(a table or a list), so it reads without sight and at phone width.

- `bars`: counts per business day, stacked by series (files, transactions, rejects by code);
- `timeline`: an account's supplier of record over time, pending periods in their own lane,
  events (moves, final bills, reversions, meter exchanges) as markers;
- `decision_diagram`: a rule table as a flow of questions, the path a decision took lit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

from ebt.queries.accounts import Marker, PeriodRow
from ebt.queries.today import Series
from ebt.rules.tables import Next, Outcome, Table

#: Colours, chosen to be told apart by people with the common colour-vision deficiencies
#: (the Okabe–Ito set), each series also named in the legend and the table beside it.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000")


def _text(x: float, y: float, text: str, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'


# -- bars per day -----------------------------------------------------------------------------


def nice_peak(peak: int) -> int:
    """The top of the scale: 4, else 10, 20, 50, 100, 200... — the first at least `peak`
    (each even, so the half-way line is a whole number)."""
    if peak <= 4:
        return 4
    scale = 10
    while True:
        for factor in (1, 2, 5):
            if factor * scale >= peak:
                return factor * scale
        scale *= 10


def bars(
    days: Sequence[date], series: Sequence[Series], title: str, *, grouped: bool = False
) -> Markup:
    """Bars, one slot per day: stacked by series, or side by side when `grouped`."""
    width, height, left, bottom, top = 600, 170, 40, 28, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    if grouped:
        peak = max((c for s in series for c in s.counts), default=0)
    else:
        peak = max((sum(s.counts[i] for s in series) for i in range(len(days))), default=0)
    peak = nice_peak(peak)
    step = plot_w / max(len(days), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height + 14 + 18 * _legend_rows(series)}" '
        f'role="img" aria-labelledby="t-{id(series)}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="t-{id(series)}">{escape(title)}</title>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
        )
        parts.append(_text(left - 4, y + 4, f"{round(peak * fraction)}", text_anchor="end"))
    for i, day in enumerate(days):
        x = left + i * step + step * 0.15
        parts += _day_bars(day, i, series, x, step * 0.7, top + plot_h, plot_h / peak, grouped)
        if (len(days) - 1 - i) % 5 == 0:
            parts.append(
                _text(
                    x + step * 0.35,
                    height - bottom + 16,
                    day.strftime("%m-%d"),
                    text_anchor="middle",
                )
            )
    parts += _legend(series, left, height + 14)
    parts.append("</svg>")
    return Markup("".join(parts))


def _day_bars(
    day: date,
    index: int,
    series: Sequence[Series],
    x: float,
    width: float,
    base: float,
    unit: float,
    grouped: bool,
) -> list[str]:
    parts = []
    y = base
    each = width / max(len(series), 1) if grouped else width
    for number, s in enumerate(series):
        count = s.counts[index]
        if not count:
            continue
        h = unit * count
        left = x + number * each if grouped else x
        top = base - h if grouped else y - h
        y = top
        parts.append(
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{each:.1f}" height="{h:.1f}" '
            f'fill="{PALETTE[number % len(PALETTE)]}"><title>{escape(s.label)} '
            f"{day.isoformat()}: {count}</title></rect>"
        )
    return parts


def _legend_rows(series: Sequence[Series]) -> int:
    return (len(series) + 2) // 3


def _legend(series: Sequence[Series], left: int, y0: int) -> list[str]:
    parts = []
    for number, s in enumerate(series):
        x = left + (number % 3) * 185
        y = y0 - 8 + (number // 3) * 18
        colour = PALETTE[number % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(x + 14, y, f"{s.label[:24]} ({s.total})"))
    return parts


# -- an account's timeline --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Span:
    first: date
    last: date

    def x(self, day: date, left: float, width: float) -> float:
        total = max((self.last - self.first).days, 1)
        return left + width * min(max((day - self.first).days, 0), total) / total


MARKER_SHAPES = {
    "move_out": "▲",
    "move_in": "▼",
    "final_bill": "■",
    "write_off": "✕",
    "reversion": "◆",
    "meter_exchange": "●",
}


def timeline(periods: Sequence[PeriodRow], markers: Sequence[Marker], today: date) -> Markup:
    """Supplier periods as bars on a time axis: the supplier of record in one lane, pending
    periods set apart in the lane below (hatched), cancelled ones faint; markers above."""
    width, left, right = 900, 120, 20
    plot_w = width - left - right
    days = [p.start for p in periods] + [p.end for p in periods if p.end] + [today]
    days += [m.day for m in markers]
    span = _Span(min(days) - timedelta(days=15), max(days) + timedelta(days=45))
    lanes = {"markers": 30, "record": 74, "pending": 128}
    height = 190
    parts = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="timeline-title" xmlns="http://www.w3.org/2000/svg">',
        '<title id="timeline-title">Supplier of record over time</title>',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#0072B2" stroke-width="3"/></pattern></defs>',
        _text(8, lanes["markers"] + 5, "events"),
        _text(8, lanes["record"] + 5, "supplier of record"),
        _text(8, lanes["pending"] + 5, "pending"),
    ]
    parts += _axis(span, left, plot_w, height - 24)
    for p in periods:
        parts.append(_period_bar(p, span, left, plot_w, lanes, today))
    x_today = span.x(today, left, plot_w)
    parts.append(
        f'<line x1="{x_today:.1f}" x2="{x_today:.1f}" y1="14" y2="{height - 30}" class="today"/>'
    )
    parts.append(_text(x_today + 3, 14, f"today {today.isoformat()}", class_="today-label"))
    for m in markers:
        x = span.x(m.day, left, plot_w)
        parts.append(
            f'<g class="marker {m.kind}"><text x="{x:.1f}" y="{lanes["markers"] + 6}" '
            f'text-anchor="middle">{MARKER_SHAPES.get(m.kind, "●")}</text>'
            f"<title>{escape(m.label)} {m.day.isoformat()}</title></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _axis(span: _Span, left: float, plot_w: float, y: float) -> list[str]:
    parts = [f'<line x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}" class="axis"/>']
    years = range(span.first.year, span.last.year + 2)
    ticks = [date(year, month, 1) for year in years for month in (1, 4, 7, 10)]
    ticks = [t for t in ticks if span.first <= t <= span.last]
    if len(ticks) > 12:
        ticks = [t for t in ticks if t.month == 1]
    for tick in ticks:
        x = span.x(tick, left, plot_w)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 5}" class="axis"/>')
        label = str(tick.year) if tick.month == 1 else tick.strftime("%b")
        parts.append(_text(x, y + 17, label, text_anchor="middle"))
    return parts


def _period_bar(
    p: PeriodRow, span: _Span, left: float, plot_w: float, lanes: dict[str, int], today: date
) -> str:
    x0 = span.x(p.start, left, plot_w)
    x1 = span.x(p.end or span.last, left, plot_w)
    lane = lanes["pending"] if p.status == "pending" else lanes["record"]
    kind = "standard-offer" if p.standard_offer else "ces"
    fill = "url(#hatch)" if p.status == "pending" else ("#BBB" if p.standard_offer else "#0072B2")
    label = f"{p.supplier_name} {p.start.isoformat()} → {p.end.isoformat() if p.end else '…'}"
    width = max(x1 - x0, 2)
    name = p.supplier_name if width > 8 * len(p.supplier_name) * 0.8 else ""
    text_colour = "#000" if p.standard_offer or p.status == "pending" else "#fff"
    return (
        f'<g class="period {kind} {p.status}"><rect x="{x0:.1f}" y="{lane - 14}" '
        f'width="{width:.1f}" height="28" rx="3" fill="{fill}" stroke="#333" '
        f'stroke-width="{1 if p.status != "cancelled" else 0.3}" '
        f'opacity="{0.35 if p.status == "cancelled" else 1}"/>'
        + (_text(x0 + 6, lane + 5, name, fill=text_colour) if name else "")
        + f"<title>{escape(label)} ({p.status})</title></g>"
    )


# -- a decision table as a flow, the path taken lit -------------------------------------------


def _order(table: Table) -> list[str]:
    """Steps in the order a reader follows them: from the start, yes before no."""
    seen: list[str] = []
    todo = [table.start]
    while todo:
        here = todo.pop(0)
        if here in seen or here not in table.steps:
            continue
        seen.append(here)
        step = table.steps[here]
        todo += [n for n in (step.yes, step.no) if isinstance(n, str)]
    seen += [s for s in table.steps if s not in seen]
    return seen


def _outcome_label(outcome: Outcome, meanings: dict[str, str]) -> str:
    if outcome.code is None:
        return outcome.name
    meaning = meanings.get(outcome.code)
    return f"{outcome.name} {outcome.code}" + (f" · {meaning}" if meaning else "")


def decision_diagram(
    table: Table,
    taken: Sequence[tuple[str, bool]] = (),
    meanings: dict[str, str] | None = None,
) -> Markup:
    """The table's questions top to bottom; each answer's arrow to the next question, or to
    an outcome box at the right. `taken` (step, answer) pairs light the path."""
    meanings = meanings or {}
    order = _order(table)
    row_of = {step: i for i, step in enumerate(order)}
    answered = dict(taken)
    box_w, box_h, gap, left, top = 380, 46, 26, 70, 16
    out_x, out_w = left + box_w + 60, 330
    height = top + len(order) * (box_h + gap) + 10
    width = out_x + out_w + 10
    parts = [
        f'<svg class="diagram" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="d-{table.name}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="d-{table.name}">Decision table {escape(table.name)} {escape(table.version)}'
        "</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>',
    ]
    gutter = 0
    for step_id in order:
        step = table.steps[step_id]
        y = top + row_of[step_id] * (box_h + gap)
        lit = step_id in answered
        parts.append(
            f'<g class="step{" lit" if lit else ""}"><rect x="{left}" y="{y}" width="{box_w}" '
            f'height="{box_h}" rx="6"/>'
            + _wrapped(left + 8, y + 17, step.question, 54)
            + f"<title>{escape(step_id)}: {escape(step.predicate)}</title></g>"
        )
        outcomes = 0
        for answer, target in ((True, step.yes), (False, step.no)):
            on_path = lit and answered.get(step_id) is answer
            word = "yes" if answer else "no"
            css = f"edge{' lit' if on_path else ''}"
            if isinstance(target, Outcome):
                oy = y + (outcomes * (box_h / 2))
                outcomes += 1
                start_y = y + box_h / 2 + (outcomes - 1) * 12 - 6
                parts.append(_outcome_edge(left + box_w, start_y, out_x, oy + 11, css, word))
                parts.append(_outcome_box(out_x, oy, out_w, target, meanings, on_path))
                continue
            gutter += 1
            parts.append(_step_edge(target, row_of, left, y, box_h, gap, top, css, word, gutter))
    parts.append("</svg>")
    return Markup("".join(parts))


def _wrapped(x: float, y: float, text: str, per_line: int) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > per_line and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    if len(lines) > 2:
        lines = [lines[0], lines[1][: per_line - 1] + "…"]
    return "".join(_text(x, y + 16 * i, part) for i, part in enumerate(lines))


def _outcome_edge(x0: float, y0: float, x1: float, y1: float, css: str, word: str) -> str:
    return (
        f'<g class="{css}"><path d="M{x0},{y0:.1f} C{x0 + 30},{y0:.1f} {x1 - 30},{y1:.1f} '
        f'{x1},{y1:.1f}" fill="none" marker-end="url(#arrow)"/>'
        + _text(x0 + 8, y0 - 4, word, class_="answer")
        + "</g>"
    )


def _outcome_box(
    x: float, y: float, w: float, outcome: Outcome, meanings: dict[str, str], lit: bool
) -> str:
    kind = "reject" if outcome.code else "accept"
    return (
        f'<g class="outcome {kind}{" lit" if lit else ""}"><rect x="{x}" y="{y}" width="{w}" '
        f'height="22" rx="11"/>'
        + _text(x + 10, y + 15, _outcome_label(outcome, meanings)[:48])
        + "</g>"
    )


def _step_edge(
    target: Next,
    row_of: dict[str, int],
    left: float,
    y: float,
    box_h: float,
    gap: float,
    top: float,
    css: str,
    word: str,
    gutter: int,
) -> str:
    assert isinstance(target, str)
    ty = top + row_of.get(target, 0) * (box_h + gap)
    x = left + 40
    if ty == y + box_h + gap:  # the next question: straight down
        return (
            f'<g class="{css}"><line x1="{x}" y1="{y + box_h}" x2="{x}" y2="{ty}" '
            f'marker-end="url(#arrow)"/>'
            + _text(x + 6, y + box_h + 16, word, class_="answer")
            + "</g>"
        )
    lane = left - 10 - (gutter % 5) * 11  # round the left side, in one of a few gutters
    return (
        f'<g class="{css}"><path d="M{left},{y + box_h / 2} H{lane} V{ty + box_h / 2} '
        f'H{left}" fill="none" marker-end="url(#arrow)"/>'
        + _text(lane - 2, y + box_h / 2 - 4, word, class_="answer", text_anchor="end")
        + "</g>"
    )
