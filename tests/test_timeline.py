"""geo.timeline: counts per period and type, the chart's brush, and brushed spans as months."""

from __future__ import annotations

from datetime import UTC, datetime

from geo.mapview import TYPE_COLOURS
from geo.model import Event
from geo.timeline import (
    BRUSH,
    brushed_months,
    timeline_chart,
    timeline_counts,
    timeline_unit,
)


def ms(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp() * 1000


EVENTS = [
    Event("exercise", 2012, 8, None, "month"),
    Event("exercise", 2012, 3, 4, "day"),
    Event("patrol", 2012, 8, None, "month"),
    Event("meeting", 2019, None, None, "year"),
    Event("meeting", None),
]


def test_unit_is_months_for_a_few_years_else_years():
    assert timeline_unit(((2023, 1), (2026, 12))) == "month"
    assert timeline_unit(((2023, 1), (2027, 1))) == "year"
    assert timeline_unit(None) == "year"


def test_counts_per_year_by_type():
    frame, left_out = timeline_counts(EVENTS, "year")
    assert left_out == 1  # the undated meeting
    rows = {(r.label, r.type): r.events for r in frame.itertuples()}
    assert rows == {("2012", "Exercise"): 2, ("2012", "Joint patrol"): 1, ("2019", "Meeting"): 1}


def test_counts_per_month_leave_out_year_only_dates():
    frame, left_out = timeline_counts(EVENTS, "month")
    assert left_out == 2  # undated, and the 2019 meeting known by year only
    rows = {(r.label, r.type): r.events for r in frame.itertuples()}
    assert rows == {
        ("March 2012", "Exercise"): 1,
        ("August 2012", "Exercise"): 1,
        ("August 2012", "Joint patrol"): 1,
    }


def test_a_range_counts_in_every_period_it_covers():
    drill = Event("exercise", 2021, 12, 20, "day", end="2022-02-03")  # December to February
    talks = Event("meeting", 2022, 1, None, "month")
    monthly, left_out = timeline_counts([drill, talks], "month")
    assert left_out == 0
    rows = {(r.label, r.type): r.events for r in monthly.itertuples()}
    assert rows == {
        ("December 2021", "Exercise"): 1,
        ("January 2022", "Exercise"): 1,
        ("January 2022", "Meeting"): 1,
        ("February 2022", "Exercise"): 1,
    }
    yearly, _ = timeline_counts([drill, talks], "year")
    rows = {(r.label, r.type): r.events for r in yearly.itertuples()}
    assert rows == {("2021", "Exercise"): 1, ("2022", "Exercise"): 1, ("2022", "Meeting"): 1}
    # A range ending by year only runs to that year's end; a year-only date stays one year.
    long = Event("patrol", 2019, None, None, "year", end="2021")
    yearly, _ = timeline_counts([long], "year")
    assert [r.label for r in yearly.itertuples()] == ["2019", "2020", "2021"]
    monthly, left_out = timeline_counts([long], "month")
    assert monthly.empty and left_out == 1  # not spread over 36 months


def test_chart_is_stacked_by_type_with_a_brush_on_the_selected_months():
    frame, _ = timeline_counts(EVENTS, "year")
    spec = timeline_chart(
        frame, unit="year", span=((2012, 3), (2019, 12)), selected=((2012, 1), (2012, 12))
    ).to_dict()
    [param] = spec["params"]
    assert param["name"] == BRUSH and param["select"]["encodings"] == ["x"]
    low, high = param["value"]["x"]
    assert (low["year"], low["month"], high["year"], high["month"]) == (2012, 1, 2013, 1)
    assert spec["encoding"]["x"]["timeUnit"] == "year"
    assert spec["encoding"]["color"]["scale"]["range"][0] == TYPE_COLOURS["exercise"]
    assert spec["encoding"]["x"]["scale"]["domain"][0]["year"] == 2012
    unselected = timeline_chart(frame, unit="year", span=None).to_dict()
    assert "value" not in unselected["params"][0]


def test_a_brushed_span_becomes_the_months_of_the_bars_it_covers():
    # Brushed from late summer 2016 into the start of 2021: 2016's middle is outside, so 2017-2020.
    selection = {BRUSH: {"year_period": [ms(2016, 8, 20), ms(2021, 2, 1)]}}
    assert brushed_months(selection, "year") == ((2017, 1), (2020, 12))
    # Reversed ends, and one whole year.
    assert brushed_months({BRUSH: {"x": [ms(2013, 1, 2), ms(2011, 12, 20)]}}, "year") == (
        (2012, 1),
        (2012, 12),
    )
    # A narrow brush inside one bar picks that bar.
    assert brushed_months({BRUSH: {"x": [ms(2014, 3, 1), ms(2014, 4, 1)]}}, "year") == (
        (2014, 1),
        (2014, 12),
    )
    assert brushed_months({BRUSH: {"x": [ms(2024, 2, 20), ms(2024, 5, 2)]}}, "month") == (
        (2024, 3),
        (2024, 4),
    )


def test_nothing_brushed_is_no_span():
    assert brushed_months(None, "year") is None
    assert brushed_months({}, "year") is None
    assert brushed_months({BRUSH: {}}, "month") is None
    assert brushed_months({BRUSH: {"x": [1]}}, "month") is None
