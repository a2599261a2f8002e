"""The plain frozen dataclasses that flow between the stages.

articles -> toponyms -> gazetteer -> events -> store: each stage takes and returns
these, never dicts with magic keys.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

EVENT_TYPES = ("exercise", "patrol", "meeting", "arms_deal", "other")
PRECISIONS = ("day", "month", "year", "unknown")
# Gazetteer features that name a spot; every other feature is an area.
POINT_FEATURES = frozenset({"city", "base", "port", "airport", "site", "facility", "cape"})


@dataclass(frozen=True)
class Article:
    """One news article: its cleaned body text and what is known about it."""

    id: str  # the file name or the record id; what an exported event cites
    text: str  # the article body, page furniture removed; offsets index into it
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: date | None = None
    published_how: str = "unknown"  # "metadata", "text" or "unknown"
    path: str | None = None  # where it was read from, for messages

    @property
    def key(self) -> str:
        """A hash of the content: the same text ingested twice is the same article."""
        return hashlib.sha256(self.text.strip().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Place:
    """A gazetteer entry: a named point on the earth."""

    id: str  # "gn:<geonameid>" or "cur:<slug>" for curated entries without one
    name: str
    lat: float
    lon: float
    feature: str  # country, admin1, city, continent, sea, ocean, strait, gulf, bay,
    #               peninsula, island, mountains, desert, region, ...
    country: str | None = None  # ISO 3166-1 alpha-2, when the place lies in one country
    population: int = 0
    geonameid: int | None = None
    admin1: str | None = None  # GeoNames first-level division key "CC.code" ("US.LA"): a
    #                            division's own, the one a town or county lies in
    admin2: str | None = None  # GeoNames second-level division key "CC.a1.a2" ("US.LA.079"): a
    #                            county's own, the one a town lies in


@dataclass(frozen=True)
class Toponym:
    """A place name found in a text, with character offsets and its resolution."""

    start: int
    end: int
    text: str
    place: Place | None = None
    kind: str = "place"  # "place", or "demonym" for adjectives such as "Chinese"
    why: tuple[str, ...] = ()  # the names of the rules and features that made and placed it


@dataclass(frozen=True)
class Source:
    """Where an event is reported: the article and the sentence that says so."""

    article: str  # Article.id
    excerpt: str
    start: int  # character offsets of the excerpt in the article text
    end: int
    article_key: str = ""
    title: str | None = None
    source: str | None = None
    published: date | None = None


@dataclass(frozen=True)
class EventPlace:
    """A place where an event happened, as named in the text and as resolved."""

    name: str
    place: Place

    @property
    def precision(self) -> str:
        """ "point" for a town, base or port; "area" for a region, sea, ocean or country."""
        return "point" if self.place.feature in POINT_FEATURES else "area"


@dataclass(frozen=True)
class Event:
    """One military-cooperation occurrence reported by one or more sources."""

    type: str  # one of EVENT_TYPES
    year: int | None
    month: int | None = None
    day: int | None = None
    precision: str = "unknown"  # one of PRECISIONS
    status: str = "past"  # "past" or "planned"
    places: tuple[EventPlace, ...] = ()
    participants: tuple[str, ...] = ()  # country names
    sources: tuple[Source, ...] = ()
    trigger: str = ""  # the words that made it an event of this type
    date_source: str = "text"  # "text" (stated), "publication" (assumed from it) or "none"
    name: str = ""  # the named exercise or operation ("Joint Sea-2015"), when there is one
    end: str | None = None  # ISO date (or year-month) a stated range ends on
    roles: tuple[tuple[str, str], ...] = ()  # (role, country): host, buyer, seller, visitor
    why: tuple[str, ...] = ()  # the names of the rules that made it, in the order they fired
    review: str = ""  # why a reader should check it (a place far from every participant)

    @property
    def excerpt(self) -> str:
        """The sentence of the first source."""
        return self.sources[0].excerpt if self.sources else ""

    @cached_property  # read per event on every rerun of the dashboard: hashed once
    def key(self) -> str:
        """A stable identity: type, date, places and first source offsets."""
        first = self.sources[0] if self.sources else None
        parts = [
            self.type,
            str(self.year),
            str(self.month),
            str(self.day),
            ",".join(p.place.id for p in self.places),
            f"{first.article_key}:{first.start}" if first else "",
        ]
        return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Rejection:
    """An input that could not be ingested, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class IngestReport:
    """What one ingest run did, article by article."""

    added: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()  # already in the store: nothing to do
    rejected: tuple[Rejection, ...] = ()
    events: int = 0
    notes: tuple[str, ...] = field(default=())
