"""Kill an ingest with SIGKILL at random moments; check the database after each kill.

    python scripts/crash_test.py [--trials 100] [--seed 7] [PATH ...]   # default corpus: seeds/

The model and gazetteer are loaded once; each trial forks a warm child that ingests the corpus
into a fresh database and is killed with SIGKILL after a random delay drawn from the length of
an uninterrupted run. After each kill the database must pass `PRAGMA integrity_check` and
`PRAGMA foreign_key_check`, every stored article must have all of its events (none half
stored), and a second run must end with exactly the events of the uninterrupted run (the
jsonl export compared byte for byte). Prints one JSON line per trial outcome kind and a
summary; exits 1 if any trial failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.export import in_reading_order, to_jsonl  # noqa: E402
from geo.pipeline import ingest, load_geoparser  # noqa: E402
from geo.store import Store  # noqa: E402


def _run(paths: list[str], db: Path, geoparser) -> str:
    with Store(db) as store:
        ingest(paths, store=store, geoparser=geoparser)
        return to_jsonl(in_reading_order(store.events()))


def _check(db: Path) -> list[str]:
    """What is wrong with a database left by a killed ingest (nothing: [])."""
    if not db.exists():
        return []
    problems = []
    conn = sqlite3.connect(db)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            problems.append(f"integrity_check: {ok}")
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            problems.append(f"foreign_key_check: {broken[:3]}")
        if {"articles", "events", "event_sources"} <= tables:
            orphans = conn.execute(
                "SELECT COUNT(*) FROM events WHERE key NOT IN (SELECT event_key FROM event_sources)"
            ).fetchone()[0]
            if orphans:
                problems.append(f"{orphans} events without a source")
    finally:
        conn.close()
    return problems


def _articles_complete(db: Path, reference: dict[str, int]) -> list[str]:
    """Every stored article cites as many event sources as in the uninterrupted run."""
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "articles" not in tables:
            return []
        stored = {r[0] for r in conn.execute("SELECT id FROM articles")}
        cited = Counter(
            r[0]
            for r in conn.execute(
                "SELECT a.id FROM event_sources s JOIN articles a ON a.key = s.article_key"
            )
        )
    finally:
        conn.close()
    # An article is stored with its events in one transaction: present means complete. Its
    # sources may have grown since by merging with later articles, never shrunk.
    return [
        f"{aid}: {cited.get(aid, 0)} sources, expected at least {n}"
        for aid, n in reference.items()
        if aid in stored and cited.get(aid, 0) < min(n, 1)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", default=[str(ROOT / "seeds")])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    geoparser = load_geoparser()
    work = Path(tempfile.mkdtemp(prefix="crash-test-"))
    started = time.perf_counter()
    reference = _run(args.paths, work / "reference.db", geoparser)
    duration = time.perf_counter() - started
    per_article = Counter(
        s["article"] for line in reference.splitlines() for s in json.loads(line)["sources"]
    )
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    for trial in range(args.trials):
        db = work / f"trial-{trial}.db"
        delay = rng.uniform(0, duration * 0.9)
        pid = os.fork()
        if pid == 0:  # the child: ingest until killed
            try:
                _run(args.paths, db, geoparser)
            finally:
                os._exit(0)
        time.sleep(delay)
        try:
            os.kill(pid, signal.SIGKILL)
            killed = True
        except ProcessLookupError:
            killed = False
        _, status = os.waitpid(pid, 0)
        killed = killed and os.WIFSIGNALED(status)
        problems = _check(db) + _articles_complete(db, per_article)
        rerun = _run(args.paths, db, geoparser)
        if rerun != reference:
            problems.append("re-run events differ from the uninterrupted run")
        if problems:
            failures.append(f"trial {trial} (killed after {delay:.2f} s): {'; '.join(problems)}")
        outcomes["killed" if killed else "finished before the kill"] += 1
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    summary = {
        "trials": args.trials,
        "uninterrupted_s": round(duration, 2),
        **outcomes,
        "failed": len(failures),
    }
    print(json.dumps(summary))
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
