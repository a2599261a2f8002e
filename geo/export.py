"""Events out: JSON Lines (as the scorer reads it), CSV and GeoJSON (one Point per event place)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from geo.model import EVENT_TYPES, Event, EventPlace, Place, Rejection, Source


def event_record(event: Event) -> dict:
    """One event as a plain JSON-ready dict: the jsonl export line. An event an analyst
    corrected (geo.corrections) lists the fields changed under "corrected"."""
    record = _record(event)
    fixed = getattr(event, "corrected", ())
    if fixed:
        record["corrected"] = list(fixed)
    return record


def _record(event: Event) -> dict:
    return {
        "id": event.key,
        "type": event.type,
        "year": event.year,
        "month": event.month,
        "day": event.day,
        "precision": event.precision,
        "date_source": event.date_source,
        "end": event.end,
        "status": event.status,
        "name": event.name or None,
        "places": [
            {
                "name": ep.name,
                "lat": ep.place.lat,
                "lon": ep.place.lon,
                "gazetteer_id": ep.place.id,
                "geonameid": ep.place.geonameid,
                "population": ep.place.population,
                "resolved_name": ep.place.name,
                "feature": ep.place.feature,
                "country": ep.place.country,
                "admin1": ep.place.admin1,
                "admin2": ep.place.admin2,
                "precision": ep.precision,
            }
            for ep in event.places
        ],
        "participants": list(event.participants),
        "roles": dict(event.roles),
        "evidence": {"rules": list(event.why), "sentences": [s.excerpt for s in event.sources]},
        "review": event.review or None,
        "excerpt": event.excerpt,
        "trigger": event.trigger,
        "sources": [
            {
                "article": s.article,
                "title": s.title,
                "source": s.source,
                "published": s.published.isoformat() if s.published else None,
                "start": s.start,
                "end": s.end,
                "article_key": s.article_key,
                "excerpt": s.excerpt,
            }
            for s in event.sources
        ],
    }


LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def event_from_record(record: dict) -> Event:
    """The event an export line describes: the inverse of `event_record`."""
    return Event(
        record["type"],
        record["year"],
        record.get("month"),
        record.get("day"),
        record.get("precision", "unknown"),
        record.get("status", "past"),
        tuple(
            EventPlace(
                p["name"],
                Place(
                    p["gazetteer_id"],
                    p["resolved_name"],
                    p["lat"],
                    p["lon"],
                    p["feature"],
                    p.get("country"),
                    int(p.get("population") or 0),
                    p.get("geonameid"),
                    p.get("admin1"),
                    p.get("admin2"),
                ),
            )
            for p in record.get("places", [])
        ),
        tuple(record.get("participants", [])),
        tuple(
            Source(
                s["article"],
                s["excerpt"],
                s["start"],
                s["end"],
                s.get("article_key", ""),
                s.get("title"),
                s.get("source"),
                date.fromisoformat(s["published"]) if s.get("published") else None,
            )
            for s in record.get("sources", [])
        ),
        record.get("trigger", ""),
        record.get("date_source", "text"),
        name=record.get("name") or "",
        end=record.get("end"),
        roles=tuple(sorted((record.get("roles") or {}).items())),
        why=tuple((record.get("evidence") or {}).get("rules", [])),
        review=record.get("review") or "",
    )


def read_events_jsonl(path: Path) -> tuple[list[Event], list[Rejection]]:
    """The events of a `geo export --format jsonl` file, and its lines that are not one
    (named by file and line, with the reason)."""
    events: list[Event] = []
    rejected: list[Rejection] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Rejection(str(path), f"cannot be read: {exc}")]
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
            event = event_from_record(record)
        except ValueError as exc:
            rejected.append(Rejection(where, f"not JSON: {exc}"))
            continue
        except (KeyError, TypeError, AttributeError) as exc:
            rejected.append(Rejection(where, f"not an exported event: {type(exc).__name__} {exc}"))
            continue
        problem = _invalid(event)
        if problem:
            rejected.append(Rejection(where, problem))
        else:
            events.append(event)
    return events, rejected


def _invalid(event: Event) -> str:
    """Why an imported event cannot be stored, or ''."""
    if event.type not in EVENT_TYPES:
        return f"unknown type {event.type!r}"
    if not event.sources:
        return "no sources"
    if any(not s.article_key or not s.article for s in event.sources):
        return "a source without its article (key and id)"
    for p in event.places:
        if not (-90 <= p.place.lat <= 90 and -180 <= p.place.lon <= 180):
            return f"place {p.name!r} has impossible coordinates"
    if event.month is not None and not 1 <= event.month <= 12:
        return f"impossible month {event.month}"
    return ""


def in_reading_order(events: Sequence[Event]) -> list[Event]:
    """Events by article, then by where in it each is first reported."""
    order = ("exercise", "patrol", "arms_deal", "meeting", "other")

    def key(e: Event) -> tuple[str, int, int]:
        rank = order.index(e.type) if e.type in order else len(order)
        return (e.sources[0].article, e.sources[0].start, rank) if e.sources else ("", 0, rank)

    # Two events told by one sentence: the more telling type first.
    return sorted(events, key=key)


def to_jsonl(events: Sequence[Event]) -> str:
    """One JSON object per line, one line per event. Characters some readers take for line
    breaks (U+0085, U+2028, U+2029) are escaped, so a line is always one event."""
    return "".join(
        json.dumps(event_record(e), ensure_ascii=False).translate(LINE_BREAKS) + "\n"
        for e in events
    )


CSV_COLUMNS = (
    "id",
    "type",
    "year",
    "month",
    "day",
    "precision",
    "status",
    "places",
    "latitudes",
    "longitudes",
    "participants",
    "articles",
    "sources",
    "excerpt",
    "corrected",  # the fields an analyst changed ("type; date"), empty when none
)


# OWASP's CSV injection rule: a cell starting with one of these is read as a formula by
# spreadsheets. Plain numbers ("-92.44510", or several joined by "; ") call no function.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBERS = re.compile(r"[-+]?\d+(?:\.\d+)?(?:; [-+]?\d+(?:\.\d+)?)*")


def spreadsheet_safe(value: object) -> object:
    """A CSV cell that cannot run as a spreadsheet formula: text starting with =, +, -, @, tab
    or carriage return gets a leading single quote, which spreadsheets show as text."""
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not _NUMBERS.fullmatch(value)
    ):
        return "'" + value
    return value


class _FormulaSafeWriter:
    """A csv writer whose every cell goes through spreadsheet_safe."""

    def __init__(self, writer) -> None:
        self._writer = writer

    def writerow(self, row) -> None:
        self._writer.writerow([spreadsheet_safe(cell) for cell in row])


def to_csv(events: Sequence[Event]) -> str:
    """A flat table, one row per event; several places or sources joined by '; '; the last
    column lists the fields an analyst corrected (geo.corrections). No cell runs as a
    spreadsheet formula (see spreadsheet_safe)."""
    out = io.StringIO()
    writer = _FormulaSafeWriter(csv.writer(out))
    writer.writerow(CSV_COLUMNS)
    for e in events:
        writer.writerow(
            [
                e.key,
                e.type,
                e.year or "",
                e.month or "",
                e.day or "",
                e.precision,
                e.status,
                "; ".join(ep.name for ep in e.places),
                "; ".join(f"{ep.place.lat:.5f}" for ep in e.places),
                "; ".join(f"{ep.place.lon:.5f}" for ep in e.places),
                "; ".join(e.participants),
                "; ".join(s.article for s in e.sources),
                "; ".join(s.source or "" for s in e.sources),
                e.excerpt,
                "; ".join(getattr(e, "corrected", ())),
            ]
        )
    return out.getvalue()


def to_geojson(events: Sequence[Event]) -> dict:
    """A FeatureCollection with one Point feature per event place (valid for QGIS)."""
    features = []
    for e in events:
        record = event_record(e)
        for i, ep in enumerate(e.places):
            properties = {k: v for k, v in record.items() if k not in ("places", "sources")}
            properties.update(
                {
                    "place": ep.name,
                    "place_index": i,
                    "gazetteer_id": ep.place.id,
                    "geonameid": ep.place.geonameid,
                    "population": ep.place.population,
                    "feature": ep.place.feature,
                    "participants": "; ".join(e.participants),
                    "articles": "; ".join(s.article for s in e.sources),
                    "sources": "; ".join(s.source or "" for s in e.sources),
                }
            )
            features.append(
                {
                    "type": "Feature",
                    "id": f"{e.key}-{i}",
                    "geometry": {"type": "Point", "coordinates": [ep.place.lon, ep.place.lat]},
                    "properties": properties,
                }
            )
    return {"type": "FeatureCollection", "features": features}
