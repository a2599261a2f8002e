"""geo.filters: which events pass a view, and the URL query that restores the view."""

from __future__ import annotations

from dataclasses import replace

import pytest

from geo.filters import (
    ANY,
    View,
    apply,
    event_months,
    from_query,
    month_span,
    months_between,
    parse_month,
    search_text,
    series_counts,
    series_name,
    to_query,
)
from geo.model import Event, EventPlace, Place
from tests.conftest import BEIJING, MOSCOW, SEA, make_article, make_event

RUSSIA = Place("gn:2017370", "Russia", 60.0, 100.0, "country", "RU", 140_000_000, 2017370)


@pytest.fixture
def events() -> list[Event]:
    a = make_article(
        "Russian and Chinese ships patrolled the Sea of Okhotsk. End.", title="Pacific watch"
    )
    b = make_article("Ministers met in Beijing. End.", id="b.txt", title="Talks")
    c = make_article("Russia sold fighter jets to Iran. End.", id="c.txt")
    return [
        replace(make_event(a, SEA, type="patrol", year=2012, month=8), name="Joint Sea-2012"),
        make_event(b, BEIJING, type="meeting", year=2019, month=None, participants=("China",)),
        make_event(
            c, RUSSIA, type="arms_deal", year=2024, month=3, participants=("Russia", "Iran")
        ),
        make_event(a, MOSCOW, year=None, month=None),
        replace(make_event(b, SEA, year=2013, month=7), name="Joint Sea 2013"),
    ]


def kinds(events: list[Event]) -> list[tuple[str, int | None]]:
    return [(e.type, e.year) for e in events]


def test_the_default_view_shows_everything(events):
    assert apply(events, View()) == events


@pytest.mark.parametrize(
    ("event", "months"),
    [
        (Event("exercise", 2024, 9, None, "month"), ((2024, 9), (2024, 9))),
        (Event("exercise", 2024, 9, 3, "day"), ((2024, 9), (2024, 9))),
        (Event("exercise", 2005, None, None, "year"), ((2005, 1), (2005, 12))),
        (Event("exercise", 2005, 4, None, "year"), ((2005, 1), (2005, 12))),
        (Event("exercise", 2024, 8, 9, "day", end="2024-10-02"), ((2024, 8), (2024, 10))),
        (Event("exercise", 2024, 8, None, "month", end="2025"), ((2024, 8), (2025, 12))),
        (Event("exercise", 2024, 8, None, "month", end="2020-01"), ((2024, 8), (2024, 8))),
        (Event("exercise", None), None),
        (Event("exercise", 2010, None, None, "unknown"), None),
    ],
)
def test_event_months_cover_what_the_date_allows(event, months):
    assert event_months(event) == months


def test_dates_overlap_the_months_shown(events):
    view = View(start=(2013, 1), end=(2019, 6))
    # The 2019 meeting is dated by year only: it may be in the months shown, so it passes.
    assert kinds(apply(events, view)) == [("meeting", 2019), ("exercise", None), ("exercise", 2013)]
    assert kinds(apply(events, replace(view, include_undated=False))) == [
        ("meeting", 2019),
        ("exercise", 2013),
    ]
    assert kinds(apply(events, View(start=(2013, 8)))) == [
        ("meeting", 2019),
        ("arms_deal", 2024),
        ("exercise", None),
    ]
    ranged = replace(events[0], end="2013-02")
    assert apply([ranged], View(start=(2013, 1))) == [ranged], "a range reaching into the view"


def test_types_countries_and_partner_pairs(events):
    assert kinds(apply(events, View(types=("meeting", "patrol")))) == [
        ("patrol", 2012),
        ("meeting", 2019),
    ]
    assert apply(events, View(types=())) == []
    assert kinds(apply(events, View(countries=("Iran",)))) == [("arms_deal", 2024)]
    assert len(apply(events, View(pair=("Russia", "China")))) == 3
    assert kinds(apply(events, View(pair=("Russia", "Iran")))) == [("arms_deal", 2024)]
    # Russia with any other: the meeting China held alone does not pass, nor does it for China.
    assert len(apply(events, View(pair=("Russia", ANY)))) == 4
    assert ("meeting", 2019) not in kinds(apply(events, View(pair=("China", ANY))))


def test_named_exercise_series(events):
    assert series_name("Joint Sea-2015") == "Joint Sea"
    assert series_name("Peace Mission 2018") == "Peace Mission"
    assert series_name("Vostok-18") == "Vostok"
    assert series_name("Zapad") == "Zapad"
    assert series_name("2015") == "2015"
    assert series_counts(events) == [("Joint Sea", 2)]
    assert kinds(apply(events, View(series=("Joint Sea",)))) == [
        ("patrol", 2012),
        ("exercise", 2013),
    ]
    assert apply(events, View(series=("Vostok",))) == []


def test_hiding_events_placed_only_at_country_level(events):
    shown = apply(events, View(hide_country_level=True))
    assert ("arms_deal", 2024) not in kinds(shown) and len(shown) == 4
    mixed = replace(events[2], places=(EventPlace("Russia", RUSSIA), EventPlace("Moscow", MOSCOW)))
    assert apply([mixed], View(hide_country_level=True)) == [mixed]


def test_free_text_search_over_excerpts_titles_and_place_names(events):
    assert kinds(apply(events, View(text="fighter JETS"))) == [("arms_deal", 2024)]
    assert kinds(apply(events, View(text="talks"))) == [("meeting", 2019), ("exercise", 2013)]
    assert len(apply(events, View(text="okhotsk"))) == 3  # the place, and the excerpt
    assert apply(events, View(text="okhotsk talks")) == [events[4]]  # every word
    assert apply(events, View(text="vostok")) == []
    assert "joint sea-2012" in search_text(events[0])


def test_month_span_and_months():
    assert month_span([]) is None
    assert month_span(
        [Event("exercise", 2005, precision="year"), Event("exercise", 2007, 3, None, "month")]
    ) == (
        (2005, 1),
        (2007, 3),
    )
    assert months_between((2023, 11), (2024, 2)) == [(2023, 11), (2023, 12), (2024, 1), (2024, 2)]
    assert parse_month("2024-09") == (2024, 9)
    assert parse_month("2024", last=True) == (2024, 12)
    assert parse_month("2024-13") is None and parse_month("soon") is None


def test_the_url_query_round_trips_every_filter():
    view = View(
        start=(2012, 1),
        end=(2019, 12),
        types=("exercise", "patrol"),
        countries=("Russia", "Iran"),
        include_undated=False,
        hide_country_level=True,
        text="sea of japan",
        series=("Joint Sea",),
        pair=("Russia", ANY),
        event="0123456789abcdef",
    )
    query = to_query(view)
    assert query["from"] == "2012" and query["to"] == "2019"  # whole years read as years
    assert query["type"] == ["exercise", "patrol"] and query["pair"] == ["Russia", "any"]
    assert from_query(query) == view
    months = View(start=(2024, 3), end=(2024, 9))
    assert to_query(months) == {"from": "2024-03", "to": "2024-09"}
    assert from_query(to_query(months)) == months
    assert to_query(View()) == {}
    assert from_query(to_query(View(types=()))) == View(types=())


def test_a_hand_written_or_broken_query_is_read_leniently():
    assert from_query({}) == View()
    assert from_query({"from": "2019", "to": "2012"}) == View(start=(2012, 1), end=(2019, 12))
    assert from_query({"from": "later", "event": "<script>", "pair": "Russia"}) == View(
        pair=("Russia", ANY)
    )
    assert from_query({"pair": ["China", "China"]}).pair is None
    assert from_query({"q": "  two   words "}).text == "two words"
    assert from_query({"type": "exercise"}).types == ("exercise",)
