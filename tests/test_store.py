"""The store, both of them (SQLite and PostgreSQL): round trips, idempotent ingest, filters,
merge candidates, crash safety; and SQLite's own file, WAL and migrations.
PostgreSQL's own schema, migrations and concurrency are in test_store_pg.py."""

from __future__ import annotations

import sqlite3

import pytest

from geo.model import EventPlace
from geo.store import MIGRATIONS, Store, open_store
from tests.conftest import BEIJING, MOSCOW, SEA, make_article, make_event


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
            "places": base.places + (EventPlace(SEA.name, SEA),),
        }
    )
    store.add(article, [event])
    [back] = store.events()
    assert back == event and back.key == event.key
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
