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
