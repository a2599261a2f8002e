"""Property-based tests (hypothesis): date resolution, the readers, the export round trip."""

from __future__ import annotations

import calendar
import json
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.articles import read_paths
from geo.dates import best_date, find_dates
from geo.export import event_from_record, event_record, to_jsonl
from geo.model import EVENT_TYPES, Article, Event, EventPlace, Place, Rejection, Source

published = st.dates(min_value=date(1995, 1, 1), max_value=date(2030, 12, 31))


@given(published, st.integers(min_value=1, max_value=10))
def test_n_days_ago_is_n_days_before_publication(day, n):
    (d,) = find_dates(f"The drills ended {n} days ago.", day)
    assert date(d.year, d.month, d.day) == day - timedelta(days=n)


@given(published, st.sampled_from(list(calendar.day_name)))
def test_a_weekday_is_within_the_week_before_publication(day, weekday):
    (d,) = find_dates(f"Talks were held on {weekday}.", day)
    resolved = date(d.year, d.month, d.day)
    assert 0 <= (day - resolved).days < 7 and calendar.day_name[resolved.weekday()] == weekday


@given(published)
def test_last_month_is_the_month_before_publication(day):
    (d,) = find_dates("The patrol took place last month.", day)
    before = day.replace(day=1) - timedelta(days=1)
    assert (d.year, d.month) == (before.year, before.month)


@given(published, st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31)))
def test_a_full_date_is_itself_whatever_the_publication(day, stated):
    text = f"The exercise began on {calendar.month_name[stated.month]} {stated.day}, {stated.year}."
    found = best_date(find_dates(text, day))
    assert found is not None and (found.year, found.month, found.day) == (
        stated.year,
        stated.month,
        stated.day,
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(lambda t: t.encode("utf-8")))
def test_any_bytes_are_read_or_rejected_naming_the_file(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("in")
    path = folder / "article.txt"
    path.write_bytes(data)
    items = list(read_paths([path]))
    assert len(items) == 1
    item = items[0]
    if isinstance(item, Rejection):
        assert "article.txt" in item.path and item.reason
    else:
        assert isinstance(item, Article) and item.text.strip()


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.dictionaries(st.sampled_from(["id", "text", "title"]), st.text(max_size=50))))
def test_jsonl_records_are_each_read_or_rejected_with_their_line(tmp_path_factory, records):
    folder = tmp_path_factory.mktemp("in")
    path = folder / "feed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    items = list(read_paths([path]))
    for item in items:
        if isinstance(item, Rejection):
            assert "feed.jsonl" in item.path and item.reason
    assert len(items) <= max(1, len(records))


names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30)
places = st.builds(
    lambda name, lat, lon, feature, country, admin: EventPlace(
        name,
        Place(f"cur:{abs(hash(name))}", name, lat, lon, feature, country, 0, None, *admin),
    ),
    names,
    st.floats(-90, 90, allow_nan=False),
    st.floats(-180, 180, allow_nan=False),
    st.sampled_from(["city", "sea", "country", "admin1", "ocean"]),
    st.none() | st.sampled_from(["RU", "CN", "IN"]),
    st.sampled_from([(None, None), ("RU.59", None), ("US.CA", "US.CA.001")]),
)
sources = st.builds(
    lambda article, excerpt, start, published: Source(
        article, excerpt, start, start + len(excerpt), "k" * 64, None, None, published
    ),
    names,
    names,
    st.integers(0, 10_000),
    st.none() | published,
)
events = st.builds(
    Event,
    st.sampled_from(EVENT_TYPES),
    st.none() | st.integers(1990, 2030),
    st.none() | st.integers(1, 12),
    st.none() | st.integers(1, 28),
    st.sampled_from(["day", "month", "year", "unknown"]),
    st.sampled_from(["past", "planned"]),
    st.lists(places, max_size=3).map(tuple),
    st.lists(st.sampled_from(["Russia", "China", "India"]), max_size=3, unique=True).map(tuple),
    st.lists(sources, min_size=1, max_size=3).map(tuple),
    names,
    st.sampled_from(["text", "publication", "none"]),
    name=st.just("") | names,
    end=st.none() | st.just("2024-05-09"),
    roles=st.just(()) | st.just((("buyer", "IN"), ("seller", "RU"))),
    why=st.lists(names, max_size=3).map(tuple),
    review=st.just("") | names,
)


@given(st.lists(events, max_size=5))
def test_export_then_parse_gives_back_the_same_events(found):
    lines = to_jsonl(found).split("\n")[:-1]
    assert len(lines) == len(found)
    back = [event_from_record(json.loads(line)) for line in lines]
    assert back == list(found)
    assert [event_record(e) for e in back] == [json.loads(line) for line in lines]
