"""The command line: ingest, export in three formats, geocode, geoparse."""

from __future__ import annotations

import json

from geo.__main__ import main

TEXT = "Russian and Chinese troops held joint drills near Vladivostok in July 2019."


def test_ingest_then_export_every_format(tmp_path, capsys, monkeypatch, geoparser):
    monkeypatch.setattr("geo.pipeline.load_geoparser", lambda: geoparser)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "in" / "notes.docx").write_bytes(b"PK")
    db = str(tmp_path / "e.db")
    assert main(["ingest", str(tmp_path / "in"), "--db", db]) == 0
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
