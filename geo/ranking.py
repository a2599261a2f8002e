"""Ranking a name's gazetteer candidates by the evidence around it: one scorer, one weights table.

Every candidate gets a vector of named features: its prior (feature class and population, from
the gazetteer), whether the division a "City, State" names holds it, whether the text names its
country or its first-level division and how often, whether it is a world city, and how near it
lies to the places the text is sure of. Its score is the sum of the features weighted by
`[resolution.weights]` in `geo/data/geoparser.toml`. The geoparser (`geo.toponyms`) and the
geopy geocoder's `near=` (`geo.gazetteer.OfflineGeocoder`) both rank with `rank`.
"""

from __future__ import annotations

import math
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo import config

if TYPE_CHECKING:
    from geo.gazetteer import Match

# Features whose point says little about where a nearby name lies (a country's point is its
# middle): they neither pull nor are pulled by distance.
AREA_FEATURES = frozenset(
    {"country", "continent", "ocean", "sea", "region", "admin1", "desert", "mountains", "peninsula"}
)


@cache
def load_weights(path: Path = config.GEOPARSER_WEIGHTS) -> Mapping[str, Any]:
    """The geoparser's weights table (recognition and resolution), read once."""
    with open(path, "rb") as handle:
        return tomllib.load(handle)


EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180  # of latitude, anywhere


@lru_cache(maxsize=1 << 18)
def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (remembered: resolution asks for the same pairs of
    candidates and anchors round after round)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Weights:
    """Feature weights and the parameters of the features (caps, distances, populations)."""

    weights: Mapping[str, float]
    params: Mapping[str, float]

    @classmethod
    def load(cls, table: Mapping[str, Any] | None = None) -> Weights:
        """The `[resolution]` weights of the geoparser's table (or of the table given)."""
        section = (table or load_weights())["resolution"]
        return cls(dict(section["weights"]), dict(section["params"]))

    def without(self, names: Iterable[str]) -> Weights:
        """These weights with some features switched off (for ablation)."""
        off = set(names)
        return Weights({k: 0.0 if k in off else v for k, v in self.weights.items()}, self.params)


@dataclass
class Context:
    """What the rest of a text says about where a name lies."""

    countries: Counter[str] = field(default_factory=Counter)  # ISO2 -> weight of mentions
    divisions: Counter[str] = field(default_factory=Counter)  # admin1 key -> weight of mentions
    anchors: Sequence[Match] = ()  # places the text is sure of, that pull by distance
    stated: frozenset[str] = frozenset()  # the admin1 keys or countries after "City, "


def features(c: Match, ctx: Context, params: Mapping[str, float]) -> dict[str, float]:
    """The named features of candidate c in context (only the ones that are not zero)."""
    place = c.place
    out = {"prior": c.score}
    if ctx.stated and (
        (c.admin1 in ctx.stated and place.feature != "admin1")
        or (place.country in ctx.stated and place.feature != "country")
    ):
        out["stated_division"] = 1.0
    if place.country and ctx.countries.get(place.country):
        out["country_named"] = 1.0
        out["country_mentions"] = min(ctx.countries[place.country], params["country_mentions_cap"])
    if place.feature == "city" and place.population >= params["world_city_population"]:
        out["world_city"] = 1.0
    if c.admin1 and ctx.divisions.get(c.admin1):
        out["division_named"] = 1.0
    if place.feature not in AREA_FEATURES and ctx.anchors:
        near_km = params["near_km"]
        # No great circle is shorter than the difference in latitude: anchors farther apart
        # than that in latitude alone are not near, and need no distance.
        reach = near_km / KM_PER_DEGREE * 1.001
        near = 0.0
        for a in ctx.anchors:
            other = a.place
            if other.id != place.id and abs(other.lat - place.lat) < reach:
                near = max(
                    near, 1.0 - haversine_km(other.lat, other.lon, place.lat, place.lon) / near_km
                )
        if near > 0:
            out["near_anchor"] = near
    return out


def score(c: Match, ctx: Context, weights: Weights) -> float:
    """A candidate's score: its features weighted."""
    return sum(weights.weights[k] * v for k, v in features(c, ctx, weights.params).items())


def rank(matches: Sequence[Match], ctx: Context, weights: Weights) -> list[tuple[float, Match]]:
    """The candidates with their scores, best first (the gazetteer's order on a tie)."""
    scored = sorted(
        ((score(m, ctx, weights), i, m) for i, m in enumerate(matches)), key=lambda t: (-t[0], t[1])
    )
    return [(s, m) for s, _, m in scored]


def context_of(anchors: Iterable[Match], params: Mapping[str, float]) -> Context:
    """The context that other places named around a name give: their countries (a country
    named outright counting more), their divisions, and the points among them."""
    ctx = Context(anchors=[])
    points: list[Match] = []
    for a in anchors:
        if a.place.country:
            ctx.countries[a.place.country] += (
                int(params["country_mention_weight"]) if a.place.feature == "country" else 1
            )
        if a.admin1 and a.place.feature in ("admin1", "admin2"):
            ctx.divisions[a.admin1] += (
                int(params["division_mention_weight"]) if a.place.feature == "admin1" else 1
            )
        if a.place.feature not in AREA_FEATURES:
            points.append(a)
    ctx.anchors = points
    return ctx
