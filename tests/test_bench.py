"""python -m geo bench: one JSON line per figure, then a table; the corpus it invents."""

from __future__ import annotations

import json

from geo import bench
from geo.__main__ import main
from geo.bench import Bench, Figure, corpus, register
from geo.model import Place

FIGURES = {
    "ner_words_per_s",
    "ingest_words_per_s",
    "ingest_to_ner_ratio",
    "stage_read_s",
    "stage_parse_s",
    "stage_toponyms_s",
    "stage_events_s",
    "stage_store_s",
    "processes_1_words_per_s",
    "processes_2_words_per_s",
    "processes_2_speedup",
    "startup_warm_s",
    "reingest_s",
    "dashboard_300_world_every_event_s",
    "dashboard_300_world_every_event_bytes",
    "dashboard_300_rss_mb",
}
TOWNS = [Place(f"cur:t{i}", f"Town{i}", 10.0 + i, 20.0, "city", "ZZ") for i in range(5)]
LANDS = [Place(f"cur:c{i}", f"Land{i}", 0.0, float(i), "country", f"Z{i}") for i in range(3)]


def test_quick_bench_prints_every_figure_as_json_then_a_table(capsys, monkeypatch, geoparser):
    monkeypatch.setattr("geo.pipeline.load_geoparser", lambda: geoparser)
    assert main(["bench", "--quick", "--articles", "3", "--reingest", "5"]) == 0
    out = capsys.readouterr().out
    lines, _, table = out.partition("\n\n")
    records = [json.loads(line) for line in lines.splitlines()]
    assert FIGURES <= {r["figure"] for r in records}
    assert all(isinstance(r["value"], int | float) and r["unit"] for r in records)
    for name in FIGURES:
        assert name in table


def test_an_unknown_figure_is_a_usage_error(capsys):
    assert main(["bench", "--only", "nosuch"]) == 2
    assert "nosuch" in capsys.readouterr().err


def test_a_registered_measurement_is_run(monkeypatch):
    monkeypatch.setattr(bench, "FIGURES", list(bench.FIGURES))

    @register("extra")
    def extra(b: Bench) -> list[Figure]:
        return [Figure("extra_s", 1.5, "s", "an extra figure")]

    runner = Bench(quick=True)
    try:
        assert [f.name for f in runner.run(["extra"])] == ["extra_s"]
    finally:
        runner.close()


def test_the_corpus_is_the_same_for_a_seed_and_names_gazetteer_places():
    first = list(corpus(TOWNS, LANDS, seed=7, n=4))
    assert first == list(corpus(TOWNS, LANDS, seed=7, n=4))
    assert first != list(corpus(TOWNS, LANDS, seed=8, n=4))
    assert len({a.text for a in first}) == 4
    assert all(any(t.name in a.text for t in TOWNS) for a in first)
