"""scripts/geonames_ids.py: which GeoNames feature a curated feature is, from GeoNames'
features in no single country (invented rows in GeoNames' column layout)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("geonames_ids", ROOT / "scripts" / "geonames_ids.py")
assert spec is not None and spec.loader is not None
geonames_ids = importlib.util.module_from_spec(spec)
spec.loader.exec_module(geonames_ids)


def geonames_row(gid: int, name: str, lat: float, lon: float, code: str, alternates=()) -> str:
    klass = {"SEA": "H", "OCN": "H", "GULF": "H", "RGN": "L", "MTS": "T"}[code]
    cols = [str(gid), name, name, ",".join(alternates), str(lat), str(lon), klass, code]
    return "\t".join(cols + [""] * 11) + "\n"


@pytest.fixture
def by_name(tmp_path: Path) -> dict:
    path = tmp_path / "no-country.txt"
    path.write_text(
        geonames_row(100, "Quorn Sea", 10, 20, "SEA", ["Mar de Quorn"])
        + geonames_row(900, "Quorn Sea", 10.2, 20.1, "SEA")  # a later duplicate
        + geonames_row(200, "Quorn Sea", -40, -100, "SEA")  # a namesake far away
        + geonames_row(300, "Eastern Velmoria", 30, 60, "RGN")
        + geonames_row(400, "Tarrow Mountains", 5, 5, "MTS"),
        encoding="utf-8",
    )
    return geonames_ids.geonames(path)


def curated(name: str, feature: str, lat: float, lon: float, alternates: str = "") -> dict:
    return {"name": name, "alternates": alternates, "feature": feature, "lat": lat, "lon": lon}


def test_the_older_of_two_nearby_features_of_one_name(by_name: dict) -> None:
    entry, why = geonames_ids.match(curated("Quorn Sea", "sea", 11, 21), by_name)
    assert entry is not None and entry["id"] == 100, why
    assert "also 900" in why


def test_a_namesake_far_away_is_not_the_feature(by_name: dict) -> None:
    entry, _ = geonames_ids.match(curated("Quorn Sea", "sea", -41, -101), by_name)
    assert entry is not None and entry["id"] == 200
    entry, why = geonames_ids.match(curated("Quorn Sea", "sea", 60, 150), by_name)
    assert entry is None and "no GeoNames feature" in why


def test_direction_words_in_the_short_form_name_the_same_region(by_name: dict) -> None:
    assert geonames_ids.variant("south eastern asia") == "southeast asia"
    assert geonames_ids.variant("northern africa") == "north africa"
    entry, _ = geonames_ids.match(curated("East Velmoria", "region", 31, 61), by_name)
    assert entry is not None and entry["id"] == 300


def test_a_feature_of_another_kind_is_not_matched(by_name: dict) -> None:
    entry, _ = geonames_ids.match(curated("Tarrow Mountains", "lake", 5, 5), by_name)
    assert entry is None
    entry, _ = geonames_ids.match(curated("Tarrow Mountains", "mountains", 5.1, 5), by_name)
    assert entry is not None and entry["id"] == 400


def test_alternate_names_in_latin_letters_count(by_name: dict) -> None:
    entry, _ = geonames_ids.match(curated("Mar de Quorn", "sea", 10, 20), by_name)
    assert entry is not None and entry["id"] == 100
