"""The one candidate scorer: named features, weights from geo/data/geoparser.toml."""

from __future__ import annotations

from collections import Counter

from geo.gazetteer import Match
from geo.model import Place
from geo.ranking import Context, Weights, context_of, features, load_weights, rank

WEIGHTS = Weights.load()


def _match(key, name, lat, lon, feature, country, population, admin1, prior) -> Match:
    return Match(
        Place(key, name, lat, lon, feature, country, population, None, admin1), prior, "name"
    )


BIG = _match("t:big", "Harwick", 10.0, 10.0, "city", "AA", 900_000, "AA.01", 6.0)
SMALL = _match("t:small", "Harwick", 40.0, 40.0, "city", "BB", 9_000, "BB.02", 4.0)
STATE = _match("t:state", "Bellmark", 40.5, 40.5, "admin1", "BB", 0, "BB.02", 7.0)
TOWN = _match("t:town", "Ostry", 40.2, 40.3, "city", "BB", 20_000, "BB.02", 4.3)


def test_without_context_the_prior_decides():
    assert [m for _, m in rank([SMALL, BIG], Context(), WEIGHTS)] == [BIG, SMALL]
    assert features(BIG, Context(), WEIGHTS.params) == {"prior": 6.0}


def test_the_division_after_a_comma_decides():
    ctx = Context(stated=frozenset({"BB.02"}))
    assert "stated_division" in features(SMALL, ctx, WEIGHTS.params)
    assert rank([BIG, SMALL], ctx, WEIGHTS)[0][1] == SMALL


def test_the_country_and_division_named_and_a_place_nearby_count():
    ctx = context_of([STATE, TOWN], WEIGHTS.params)
    assert ctx.countries == Counter({"BB": 2}) and ctx.divisions == Counter({"BB.02": 2})
    assert ctx.anchors == [TOWN]  # a division's point pulls nothing by distance
    found = features(SMALL, ctx, WEIGHTS.params)
    assert {"country_named", "division_named", "near_anchor"} <= set(found)
    assert rank([BIG, SMALL], ctx, WEIGHTS)[0][1] == SMALL


def test_a_feature_switched_off_no_longer_counts():
    ctx = Context(stated=frozenset({"BB.02"}))
    off = WEIGHTS.without(["stated_division"])
    assert rank([BIG, SMALL], ctx, off)[0][1] == BIG


def test_every_feature_has_a_weight():
    table = load_weights()["resolution"]["weights"]
    ctx = Context(Counter({"BB": 3}), Counter({"BB.02": 3}), [TOWN], frozenset({"BB.02"}))
    seen = set(features(SMALL, ctx, WEIGHTS.params)) | set(features(BIG, ctx, WEIGHTS.params))
    assert seen <= set(table)


def test_the_geocoder_ranks_with_the_geoparsers_weights(geoparser):
    from geo.gazetteer import OfflineGeocoder

    geocoder = OfflineGeocoder(geoparser.gazetteer)
    assert geocoder.weights == geoparser.weights == WEIGHTS
