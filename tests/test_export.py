"""Exports: jsonl as the scorer reads it, csv, and GeoJSON that QGIS opens."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

from geo.export import to_csv, to_geojson, to_jsonl
from geo.model import EventPlace
from tests.conftest import BEIJING, MOSCOW, make_article, make_event


def _events():
    article = make_article('Drills in Moscow and Beijing, "<b>bold</b>".', source="TASS")
    event = make_event(article)
    two = event.__class__(
        **{**event.__dict__, "places": event.places + make_event(article, BEIJING).places}
    )
    return [two]


def test_jsonl_has_the_fields_the_scorer_reads():
    [line] = to_jsonl(_events()).splitlines()
    record = json.loads(line)
    assert record["type"] == "exercise" and record["year"] == 2020 and record["month"] == 5
    assert [p["name"] for p in record["places"]] == ["Moscow", "Beijing"]
    assert record["places"][0]["lat"] == MOSCOW.lat
    assert record["sources"][0]["article"] == "a.txt"
    assert record["excerpt"].startswith("Drills in Moscow")
    assert record["participants"] == ["Russia", "China"]


def test_csv_one_row_per_event():
    rows = list(csv.DictReader(io.StringIO(to_csv(_events()))))
    assert len(rows) == 1
    assert rows[0]["places"] == "Moscow; Beijing"
    assert rows[0]["sources"] == "TASS"


def test_geojson_one_point_per_place_lon_first():
    collection = to_geojson(_events())
    assert collection["type"] == "FeatureCollection"
    assert [f["geometry"]["coordinates"] for f in collection["features"]] == [
        [MOSCOW.lon, MOSCOW.lat],
        [BEIJING.lon, BEIJING.lat],
    ]
    props = collection["features"][0]["properties"]
    assert props["place"] == "Moscow" and props["type"] == "exercise"
    json.dumps(collection)  # serialisable as is


def test_csv_cells_never_run_as_spreadsheet_formulas():
    """OWASP's rule: text starting with =, +, -, @, tab or CR gets a leading quote."""
    article = make_article("Drills in Moscow.", source="@SUM(1+1)")
    event = make_event(article, participants=("+1+2", "China"))
    event = replace(
        event,
        type="\t=1+1",
        status="\r=1+1",
        places=(EventPlace("-2+3+cmd|' /C calc'!A0", MOSCOW),),
        sources=(replace(event.sources[0], excerpt='=HYPERLINK("http://evil.example","x")'),),
    )
    [row] = list(csv.DictReader(io.StringIO(to_csv([event]), newline="")))
    assert row["excerpt"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["participants"] == "'+1+2; China"
    assert row["places"] == "'-2+3+cmd|' /C calc'!A0"
    assert row["sources"] == "'@SUM(1+1)"
    assert (row["type"], row["status"]) == ("'\t=1+1", "'\r=1+1")


def test_csv_negative_coordinates_stay_numbers():
    sydney = replace(MOSCOW, lat=-33.86785, lon=-151.20732)
    [row] = list(csv.DictReader(io.StringIO(to_csv([make_event(make_article(), sydney)]))))
    assert (float(row["latitudes"]), float(row["longitudes"])) == (-33.86785, -151.20732)


def test_csv_marks_the_fields_an_analyst_corrected():
    from geo.corrections import Correction, apply_one, current_value

    event = make_event(make_article())
    fixed = event
    for field, after in [("type", "patrol"), ("date", {"year": 2021}), ("type", "meeting")]:
        fixed = apply_one(
            fixed, Correction(event.key, field, current_value(fixed, field), after, "Ann", "")
        )
    rows = list(csv.DictReader(io.StringIO(to_csv([fixed, make_event(make_article("x."))]))))
    assert [(r["id"], r["type"], r["year"], r["corrected"]) for r in rows] == [
        (event.key, "meeting", "2021", "type; date"),
        (rows[1]["id"], "exercise", "2020", ""),
    ]


def test_the_corrected_csv_export_from_the_command_line(tmp_path):
    from geo.__main__ import main
    from geo.corrections import Correction, merge_value
    from geo.store import Store

    first, second = make_article("Drills in Moscow. End."), make_article("Talks. End.", id="b.txt")
    drill, talks = make_event(first), make_event(second, BEIJING, type="meeting")
    db = tmp_path / "e.db"
    with Store(db) as store:
        store.add(first, [drill])
        store.add(second, [talks])
        store.add_correction(
            Correction(drill.key, "merge", None, merge_value(talks.key), "Ann", "")
        )
    out = tmp_path / "events.csv"
    assert (
        main(["export", "--db", str(db), "--corrected", "--format", "csv", "--output", str(out)])
        == 0
    )
    [row] = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert (row["id"], row["corrected"], row["articles"]) == (drill.key, "merged", "a.txt; b.txt")
    assert main(["export", "--db", str(db), "--format", "csv", "--output", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert len(rows) == 2 and {r["corrected"] for r in rows} == {""}
