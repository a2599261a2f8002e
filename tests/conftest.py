"""Shared fixtures: hand-made articles and events, the loaded pipeline (once per session), and
a throwaway PostgreSQL + PostGIS server (once per session) for the store tests."""

from __future__ import annotations

import os
from datetime import date

import pytest

from geo.model import Article, Event, EventPlace, Place, Source

BEIJING = Place("gn:1816670", "Beijing", 39.9075, 116.39723, "city", "CN", 18960744, 1816670)
MOSCOW = Place("gn:524901", "Moscow", 55.75222, 37.61556, "city", "RU", 10381222, 524901)
SEA = Place("cur:sea-of-okhotsk", "Sea of Okhotsk", 55.0, 150.0, "sea")


def make_article(text: str = "Troops held drills in Moscow.", **kw) -> Article:
    """An article with sensible defaults."""
    kw.setdefault("id", "a.txt")
    kw.setdefault("published", date(2020, 5, 4))
    return Article(text=text, **kw)


def make_event(
    article: Article,
    place: Place = MOSCOW,
    *,
    type: str = "exercise",
    year: int | None = 2020,
    month: int | None = 5,
    excerpt: str | None = None,
    participants: tuple[str, ...] = ("Russia", "China"),
) -> Event:
    """An event reported by the first sentence of an article."""
    excerpt = excerpt or article.text.split(".")[0] + "."
    start = article.text.find(excerpt)
    return Event(
        type,
        year,
        month,
        None,
        "month" if month else "year",
        "past",
        (EventPlace(place.name, place),),
        participants,
        (
            Source(
                article.id,
                excerpt,
                start,
                start + len(excerpt),
                article.key,
                article.title,
                article.source,
                article.published,
            ),
        ),
        "drills",
    )


@pytest.fixture(scope="session")
def geoparser():
    """The real spaCy model and gazetteer, loaded once for the whole test session."""
    from geo.pipeline import load_geoparser

    return load_geoparser()


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server with PostGIS, started for this session in a temporary folder.
    Skipped, with the reason, when none can be started; with CI=true that fails instead:
    CI must run every store test against PostgreSQL."""
    from tests.pgserver import PgServer, Unavailable

    try:
        server = PgServer.start()
    except Unavailable as exc:
        message = f"no PostgreSQL server with PostGIS could be started: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: the PostgreSQL tests must run, not skip)")
        pytest.skip(message)
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """The URL of a new, empty database (PostGIS installed, no tables)."""
    return pg_server.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request) -> str:
    """What --db would name, once per store: an in-memory SQLite database, then a new
    PostgreSQL database."""
    return ":memory:" if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture(params=["sqlite", "postgresql"])
def new_store_target(request, tmp_path):
    """A function giving what --db would name for a new, empty store at each call, once per
    store: SQLite files, then PostgreSQL databases."""
    if request.param == "sqlite":
        numbers = iter(range(1_000_000))
        return lambda: str(tmp_path / f"store-{next(numbers)}.db")
    return request.getfixturevalue("pg_server").new_database
