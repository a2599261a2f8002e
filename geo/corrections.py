"""An analyst's corrections to extracted events: reject one, change its type, date or place,
merge it with another event, split an article off it.

A correction names the event by the key it had when extracted, says which field it changes,
what the field was before and what it is now, who made it and when. Corrections are stored
apart from the events (geo.store, table `corrections`), so re-ingesting the same articles
or rebuilding the database from them, which extracts the same events under the same keys,
leaves them in force. `corrected` applies them, in the order they were made; a corrected
event keeps its original key, so links, the URL and the history keep pointing at it.

A merge (`field == "merge"`) names the other event; the event takes the other's sources,
places and participants and the other is no longer listed. A split (`field == "split"`)
names an article: its sentences leave the event and become an event of their own, stored
whole in the correction (the article's own extraction, see `split_value`), so that it needs
no parser to be applied. Both are undone by a later correction of the same field with
`"merged": false` / `"split": false`: of each pair (event and other event, event and
article) the last correction decides, and the events are read as if the undone one had
never been made.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from geo import GeoError
from geo.model import PRECISIONS, Event, EventPlace, Place, Source

FIELDS = ("rejected", "type", "date", "place", "merge", "split")


class CorrectionError(GeoError):
    """A correction that cannot apply (an unknown field or a value of the wrong shape)."""


@dataclass(frozen=True)
class Correction:
    """One change an analyst made to one event."""

    event_key: str  # the event's key as extracted
    field: str  # one of FIELDS
    before: Any  # JSON-ready: the value before the change
    after: Any  # JSON-ready: the value after it
    who: str
    at: str  # ISO 8601, UTC
    note: str = ""
    id: int = 0  # the store's row id: the order corrections were made in


@dataclass(frozen=True)
class CorrectedEvent(Event):
    """An event with corrections applied; it keeps the key it was extracted under."""

    original_key: str = ""
    corrected: tuple[str, ...] = ()  # the fields changed, in the order first changed
    rejected: bool = False

    @property
    def key(self) -> str:
        """The key the event was extracted under (what corrections and links refer to)."""
        return self.original_key or super().key


# ---------------------------------------------------------------------------- values


def date_value(event: Event) -> dict[str, Any]:
    """An event's date as a correction records it."""
    return {
        "year": event.year,
        "month": event.month,
        "day": event.day,
        "precision": event.precision,
        "end": event.end,
    }


def place_value(place: EventPlace) -> dict[str, Any]:
    """An event place as a correction records it."""
    p = place.place
    return {
        "name": place.name,
        "id": p.id,
        "place_name": p.name,
        "lat": p.lat,
        "lon": p.lon,
        "feature": p.feature,
        "country": p.country,
        "population": p.population,
        "geonameid": p.geonameid,
        "admin1": p.admin1,  # what "is inside" reads (geo.gazetteer.within)
        "admin2": p.admin2,
    }


def places_value(event: Event) -> list[dict[str, Any]]:
    """All places of an event, as a correction records them."""
    return [place_value(p) for p in event.places]


def current_value(event: Event, field: str) -> Any:
    """What a field of the event is now: the `before` of a new correction."""
    if field == "rejected":
        return bool(getattr(event, "rejected", False))
    if field == "type":
        return event.type
    if field == "date":
        return date_value(event)
    if field == "place":
        return places_value(event)
    raise CorrectionError(f"unknown field {field!r}")


def _place(value: Mapping[str, Any]) -> EventPlace:
    place = Place(
        str(value["id"]),
        str(value["place_name"]),
        float(value["lat"]),
        float(value["lon"]),
        str(value["feature"]),
        value.get("country"),
        int(value.get("population") or 0),
        value.get("geonameid"),
        value.get("admin1"),  # absent from corrections made before places carried them
        value.get("admin2"),
    )
    return EventPlace(str(value.get("name") or place.name), place)


def _date(value: Mapping[str, Any]) -> dict[str, Any]:
    year, month, day = value.get("year"), value.get("month"), value.get("day")
    precision = value.get("precision") or (
        "unknown" if year is None else "day" if day else "month" if month else "year"
    )
    if precision not in PRECISIONS:
        raise CorrectionError(f"unknown date precision {precision!r}")
    return {
        "year": year,
        "month": month,
        "day": day,
        "precision": precision,
        "end": value.get("end") or None,
        # An analyst's date is stated, not assumed from the publication date.
        "date_source": "text" if year is not None else "none",
    }


def check(field: str, after: Any) -> None:
    """Raise CorrectionError unless `after` is a value `field` can take."""
    if field not in FIELDS:
        raise CorrectionError(f"unknown field {field!r}")
    try:
        if field == "rejected" and not isinstance(after, bool):
            raise CorrectionError("rejected is true or false")
        if field == "type" and (not isinstance(after, str) or not after):
            raise CorrectionError("a type is a name")
        if field == "date":
            _date(after)
        if field == "place":
            [_place(p) for p in after]
        if field == "merge" and (
            not isinstance(after.get("with"), str) or not isinstance(after.get("merged"), bool)
        ):
            raise CorrectionError("a merge names the other event and says merged or not")
        if field == "split":
            if not isinstance(after.get("article_key"), str) or not isinstance(
                after.get("split"), bool
            ):
                raise CorrectionError("a split names the article and says split or not")
            if after["split"]:
                if not isinstance(after.get("key"), str) or not after["key"]:
                    raise CorrectionError("a split gives the new event's key")
                _split_event(after)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CorrectionError(f"not a {field}: {after!r}") from exc


# ---------------------------------------------------------------------------- applying


def apply_one(event: Event, correction: Correction) -> CorrectedEvent:
    """The event with one correction applied."""
    base = (
        event
        if isinstance(event, CorrectedEvent)
        else CorrectedEvent(
            **{f: getattr(event, f) for f in Event.__dataclass_fields__},
            original_key=event.key,
        )
    )
    field, after = correction.field, correction.after
    check(field, after)
    if field in ("merge", "split"):
        raise CorrectionError(f"a {field} involves two events: see corrected()")
    if field == "rejected":
        changed = replace(base, rejected=after)
    elif field == "type":
        changed = replace(base, type=after)
    elif field == "date":
        changed = replace(base, **_date(after))
    else:
        changed = replace(base, places=tuple(_place(p) for p in after))
    fields = base.corrected if field in base.corrected else (*base.corrected, field)
    return replace(changed, corrected=fields)


def corrected(events: Iterable[Event], corrections: Sequence[Correction]) -> list[Event]:
    """The events with every correction applied in the order made (rejected ones included,
    marked `rejected`; events merged into another left out; events split off listed after
    the event they came from); corrections of events no longer stored are ignored."""
    ordered = sorted(corrections, key=lambda c: c.id)
    force = _in_force(ordered)
    current: dict[str, Event] = {}
    for event in events:
        current.setdefault(event.key, event)
    order = list(current)
    split_from: dict[str, list[str]] = {}  # the keys of the events split off each event
    for i, c in enumerate(ordered):
        found = current.get(c.event_key)
        if found is None or c.field in ("merge", "split") and i not in force:
            continue
        event = found
        try:
            check(c.field, c.after)
            if c.field == "merge":
                other = current.get(c.after["with"])
                if other is None or other.key == event.key or not c.after["merged"]:
                    continue
                current[event.key] = merge_into(event, other)
                del current[other.key]
            elif c.field == "split":
                parts = split_off(event, c.after) if c.after["split"] else None
                if parts is None or parts[1].key in current:
                    continue
                current[event.key], current[parts[1].key] = parts
                split_from.setdefault(event.key, []).append(parts[1].key)
            else:
                current[event.key] = apply_one(event, c)
        except CorrectionError:
            continue  # a malformed row (edited by hand) must not hide the event
    out: list[Event] = []

    def add(key: str) -> None:
        if key in current:
            out.append(current[key])
        for part in split_from.get(key, ()):  # in the order split off
            add(part)

    for key in order:
        add(key)
    return out


def _in_force(ordered: Sequence[Correction]) -> set[int]:
    """The positions of the merges and splits in force: of each pair (the event and the other
    event, or the event and the article), the last correction, when it merges or splits."""
    last: dict[tuple[str, str, str], int] = {}
    for i, c in enumerate(ordered):
        if c.field in ("merge", "split") and isinstance(c.after, Mapping):
            other = c.after.get("with") if c.field == "merge" else c.after.get("article_key")
            last[(c.field, c.event_key, str(other))] = i
    said = {"merge": "merged", "split": "split"}
    return {i for i in last.values() if ordered[i].after.get(said[ordered[i].field]) is True}


def in_force(corrections: Sequence[Correction]) -> list[Correction]:
    """The merges and splits that are in force (not undone since), in the order made."""
    ordered = sorted(corrections, key=lambda c: c.id)
    return [ordered[i] for i in sorted(_in_force(ordered))]


def renamed(value: Any, old: str, new: str) -> Any:
    """A merge's value (before or after) naming the event `new` where it named `old`: what
    a stored correction must say once ingest has merged a new report into that event and
    its key changed with its sources."""
    if isinstance(value, Mapping) and value.get("with") == old:
        return {**value, "with": new}
    return value


def merged_into(corrections: Sequence[Correction], key: str) -> str | None:
    """The event that the event of `key` is now part of, following merges in force (a link
    to an event merged away leads to the event it went into), or None when it was not."""
    into = {c.after["with"]: c.event_key for c in in_force(corrections) if c.field == "merge"}
    seen = {key}
    while key in into and into[key] not in seen:
        key = into[key]
        seen.add(key)
    return key if len(seen) > 1 else None


def _as_corrected(event: Event) -> CorrectedEvent:
    if isinstance(event, CorrectedEvent):
        return event
    return CorrectedEvent(
        **{f: getattr(event, f) for f in Event.__dataclass_fields__}, original_key=event.key
    )


def _mark(event: CorrectedEvent, field: str) -> CorrectedEvent:
    fields = event.corrected if field in event.corrected else (*event.corrected, field)
    return replace(event, corrected=fields)


def _by_article(sources: Iterable[Source]) -> tuple[Source, ...]:
    """Sources article by article (in the order the articles first come), each in text order."""
    first: dict[str, int] = {}
    for s in sources:
        first.setdefault(s.article_key, len(first))
    return tuple(sorted(sources, key=lambda s: (first[s.article_key], s.start)))


def merge_into(event: Event, other: Event) -> CorrectedEvent:
    """The event with the other's sources, places, participants, roles and rules added; the
    event's own type, date and name stand (an analyst can correct those on their own)."""
    base = _as_corrected(event)
    ids = {p.place.id for p in base.places}
    merged = replace(
        base,
        places=base.places + tuple(p for p in other.places if p.place.id not in ids),
        participants=tuple(dict.fromkeys(base.participants + other.participants)),
        sources=_by_article(
            base.sources + tuple(s for s in other.sources if s not in base.sources)
        ),
        roles=tuple(sorted((dict(other.roles) | dict(base.roles)).items())),
        why=tuple(dict.fromkeys(base.why + other.why)),
        name=base.name or other.name,
    )
    for field in getattr(other, "corrected", ()):
        if field != "rejected":
            merged = _mark(merged, field)
    return _mark(merged, "merged")


def _named_in(name: str, sources: Iterable[Source]) -> bool:
    folded = name.casefold()
    return bool(folded) and any(folded in s.excerpt.casefold() for s in sources)


def split_off(
    event: Event, after: Mapping[str, Any]
) -> tuple[CorrectedEvent, CorrectedEvent] | None:
    """The event without the article the split names, and that article's own event; None
    when the event does not cite both that article and another one. A place or participant
    leaves the event only when the split article's sentences name it and no other's do (a
    place known from a dateline or a demonym stays); an event keeps at least its places."""
    key = after["article_key"]
    gone = tuple(s for s in event.sources if s.article_key == key)
    kept = tuple(s for s in event.sources if s.article_key != key)
    if not gone or not kept:
        return None

    def stays(name: str) -> bool:
        return _named_in(name, kept) or not _named_in(name, gone)

    places = tuple(p for p in event.places if stays(p.name) or stays(p.place.name))
    remainder = replace(
        _as_corrected(event),
        sources=kept,
        places=places or event.places,
        participants=tuple(c for c in event.participants if stays(c)),
    )
    new = _split_event(after)
    part = CorrectedEvent(
        **{f: getattr(new, f) for f in Event.__dataclass_fields__},
        original_key=str(after["key"]),
        corrected=("split",),
    )
    return _mark(remainder, "split"), part


def _split_event(after: Mapping[str, Any]) -> Event:
    from geo.export import event_from_record  # geo.export imports nothing of ours

    event = event_from_record(dict(after["event"]))
    if not event.sources or any(s.article_key != after["article_key"] for s in event.sources):
        raise CorrectionError("a split-off event cites the article split off, and only it")
    return event


def split_value(
    event: Event, article_key: str, *, extracted: Sequence[Event] = ()
) -> dict[str, Any]:
    """The `after` of a correction splitting an article off the event: the article's own
    event, taken from `extracted` (the events a fresh extraction of that article found: the
    one citing most of the same sentences) or, without one, built from the event's sentences
    in that article, the places and participants they name and the event's date."""
    gone = tuple(s for s in event.sources if s.article_key == article_key)
    if not gone:
        raise CorrectionError(f"the event cites no article {article_key}")
    spans = {(s.start, s.end) for s in gone}

    def overlap(candidate: Event) -> int:
        return sum(
            1
            for s in candidate.sources
            if s.article_key == article_key and (s.start, s.end) in spans
        )

    best = max(extracted, key=lambda e: (overlap(e), e.type == event.type), default=None)
    if best is not None and overlap(best) > 0:
        own = replace(
            best,
            type=event.type,  # the analyst splits an article off this event, of this type
            sources=tuple(s for s in best.sources if s.article_key == article_key),
        )
    else:
        places = tuple(p for p in event.places if _named_in(p.name, gone)) or event.places
        own = replace(
            event,
            places=places,
            participants=tuple(c for c in event.participants if _named_in(c, gone))
            or event.participants,
            sources=gone,
            review="",
        )
    from geo.export import event_record  # one serialisation of an event: the export's

    plain = Event(**{f: getattr(own, f) for f in Event.__dataclass_fields__})
    # A key of its own even when the article is the event's first source (the event's key
    # would then be the new event's too), the same on every database that applies it.
    key = hashlib.sha256(f"split|{event.key}|{article_key}".encode()).hexdigest()[:16]
    label = gone[0].title or gone[0].article
    return {
        "article_key": article_key,
        "split": True,
        "key": key,
        "label": label,
        "event": event_record(plain),
    }


def merge_value(other_key: str, *, merged: bool = True, label: str = "") -> dict[str, Any]:
    """The `after` of a correction merging the event `other_key` names into an event (or,
    merged=False, undoing that merge); `label` says what the other event was, for the
    history."""
    return {"with": other_key, "merged": merged, "label": label}


def is_rejected(event: Event) -> bool:
    """Whether an analyst rejected the event."""
    return bool(getattr(event, "rejected", False))


def describe(correction: Correction) -> str:
    """'type: Exercise -> Joint patrol', 'rejected', 'date: 2024 -> 9-17 August 2024',
    'merged with Exercise · 2024 · Vladivostok (ref ...)', 'split off "Title" as event ref ...'."""
    from geo.mapview import format_date, type_label  # display only: the store need not load it

    def date_text(value: Any) -> str:
        if not isinstance(value, Mapping):
            return str(value)
        d = _date(value)
        event = Event("other", d["year"], d["month"], d["day"], d["precision"], end=d["end"])
        return format_date(event)

    def places_text(value: Any) -> str:
        names = [str(p.get("place_name") or p.get("name")) for p in value or []]
        return "; ".join(names) or "no place"

    field = correction.field
    if field == "rejected":
        return "rejected" if correction.after else "rejection undone"
    if field == "type":
        return f"type: {type_label(str(correction.before))} → {type_label(str(correction.after))}"
    if field == "date":
        return f"date: {date_text(correction.before)} → {date_text(correction.after)}"
    if field == "place":
        return f"place: {places_text(correction.before)} → {places_text(correction.after)}"
    after = correction.after if isinstance(correction.after, Mapping) else {}
    if field == "merge":
        other = f"{after.get('label') or 'event'} (ref {after.get('with')})"
        return f"merged with {other}" if after.get("merged") else f"merge with {other} undone"
    if field == "split":
        article = after.get("label") or after.get("article_key")
        if after.get("split"):
            return f"split off {article} as event ref {after.get('key')}"
        return f"split of {article} undone"
    return f"{field}: {correction.before!r} → {correction.after!r}"


# ---------------------------------------------------------------------------- JSON Lines


def to_jsonl(corrections: Iterable[Correction]) -> str:
    """One correction per line, in the order made (what `geo corrections --export` writes)."""
    lines = []
    for c in corrections:
        record = asdict(c)
        record.pop("id")
        lines.append(json.dumps(record, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


def from_jsonl(text: str) -> tuple[list[Correction], list[str]]:
    """The corrections of a JSON Lines file, and the lines that are not one ('line 3: ...')."""
    found, bad = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            c = Correction(
                str(record["event_key"]),
                str(record["field"]),
                record.get("before"),
                record["after"],
                str(record["who"]),
                str(record["at"]),
                str(record.get("note") or ""),
            )
            check(c.field, c.after)
        except (ValueError, KeyError, TypeError, CorrectionError) as exc:
            bad.append(f"line {number}: {exc}")
            continue
        found.append(c)
    return found, bad
