"""Crashes and concurrency: SIGKILL mid-ingest, two ingests at once, reading while writing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_an_ingest_killed_at_random_moments_leaves_a_consistent_database():
    trials = os.environ.get("GEO_CRASH_TRIALS", "100")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "crash_test.py"), "--trials", trials],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout.splitlines()[0])
    assert summary["failed"] == 0 and summary["trials"] == int(trials)
    assert summary.get("killed", 0) >= int(trials) // 2  # most kills land mid-ingest


def _corpus(folder: Path, n: int) -> None:
    for i in range(n):
        (folder / f"a{i:02d}.txt").write_text(
            f"Russian and Chinese warships began joint naval drills near Vladivostok on "
            f"Monday, the defence ministry said. Exercise number {i} will last {i + 3} days.",
            encoding="utf-8",
        )
        (folder / f"a{i:02d}.meta.json").write_text(
            json.dumps({"published": f"2021-{i % 12 + 1:02d}-10"}), encoding="utf-8"
        )


def test_two_ingests_into_one_database_at_once_store_each_article_once(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _corpus(corpus, 12)
    db = tmp_path / "events.db"
    command = [sys.executable, "-m", "geo", "ingest", str(corpus), "--db", str(db)]
    pipe = subprocess.PIPE
    runs = [subprocess.Popen(command, cwd=ROOT, stdout=pipe, stderr=pipe, text=True) for _ in "ab"]
    outs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outs
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 12
    # The same events as one ingest alone (the articles are months apart: nothing merges
    # across them, so the order the two processes interleave in does not matter).
    alone = tmp_path / "alone.db"
    subprocess.run([*command[:-1], str(alone)], cwd=ROOT, check=True, capture_output=True)

    def export(path: Path) -> list[str]:
        out = subprocess.run(
            [sys.executable, "-m", "geo", "export", "--db", str(path), "--format", "jsonl"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return sorted(out.splitlines())

    assert export(db) == export(alone) and len(export(db)) == 12


def test_the_dashboard_store_sees_events_committed_by_another_process(tmp_path):
    from geo.store import Store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _corpus(corpus, 2)
    db = tmp_path / "events.db"
    with Store(db) as reader:
        assert reader.event_count() == 0 and reader.events() == []
        done = subprocess.run(
            [sys.executable, "-m", "geo", "ingest", str(corpus), "--db", str(db)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        # the open connection sees the commit, through every kind of read
        assert reader.event_count() == 2 and len(reader.events()) == 2


def test_a_new_database_opens_while_another_process_holds_it_for_a_moment(monkeypatch, tmp_path):
    """While another process is creating the same new file, SQLite can answer "database is
    locked" at once, without the busy timeout (seen once in CI: two ingests starting together,
    one exited with "cannot open the event store"): opening tries again."""
    import sqlite3

    from geo import store as store_module

    refusals = {"left": 3}

    class BusyAtFirst(sqlite3.Connection):
        def execute(self, sql, *args):  # type: ignore[override]
            if refusals["left"] and sql.startswith(("PRAGMA journal_mode", "BEGIN IMMEDIATE")):
                refusals["left"] -= 1
                raise sqlite3.OperationalError("database is locked")
            return super().execute(sql, *args)

    connect = sqlite3.connect
    monkeypatch.setattr(
        store_module.sqlite3, "connect", lambda *a, **k: connect(*a, factory=BusyAtFirst, **k)
    )
    with store_module.Store(tmp_path / "new.db") as opened:
        assert opened.event_count() == 0
    assert refusals["left"] == 0
