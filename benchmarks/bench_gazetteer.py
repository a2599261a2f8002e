"""Gazetteer timings: index build, load from the cache file, and lookups in microseconds.

python benchmarks/bench_gazetteer.py            # builds a fresh index in a temporary folder
python benchmarks/bench_gazetteer.py --no-build # only times loading and lookups of the cache
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import config  # noqa: E402
from geo.gazetteer import Gazetteer, OfflineGeocoder, normalize  # noqa: E402

QUERIES = [
    "Vladivostok",
    "Chelyabinsk",
    "Sea of Japan",
    "Paris",
    "Georgia",
    "U.S.",
    "Alberta",
    "Springfield",
    "Shandong peninsula",
    "Xqzzyville",
    "Nur-Sultan",
    "Kiev",
    "Moscow",
    "Strait of Hormuz",
    "Primorsky Krai",
    "London",
    "Alexandria",
    "Russia",
    "Beijing",
    "the",
]


def _per_call_us(fn, args: list, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for a in args:
            fn(a)
    return (time.perf_counter() - start) / (len(args) * repeat) * 1e6


def main() -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-build", action="store_true", help="skip timing a fresh build")
    args = parser.parse_args()

    if args.no_build:
        return _bench(config.CACHE_DIR)
    with tempfile.TemporaryDirectory(prefix="gazetteer-bench-") as tmp:
        start = time.perf_counter()
        Gazetteer.load(Path(tmp)).close()
        print(f"build (fresh index):        {time.perf_counter() - start:8.2f} s")
        return _bench(Path(tmp))


def _bench(cache_dir: Path) -> int:
    """Time loading the index in cache_dir and looking names up in it."""

    start = time.perf_counter()
    g = Gazetteer.load(cache_dir)
    load_s = time.perf_counter() - start
    print(f"load (from the cache file): {load_s * 1000:8.1f} ms  (built now: {g.built})")
    print(f"index file:                 {g.path.stat().st_size / 1e6:8.1f} MB  {g.path}")
    print(f"entries:                    {len(g):8,}")
    print(f"name rows:                  {int(g.meta['names']):8,}")

    start = time.perf_counter()
    distinct = list(g.names())
    print(
        f"distinct names:             {len(distinct):8,}  (names() in "
        f"{time.perf_counter() - start:.2f} s)"
    )

    # Uncached lookups over a random sample of real names, then the fixed queries once warm.
    sample = random.Random(1).sample(distinct, 20_000)
    print(
        f"candidates(), uncached:     {_per_call_us(g.candidates, sample):8.1f} us/lookup "
        f"({len(sample):,} random names)"
    )
    g.candidates("warm")
    for q in QUERIES:
        g.candidates(q)
    print(f"candidates(), cached:       {_per_call_us(g.candidates, QUERIES, 500):8.1f} us/lookup")
    print(
        f"normalize():                {_per_call_us(normalize.__wrapped__, QUERIES, 500):8.1f} "
        f"us/call (uncached)"
    )
    words = ["Chinese", "Russians", "American", "North Korean", "Moscow", "exercise"]
    print(f"demonym():                  {_per_call_us(g.demonym, words, 500):8.1f} us/lookup")
    geo = OfflineGeocoder(g)
    print(f"geocode():                  {_per_call_us(geo.geocode, QUERIES, 100):8.1f} us/query")
    near = lambda q: geo.geocode(q, near=("Louisiana", "Texas"))  # noqa: E731
    print(f"geocode(near=2 places):     {_per_call_us(near, QUERIES, 100):8.1f} us/query")
    print(
        f"peak memory (this process): "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:8.0f} MB"
    )
    g.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
