"""What the map draws of a view, from both stores: markers when few places are in sight,
grid counts when many are, every area once; corrected events as corrected."""

from __future__ import annotations

from dataclasses import replace

import pytest

from geo.corrections import Correction, corrected
from geo.filters import View
from geo.mapdata import cell_size, map_data, map_data_from_events
from geo.model import EventPlace, Place
from geo.query import Box
from geo.store import open_store
from tests.conftest import MOSCOW, SEA, make_article, make_event


@pytest.fixture
def store(store_target):
    with open_store(store_target) as s:
        yield s


def towns(n: int) -> list:
    """N events in N towns spread over 40 degrees of longitude, one in the Sea of Okhotsk."""
    article = make_article(" ".join(f"Drills number {i} were held." for i in range(n + 1)))
    sentences = [s.strip() + "." for s in article.text.split(".") if s.strip()]
    events = []
    for i, sentence in enumerate(sentences[:n]):
        town = Place(f"t:{i}", f"Town {i}", 50.0 + (i % 10) * 0.5, 30.0 + i * 40 / n, "city")
        events.append(replace(make_event(article, town, excerpt=sentence), year=2000 + i % 20))
    events.append(make_event(article, SEA, type="patrol", excerpt=sentences[n]))
    return events


def lookup_of(events):
    by_key = {e.key: e for e in events}
    return lambda keys: [by_key[k] for k in keys if k in by_key]


def test_few_places_in_sight_are_markers_many_are_counts(store):
    events = towns(60)
    store.import_events(events)
    lookup = lookup_of(store.events())
    few = map_data(store, View(), None, 3.0, lookup=lookup, marker_limit=100)
    assert len(few.markers) == 60 and not few.cells
    assert {e.key for e, _ in few.markers} == {e.key for e in events[:60]}
    many = map_data(store, View(), None, 3.0, lookup=lookup, marker_limit=50)
    assert not many.markers and sum(c.total for c in many.cells) == 60
    assert len(many.cells) < 60, "places share cells"
    assert few.places == many.places == 61, "60 towns and one event on an area"
    [area] = many.areas
    assert area.place.place.id == SEA.id and area.total == 1


def test_only_what_is_in_sight_is_drawn(store):
    events = towns(60)
    store.import_events(events)
    west = Box(45.0, 29.0, 60.0, 40.0)  # towns from 30 to 40 degrees east (and the margin)
    data = map_data(store, View(), west, 6.0, lookup=lookup_of(store.events()))
    lons = [p.place.lon for _, p in data.markers]
    assert lons and max(lons) <= 40.0 + 11 * 0.25 + 1e-9 and len(lons) < 60


def test_a_finer_zoom_has_smaller_cells():
    assert cell_size(8) < cell_size(3) < cell_size(1)


def test_corrected_events_are_drawn_as_corrected_and_rejected_ones_not(store):
    events = towns(30)
    store.import_events(events)
    first, second = events[0], events[1]
    fixes = [
        Correction(first.key, "rejected", False, True, "analyst", "2026-01-01T00:00:00", "", 1),
        Correction(
            second.key, "type", "exercise", "meeting", "analyst", "2026-01-01T00:00:01", "", 2
        ),
    ]
    now = corrected(store.events(), fixes)
    touched = [e for e in now if e.key in {first.key, second.key}]
    lookup = lookup_of(now)
    for limit in (100, 5):  # markers, then counts
        data = map_data(
            store, View(), None, 3.0, lookup=lookup, corrected=touched, marker_limit=limit
        )
        assert data.places == 30, "the rejected event is gone, the corrected one counted once"
        meetings = sum(dict(c.counts).get("meeting", 0) for c in data.cells) + sum(
            e.type == "meeting" for e, _ in data.markers
        )
        assert meetings == 1
    only_meetings = map_data(
        store, View(types=("meeting",)), None, 3.0, lookup=lookup, corrected=touched
    )
    assert [e.key for e, _ in only_meetings.markers] == [second.key]


def test_the_python_map_data_matches_what_the_store_gives(store):
    events = towns(20) + [
        replace(make_event(make_article("Ships patrolled again."), SEA, type="exercise"), year=1999)
    ]
    store.import_events(events)
    stored = store.events()
    from_store = map_data(store, View(), None, 3.0, lookup=lookup_of(stored))
    in_python = map_data_from_events(stored)
    assert sorted(e.key for e, _ in from_store.markers) == sorted(
        e.key for e, _ in in_python.markers
    )
    assert [(a.place.place.id, a.counts) for a in from_store.areas] == [
        (a.place.place.id, a.counts) for a in in_python.areas
    ]


def test_an_event_with_a_town_and_a_sea_is_a_marker_and_on_the_area(store):
    article = make_article("Ships sailed from Moscow into the Sea of Okhotsk.")
    both = replace(
        make_event(article), places=(EventPlace("Moscow", MOSCOW), EventPlace("Sea", SEA))
    )
    store.import_events([both])
    data = map_data(store, View(), None, 3.0, lookup=lookup_of(store.events()))
    assert [p.name for _, p in data.markers] == ["Moscow"]
    assert [a.total for a in data.areas] == [1] and data.places == 2
