"""The dashboard's server side with many events: time per rerun, bytes sent, memory.

    python benchmarks/bench_dashboard.py                 # 1,000 / 10,000 / 50,000 events
    python benchmarks/bench_dashboard.py --events 50000 [--db postgresql://...]
    python benchmarks/bench_dashboard.py --write-db data/bench-50k.db --events 50000

Fills a fresh store with N synthetic events (deterministic by --seed: towns across Europe
and Asia, seas and countries as areas, five types, 2000–2024, named exercise series), then
does what one rerun of the page does for the map and prints one JSON line per case:
`read` (the page's data: every event read once per change of the database), then reruns
for a filter change at the world view, a text search, and a pan zoomed in. Each rerun is
the store's SQL (the filtered keys for the list and the timeline, the map's cells or
markers and areas) plus the map's build into what streamlit-folium sends (its script and
the event layer's script); `bytes` is that, `rss_mb` the process's peak resident memory.
`--before` also times the map as it was drawn before (every event a marker in one page).
`dashboard_figures(n)` returns the same lines as dicts, for `python -m geo bench`.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.filters import View  # noqa: E402
from geo.mapdata import map_data  # noqa: E402
from geo.mapview import MapBasis, base_map, event_layer, map_basis  # noqa: E402
from geo.model import EVENT_TYPES, Event, EventPlace, Place, Source  # noqa: E402
from geo.query import Box  # noqa: E402
from geo.store import EventStore, open_store  # noqa: E402

SIZES = (1_000, 10_000, 50_000)
COUNTRIES = ["Russia", "China", "India", "Belarus", "Kazakhstan", "Iran", "Mongolia", "Vietnam"]
# Areas as the gazetteer has them: (id, name, lat, lon, feature, country code).
AREAS = [
    ("cur:sea-of-japan", "Sea of Japan", 40.0, 135.0, "sea", None),
    ("cur:east-china-sea", "East China Sea", 29.0, 125.0, "sea", None),
    ("cur:south-china-sea", "South China Sea", 12.0, 113.0, "sea", None),
    ("cur:sea-of-okhotsk", "Sea of Okhotsk", 55.0, 150.0, "sea", None),
    ("cur:yellow-sea", "Yellow Sea", 36.0, 123.0, "sea", None),
    ("cur:baltic-sea", "Baltic Sea", 58.0, 20.0, "sea", None),
    ("cur:arabian-sea", "Arabian Sea", 15.0, 65.0, "sea", None),
    ("cur:north-pacific", "North Pacific Ocean", 40.0, 170.0, "ocean", None),
    ("gn:2017370", "Russia", 60.0, 100.0, "country", "RU"),
    ("gn:1814991", "China", 35.0, 105.0, "country", "CN"),
    ("gn:1269750", "India", 22.0, 79.0, "country", "IN"),
    ("gn:1522867", "Kazakhstan", 48.0, 68.0, "country", "KZ"),
]
SERIES = ["Joint Sea", "Vostok", "Peace Mission", "Northern Interaction", "Indra"]
AREA_SHARE = 0.2  # of the events, placed in an area rather than a town


def synthetic_events(n: int, *, seed: int = 7) -> list[Event]:
    """N events, the same for the same seed: 4 in 5 in one of ~2,000 towns spread over
    Europe and Asia, the rest in a sea or a country; each reported by one article."""
    rng = random.Random(seed)
    towns = [
        Place(
            f"syn:{i}",
            f"Town {i}",
            round(rng.uniform(0.0, 65.0), 4),
            round(rng.uniform(20.0, 150.0), 4),
            rng.choice(["city", "city", "base", "port"]),
            "RU",
            rng.randint(1_000, 2_000_000),
            None,
        )
        for i in range(2_000)
    ]
    areas = [Place(pid, name, lat, lon, f, cc, 0, None) for pid, name, lat, lon, f, cc in AREAS]
    events = []
    for i in range(n):
        place = rng.choice(areas) if rng.random() < AREA_SHARE else rng.choice(towns)
        year, month = rng.randint(2000, 2024), rng.randint(1, 12)
        type_ = rng.choice(EVENT_TYPES)
        name = f"{rng.choice(SERIES)}-{year}" if type_ == "exercise" and rng.random() < 0.3 else ""
        what = type_.replace("_", " ")
        excerpt = f"Forces of both countries held {what} number {i} near {place.name}."
        article_key = f"{i:064x}"
        events.append(
            Event(
                type_,
                year,
                month,
                None,
                "month" if rng.random() < 0.8 else "year",
                "past",
                (EventPlace(place.name, place),),
                tuple(rng.sample(COUNTRIES, 2)),
                (
                    Source(
                        f"synthetic-{i}.txt",
                        excerpt,
                        0,
                        len(excerpt),
                        article_key,
                        f"Report {i} on military cooperation",
                        rng.choice(["Wire A", "Wire B", "Daily C"]),
                        date(year, month, 28),
                    ),
                ),
                "drills",
                name=name,
            )
        )
    return events


def fill(store: EventStore, events: Sequence[Event], *, batch: int = 5_000) -> None:
    """Store the events (as `geo import` would), in batches."""
    for start in range(0, len(events), batch):
        store.import_events(events[start : start + batch])


@contextmanager
def filled_store(n: int, target: str | None, *, seed: int = 7) -> Iterator[EventStore]:
    """A store with N synthetic events: a new SQLite file, or the database a URL names."""
    with tempfile.TemporaryDirectory() as tmp:
        with open_store(target or str(Path(tmp) / "dashboard.db")) as store:
            if store.event_count() == 0:
                fill(store, synthetic_events(n, seed=seed))
            yield store


def sent_bytes(basis: MapBasis, layer_data, counts: dict[str, int]) -> int:
    """What streamlit-folium sends for the map: its script and the event layer's script."""
    from streamlit_folium import _get_feature_group_string, _get_html, _get_map_string

    m = base_map(basis)
    m.get_root().render()
    html, script = _get_html(m), _get_map_string(m)
    layer = _get_feature_group_string(event_layer(layer_data, counts), m)
    return len(html.encode()) + len(script.encode()) + len(layer.encode())


class Page:
    """What the page keeps once per change of the database (as app.Stored does)."""

    def __init__(self, events: Sequence[Event]) -> None:
        self.by_key = {e.key: e for e in events}
        self.basis = map_basis(events)

    def lookup(self, keys: Sequence[str]) -> list[Event]:
        return [self.by_key[k] for k in keys if k in self.by_key]


def rerun(store: EventStore, page: Page, view: View, box: Box | None, zoom: float):
    """One rerun's server work for the map and the lists: (seconds, bytes, places drawn,
    events shown)."""
    started = time.perf_counter()
    shown = page.lookup(store.event_keys(view))
    page.lookup(store.event_keys(view, dates=False))  # the timeline's events
    data = map_data(store, view, box, zoom, lookup=page.lookup)
    size = sent_bytes(page.basis, data, dict(Counter(e.type for e in shown)))
    return time.perf_counter() - started, size, data.places, len(shown)


def rss_mb() -> float:
    """Peak resident memory of this process (ru_maxrss is in KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


CASES = [
    ("world, every event", View(), None, 3.0),
    ("world, a filter change (two types, 2010-2019)", None, None, 3.0),
    ("world, text search", View(text="peace mission"), None, 3.0),
    ("zoomed in (zoom 8, around one town)", View(), "town", 8.0),
]


def dashboard_figures(
    n_events: int, *, target: str | None = None, before: bool = False, seed: int = 7
) -> list[dict]:
    """The figures for N synthetic events, one dict per line printed."""
    out = []
    with filled_store(n_events, target, seed=seed) as store:
        started = time.perf_counter()
        events = store.events()
        page = Page(events)
        read_s = time.perf_counter() - started
        common = {"bench": "dashboard", "events": len(events), "store": type(store).__name__}
        out.append({**common, "case": "read every event (once per change)", "s": round(read_s, 3)})
        town = next(p.place for e in events for p in e.places if p.precision == "point")
        for label, view, where, zoom in CASES:
            if view is None:
                view = View(types=("exercise", "patrol"), start=(2010, 1), end=(2019, 12))
            box = (
                Box(town.lat - 1.0, town.lon - 2.0, town.lat + 1.0, town.lon + 2.0)
                if where == "town"
                else None
            )
            rerun(store, page, view, box, zoom)  # warm: the first query compiles/caches
            seconds, size, places, shown = rerun(store, page, view, box, zoom)
            out.append(
                {
                    **common,
                    "case": label,
                    "s": round(seconds, 3),
                    "bytes": size,
                    "places_drawn": places,
                    "events_shown": shown,
                    "rss_mb": rss_mb(),
                }
            )
        if before:
            out.append({**common, **old_map(events)})
    return out


def old_map(events: Sequence[Event]) -> dict:
    """The map as drawn before: every event's marker and popup in one page."""
    from geo.mapview import build_map

    started = time.perf_counter()
    html = build_map(events).get_root().render()
    return {
        "case": "before: every event in one folium page",
        "s": round(time.perf_counter() - started, 3),
        "bytes": len(html.encode()),
        "rss_mb": rss_mb(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, action="append", help="default 1k, 10k, 50k")
    parser.add_argument("--db", help="a postgresql:// URL to use (emptied tables are filled)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--before", action="store_true", help="also time the old whole map")
    parser.add_argument("--write-db", help="only write N synthetic events into this database")
    args = parser.parse_args()
    sizes = args.events or list(SIZES)
    if args.write_db:
        with open_store(args.write_db) as store:
            fill(store, synthetic_events(sizes[0], seed=args.seed))
            print(json.dumps({"db": args.write_db, "events": store.event_count()}))
        return 0
    for n in sizes:
        for line in dashboard_figures(n, target=args.db, before=args.before, seed=args.seed):
            print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
