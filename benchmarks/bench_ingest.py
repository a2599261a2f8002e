"""Ingest speed and query speed on many articles.

    python benchmarks/bench_ingest.py [--articles 500]

Makes N distinct synthetic articles from the seed articles (each seed text with a numbered
paragraph appended, so every article is new content), ingests them into a fresh database and
prints articles/s, words/s, events stored, peak memory, and the time of a filtered event query.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import config  # noqa: E402
from geo.pipeline import ingest, load_geoparser  # noqa: E402
from geo.store import Store  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--processes", type=int, default=1, help="forked worker processes")
    args = parser.parse_args()
    seeds = sorted(config.SEEDS_DIR.glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in seeds]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        words = 0
        for i in range(args.articles):
            text = (
                texts[i % len(texts)] + f"\n\nThis archive copy number {i} was filed by the "
                "editors of the news desk for later reference.\n"
            )
            words += len(text.split())
            (folder / f"{i:05d}.txt").write_text(text, encoding="utf-8")
        started = time.perf_counter()
        geoparser = load_geoparser()
        loaded = time.perf_counter() - started
        with Store(Path(tmp) / "events.db") as store:
            started = time.perf_counter()
            report = ingest([folder], store=store, geoparser=geoparser, processes=args.processes)
            elapsed = time.perf_counter() - started
            started = time.perf_counter()
            shown = store.events(years=(2010, 2020), types=["exercise", "meeting"])
            query = time.perf_counter() - started
            everything = store.events()
            all_query = time.perf_counter() - started - query
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"articles {len(report.added)}  words {words}  load {loaded:.1f} s  "
        f"ingest {elapsed:.1f} s  "
        f"{len(report.added) / elapsed:.1f} articles/s  {words / elapsed:,.0f} words/s"
    )
    print(
        f"events stored {len(everything)}  filtered query {query * 1000:.1f} ms "
        f"({len(shown)} events)  all events {all_query * 1000:.1f} ms  peak memory {peak:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
