"""The dashboard's view as a value: which events pass, and the URL query that restores it.

A `View` holds every filter and the selected event. `apply` keeps the events that pass it;
`to_query` / `from_query` turn it into URL query parameters and back, so that a copied
address opens the same view:

    ?from=2012&to=2019&type=exercise&type=patrol&q=sea+of+japan&pair=Russia&pair=any

Dates are months: a year filter is the months from January to December, and an event
passes when the months it may have happened in (a whole year for a year-only date, a
stated range to its end) overlap the months shown.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from geo.model import Event

Month = tuple[int, int]  # (year, month)
ANY = "any"  # the second country of a partner pair: "with any other country"
NO_TYPES = "none"  # the query value of an empty type selection

_SERIES_TAIL = re.compile(r"[\s\-–—]*(?:19|20)?\d{2}(?:\s*[-–]\s*[IVX]+)?\s*$")


@dataclass(frozen=True)
class View:
    """Every filter of the dashboard and the selected event; the defaults show everything."""

    start: Month | None = None  # the first month shown; None: from the first event
    end: Month | None = None  # the last month shown; None: to the last event
    types: tuple[str, ...] | None = None  # None: every type
    countries: tuple[str, ...] = ()  # at least one of them takes part; (): any
    include_undated: bool = True
    hide_country_level: bool = False  # hide events placed no closer than a whole country
    text: str = ""  # every word appears in an excerpt, a title or a place name
    series: tuple[str, ...] = ()  # named exercise series ("Joint Sea"); (): any
    pair: tuple[str, str] | None = None  # (country, another country or ANY)
    event: str | None = None  # the selected event's reference

    def without_dates(self) -> View:
        """The same view over all time (what the timeline shows)."""
        return replace(self, start=None, end=None)


# ---------------------------------------------------------------------------- events


def event_months(event: Event) -> tuple[Month, Month] | None:
    """The first and last month the event may have happened in, or None when undated."""
    if event.year is None or event.precision == "unknown":
        return None
    month = event.month if event.month and 1 <= event.month <= 12 else None
    if event.precision == "year" or month is None:
        first, last = (event.year, 1), (event.year, 12)
    else:
        first = last = (event.year, month)
    match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-\d{2})?", event.end or "")
    if match:
        end_year, end_month = int(match.group(1)), match.group(2)
        until = (end_year, int(end_month) if end_month else 12)
        if until > last and 1 <= until[1] <= 12:
            last = until
    return first, last


def series_name(name: str) -> str:
    """A named exercise's series, its year or number dropped: 'Joint Sea-2015' -> 'Joint Sea'."""
    name = " ".join(name.split())
    stripped = _SERIES_TAIL.sub("", name).strip(" -–—")
    return stripped or name


def search_text(event: Event) -> str:
    """What free-text search looks in: excerpts, titles, place names and the event's name."""
    parts = [event.name]
    for source in event.sources:
        parts += [source.excerpt, source.title or ""]
    for place in event.places:
        parts += [place.name, place.place.name]
    return " ".join(" ".join(parts).lower().split())


def only_country_level(event: Event) -> bool:
    """Whether every place of the event is a whole country (no closer place is known)."""
    return bool(event.places) and all(p.place.feature == "country" for p in event.places)


def passes(event: Event, view: View, *, dates: bool = True) -> bool:
    """Whether the event passes every filter of the view (`dates=False`: all but the dates)."""
    if view.types is not None and event.type not in view.types:
        return False
    if dates and not _in_period(event, view):
        return False
    if view.countries and not set(view.countries) & set(event.participants):
        return False
    if view.pair is not None and not _has_pair(event, view.pair):
        return False
    if view.series and (not event.name or series_name(event.name) not in view.series):
        return False
    if view.hide_country_level and only_country_level(event):
        return False
    if view.text:
        haystack = search_text(event)
        if not all(word in haystack for word in view.text.lower().split()):
            return False
    return True


def apply(events: Iterable[Event], view: View, *, dates: bool = True) -> list[Event]:
    """The events that pass the view, in the order given."""
    return [e for e in events if passes(e, view, dates=dates)]


def _in_period(event: Event, view: View) -> bool:
    months = event_months(event)
    if months is None:
        return view.include_undated
    first, last = months
    if view.start is not None and last < view.start:
        return False
    return not (view.end is not None and first > view.end)


def _has_pair(event: Event, pair: tuple[str, str]) -> bool:
    one, other = pair
    taking_part = set(event.participants)
    if one not in taking_part:
        return False
    return bool(taking_part - {one}) if other == ANY else other in taking_part


# ---------------------------------------------------------------------------- facets


def month_span(events: Iterable[Event]) -> tuple[Month, Month] | None:
    """The first and last month of the dated events, or None when none is dated."""
    spans = [m for m in (event_months(e) for e in events) if m is not None]
    if not spans:
        return None
    return min(first for first, _ in spans), max(last for _, last in spans)


def series_counts(events: Iterable[Event]) -> list[tuple[str, int]]:
    """The named exercise series and how many events each has, most first."""
    counts = Counter(series_name(e.name) for e in events if e.name)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower()))


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from first to last, both included."""
    out = []
    year, month = first
    while (year, month) <= last:
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_key(month: Month) -> str:
    """'2024-09'."""
    return f"{month[0]:04d}-{month[1]:02d}"


def parse_month(text: str, *, last: bool = False) -> Month | None:
    """'2024-09' -> (2024, 9); a bare year is its January (or December when `last`)."""
    match = re.fullmatch(r"\s*(\d{4})(?:-(\d{1,2}))?\s*", text or "")
    if not match:
        return None
    year = int(match.group(1))
    if match.group(2) is None:
        return (year, 12 if last else 1)
    month = int(match.group(2))
    return (year, month) if 1 <= month <= 12 else None


# ---------------------------------------------------------------------------- the URL


def to_query(view: View) -> dict[str, str | list[str]]:
    """The view as URL query parameters; filters at their defaults are left out."""
    query: dict[str, str | list[str]] = {}
    if view.start is not None:
        query["from"] = (
            str(view.start[0])
            if view.start[1] == 1 and _whole_years(view)
            else (month_key(view.start))
        )
    if view.end is not None:
        query["to"] = (
            str(view.end[0]) if view.end[1] == 12 and _whole_years(view) else (month_key(view.end))
        )
    if view.types is not None:
        query["type"] = list(view.types) or NO_TYPES
    if view.countries:
        query["country"] = list(view.countries)
    if view.pair is not None:
        query["pair"] = list(view.pair)
    if view.series:
        query["series"] = list(view.series)
    if view.text.strip():
        query["q"] = " ".join(view.text.split())
    if not view.include_undated:
        query["undated"] = "0"
    if view.hide_country_level:
        query["country_level"] = "0"
    if view.event:
        query["event"] = view.event
    return query


def from_query(query: Mapping[str, str | Sequence[str]]) -> View:
    """The view a URL query describes; values that cannot be read are ignored."""

    def values(key: str) -> list[str]:
        value = query.get(key)
        if value is None:
            return []
        items = [value] if isinstance(value, str) else list(value)
        return [v.strip() for v in items if v and v.strip()]

    def one(key: str) -> str:
        found = values(key)
        return found[-1] if found else ""

    types_given = values("type")
    types: tuple[str, ...] | None = None
    if types_given:
        types = () if types_given == [NO_TYPES] else tuple(dict.fromkeys(types_given))
    pair_given = values("pair")
    pair = (pair_given[0], pair_given[1] if len(pair_given) > 1 else ANY) if pair_given else None
    start, end = parse_month(one("from")), parse_month(one("to"), last=True)
    if start and end and start > end:  # written the wrong way round
        start, end = parse_month(one("to")), parse_month(one("from"), last=True)
    event = one("event")
    return View(
        start=start,
        end=end,
        types=types,
        countries=tuple(dict.fromkeys(values("country"))),
        include_undated=one("undated") not in ("0", "false", "no"),
        hide_country_level=one("country_level") in ("0", "false", "no", "hide"),
        text=" ".join(one("q").split()),
        series=tuple(dict.fromkeys(values("series"))),
        pair=pair if pair and pair[0] != pair[1] else None,
        event=event if re.fullmatch(r"[0-9a-f]{16}", event) else None,
    )


def _whole_years(view: View) -> bool:
    return (view.start is None or view.start[1] == 1) and (view.end is None or view.end[1] == 12)
