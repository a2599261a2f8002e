"""The store, both of them (SQLite and PostgreSQL): round trips, idempotent ingest, filters,
merge candidates, crash safety; and SQLite's own file, WAL and migrations.
PostgreSQL's own schema, migrations and concurrency are in test_store_pg.py."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from geo.model import EventPlace, Place
from geo.store import MIGRATIONS, Store, open_store
from tests.conftest import BEIJING, MOSCOW, SEA, make_article, make_event

# An invented town with its division and county codes, what "is inside" reads back.
TOWN = Place("gn:9000005", "Oddmere", 10.0, 20.0, "city", "XQ", 800, 9000005, "XQ.01", "XQ.01.7")


@pytest.fixture
def store(store_target):
    """Each test below runs on SQLite and on PostgreSQL."""
    with open_store(store_target) as s:
        yield s


def test_round_trip_keeps_every_field(store):
    article = make_article("Troops held drills in Moscow. More text.", title="T", source="S")
    event = make_event(article)
    assert store.add(article, [event]) is True
    [back] = store.events()
    assert back == event
    assert back.key == event.key
    assert back.sources[0].title == "T" and back.sources[0].source == "S"


def test_adding_the_same_article_twice_changes_nothing(store):
    article = make_article()
    assert store.add(article, [make_event(article)])
    assert store.add(make_article(), [make_event(article)]) is False
    assert store.article_count() == 1 and store.event_count() == 1


def test_filters_by_year_type_and_country(store):
    a1, a2, a3 = (make_article(f"Drills number {i} in Moscow.", id=f"{i}.txt") for i in range(3))
    store.add(a1, [make_event(a1, year=2005, month=None)])
    store.add(
        a2,
        [make_event(a2, BEIJING, type="meeting", year=2019, participants=("China", "Kazakhstan"))],
    )
    store.add(a3, [make_event(a3, SEA, year=None, month=None)])
    assert [e.year for e in store.events()] == [2005, 2019, None]
    assert [e.year for e in store.events(years=(2010, 2020))] == [2019, None]
    assert [e.year for e in store.events(years=(2010, 2020), include_undated=False)] == [2019]
    assert [e.type for e in store.events(types=["meeting"])] == ["meeting"]
    assert [e.year for e in store.events(countries=["Kazakhstan"])] == [2019]
    assert store.year_range() == (2005, 2019)
    facets = store.facets()
    assert facets["types"] == ["exercise", "meeting"]
    assert "Kazakhstan" in facets["countries"]
    assert facets["articles"] == ["0.txt", "1.txt", "2.txt"]


def test_an_event_reported_by_two_articles_keeps_both_sources(store):
    a1, a2 = (
        make_article("Drills in Moscow.", id="1.txt"),
        make_article("Drills again.", id="2.txt"),
    )
    store.add(a2, [])
    event = make_event(a1)
    both = event.__class__(
        **{
            **event.__dict__,
            "sources": event.sources + make_event(a2, excerpt="Drills again.").sources,
        }
    )
    store.add(a1, [both])
    [back] = store.events()
    assert [s.article for s in back.sources] == ["1.txt", "2.txt"]


def test_corrections_follow_an_event_whose_key_changes_when_a_new_report_joins_it(store):
    from dataclasses import replace

    from geo.corrections import Correction, corrected, merge_value

    first = make_article("Drills in Moscow.", id="1.txt")
    talks_article = make_article("Talks in Beijing.", id="3.txt")
    event, talks = make_event(first), make_event(talks_article, BEIJING, type="meeting")
    store.add(first, [event])
    store.add(talks_article, [talks])
    store.add_correction(Correction(event.key, "type", "exercise", "patrol", "Ann", "", ""))
    store.add_correction(Correction(talks.key, "merge", {}, merge_value(event.key), "Ann", "", ""))
    second = make_article("Drills again.", id="2.txt")
    report = make_event(second, SEA, excerpt="Drills again.")
    joined = replace(
        event, places=event.places + report.places, sources=event.sources + report.sources
    )
    assert joined.key != event.key  # the key follows the places (and the date)
    store.add(second, [], replacing={event.key: joined})
    assert {c.event_key for c in store.corrections()} == {joined.key, talks.key}
    merge = next(c for c in store.corrections() if c.field == "merge")
    assert merge.after["with"] == joined.key
    # The talks still take the drills (now reported twice) in; the patrol fix went with them.
    [shown] = corrected(store.events(), store.corrections())
    assert shown.key == talks.key and len(shown.sources) == 3


def test_an_old_key_of_an_event_leads_to_its_key_now(store):
    """A link shared before more reports joined an event (and changed its key) still finds
    it, through every later change."""
    from dataclasses import replace

    first = make_article("Drills in Moscow.", id="1.txt")
    event = make_event(first)
    store.add(first, [event])
    assert store.current_key(event.key) is None  # never renamed
    second, third = (
        make_article("Drills again.", id="2.txt"),
        make_article("Drills near Beijing.", id="3.txt"),
    )
    at_sea = make_event(second, SEA, excerpt="Drills again.")
    joined = replace(
        event, places=event.places + at_sea.places, sources=event.sources + at_sea.sources
    )
    store.add(second, [], replacing={event.key: joined})
    near_beijing = make_event(third, BEIJING, excerpt="Drills near Beijing.")
    again = replace(
        joined,
        places=joined.places + near_beijing.places,
        sources=joined.sources + near_beijing.sources,
    )
    store.add(third, [], replacing={joined.key: again})
    assert len({event.key, joined.key, again.key}) == 3
    assert store.current_key(event.key) == again.key
    assert store.current_key(joined.key) == again.key
    assert store.current_key(again.key) is None
    assert [e.key for e in store.events()] == [again.key]


def test_a_failed_write_leaves_no_partial_article(store, monkeypatch):
    article = make_article()
    broken = make_event(article)
    monkeypatch.setattr(
        store,
        "_insert_event",
        lambda e: (_ for _ in ()).throw(RuntimeError("disk full")),
    )
    with pytest.raises(Exception, match="disk full"):
        store.add(article, [broken])
    assert store.article_count() == 0 and store.event_count() == 0
    monkeypatch.undo()
    assert store.add(article, [broken]) is True


def test_file_database_uses_wal_and_is_migrated(tmp_path):
    path = tmp_path / "sub" / "events.db"
    with Store(path) as s:
        s.add(make_article(), [])
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    conn.close()
    with Store(path) as again:  # reopening runs no migration twice
        assert again.article_count() == 1


def test_empty_filters_select_nothing(store):
    article = make_article()
    store.add(article, [make_event(article)])
    assert store.events(types=[]) == [] and store.events(countries=[]) == []


def test_a_database_of_an_older_schema_is_migrated_in_place(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(f"BEGIN; {MIGRATIONS[0]}; PRAGMA user_version = 1; COMMIT;")
    conn.execute(
        "INSERT INTO events VALUES ('k', 'patrol', 2020, 1, NULL, 'month', 'past', 'patrol')"
    )
    conn.commit()
    conn.close()
    with Store(path) as store:
        [event] = store.events()
    assert (event.type, event.year, event.date_source) == ("patrol", 2020, "text")


def test_event_places_stored_before_migration_8_read_back_without_codes(tmp_path):
    path = tmp_path / "seven.db"
    conn = sqlite3.connect(path)
    script = ";".join(MIGRATIONS[:7])
    conn.executescript(f"BEGIN; {script}; PRAGMA user_version = 7; COMMIT;")
    conn.execute(
        "INSERT INTO events (key, type, year, month, day, precision, status, trigger) "
        "VALUES ('k', 'patrol', 2020, 1, NULL, 'month', 'past', 'patrol')"
    )
    conn.execute(
        "INSERT INTO event_places VALUES "
        "('k', 0, 'Oddmere', 'gn:9000005', 'Oddmere', 10.0, 20.0, 'city', 'XQ', 800, 9000005)"
    )
    conn.commit()
    conn.close()
    with Store(path) as store:
        [event] = store.events()
        assert event.places[0].place == replace(TOWN, admin1=None, admin2=None)
    with Store(path) as again:  # migration 8 is not run twice
        assert again.event_count() == 1


def test_similar_finds_same_type_and_year_sharing_a_place_or_country(store):
    a1, a2, a3 = (make_article(f"Drills number {i} in Moscow.", id=f"{i}.txt") for i in range(3))
    store.add(a1, [make_event(a1, MOSCOW, year=2020)])
    store.add(a2, [make_event(a2, BEIJING, year=2020)])
    store.add(a3, [make_event(a3, MOSCOW, year=2021)])
    probe = make_event(make_article("Drills near Moscow.", id="p.txt"), MOSCOW, year=2020)
    assert [e.sources[0].article for e in store.similar(probe)] == ["0.txt"]


def test_article_text_by_content_key(store):
    article = make_article("Ships met near Moscow. More.")
    store.add(article, [])
    assert store.article_text(article.key) == article.text
    assert store.article_text("nope") is None


def test_every_event_field_survives_the_round_trip(store):
    article = make_article("Navies signed a deal in Moscow. The second part.", title="Deal")
    base = make_event(article, participants=("Russia", "India"))
    event = base.__class__(
        **{
            **base.__dict__,
            "type": "arms_deal",
            "day": 17,
            "precision": "day",
            "status": "planned",
            "date_source": "publication",
            "name": "Indra-2020",
            "end": "2020-06-01",
            "roles": (("buyer", "IN"), ("seller", "RU")),
            "why": ("trigger:deal", "date:clause_mate"),
            "review": "a place far from every participant",
            "places": base.places + (EventPlace(SEA.name, SEA), EventPlace("Oddmere", TOWN)),
        }
    )
    store.add(article, [event])
    [back] = store.events()
    assert back == event and back.key == event.key
    assert back.places[-1].place.admin1 == "XQ.01" and back.places[-1].place.admin2 == "XQ.01.7"
    assert store.articles() == [article]


def test_events_are_listed_oldest_first_and_undated_last(store):
    articles = [make_article(f"Drills number {i} in Moscow.", id=f"{i}.txt") for i in range(4)]
    dates = [(2020, 7), (None, None), (2020, None), (2019, 12)]
    for article, (year, month) in zip(articles, dates, strict=True):
        store.add(article, [make_event(article, year=year, month=month)])
    assert [(e.year, e.month) for e in store.events()] == [
        (2019, 12),
        (2020, None),
        (2020, 7),
        (None, None),
    ]
    assert store.article_count() == 4 and store.event_count() == 4


# ---------------------------------------------------------------------------- the dashboard's SQL


def varied_events():
    """Events covering every filter: types, month/year/undated dates, ranges (readable or
    not), participants, named series, country-level and sea places, words to search."""
    from dataclasses import replace

    from geo.model import Place

    russia = Place("gn:2017370", "Russia", 60.0, 100.0, "country", "RU", 140_000_000, 2017370)
    chukotka = Place("gn:1", "Anadyr", 64.73, 177.5, "city", "RU", 13_000, 1)
    west = Place("gn:2", "Provideniya", 64.4, -173.2, "city", "RU", 2_000, 2)  # drawn at 186.8
    article = make_article(
        "Russian and Chinese navies held Joint Sea-2015 drills. The 50% rule applied. "
        "Ships patrolled the Sea of Okhotsk. Ministers met in Beijing. A deal was signed. "
        "Troops trained. More drills followed.",
        id="v.txt",
        title="Naval_news weekly",
    )
    sentences = [s.strip() + "." for s in article.text.split(".") if s.strip()]
    base = [make_event(article, excerpt=s) for s in sentences]
    return [
        replace(base[0], name="Joint Sea-2015", year=2015, month=None, precision="year"),
        replace(base[1], type="other", year=2019, month=13, precision="month"),  # a bad month
        replace(base[2], type="patrol", places=(EventPlace("Sea of Okhotsk", SEA),), year=None),
        replace(
            base[3],
            type="meeting",
            places=(EventPlace("Beijing", BEIJING),),
            participants=("China", "Kazakhstan"),
            year=2019,
            month=11,
            end="2020-02-10",
        ),
        replace(
            base[4],
            type="arms_deal",
            places=(EventPlace("Russia", russia),),
            participants=("Russia",),
            year=2018,
            month=3,
            end="20x9",
        ),
        replace(
            base[5],
            places=(EventPlace("Anadyr", chukotka), EventPlace("Provideniya", west)),
            year=2021,
            month=6,
            precision="unknown",
            name="Joint Sea 2021",
        ),
        replace(base[6], year=2017, month=12, end="2018", name="Vostok-2018"),
    ]


QUERY_VIEWS = [
    {},
    {"start": (2019, 1)},
    {"start": (2019, 12), "end": (2020, 1)},
    {"end": (2018, 1), "include_undated": False},
    {"start": (2018, 6), "end": (2018, 6)},
    {"include_undated": False},
    {"types": ("patrol", "meeting")},
    {"types": ()},
    {"countries": ("Kazakhstan",)},
    {"pair": ("Russia", "any")},
    {"pair": ("China", "Kazakhstan")},
    {"pair": ("Russia", "Kazakhstan")},
    {"series": ("Joint Sea",)},
    {"series": ("Nothing",)},
    {"hide_country_level": True},
    {"text": "okhotsk"},
    {"text": "SEA drills"},
    {"text": "50%"},
    {"text": "a_d"},  # "_" is no wildcard: "and" does not match
    {"text": "beijing met"},
    {"text": "anadyr", "types": ("exercise",), "start": (2015, 1)},
]


@pytest.mark.parametrize("fields", QUERY_VIEWS, ids=[str(v) for v in QUERY_VIEWS])
def test_the_sql_filters_pass_the_events_geo_filters_passes(store, fields):
    from geo.filters import View, apply

    events = varied_events()
    store.import_events(events)
    view = View(**fields)
    expected = [e.key for e in apply(store.events(), view)]
    assert store.event_keys(view) == expected
    if fields:
        assert len(expected) < len(events), "the view filters something out"


def test_event_keys_leave_out_excluded_keys_and_keep_only_points_in_a_box(store):
    from geo.filters import View
    from geo.query import Box

    events = varied_events()
    store.import_events(events)
    every = store.event_keys(View())
    assert store.event_keys(View(), exclude=every[:2]) == every[2:]
    asia = Box(30.0, 100.0, 70.0, 200.0)  # Beijing, and Anadyr east of 168°E
    found = store.event_keys(View(), box=asia)
    by_key = {e.key: e for e in store.events()}
    assert sorted(by_key[k].places[0].name for k in found) == ["Anadyr", "Beijing"]
    beyond = Box(60.0, 181.0, 70.0, 200.0)  # east of the antimeridian, as the map draws it
    found = store.event_keys(View(), box=beyond)
    assert [by_key[k].places[-1].name for k in found] == ["Provideniya"]


def test_map_cells_count_the_point_places_per_cell_and_type(store):
    from geo.filters import View
    from geo.query import Box, cell_of

    events = varied_events()
    store.import_events(events)
    world = Box(-90.0, -180.0, 90.0, 300.0)
    cells = store.map_cells(View(), world, 10.0)
    points = [(e.type, p) for e in events for p in e.places if p.precision == "point"]
    assert sum(c.total for c in cells.values()) == len(points)
    for type_, place in points:
        cell = cells[cell_of(place.place.lat, place.place.lon, 10.0)]
        assert dict(cell.counts)[type_] >= 1
    moscow = cells[cell_of(MOSCOW.lat, MOSCOW.lon, 10.0)]
    assert abs(moscow.lat - MOSCOW.lat) < 1e-6 and abs(moscow.lon - MOSCOW.lon) < 1e-6
    only = store.map_cells(View(types=("meeting",)), world, 10.0)
    assert [c.counts for c in only.values()] == [(("meeting", 1),)]
    assert store.map_cells(View(), Box(-10.0, -10.0, 10.0, 10.0), 10.0) == {}


TYPES_AT_SEA = ["patrol", "patrol", "exercise", "patrol"]


def test_map_areas_group_the_events_of_one_area(store):
    from dataclasses import replace

    from geo.filters import View

    article = make_article("Ships patrolled the Sea of Okhotsk. Again. And again. Once more.")
    sentences = [s.strip() + "." for s in article.text.split(".") if s.strip()]
    events = [
        replace(make_event(article, SEA, excerpt=s), type=t, year=2000 + i)
        for i, (s, t) in enumerate(zip(sentences, TYPES_AT_SEA, strict=True))
    ]
    store.import_events(events + [make_event(make_article("Drills in Moscow."))])
    [group] = store.map_areas(View(), listed=2)
    assert group.place_id == SEA.id
    assert group.counts == (("exercise", 1), ("patrol", 3)) and group.total == 4
    assert list(group.keys) == [e.key for e in events[:2]]
    assert store.map_areas(View(types=("meeting",))) == []


# Places on both sides of the antimeridian and at the edges of the map's wrap (168°W).
AROUND_THE_ANTIMERIDIAN = [
    ("Anadyr", 64.73, 177.5),
    ("Provideniya", 64.4, -173.2),  # drawn at 186.8
    ("East edge", 65.0, 180.0),
    ("West edge", 65.0, -180.0),  # drawn at 180
    ("At the wrap", 60.0, -168.0),  # drawn where it is
    ("Past the wrap", 60.0, -168.5),  # drawn at 191.5
    ("Before the wrap", 60.0, -167.5),
    ("Suva", -18.1, 178.4),
    ("Apia", -13.8, -171.8),
    ("Null Island", 0.0, 0.0),
]
MAP_BOXES = {
    "the world as drawn": (-90.0, -168.0, 90.0, 192.0),
    "across the antimeridian": (-30.0, 170.0, 70.0, 195.0),
    "east of it only": (60.0, 181.0, 70.0, 200.0),
    "grown west past 180°W": (-90.0, -200.0, 90.0, 0.0),
    "around the wrap": (55.0, -168.2, 61.0, -167.9),
    "the drawn end of the wrap": (59.0, 190.0, 61.0, 192.0),
    "one point, east of it": (64.4, 186.8, 64.4, 186.8),
    "nothing": (80.0, 0.0, 85.0, 10.0),
}


@pytest.mark.parametrize("bounds", MAP_BOXES.values(), ids=list(MAP_BOXES))
def test_a_map_box_finds_the_places_drawn_inside_it(store, bounds):
    """The box as the map draws longitudes (past 180 east of the antimeridian): both stores
    find what a test of every place's drawn position finds (PostgreSQL through its index)."""
    from geo.filters import View
    from geo.model import Place
    from geo.query import Box, display_lon

    events = []
    for i, (name, lat, lon) in enumerate(AROUND_THE_ANTIMERIDIAN):
        article = make_article(f"Drills number {i} near {name}.", id=f"{i}.txt")
        events.append(make_event(article, Place(f"gn:{i}", name, lat, lon, "city", "RU", 1, i)))
    store.import_events(events)
    box = Box(*bounds)
    inside = [
        e.key
        for e in store.events()
        if box.south <= e.places[0].place.lat <= box.north
        and box.west <= display_lon(e.places[0].place.lon) <= box.east
    ]
    assert store.event_keys(View(), box=box) == inside
    cells = store.map_cells(View(), box, 5.0)
    assert sum(c.total for c in cells.values()) == len(inside)
