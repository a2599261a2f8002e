"""Ingest speed in one process and on 1 and 2 Dask workers, and the scaling ratio.

    python benchmarks/bench_scale.py [--articles 200] [--workers 1 2] [--db postgresql://...]
                                     [--repeat 3]

Makes N distinct synthetic articles as bench_ingest.py does (each seed text with a numbered
paragraph appended), then ingests them into a fresh store once per engine: in this process
(the model loaded beforehand), and on a LocalCluster of each worker count (started, and the
model loaded on every worker, before the clock starts). Prints articles/s for each and the
ratio of every Dask run to the 1-worker run and to the single process, and where the time
went: CPU seconds per article on the workers (the parallel part) and in this process (the
serial part: reading, merging, writing), which hold whatever else the machine runs. With --db a
PostgreSQL URL, each run gets a new schema-free database on that server (it must be allowed
to CREATE DATABASE); else a SQLite file in a temporary folder. With --repeat N, N rounds of
every engine in turn, and the best figure of each (other work on the machine only slows).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import config  # noqa: E402
from geo.cluster import DaskEngine  # noqa: E402
from geo.export import to_jsonl  # noqa: E402
from geo.pipeline import LocalEngine, ingest, load_geoparser  # noqa: E402
from geo.store import open_store  # noqa: E402


def make_corpus(folder: Path, count: int) -> int:
    """Write count distinct articles made from the seeds; their word count."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(config.SEEDS_DIR.glob("*.txt"))]
    folder.mkdir()
    words = 0
    for i in range(count):
        text = (
            texts[i % len(texts)] + f"\n\nThis archive copy number {i} was filed by the "
            "editors of the news desk for later reference.\n"
        )
        words += len(text.split())
        (folder / f"{i:05d}.txt").write_text(text, encoding="utf-8")
    return words


def new_target(base: str | None, tmp: Path, name: str) -> str:
    """A fresh store for one run: a new PostgreSQL database, or a new SQLite file."""
    if not base:
        return str(tmp / f"{name}.db")
    import psycopg

    database = f"geo_bench_{name}_{int(time.time())}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    with psycopg.connect(base.rsplit("/", 1)[0] + f"/{database}", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return base.rsplit("/", 1)[0] + f"/{database}"


def timed(folder: Path, target: str, engine) -> tuple[float, float, int, list[str]]:
    """Seconds to ingest the folder, CPU seconds of this process, articles added, and the
    jsonl export of what was stored, sorted."""
    with open_store(target) as store:
        started, cpu = time.perf_counter(), time.process_time()
        report = ingest([folder], store=store, engine=engine)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        return elapsed, cpu, len(report.added), sorted(to_jsonl(store.events()).splitlines())


def workers_cpu(engine: DaskEngine) -> float:
    """CPU seconds the workers' processes have used so far, summed."""
    assert engine.client is not None
    return sum(engine.client.run(time.process_time).values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--db", help="a postgresql:// URL of a server to create databases on")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of every engine; prints the best of each"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        words = make_corpus(tmp / "articles", args.articles)
        kind = "PostgreSQL" if args.db else "SQLite"
        print(f"{args.articles} articles, {words:,} words, store {kind}, {load()}")
        local = LocalEngine(load_geoparser())
        best: dict[str, float] = {}  # the best rate of each engine over the rounds
        for round_ in range(1, args.repeat + 1):
            if args.repeat > 1:
                print(f"round {round_}, {load()}")
            target = new_target(args.db, tmp, f"local{round_}")
            seconds, cpu, added, events = timed(tmp / "articles", target, local)
            single = added / seconds
            best["single"] = max(best.get("single", 0.0), single)
            print(
                f"single process  {seconds:6.1f} s  {single:5.1f} articles/s  {len(events)} "
                f"events  cpu/article {cpu / added * 1000:.0f} ms"
            )
            one = None
            for workers in args.workers:
                with DaskEngine(workers=workers, dashboard_address=None) as engine:
                    logging.getLogger("distributed").setLevel(logging.ERROR)
                    engine.start()  # the cluster up and the model loaded on every worker
                    target = new_target(args.db, tmp, f"dask{workers}r{round_}")
                    before = workers_cpu(engine)
                    seconds, cpu, added, stored = timed(tmp / "articles", target, engine)
                    on_workers = workers_cpu(engine) - before
                rate = added / seconds
                best[f"{workers}"] = max(best.get(f"{workers}", 0.0), rate)
                one = one or (rate if workers == 1 else None)
                against = f"  x{rate / one:.2f} of 1 worker" if one else ""
                print(
                    f"Dask {workers} worker{'s' if workers > 1 else ' '} {seconds:6.1f} s  "
                    f"{rate:5.1f} articles/s  {len(stored)} events  x{rate / single:.2f} of "
                    f"single{against}  cpu/article: workers {on_workers / added * 1000:.0f} ms, "
                    f"client {cpu / added * 1000:.0f} ms"
                )
                if stored != events:
                    print("  the export differs from the single process's")
        if args.repeat > 1:
            # Other work on the machine only ever slows a run: the best of each is the figure.
            line = f"best of {args.repeat}: single process {best['single']:.1f} articles/s"
            for workers in args.workers:
                rate = best[f"{workers}"]
                line += f", Dask {workers} {rate:.1f} (x{rate / best['single']:.2f} of single"
                line += f", x{rate / best['1']:.2f} of 1 worker)" if "1" in best else ")"
            print(line)
    print(load())
    return 0


def load() -> str:
    """The machine's load average: other jobs on the same cores show in every figure."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


if __name__ == "__main__":
    sys.exit(main())
