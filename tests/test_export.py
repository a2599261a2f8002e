"""Exports: jsonl as the scorer reads it, csv, and GeoJSON that QGIS opens."""

from __future__ import annotations

import csv
import io
import json

from geo.export import to_csv, to_geojson, to_jsonl
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
