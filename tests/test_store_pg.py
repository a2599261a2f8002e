"""The PostgreSQL store's own parts: its numbered migrations, places as PostGIS geography,
and many writers at once (no article or event stored twice, readers see whole articles).
What both stores share is tested on both in test_store.py."""

from __future__ import annotations

import random
import threading

import psycopg
import pytest

from geo import StoreError
from geo.events import compatible
from geo.pipeline import _merge_with_stored
from geo.store import Store, is_url, open_store
from geo.store_pg import MIGRATIONS, PgStore, redacted
from tests.conftest import BEIJING, MOSCOW, make_article, make_event


def test_open_store_picks_the_store_by_the_url(pg_url, tmp_path):
    assert is_url(pg_url) and not is_url(str(tmp_path / "e.db")) and not is_url(":memory:")
    with open_store(pg_url) as pg, open_store(tmp_path / "e.db") as lite:
        assert isinstance(pg, PgStore) and isinstance(lite, Store)


def test_a_new_database_gets_every_migration_once(pg_url):
    with PgStore(pg_url) as store:
        assert store.schema_version() == len(MIGRATIONS)
        store.add(make_article(), [])
    with PgStore(pg_url) as again:  # reopening runs no migration twice
        assert again.schema_version() == len(MIGRATIONS) and again.article_count() == 1


def test_a_database_of_an_older_schema_is_migrated_in_place(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute(MIGRATIONS[0])
        conn.execute("INSERT INTO schema_version VALUES (1)")
        conn.execute(
            "INSERT INTO events VALUES ('k', 'patrol', 2020, 1, NULL, 'month', 'past', 'patrol')"
        )
    with PgStore(pg_url) as store:
        [event] = store.events()
        assert store.schema_version() == len(MIGRATIONS)
    assert (event.type, event.year, event.date_source, event.roles) == ("patrol", 2020, "text", ())


def test_places_are_geography_points_under_a_gist_index(pg_url):
    with PgStore(pg_url) as store:
        moscow, beijing = (make_article(f"Drills {n}.", id=f"{n}.txt") for n in "mb")
        store.add(moscow, [make_event(moscow, MOSCOW)])
        store.add(beijing, [make_event(beijing, BEIJING)])
        near_moscow = store.events_within(55.8, 37.6, 50)
        assert near_moscow == [make_event(moscow, MOSCOW).key]
        assert len(store.events_within(47, 77, 4000)) == 2  # both, the nearer first
    with psycopg.connect(pg_url) as conn:
        (kind,) = conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'event_places'::regclass AND attname = 'geog'"
        ).fetchone()
        (index,) = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'event_places_geog'"
        ).fetchone()
        (point,) = conn.execute(
            "SELECT ST_AsText(geog) FROM event_places WHERE place_id = %s", (MOSCOW.id,)
        ).fetchone()
    assert kind == "geography(Point,4326)" and "USING gist (geog)" in index
    assert point == f"POINT({MOSCOW.lon} {MOSCOW.lat})"


def _many_places(conn, count: int) -> None:
    """count events, each with one city somewhere on Earth (the same ones every run)."""
    conn.execute("SELECT setseed(0.25)")
    conn.execute(
        "INSERT INTO events (key, type, year, month, precision, status, trigger) "
        "SELECT 'k' || i, 'exercise', 2000 + i %% 20, 1, 'month', 'past', 'drills' "
        "FROM generate_series(1, %s) i",
        (count,),
    )
    conn.execute(
        "INSERT INTO event_places (event_key, ord, name, place_id, place_name, lat, lon, "
        "feature, country, population) SELECT 'k' || i, 0, 'P', 'gn:' || i, 'P', "
        "random() * 170 - 85, random() * 360 - 180, 'city', 'RU', 1 "
        "FROM generate_series(1, %s) i",
        (count,),
    )
    conn.execute("ANALYZE")


@pytest.mark.parametrize(
    "bounds", [(50.0, 30.0, 60.0, 40.0), (50.0, 175.0, 60.0, 185.0)], ids=["Moscow", "Bering"]
)
def test_the_map_box_is_looked_up_in_the_spatial_index(pg_url, bounds):
    """On 20,000 places, a box of the map (one across the antimeridian too: two envelopes)
    is answered through the GiST index, and finds what a test of every place finds."""
    from geo import query
    from geo.filters import View
    from geo.query import Box, display_lon

    box = Box(*bounds)
    with PgStore(pg_url) as store:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            _many_places(conn, 20_000)
            plans = {}
            for name, (sql, params) in {
                "keys": query.event_keys(View(), query.POSTGRES, box=box),
                "cells": query.cells(View(), query.POSTGRES, box, 1.0),
            }.items():
                rows = conn.execute("EXPLAIN " + sql, params).fetchall()
                plans[name] = "\n".join(row[0] for row in rows)
            places = conn.execute("SELECT event_key, lat, lon FROM event_places").fetchall()
        found = store.event_keys(View(), box=box, ordered=False)
        cells = store.map_cells(View(), box, 1.0)
    for name, plan in plans.items():
        assert "event_places_point" in plan, f"{name}:\n{plan}"
        assert "Seq Scan on event_places" not in plan, f"{name}:\n{plan}"
    inside = {
        key
        for key, lat, lon in places
        if box.south <= lat <= box.north and box.west <= display_lon(lon) <= box.east
    }
    assert set(found) == inside and len(inside) > 10
    assert sum(c.total for c in cells.values()) == len(inside)
    world = Box(-90.0, -168.0, 90.0, 192.0)  # every place passes: no index to go through
    assert "&&" not in query.cells(View(), query.POSTGRES, world, 1.0)[0]
    if box.east > 180:  # both sides of the antimeridian were found
        lons = {lon for key, _, lon in places if key in inside}
        assert min(lons) < -175 and max(lons) > 175


def test_a_server_that_cannot_be_reached_is_a_store_error():
    with pytest.raises(StoreError, match="cannot open the event store"):
        PgStore("postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=2")


def test_a_printed_url_hides_its_password():
    assert redacted("postgresql://geo:s3cret@db.example:5432/events") == (
        "postgresql://geo:***@db.example:5432/events"
    )
    assert redacted("postgresql://geo@db/events") == "postgresql://geo@db/events"


def _write(store, article, events):
    """What ingest does with one parsed article: store it, merged with the stored events
    inside the write."""
    return store.add(article, events, merge=lambda found: _merge_with_stored(list(found), store))


def _in_threads(count: int, work) -> list:
    """Run work(i) in count threads started together; their results, or the first error."""
    results: list = [None] * count
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def test_writers_of_the_same_article_store_it_once(pg_url):
    article = make_article()
    stores = [PgStore(pg_url) for _ in range(6)]
    try:
        added = _in_threads(6, lambda i: _write(stores[i], article, [make_event(article)]))
        assert sorted(added) == [False] * 5 + [True]
        assert stores[0].article_count() == 1 and stores[0].event_count() == 1
    finally:
        for store in stores:
            store.close()


def test_writers_reporting_one_drill_at_once_store_one_event_with_every_source(pg_url):
    articles = [make_article(f"Drills number {i} in Moscow.", id=f"{i:02}.txt") for i in range(12)]
    events = [make_event(a) for a in articles]
    assert compatible(events[0], events[1])  # what makes them one drill
    stores = [PgStore(pg_url) for _ in range(4)]
    try:

        def work(i: int) -> None:
            mine = list(zip(articles, events, strict=True))
            random.Random(i).shuffle(mine)  # every writer gets every article, in its own order
            for article, event in mine:
                _write(stores[i], article, [event])

        _in_threads(4, work)
        [event] = stores[0].events()
        assert sorted(s.article for s in event.sources) == [a.id for a in articles]
        assert stores[0].article_count() == 12
    finally:
        for store in stores:
            store.close()


def test_a_reader_sees_whole_articles_while_merges_are_written(pg_url):
    """Each merge deletes the stored event and inserts the merged one: a reader between two
    of its queries would otherwise see an event without places or sources."""
    articles = [make_article(f"Drills number {i} in Moscow.", id=f"{i:02}.txt") for i in range(30)]
    with PgStore(pg_url) as writer, PgStore(pg_url) as reader:
        done = threading.Event()
        seen: list[int] = []
        broken: list[object] = []

        def read() -> None:
            while not done.is_set():
                for event in reader.events():
                    if not (event.places and event.sources):
                        broken.append(event)
                    seen.append(len(event.sources))

        thread = threading.Thread(target=read)
        thread.start()
        try:
            for article in articles:
                _write(writer, article, [make_event(article)])
        finally:
            done.set()
            thread.join(timeout=60)
        assert not thread.is_alive() and not broken
        [event] = writer.events()
        assert len(event.sources) == 30 and seen


def test_ingest_into_a_database_that_cannot_be_opened_is_a_usage_error(tmp_path, capsys):
    from geo.__main__ import main

    (tmp_path / "a.txt").write_text("Troops held drills in Moscow.", encoding="utf-8")
    url = "postgresql://geo:s3cret@127.0.0.1:1/events?connect_timeout=2"
    assert main(["ingest", str(tmp_path / "a.txt"), "--db", url]) == 2
    err = capsys.readouterr().err
    assert "cannot open the event store postgresql://geo:***@127.0.0.1:1/" in err
    assert "s3cret" not in err


def test_import_into_postgresql_gives_back_the_exported_events(tmp_path, pg_url, capsys):
    from geo.__main__ import main
    from geo.export import in_reading_order, to_jsonl

    articles = [make_article(f"Drills number {i} in Moscow.", id=f"{i}.txt") for i in range(3)]
    with Store(tmp_path / "src.db") as source:
        for i, article in enumerate(articles):
            source.add(article, [make_event(article, year=2018 + i)])
        exported = to_jsonl(in_reading_order(source.events()))
    (tmp_path / "events.jsonl").write_text(exported, encoding="utf-8")
    assert main(["import", str(tmp_path / "events.jsonl"), "--db", pg_url]) == 0
    assert main(["import", str(tmp_path / "events.jsonl"), "--db", pg_url]) == 0
    assert "0 events added, 3 already stored" in capsys.readouterr().err
    with PgStore(pg_url) as store:
        assert to_jsonl(in_reading_order(store.events())) == exported
        assert not store.has_article(articles[0].key, with_text=True)
        assert store.add(articles[0], []) is False  # its text arrives, its events stay
        assert store.has_article(articles[0].key, with_text=True)
        assert store.article_text(articles[0].key) == articles[0].text
        assert store.event_count() == 3


def test_stores_opening_a_new_database_at_once_migrate_it_once(pg_url):
    stores = _in_threads(4, lambda i: PgStore(pg_url))
    try:
        assert [s.schema_version() for s in stores] == [len(MIGRATIONS)] * 4
    finally:
        for store in stores:
            store.close()
