"""The dashboard's queries as SQL, written once for both stores (SQLite and PostgreSQL).

A `View` (geo.filters) becomes one WHERE clause over `events e`; the map's questions become
three statements over it:

- `event_keys`: the keys of the events that pass, in the store's order (oldest first,
  undated last), optionally only those with a point place inside a box;
- `cells`: the events' point places inside a box counted per grid cell and per type: what
  the map draws when zoomed out (`GROUP BY` over whole-degree-fraction cells);
- `areas`: the events' area places (seas, regions, countries) grouped by place, with the
  number of events per type and the first events' keys: one shape per area.

Both dialects differ only in the placeholder and in how a positive number is floored, so
each store runs the same text (`SQLITE`, `POSTGRES`). Filters follow geo.filters.passes
exactly (tests compare the two on both stores): the months an event may have happened in
are computed in SQL from year, month, precision and the range's end; named exercise series
go through geo.filters.series_name in Python over the distinct names (few), and free-text
search is a LIKE per word over excerpts, titles, place names and the event's name.
SQLite's LIKE ignores case for ASCII letters only, so there non-ASCII letters match
case-sensitively (PostgreSQL's ILIKE folds them too).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from geo.filters import ANY, View, series_name
from geo.model import EVENT_TYPES, POINT_FEATURES

WRAP_WEST_OF = -168.0  # as geo.mapview: land west of 168°W is drawn east of the antimeridian


@dataclass(frozen=True)
class Dialect:
    """What differs between the stores' SQL: the placeholder and floor() of x >= 0."""

    placeholder: str
    floor: str  # a format string with {x}
    order: str  # the stores' event order: oldest first, undated last, then by key
    like: str  # a case-insensitive LIKE
    # The indexed point expression of `event_places p` a box is first looked up in (with
    # `&&` on envelopes, then checked exactly), or None: no spatial index.
    point: str | None = None


# SQLite's LIKE ignores the case of ASCII letters (only: "É" does not match "é").
SQLITE = Dialect(
    "?", "CAST({x} AS INTEGER)", "e.year IS NULL, e.year, e.month, e.day, e.key", "LIKE"
)
# NULLs first and text by bytes, as SQLite sorts (geo.store_pg.EVENT_ORDER).
POSTGRES = Dialect(
    "%s",
    "CAST(floor({x}) AS INTEGER)",
    'e.year IS NULL, e.year NULLS FIRST, e.month NULLS FIRST, e.day NULLS FIRST, e.key COLLATE "C"',
    "ILIKE",
    # event_places_point (geo.store_pg's migration 7): a GiST index on this very expression.
    "ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)",
)


@dataclass(frozen=True)
class Box:
    """A part of the map: latitudes south..north, displayed longitudes west..east (which may
    run past 180 east of the antimeridian, as the map draws them)."""

    south: float
    west: float
    north: float
    east: float

    def grown(self, share: float) -> Box:
        """The box with `share` of its size added on every side (clipped to the poles)."""
        dlat, dlon = (self.north - self.south) * share, (self.east - self.west) * share
        return Box(
            max(-90.0, self.south - dlat),
            self.west - dlon,
            min(90.0, self.north + dlat),
            self.east + dlon,
        )


@dataclass(frozen=True)
class Cell:
    """The point places of the shown events inside one grid cell: where to draw the count
    (the mean position of its places) and how many of each type."""

    lat: float
    lon: float
    counts: tuple[tuple[str, int], ...]  # (type, places), in EVENT_TYPES order

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


@dataclass(frozen=True)
class AreaGroup:
    """One area (a place id) and the shown events placed in it."""

    place_id: str
    counts: tuple[tuple[str, int], ...]  # (type, events), in EVENT_TYPES order
    keys: tuple[str, ...]  # the first events' keys, in the store's order

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


def lon_ranges(box: Box) -> list[tuple[float, float]]:
    """The stored longitudes (west, east) whose display longitude falls in the box: the box
    itself from WRAP_WEST_OF on, and its part east of the antimeridian shifted back by 360
    (one range or two: a box across the antimeridian is two envelopes in stored degrees)."""
    ranges = [(max(box.west, WRAP_WEST_OF), box.east), (box.west - 360.0, box.east - 360.0)]
    ranges[1] = (ranges[1][0], min(ranges[1][1], WRAP_WEST_OF))
    return [(west, east) for west, east in ranges if west <= east]


def display_lon(lon: float) -> float:
    """The longitude the map draws a place at (see WRAP_WEST_OF)."""
    return lon + 360.0 if lon < WRAP_WEST_OF else lon


def cell_of(lat: float, lon: float, size: float) -> tuple[int, int]:
    """The grid cell of a place (display longitude), as the SQL of `cells` computes it."""
    return math.floor((lat + 90.0) / size), math.floor((display_lon(lon) + 180.0) / size)


def matching_series(names: Iterable[str], series: Collection[str]) -> list[str]:
    """The stored event names that belong to one of the named exercise series."""
    return sorted({n for n in names if n and series_name(n) in series})


# The distinct names the series filter chooses among (the same statement in both stores).
NAMES_SQL = "SELECT DISTINCT name FROM events WHERE name <> ''"

_DISPLAY_LON = f"(CASE WHEN p.lon < {WRAP_WEST_OF} THEN p.lon + 360 ELSE p.lon END)"
_POINT = "p.feature IN (" + ", ".join(f"'{f}'" for f in sorted(POINT_FEATURES)) + ")"
_UNDATED = "(e.year IS NULL OR e.precision = 'unknown')"
_MONTH_KNOWN = "(e.precision <> 'year' AND e.month BETWEEN 1 AND 12)"
_FIRST = f"(e.year * 12 + CASE WHEN {_MONTH_KNOWN} THEN e.month - 1 ELSE 0 END)"
_LAST_OF_DATE = f"(e.year * 12 + CASE WHEN {_MONTH_KNOWN} THEN e.month - 1 ELSE 11 END)"
# A range's end as geo.filters.event_months reads it: YYYY, YYYY-MM or YYYY-MM-DD.
_DIGITS = "'0123456789'"
_END_READABLE = (
    "(e.end_date IS NOT NULL"
    " AND (length(e.end_date) = 4"
    "  OR (length(e.end_date) = 7 AND substr(e.end_date, 5, 1) = '-')"
    "  OR (length(e.end_date) = 10 AND substr(e.end_date, 5, 1) = '-'"
    "      AND substr(e.end_date, 8, 1) = '-'))"
    f" AND ltrim(substr(e.end_date, 1, 4), {_DIGITS}) = ''"
    f" AND ltrim(substr(e.end_date, 6, 2), {_DIGITS}) = ''"
    f" AND ltrim(substr(e.end_date, 9, 2), {_DIGITS}) = '')"
)
_END_MONTH = (
    "(CASE WHEN length(e.end_date) >= 7 THEN CAST(substr(e.end_date, 6, 2) AS INTEGER) ELSE 12 END)"
)
_UNTIL = f"(CAST(substr(e.end_date, 1, 4) AS INTEGER) * 12 + {_END_MONTH} - 1)"
# Nested CASEs, evaluated in order: PostgreSQL may evaluate both sides of an AND, and the
# casts are safe only once the end is known to be readable.
_LAST = (
    f"(CASE WHEN NOT {_END_READABLE} THEN {_LAST_OF_DATE}"
    f" WHEN {_END_MONTH} NOT BETWEEN 1 AND 12 THEN {_LAST_OF_DATE}"
    f" WHEN {_UNTIL} > {_LAST_OF_DATE} THEN {_UNTIL} ELSE {_LAST_OF_DATE} END)"
)


class _Sql:
    """A WHERE clause and its parameters, built up in order."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.parts: list[str] = []
        self.params: list[object] = []

    def marks(self, values: Sequence[object]) -> str:
        self.params += list(values)
        return ", ".join([self.dialect.placeholder] * len(values))

    def mark(self, value: object) -> str:
        self.params.append(value)
        return self.dialect.placeholder

    def add(self, clause: str) -> None:
        self.parts.append(clause)

    def where(self) -> str:
        return " AND ".join(self.parts) if self.parts else "1 = 1"


def _like(word: str) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _event_filter(
    sql: _Sql, view: View, *, names: Sequence[str], exclude: Collection[str], dates: bool
) -> None:
    """The view's filters on `events e`, as geo.filters.passes applies them."""
    if view.types is not None:
        sql.add(f"e.type IN ({sql.marks(list(view.types))})" if view.types else "1 = 0")
    if dates and (view.start is not None or view.end is not None or not view.include_undated):
        dated = [f"NOT {_UNDATED}"]
        if view.start is not None:
            dated.append(f"{_LAST} >= {sql.mark(view.start[0] * 12 + view.start[1] - 1)}")
        if view.end is not None:
            dated.append(f"{_FIRST} <= {sql.mark(view.end[0] * 12 + view.end[1] - 1)}")
        clause = "(" + " AND ".join(dated) + ")"
        sql.add(f"({_UNDATED} OR {clause})" if view.include_undated else clause)
    if view.countries:
        sql.add(
            "EXISTS (SELECT 1 FROM event_participants c WHERE c.event_key = e.key "
            f"AND c.country IN ({sql.marks(list(view.countries))}))"
        )
    if view.pair is not None:
        one, other = view.pair
        has = "EXISTS (SELECT 1 FROM event_participants c WHERE c.event_key = e.key AND c.country"
        sql.add(f"{has} = {sql.mark(one)})")
        sql.add(f"{has} <> {sql.mark(one)})" if other == ANY else f"{has} = {sql.mark(other)})")
    if view.series:
        sql.add(f"e.name IN ({sql.marks(list(names))})" if names else "1 = 0")
    if view.hide_country_level:
        sql.add(  # no place at all, or one closer than a whole country
            "(NOT EXISTS (SELECT 1 FROM event_places p WHERE p.event_key = e.key)"
            " OR EXISTS (SELECT 1 FROM event_places p WHERE p.event_key = e.key"
            " AND p.feature <> 'country'))"
        )
    for word in view.text.lower().split():
        # One scan per table and word (a correlated EXISTS per event is ~20x slower).
        like = [f"{sql.dialect.like} {sql.mark(_like(word))} ESCAPE '\\'" for _ in range(5)]
        sql.add(
            f"e.key IN (SELECT key FROM events WHERE name {like[0]}"
            f" UNION SELECT event_key FROM event_sources WHERE excerpt {like[1]}"
            " UNION SELECT event_key FROM event_sources WHERE article_key IN"
            f" (SELECT key FROM articles WHERE title {like[2]})"
            f" UNION SELECT event_key FROM event_places WHERE name {like[3]}"
            f" OR place_name {like[4]})"
        )
    if exclude:
        sql.add(f"e.key NOT IN ({sql.marks(sorted(exclude))})")


# Envelopes a little larger than the box: the exact test that follows them decides, and
# `lon + 360 >= west` in floating point need not imply `lon >= west - 360` exactly.
_SLACK = 1e-6


def _in_box(sql: _Sql, box: Box) -> str:
    """The places of `event_places p` inside the box (the parameters marked in text order)."""
    point, found = sql.dialect.point, ""
    whole = box.south <= -90 and box.north >= 90
    whole = whole and box.west <= WRAP_WEST_OF and box.east >= WRAP_WEST_OF + 360
    # First through the spatial index, then exactly; not for the whole world, where every
    # place would pass the index's test, costing each row a geometry built for nothing.
    if point is not None and not whole:
        envelopes = [
            f"{point} && ST_MakeEnvelope("
            f"{sql.marks([west - _SLACK, box.south - _SLACK, east + _SLACK, box.north + _SLACK])}"
            ", 4326)"
            for west, east in lon_ranges(box)
        ]
        found = f"({' OR '.join(envelopes) or '1 = 0'}) AND "
    return (
        f"{found}p.lat BETWEEN {sql.mark(box.south)} AND {sql.mark(box.north)} "
        f"AND {_DISPLAY_LON} BETWEEN {sql.mark(box.west)} AND {sql.mark(box.east)}"
    )


def event_keys(
    view: View,
    dialect: Dialect,
    *,
    names: Sequence[str] = (),
    exclude: Collection[str] = (),
    box: Box | None = None,
    dates: bool = True,
    ordered: bool = True,
) -> tuple[str, list[object]]:
    """The keys of the events that pass the view (with a point place in `box`, when given),
    oldest first, undated last (in no order unless `ordered`: sorting 50,000 rows costs
    more than the rest). `names`: matching_series of the stored names; `exclude`: keys left
    to the caller (events corrected since they were stored)."""
    sql = _Sql(dialect)
    if box is not None:
        sql.add(
            f"EXISTS (SELECT 1 FROM event_places p WHERE p.event_key = e.key AND {_POINT} "
            f"AND {_in_box(sql, box)})"
        )
    _event_filter(sql, view, names=names, exclude=exclude, dates=dates)
    order = f" ORDER BY {dialect.order}" if ordered else ""
    return f"SELECT e.key FROM events e WHERE {sql.where()}{order}", sql.params


def cells(
    view: View,
    dialect: Dialect,
    box: Box,
    size: float,
    *,
    names: Sequence[str] = (),
    exclude: Collection[str] = (),
) -> tuple[str, list[object]]:
    """Rows (row, column, type, places, sum of lat, sum of display lon): the point places
    of the events that pass the view, inside the box, per grid cell of `size` degrees."""
    sql = _Sql(dialect)
    size_mark = [sql.mark(size), sql.mark(size)]
    row = dialect.floor.format(x=f"(p.lat + 90) / {size_mark[0]}")
    col = dialect.floor.format(x=f"({_DISPLAY_LON} + 180) / {size_mark[1]}")
    sql.add(_POINT)
    sql.add(_in_box(sql, box))
    _event_filter(sql, view, names=names, exclude=exclude, dates=True)
    return (
        f"SELECT {row} AS r, {col} AS c, e.type, COUNT(*), SUM(p.lat), SUM({_DISPLAY_LON}) "
        f"FROM event_places p JOIN events e ON e.key = p.event_key WHERE {sql.where()} "
        "GROUP BY 1, 2, 3"
    ), sql.params


def areas(
    view: View,
    dialect: Dialect,
    *,
    names: Sequence[str] = (),
    exclude: Collection[str] = (),
) -> tuple[str, list[object]]:
    """Rows (place id, event key, type) of the events' area places that pass the view, by
    place and in the store's order: grouped into AreaGroup by `area_groups`."""
    sql = _Sql(dialect)
    sql.add(f"NOT {_POINT}")
    _event_filter(sql, view, names=names, exclude=exclude, dates=True)
    return (
        "SELECT p.place_id, e.key, e.type FROM event_places p JOIN events e "
        f"ON e.key = p.event_key WHERE {sql.where()} ORDER BY p.place_id, {dialect.order}, p.ord"
    ), sql.params


def cells_from_rows(rows: Iterable[Sequence]) -> dict[tuple[int, int], Cell]:
    """Cells from the rows of `cells`."""
    sums: dict[tuple[int, int], list[float]] = {}
    counts: dict[tuple[int, int], dict[str, int]] = {}
    for r, c, type_, n, lat_sum, lon_sum in rows:
        at = (int(r), int(c))
        total = sums.setdefault(at, [0.0, 0.0, 0.0])
        total[0] += int(n)
        total[1] += float(lat_sum)
        total[2] += float(lon_sum)
        by_type = counts.setdefault(at, {})
        by_type[type_] = by_type.get(type_, 0) + int(n)
    return {
        at: Cell(lat / n, lon / n, ordered_counts(counts[at])) for at, (n, lat, lon) in sums.items()
    }


def area_groups(rows: Iterable[Sequence], *, listed: int) -> list[AreaGroup]:
    """AreaGroups from the rows of `areas`, each with the keys of its first `listed` events
    (an event with two places in one area counts once)."""
    keys: dict[str, list[str]] = {}
    counts: dict[str, dict[str, int]] = {}
    seen: set[tuple[str, str]] = set()
    for place_id, key, type_ in rows:
        if (place_id, key) in seen:
            continue
        seen.add((place_id, key))
        keys.setdefault(place_id, []).append(key)
        by_type = counts.setdefault(place_id, {})
        by_type[type_] = by_type.get(type_, 0) + 1
    return [AreaGroup(pid, ordered_counts(counts[pid]), tuple(keys[pid][:listed])) for pid in keys]


def ordered_counts(counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    """Counts per type, known types first in their order, then the others by name."""
    order = list(EVENT_TYPES) + sorted(t for t in counts if t not in EVENT_TYPES)
    return tuple((t, counts[t]) for t in order if counts.get(t))
