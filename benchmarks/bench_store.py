"""Store and map speed with many events.

    python benchmarks/bench_store.py [--events 10000]

Fills a fresh database with N synthetic events (varied types, years, places, countries),
then prints the time of a year/type filtered query, of reading every event, and of building
and rendering the folium map of them.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.mapview import build_map  # noqa: E402
from geo.model import EVENT_TYPES, Article, Event, EventPlace, Place, Source  # noqa: E402
from geo.store import Store  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(7)
    countries = ["Russia", "China", "India", "Belarus", "Kazakhstan", "Iran"]
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "e.db") as store:
        started = time.perf_counter()
        per_article = 5
        for a in range(args.events // per_article):
            text = f"Article {a}. " + " ".join(
                f"Sentence {i} about drills." for i in range(per_article)
            )
            article = Article(id=f"{a}.txt", text=text, published=date(2020, 1, 1))
            events = []
            for i in range(per_article):
                lat, lon = rng.uniform(-60, 70), rng.uniform(-180, 180)
                place = Place(f"gn:{a}{i}", f"Place {a}-{i}", lat, lon, "city", "RU", 1000, None)
                start = text.find(f"Sentence {i}")
                events.append(
                    Event(
                        rng.choice(EVENT_TYPES),
                        rng.randint(2000, 2024),
                        rng.randint(1, 12),
                        None,
                        "month",
                        "past",
                        (EventPlace(place.name, place),),
                        tuple(rng.sample(countries, 2)),
                        (
                            Source(
                                article.id,
                                f"Sentence {i} about drills.",
                                start,
                                start + 26,
                                article.key,
                                None,
                                "Agency",
                                article.published,
                            ),
                        ),
                        "drills",
                    )
                )
            store.add(article, events)
        filled = time.perf_counter() - started
        started = time.perf_counter()
        some = store.events(years=(2010, 2015), types=["exercise", "patrol"])
        filtered = time.perf_counter() - started
        started = time.perf_counter()
        every = store.events()
        read_all = time.perf_counter() - started
        started = time.perf_counter()
        html = build_map(every).get_root().render()
        mapped = time.perf_counter() - started
    print(
        f"events {len(every)}  fill {filled:.1f} s  filtered query {filtered * 1000:.0f} ms "
        f"({len(some)} events)  all events {read_all * 1000:.0f} ms  "
        f"map build+render {mapped:.1f} s ({len(html) / 1e6:.1f} MB of HTML)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
