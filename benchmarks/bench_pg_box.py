"""The map's box in PostgreSQL, through the GiST index and without it.

    python benchmarks/bench_pg_box.py [--places 200000] [--db postgresql://SUPERUSER@HOST/db]

Fills a new database with N events, each with one city at a random place on Earth (the same
ones every run), then times what the map asks for one view, its cells and its event keys
(PgStore.map_cells and event_keys), for a zoomed-in box, a box across the antimeridian and
the whole world: best of 5, with the SQL before migration 6 (the exact test alone, no
envelopes for the index), then with the envelopes. Without --db it starts a throwaway server
as the tests do (tests/pgserver.py: Debian's postgresql and postgis packages).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from geo import query  # noqa: E402
from geo.filters import View  # noqa: E402
from geo.query import Box  # noqa: E402
from geo.store_pg import PgStore  # noqa: E402

BOXES = {
    "zoomed in (10 x 10 degrees)": Box(50.0, 30.0, 60.0, 40.0),
    "across the antimeridian": Box(50.0, 175.0, 60.0, 185.0),
    "the world": Box(-90.0, -168.0, 90.0, 192.0),
}


def fill(url: str, count: int) -> None:
    """count events, each with one city somewhere on Earth (the same ones every run)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT setseed(0.25)")
        conn.execute(
            "INSERT INTO events (key, type, year, month, precision, status, trigger) "
            "SELECT 'k' || i, 'exercise', 2000 + i %% 20, 1, 'month', 'past', 'drills' "
            "FROM generate_series(1, %s) i",
            (count,),
        )
        conn.execute(
            "INSERT INTO event_places (event_key, ord, name, place_id, place_name, lat, lon, "
            "feature, country, population) SELECT 'k' || i, 0, 'P', 'gn:' || i, 'P', "
            "random() * 170 - 85, random() * 360 - 180, 'city', 'RU', 1 "
            "FROM generate_series(1, %s) i",
            (count,),
        )
        conn.execute("ANALYZE")


def run(url: str, count: int) -> None:
    with PgStore(url) as store:
        fill(url, count)
        store._conn.prepare_threshold = None  # a plan prepared with the index is not reused
        print(f"{count:,} places")
        with_index = query.POSTGRES
        for name, box in BOXES.items():
            for dialect in (replace(with_index, point=None), with_index):
                query.POSTGRES = dialect  # what PgStore's queries are built with
                best = float("inf")
                for _ in range(5):
                    started = time.perf_counter()
                    store.map_cells(View(), box, 1.0)
                    keys = store.event_keys(View(), box=box, ordered=False)
                    best = min(best, time.perf_counter() - started)
                how = "through the index" if dialect.point else "before (no index)"
                print(f"{name:28} {how:18} {best * 1000:7.1f} ms  {len(keys):,} events")
        query.POSTGRES = with_index


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--places", type=int, default=200_000)
    parser.add_argument("--db", help="a postgresql:// URL allowed to CREATE DATABASE")
    args = parser.parse_args()
    if args.db:
        database = f"geo_bench_box_{int(time.time())}"
        with psycopg.connect(args.db, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {database}")
        url = args.db.rsplit("/", 1)[0] + f"/{database}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        run(url, args.places)
        return 0
    from tests.pgserver import PgServer

    server = PgServer.start()
    try:
        run(server.new_database(), args.places)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
