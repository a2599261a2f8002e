"""The timeline under the map: events per month or year, stacked by type (an altair chart).

`timeline_chart` draws the counts with an x-interval brush named "brush"; Streamlit reports a
brushed span as epoch milliseconds, and `brushed_months` turns it into the months of the
bars it covers, which become the dashboard's date filter. The chart shows the filtered
events over all time, so that the brush can widen the span as well as narrow it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Literal

import altair as alt
import pandas as pd

from geo.filters import Month, event_months, months_between
from geo.mapview import FULL_MONTHS, TYPE_COLOURS, type_label
from geo.model import EVENT_TYPES, Event

BRUSH = "brush"  # the selection's name: what Streamlit reports it under
MONTHLY_UP_TO_MONTHS = 48  # data spanning at most this many months is counted by month
HEIGHT = 130


def timeline_unit(span: tuple[Month, Month] | None) -> str:
    """'month' when the span is short enough for months to be readable, else 'year'."""
    if span is None:
        return "year"
    return "month" if len(months_between(*span)) <= MONTHLY_UP_TO_MONTHS else "year"


def timeline_counts(events: Sequence[Event], unit: str) -> tuple[pd.DataFrame, int]:
    """Events per (period, type), and how many events the chart leaves out: undated ones,
    and in a monthly chart those dated by year only. An event with a range counts once in
    every period its range covers (a drill from 28 August to 3 September in August and in
    September); a year-only date is not a range, so a monthly chart does not spread it over
    twelve months (it would read as twelve events) but leaves it out and says so."""
    counts: Counter = Counter()
    left_out = 0
    for event in events:
        months = event_months(event)
        if months is None or unit == "month" and event.precision == "year":
            left_out += 1
            continue
        for year, month in _periods(months, unit):
            counts[(year, month, event.type)] += 1
    rows = [
        {
            "period": datetime(year, month, 1),
            "label": f"{FULL_MONTHS[month - 1]} {year}" if unit == "month" else str(year),
            "type": type_label(kind),
            "rank": EVENT_TYPES.index(kind) if kind in EVENT_TYPES else len(EVENT_TYPES),
            "events": n,
        }
        for (year, month, kind), n in sorted(counts.items())
    ]
    frame = pd.DataFrame(rows, columns=["period", "label", "type", "rank", "events"])
    return frame, left_out


def _periods(months: tuple[Month, Month], unit: str) -> list[tuple[int, int]]:
    """The bars a span of months falls in: each month, or each year (as (year, 1))."""
    if unit == "month":
        return months_between(*months)
    return [(year, 1) for year in range(months[0][0], months[1][0] + 1)]


def timeline_chart(
    frame: pd.DataFrame,
    *,
    unit: str,
    span: tuple[Month, Month] | None,
    selected: tuple[Month, Month] | None = None,
    height: int = HEIGHT,
) -> alt.Chart:
    """Stacked bars of the counts over the whole span, with the selected months brushed."""
    time_unit: Literal["yearmonth", "year"] = "yearmonth" if unit == "month" else "year"
    types = [type_label(t) for t in EVENT_TYPES]
    extra = sorted(set(frame["type"]) - set(types))
    colours = [TYPE_COLOURS[t] for t in EVENT_TYPES] + [TYPE_COLOURS["other"]] * len(extra)
    brush_args: dict = {}
    if selected is not None:
        brush_args["value"] = {"x": [_datetime(selected[0]), _datetime(selected[1], last=True)]}
    brush = alt.selection_interval(name=BRUSH, encodings=["x"], **brush_args)
    domain = None
    if span is not None:
        first, last = span
        if unit == "year":
            first, last = (first[0], 1), (last[0], 12)
        domain = [_datetime(first), _datetime(last, last=True)]
    x = alt.X(
        "period:T",
        timeUnit=time_unit,
        title=None,
        scale=alt.Scale(domain=domain) if domain else alt.Undefined,
        axis=alt.Axis(format="%b %Y" if unit == "month" else "%Y", labelOverlap=True, grid=False),
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("sum(events):Q", title="events", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "type:N",
                scale=alt.Scale(domain=types + extra, range=colours),
                legend=alt.Legend(
                    orient="right",
                    title=None,
                    symbolType="circle",
                    symbolSize=50,
                    labelFontSize=11,
                    rowPadding=0,
                ),
            ),
            order=alt.Order("rank:Q"),  # stacked in the legend's order
            tooltip=[
                alt.Tooltip("label:N", title="when"),
                alt.Tooltip("type:N", title="type"),
                alt.Tooltip("sum(events):Q", title="events"),
            ],
        )
        .add_params(brush)
        .properties(height=height)
    )


def brushed_months(selection: Mapping | None, unit: str) -> tuple[Month, Month] | None:
    """The months of the bars a brushed span covers (a bar counts when its middle is inside;
    a span inside one bar picks that bar), or None when nothing is brushed."""
    brushed = (selection or {}).get(BRUSH) or {}
    values = next(iter(brushed.values()), None) if isinstance(brushed, Mapping) else None
    if not values or len(values) != 2:
        return None
    low, high = sorted(_from_epoch(v) for v in values)
    bins = _bins(low, high, unit)
    inside = [b for b in bins if low <= _middle(b, unit) <= high]
    if not inside:
        middle = low + (high - low) / 2
        inside = [b for b in bins if _start(b) <= middle < _start(_next(b, unit))][:1]
    if not inside:
        return None
    first, last = inside[0], inside[-1]
    return first, (last if unit == "month" else (last[0], 12))


def _bins(low: datetime, high: datetime, unit: str) -> list[Month]:
    if unit == "month":
        return months_between((low.year, low.month), (high.year, high.month))
    return [(year, 1) for year in range(low.year, high.year + 1)]


def _start(month: Month) -> datetime:
    return datetime(month[0], month[1], 1)


def _next(month: Month, unit: str) -> Month:
    if unit == "year":
        return (month[0] + 1, 1)
    return (month[0] + 1, 1) if month[1] == 12 else (month[0], month[1] + 1)


def _middle(month: Month, unit: str) -> datetime:
    start = _start(month)
    return start + (_start(_next(month, unit)) - start) / 2


def _from_epoch(value: object) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC).replace(tzinfo=None)
    return pd.Timestamp(str(value)).to_pydatetime().replace(tzinfo=None)


def _datetime(month: Month, *, last: bool = False) -> alt.DateTime:
    if not last:
        return alt.DateTime(year=month[0], month=month[1], date=1)
    # The end of the last month: the first instant of the next.
    year, number = (month[0] + 1, 1) if month[1] == 12 else (month[0], month[1] + 1)
    return alt.DateTime(year=year, month=number, date=1)
