"""An analyst's corrections to extracted events: reject one, change its type, date or place.

A correction names the event by the key it had when extracted, says which field it changes,
what the field was before and what it is now, who made it and when. Corrections are stored
apart from the events (geo.store, table `corrections`), so re-ingesting the same articles
or rebuilding the database from them, which extracts the same events under the same keys,
leaves them in force. `corrected` applies them, in the order they were made; a corrected
event keeps its original key, so links, the URL and the history keep pointing at it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from geo import GeoError
from geo.model import PRECISIONS, Event, EventPlace, Place

FIELDS = ("rejected", "type", "date", "place")


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
    except (KeyError, TypeError, ValueError) as exc:
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
    marked `rejected`); corrections of events no longer stored are ignored."""
    by_key: dict[str, list[Correction]] = {}
    for c in sorted(corrections, key=lambda c: c.id):
        by_key.setdefault(c.event_key, []).append(c)
    out: list[Event] = []
    for event in events:
        for correction in by_key.get(event.key, ()):
            try:
                event = apply_one(event, correction)
            except CorrectionError:
                continue  # a malformed row (edited by hand) must not hide the event
        out.append(event)
    return out


def is_rejected(event: Event) -> bool:
    """Whether an analyst rejected the event."""
    return bool(getattr(event, "rejected", False))


def describe(correction: Correction) -> str:
    """'type: Exercise -> Joint patrol', 'rejected', 'date: 2024 -> 9-17 August 2024'."""
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
