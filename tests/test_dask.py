"""Ingest on Dask workers: the same events as one process, into SQLite and into PostgreSQL;
results stored in input order whatever order the batches finish in; an article that fails on
a worker is rejected; a batch whose worker dies is run again."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import dask
import pytest
from distributed import LocalCluster

from geo import GeoError, config
from geo.__main__ import main
from geo.cluster import DaskEngine
from geo.pipeline import ingest
from geo.store import Store
from tests.conftest import make_article, make_event
from tests.test_pipeline import ANNOUNCED, SUMMARISED


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes, as on this machine's two cores. A task whose worker dies twice is
    given up (Dask's default is 3), so the test of a text that always kills its worker ends
    soon."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: 8787 stays for the ingest's own cluster
            silence_logs=logging.ERROR,
        ) as local:
            yield local


def test_the_same_export_whatever_the_engine_and_the_store(
    tmp_path, monkeypatch, capsys, geoparser, pg_server, cluster
):
    """The seed articles, and one drill reported by two articles read first and last (so two
    workers parse them and the second is merged into the first), ingested in one process and
    on two Dask workers, into SQLite and into PostgreSQL: four equal exports."""
    monkeypatch.setattr("geo.pipeline.load_geoparser", lambda: geoparser)  # this process only
    (tmp_path / "first").mkdir()
    (tmp_path / "last").mkdir()
    (tmp_path / "first" / "a.txt").write_text(ANNOUNCED, encoding="utf-8")
    (tmp_path / "first" / "a.meta.json").write_text('{"published": "2021-08-20"}')
    (tmp_path / "last" / "b.txt").write_text(SUMMARISED, encoding="utf-8")
    (tmp_path / "last" / "b.meta.json").write_text('{"published": "2021-08-30"}')
    inputs = [str(tmp_path / "first"), str(config.SEEDS_DIR), str(tmp_path / "last")]
    runs = {
        "one process, SQLite": ([], str(tmp_path / "local.db")),
        "one process, PostgreSQL": ([], pg_server.new_database()),
        "Dask LocalCluster, SQLite": (
            ["--engine", "dask", "--workers", "2"],
            str(tmp_path / "d.db"),
        ),
        "Dask scheduler, PostgreSQL": (
            ["--engine", "dask", "--scheduler", cluster.scheduler_address],
            pg_server.new_database(),
        ),
    }
    exports = {}
    for name, (options, db) in runs.items():
        assert main(["ingest", *inputs, "--db", db, *options]) == 0, name
        out = tmp_path / "export.jsonl"
        assert main(["export", "--db", db, "--format", "jsonl", "--output", str(out)]) == 0
        exports[name] = sorted(out.read_text(encoding="utf-8").splitlines())
    printed = capsys.readouterr()
    expected = exports["one process, SQLite"]
    for name, lines in exports.items():
        assert lines == expected, name
    events = [json.loads(line) for line in expected]
    merged = [e for e in events if {s["article"] for s in e["sources"]} == {"a.txt", "b.txt"}]
    assert len(merged) == 1 and len(events) >= 10
    assert printed.out.count(f"7 added, 0 unchanged, 0 rejected, 0 skipped, {len(events)} ev") == 4
    assert "Dask dashboard: http://127.0.0.1:" in printed.err and "Dask: 2 workers" in printed.err


class FakePipeline:
    """A stand-in for the loaded pipeline, quick to load on a worker: one event per article,
    and what a text asks for ("SLOW", "BOOM", "DIE-ONCE <marker>", "DIE-ALWAYS")."""

    def process(self, article):
        if "SLOW" in article.text:
            time.sleep(1.5)
        if "BOOM" in article.text:
            raise RuntimeError("boom")
        if "DIE-ONCE" in article.text:
            marker = Path(article.text.split()[2].rstrip("."))
            if not marker.exists():
                marker.write_text("died once")
                os._exit(1)
        if "DIE-ALWAYS" in article.text:
            os._exit(1)
        return [make_event(article, excerpt=article.text.split(".")[0] + ".")]

    def process_many(self, articles):
        return ((article, self.process(article)) for article in articles)


def fake_pipeline() -> FakePipeline:
    """The loader the worker plugin runs in these tests."""
    return FakePipeline()


def _articles(*texts: str):
    return [make_article(f"{text}. Number {i}.", id=f"{i}.txt") for i, text in enumerate(texts)]


def test_results_come_back_in_input_order_whatever_finishes_first(cluster):
    articles = _articles("SLOW drills", "Drills", "Drills", "Drills", "SLOW drills", "Drills")
    with DaskEngine(cluster.scheduler_address, batch_size=1, loader=fake_pipeline) as engine:
        results = list(engine.run(articles))
    assert [article for article, _ in results] == articles
    assert [events[0].sources[0].article for _, events in results] == [a.id for a in articles]


def test_an_article_that_fails_on_a_worker_is_rejected_and_the_rest_stored(cluster, tmp_path):
    (tmp_path / "in").mkdir()
    for name, text in [
        ("a.txt", "Drills in Moscow."),
        ("b.txt", "BOOM drills."),
        ("c.txt", "Ships held drills."),
    ]:
        (tmp_path / "in" / name).write_text(text, encoding="utf-8")
    with (
        Store(":memory:") as store,
        DaskEngine(cluster.scheduler_address, loader=fake_pipeline) as engine,
    ):
        report = ingest([tmp_path / "in"], store=store, engine=engine)
    assert report.added == ("a.txt", "c.txt")
    [rejection] = report.rejected
    assert rejection.path.endswith("b.txt")
    assert rejection.reason == "could not be processed: RuntimeError: boom"


def test_files_read_on_the_workers_are_reported_and_stored_as_when_read_here(
    cluster, tmp_path, monkeypatch
):
    """The same report, events and re-ingest with the files read on the workers as with the
    files read by the client, which then reads none itself."""
    from geo.export import to_jsonl

    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in [
        ("a.txt", "Drills in Moscow."),
        ("b.txt", "   \n"),
        ("c.txt", "Военные корабли провели большие учения у берегов полуострова."),
        ("d.txt", "Drills in Moscow."),  # a copy of a.txt
        ("e.txt", "BOOM drills."),
        ("f.txt", "Ships held drills."),
        ("f.meta.json", "{not json"),
        ("g.meta.json", "{}"),  # describes no file
    ]:
        (folder / name).write_text(text, encoding="utf-8")
    runs = {}
    for on_workers in (False, True):
        if on_workers:  # a file the client read would fail the test
            monkeypatch.setattr("geo.pipeline.read_paths", None)
            monkeypatch.setattr("geo.cluster.read_file", None)
        with (
            Store(":memory:") as store,
            DaskEngine(
                cluster.scheduler_address, loader=fake_pipeline, read_files=on_workers
            ) as engine,
        ):
            assert engine.reads_files is on_workers
            first = ingest([folder], store=store, engine=engine)
            again = ingest([folder], store=store, engine=engine)
            runs[on_workers] = (first, again, to_jsonl(store.events()))
    assert runs[True] == runs[False]
    first, again, _ = runs[True]
    assert first.added == ("a.txt", "f.txt") and first.unchanged == ("d.txt",)
    reasons = {Path(r.path).name: r.reason for r in first.rejected}
    assert set(reasons) == {"b.txt", "c.txt", "e.txt", "f.meta.json", "g.meta.json"}
    assert reasons["b.txt"] == "empty file"
    assert reasons["c.txt"].startswith("language not supported")
    assert reasons["e.txt"] == "could not be processed: RuntimeError: boom"
    assert again.added == () and set(again.unchanged) == {"a.txt", "d.txt", "f.txt"}


def test_a_scheduler_that_cannot_be_reached_is_a_geo_error():
    engine = DaskEngine("tcp://127.0.0.1:1", connect_timeout=2, loader=fake_pipeline)
    with pytest.raises(GeoError, match="cannot reach the Dask scheduler"):
        list(engine.run(_articles("Drills")))


@pytest.mark.parametrize(
    "options",
    [
        ["--scheduler", "tcp://127.0.0.1:8786"],
        ["--workers", "2"],
        ["--engine", "dask", "--processes", "2"],
        ["--engine", "dask", "--scheduler", "tcp://127.0.0.1:8786", "--workers", "2"],
    ],
)
def test_engine_options_that_do_not_go_together_are_usage_errors(tmp_path, capsys, options):
    (tmp_path / "a.txt").write_text("Drills.", encoding="utf-8")
    db = tmp_path / "e.db"
    assert main(["ingest", str(tmp_path / "a.txt"), "--db", str(db), *options]) == 2
    assert "error:" in capsys.readouterr().err and not db.exists()


def _two_workers(cluster, timeout_s: float = 60) -> bool:
    """The nannies restart dead workers: wait (bounded) until both are back."""
    deadline = time.monotonic() + timeout_s
    while len(cluster.scheduler.workers) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    return len(cluster.scheduler.workers) == 2


def test_a_batch_whose_worker_dies_is_run_again(cluster, tmp_path):
    marker = tmp_path / "died"
    articles = _articles("Drills", f"DIE-ONCE drills {marker}")
    with DaskEngine(cluster.scheduler_address, batch_size=2, loader=fake_pipeline) as engine:
        results = list(engine.run(articles))
    assert marker.exists()  # a worker did die on the batch, which was then parsed again
    assert [(a, len(r)) for a, r in results] == [(articles[0], 1), (articles[1], 1)]
    assert _two_workers(cluster)


def test_a_text_that_kills_every_worker_is_rejected_alone(cluster):
    articles = _articles("Drills", "DIE-ALWAYS drills")
    with DaskEngine(cluster.scheduler_address, batch_size=2, loader=fake_pipeline) as engine:
        (first, kept), (second, lost) = engine.run(articles)
    assert (first, second) == tuple(articles) and len(kept) == 1  # its batch-mate is stored
    assert isinstance(lost, str) and lost.startswith("could not be processed on a worker: ")
    assert "KilledWorker" in lost
    assert _two_workers(cluster)
