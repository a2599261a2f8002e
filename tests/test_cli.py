"""The command line: ingest, export in three formats, geocode, geoparse."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from geo.__main__ import main

TEXT = "Russian and Chinese troops held joint drills near Vladivostok in July 2019."


def test_ingest_then_export_every_format(tmp_path, capsys, monkeypatch, geoparser):
    monkeypatch.setattr("geo.pipeline.load_geoparser", lambda: geoparser)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "in" / "notes.docx").write_bytes(b"PK")
    db = str(tmp_path / "e.db")
    assert main(["ingest", str(tmp_path / "in"), "--db", db]) == 1  # one input rejected
    out, err = capsys.readouterr()
    assert "1 added, 0 unchanged, 1 rejected" in out
    assert "notes.docx" in err
    for fmt in ("jsonl", "csv", "geojson"):
        target = tmp_path / f"out.{fmt}"
        assert main(["export", "--db", db, "--format", fmt, "--output", str(target)]) == 0
    [line] = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    event = json.loads(line)
    assert (event["type"], event["year"], event["month"]) == ("exercise", 2019, 7)
    assert event["sources"][0]["article"] == "a.txt"
    geojson = json.loads((tmp_path / "out.geojson").read_text(encoding="utf-8"))
    lon, lat = geojson["features"][0]["geometry"]["coordinates"]
    assert abs(lat - 43.1) < 0.5 and abs(lon - 131.9) < 0.5
    assert "Vladivostok" in (tmp_path / "out.csv").read_text(encoding="utf-8")


def test_export_without_a_database_says_so(tmp_path, capsys):
    assert main(["export", "--db", str(tmp_path / "none.db")]) == 2
    assert "no database" in capsys.readouterr().err


def test_geocode_lists_ranked_candidates(capsys):
    assert main(["geocode", "Alexandria", "--near", "Louisiana", "--limit", "3"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "Louisiana" in first


def test_geoparse_writes_offsets(tmp_path, monkeypatch, geoparser):
    monkeypatch.setattr("geo.pipeline.load_geoparser", lambda: geoparser)
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "d1", "text": TEXT}) + "\n", encoding="utf-8")
    assert main(["geoparse", "--input", str(source), "--output", str(tmp_path / "o.jsonl")]) == 0
    record = json.loads((tmp_path / "o.jsonl").read_text(encoding="utf-8"))
    found = [(TEXT[t["start"] : t["end"]], t["kind"]) for t in record["toponyms"]]
    assert record["id"] == "d1"
    assert found == [("Russian", "demonym"), ("Chinese", "demonym"), ("Vladivostok", "place")]


def _ingest(tmp_path, monkeypatch, geoparser, *paths, extra=()):
    monkeypatch.setattr("geo.pipeline.load_geoparser", lambda: geoparser)
    db = tmp_path / "data" / "events.db"
    return main(["ingest", *map(str, paths), "--db", str(db), *extra]), db


def test_ingest_exits_0_when_every_input_is_added_or_unchanged(
    tmp_path, capsys, monkeypatch, geoparser
):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    assert _ingest(tmp_path, monkeypatch, geoparser, tmp_path / "a.txt")[0] == 0
    assert _ingest(tmp_path, monkeypatch, geoparser, tmp_path / "a.txt")[0] == 0
    assert "0 added, 1 unchanged, 0 rejected" in capsys.readouterr().out


def test_ingest_exits_1_when_some_input_is_rejected_and_keeps_the_rest(
    tmp_path, capsys, monkeypatch, geoparser
):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.txt").write_text("", encoding="utf-8")
    status, db = _ingest(tmp_path, monkeypatch, geoparser, tmp_path)
    out, err = capsys.readouterr()
    assert status == 1
    assert "1 added, 0 unchanged, 1 rejected" in out
    assert f"rejected {tmp_path / 'b.txt'}: empty file" in err


def test_ingest_exits_2_on_a_usage_error_before_reading_anything(
    tmp_path, capsys, monkeypatch, geoparser
):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    status, db = _ingest(tmp_path, monkeypatch, geoparser, tmp_path / "a.txt", tmp_path / "nope")
    assert status == 2
    err = capsys.readouterr().err
    assert "no such file or folder" in err and "nope" in err
    assert not db.exists()  # nothing was ingested
    for bad in (["--processes", "0"], ["--no-such-option"]):
        with pytest.raises(SystemExit) as exit_:
            _ingest(tmp_path, monkeypatch, geoparser, tmp_path / "a.txt", extra=bad)
        assert exit_.value.code == 2
    status, _ = _ingest(
        tmp_path, monkeypatch, geoparser, tmp_path, extra=["--report", str(tmp_path / "no/such/r")]
    )
    assert status == 2 and "cannot write the report" in capsys.readouterr().err


def test_the_tools_own_files_are_skipped_not_rejected(tmp_path, capsys, monkeypatch, geoparser):
    """Ingesting the data folder: its live database, SQLite's -wal/-shm/-journal files and the
    gazetteer cache are the tool's own, so they are skipped and the exit status stays 0."""
    data = tmp_path / "data"
    cache = data / "cache"
    cache.mkdir(parents=True)
    monkeypatch.setattr("geo.config.CACHE_DIR", cache)
    with sqlite3.connect(cache / "gazetteer-0123.sqlite") as conn:
        conn.execute("CREATE TABLE names (name TEXT)")
    (cache / "nominatim.json").write_text("{}", encoding="utf-8")
    with sqlite3.connect(data / "old.db") as conn:  # another database of the tool's, mid-write
        conn.execute("CREATE TABLE t (x)")
    (data / "old.db-journal").write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7")
    (data / "a.txt").write_text(TEXT, encoding="utf-8")
    report = tmp_path / "report.jsonl"
    status, db = _ingest(tmp_path, monkeypatch, geoparser, data, extra=["--report", str(report)])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "1 added, 0 unchanged, 0 rejected" in out and "rejected" not in err
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    skipped = {Path(r["path"]).name for r in lines if r["outcome"] == "skipped"}
    # events.db-wal and -shm exist while the ingest writes; the cache is skipped as one folder
    assert {"cache", "old.db", "old.db-journal", "events.db", "events.db-wal"} <= skipped
    assert all(r["reason"] for r in lines if r["outcome"] == "skipped")


def test_report_has_one_json_line_per_input(tmp_path, monkeypatch, geoparser):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(TEXT, encoding="utf-8")
    records = [
        json.dumps({"id": "r1", "text": "Indian and French navies held drills off Goa in 2021."}),
        "{broken",
        json.dumps({"id": "r1-again", "text": TEXT}),  # the same text as a.txt
    ]
    (tmp_path / "in" / "b.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    report = tmp_path / "report.jsonl"
    status, _ = _ingest(
        tmp_path, monkeypatch, geoparser, tmp_path / "in", extra=["--report", str(report)]
    )
    assert status == 1
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    by_place = {(Path(r["path"]).name, r["line"]): r for r in lines}
    assert set(by_place) == {("a.txt", None), ("b.jsonl", 1), ("b.jsonl", 2), ("b.jsonl", 3)}
    assert all(set(r) >= {"path", "line", "outcome", "reason", "events"} for r in lines)
    assert by_place["a.txt", None]["outcome"] == "added" and by_place["a.txt", None]["events"] == 1
    assert by_place["b.jsonl", 1]["outcome"] == "added"
    assert by_place["b.jsonl", 1]["article"] == "r1"
    broken = by_place["b.jsonl", 2]
    assert broken["outcome"] == "rejected" and "malformed JSON on line 2" in broken["reason"]
    assert by_place["b.jsonl", 3]["outcome"] == "unchanged"
    assert by_place["b.jsonl", 3]["events"] == 0


def test_import_gives_back_the_exported_events_and_is_idempotent(
    tmp_path, capsys, monkeypatch, geoparser
):
    from geo.store import Store

    monkeypatch.setattr("geo.pipeline.load_geoparser", lambda: geoparser)
    src, dst = str(tmp_path / "src.db"), str(tmp_path / "dst.db")
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "a.txt").write_text(TEXT, encoding="utf-8")
    assert main(["ingest", str(corpus), "--db", src]) == 0
    exported = tmp_path / "events.jsonl"
    assert main(["export", "--db", src, "--format", "jsonl", "--output", str(exported)]) == 0
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(exported.read_text() + "not json\n" + '{"type": "party"}\n')
    capsys.readouterr()
    assert main(["import", str(mixed), "--db", dst]) == 1  # two lines rejected, one stored
    err = capsys.readouterr().err
    assert "mixed.jsonl:2" in err and "mixed.jsonl:3" in err and "1 events added" in err
    assert main(["import", str(exported), "--db", dst]) == 0
    assert "0 events added, 1 already stored" in capsys.readouterr().err
    back = tmp_path / "back.jsonl"
    assert main(["export", "--db", dst, "--format", "jsonl", "--output", str(back)]) == 0
    assert back.read_text() == exported.read_text()
    # The article's text arrives when it is ingested; its events stay as imported.
    assert main(["ingest", str(corpus), "--db", dst]) == 0
    with Store(dst) as store:
        assert "Vladivostok" in store.articles()[0].text
        assert store.event_count() == 1
    assert main(["import", str(tmp_path / "none.jsonl"), "--db", dst]) == 2


def test_geoparse_explain_lists_the_rules_that_made_each_toponym(tmp_path, monkeypatch, geoparser):
    monkeypatch.setattr("geo.pipeline.load_geoparser", lambda: geoparser)
    text = "Flooding closed roads near Dover, Delaware. Officials at Dover Partners said so."
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "d1", "text": text}) + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert main(["geoparse", "--input", str(source), "--output", str(out), "--explain"]) == 0
    record = json.loads(out.read_text(encoding="utf-8"))
    first, second = [t["why"] for t in record["toponyms"] if t["name"] == "Dover"]
    assert "before_its_division" in first and "rank:stated_division" in first
    assert "named_as_a_place_elsewhere" in second  # inside "Dover Partners"
    assert all({"name", "kind", "source", "score", "why"} <= set(r) for r in record["rejected"])


def test_geoparse_explains_a_text_to_a_reader(capsys, monkeypatch, geoparser):
    monkeypatch.setattr("geo.pipeline.load_geoparser", lambda: geoparser)
    assert main(["geoparse", "--text", "Crews worked near Dover, Delaware."]) == 0
    out = capsys.readouterr().out
    assert "'Dover'" in out and "before_its_division" in out


def test_geoparse_needs_input_and_output_or_text(capsys):
    assert main(["geoparse", "--input", "x.jsonl"]) == 2
    assert "--text" in capsys.readouterr().err
