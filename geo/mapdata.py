"""What the map draws of a view: markers when few point places are in sight, grid cells with
counts when many are, and every area once with the events placed in it.

The browser is sent only what it can show. The store answers in SQL (geo.query): how many
point places of the shown events lie in the part of the map in sight, per grid cell sized
to the zoom; when no more than MARKER_LIMIT do, their events are drawn as markers with
popups, else each cell is one count. Areas (seas, regions, countries) are few whatever the
number of events: one shape per area, its popup listing the first AREA_LISTED events there.

Events corrected by analysts are judged here in Python (their stored rows say what was
extracted, not what was corrected): the store leaves their keys out and they are added to
the cells, markers and areas as they are now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from geo import filters
from geo.corrections import is_rejected
from geo.filters import View
from geo.model import Event, EventPlace
from geo.query import WRAP_WEST_OF, AreaGroup, Box, Cell, cell_of, display_lon, ordered_counts
from geo.store import EventStore

MARKER_LIMIT = 400  # point places in sight up to which each is a marker with its popup
AREA_LISTED = 10  # events listed in an area's popup before "and N more"
CELL_PIXELS = 64  # a grid cell is about this wide on the screen
TILE_PIXELS = 256
MARGIN = 0.25  # share of the part in sight added on each side, so a small pan shows no gap
WORLD = Box(-90.0, WRAP_WEST_OF, 90.0, WRAP_WEST_OF + 360.0)  # every displayed longitude


@dataclass(frozen=True)
class Area:
    """One area on the map: its place, how many shown events of each type it has, and the
    first of them (for its popup)."""

    place: EventPlace
    counts: tuple[tuple[str, int], ...]
    events: tuple[Event, ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


@dataclass(frozen=True)
class MapData:
    """Everything the event layer draws: markers or cells for points, and areas."""

    markers: tuple[tuple[Event, EventPlace], ...] = ()
    cells: tuple[Cell, ...] = ()
    areas: tuple[Area, ...] = ()

    @property
    def places(self) -> int:
        """Event places drawn: markers, places counted in cells, and events on areas."""
        cells = sum(c.total for c in self.cells)
        return len(self.markers) + cells + sum(a.total for a in self.areas)


def cell_size(zoom: float) -> float:
    """Degrees of longitude a cell spans at a zoom level: about CELL_PIXELS on the screen."""
    return 360.0 / (2.0 ** max(0.0, zoom)) * CELL_PIXELS / TILE_PIXELS


def map_data(
    store: EventStore,
    view: View,
    box: Box | None,
    zoom: float,
    *,
    lookup: Callable[[Sequence[str]], Sequence[Event]],
    corrected: Iterable[Event] = (),
    marker_limit: int = MARKER_LIMIT,
) -> MapData:
    """What the map draws of the view in `box` (None: the whole world) at `zoom`. `lookup`
    gives the events of keys (the app's cache); `corrected` are every event with analysts'
    corrections (rejected ones included), judged here rather than in SQL."""
    corrected = list(corrected)
    exclude = {e.key for e in corrected}
    shown = [e for e in corrected if not is_rejected(e) and filters.passes(e, view)]
    sight = box.grown(MARGIN) if box else WORLD
    size = cell_size(zoom)
    cells = store.map_cells(view, sight, size, exclude=exclude)
    extra = [(e, p) for e in shown for p in e.places if p.precision == "point" and _in(p, sight)]
    if sum(c.total for c in cells.values()) + len(extra) <= marker_limit:
        keys = store.event_keys(view, box=sight, exclude=exclude)
        events = list(lookup(keys)) + [e for e in shown if any(_in(p, sight) for p in e.places)]
        markers = tuple(
            (e, p) for e in events for p in e.places if p.precision == "point" and _in(p, sight)
        )
        return MapData(markers=markers, areas=_areas(store, view, exclude, shown, lookup))
    for event, place in extra:
        at = cell_of(place.place.lat, place.place.lon, size)
        cells[at] = _plus(cells.get(at), event.type, place)
    return MapData(cells=tuple(cells.values()), areas=_areas(store, view, exclude, shown, lookup))


def map_data_from_events(events: Sequence[Event]) -> MapData:
    """Every event as markers and areas, computed in Python (small maps, tests)."""
    markers = tuple((e, p) for e in events for p in e.places if p.precision == "point")
    return MapData(markers=markers, areas=tuple(group_areas(events)))


def group_areas(events: Iterable[Event], *, listed: int = AREA_LISTED) -> list[Area]:
    """The events' area places, one Area per place, in the events' order."""
    places: dict[str, EventPlace] = {}
    members: dict[str, list[Event]] = {}
    for event in events:
        for place in event.places:
            if place.precision != "area":
                continue
            group = members.setdefault(place.place.id, [])
            if not group or group[-1] is not event:
                places.setdefault(place.place.id, place)
                group.append(event)
    return [
        Area(
            places[pid],
            ordered_counts(_count_types(group)),
            tuple(group[:listed]),
        )
        for pid, group in members.items()
    ]


def _areas(
    store: EventStore,
    view: View,
    exclude: set[str],
    shown: Sequence[Event],
    lookup: Callable[[Sequence[str]], Sequence[Event]],
) -> tuple[Area, ...]:
    groups: list[AreaGroup] = store.map_areas(view, exclude=exclude, listed=AREA_LISTED)
    listed = {e.key: e for e in lookup([k for g in groups for k in g.keys])}
    out: dict[str, Area] = {}
    for group in groups:
        events = tuple(listed[k] for k in group.keys if k in listed)
        if not events:
            continue
        place = next(p for p in events[0].places if p.place.id == group.place_id)
        out[group.place_id] = Area(place, group.counts, events)
    for area in group_areas(shown):  # corrected events, as they are now
        known = out.get(area.place.place.id)
        if known is None:
            out[area.place.place.id] = area
            continue
        counts = dict(known.counts)
        for type_, n in area.counts:
            counts[type_] = counts.get(type_, 0) + n
        events = (known.events + area.events)[:AREA_LISTED]
        out[area.place.place.id] = Area(known.place, ordered_counts(counts), events)
    return tuple(out.values())


def _count_types(events: Iterable[Event]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for event in events:
        counts[event.type] = counts.get(event.type, 0) + 1
    return counts


def _plus(cell: Cell | None, type_: str, place: EventPlace) -> Cell:
    lat, lon = place.place.lat, display_lon(place.place.lon)
    if cell is None:
        return Cell(lat, lon, ((type_, 1),))
    n = cell.total
    counts = dict(cell.counts)
    counts[type_] = counts.get(type_, 0) + 1
    return Cell(
        (cell.lat * n + lat) / (n + 1), (cell.lon * n + lon) / (n + 1), ordered_counts(counts)
    )


def _in(place: EventPlace, box: Box) -> bool:
    lon = display_lon(place.place.lon)
    return box.south <= place.place.lat <= box.north and box.west <= lon <= box.east
