"""Shared fixtures: hand-made articles and events, and the loaded pipeline (once per session)."""

from __future__ import annotations

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
