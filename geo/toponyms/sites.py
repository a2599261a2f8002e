"""Sites and local names the gazetteer lacks lie in a town the text names around them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from spacy.tokens import Doc

from geo.gazetteer import haversine_km
from geo.model import Place
from geo.toponyms.resolution import PlaceMention

# Places that can stand for the town a site is in.
TOWN_FEATURES = frozenset({"city", "admin2"})


def enclosing_town(
    doc: Doc,
    start: int,
    end: int,
    places: Sequence[PlaceMention],
    *,
    window: int,
    near_km: float,
) -> tuple[Place, str] | None:
    """The town a site lies in, and how it was found: one named just after it ("at the Grand
    Hotel, Ryde"), else one named before it in its sentence, else the document's main town."""
    chosen = [p.resolved.place for p in places if p.chosen is not None]
    # A town in another country than the document's is more likely a misresolved name.
    countries = Counter(c.country for c in chosen if c.country)
    main = countries.most_common(1)[0][0] if countries else None
    towns = [p for p in places if p.chosen is not None and p.chosen.place.feature in TOWN_FEATURES]
    if main is not None:
        towns = [p for p in towns if p.resolved.place.country == main]
    if not towns:
        return None
    after = [
        p
        for p in towns
        if end <= p.start <= end + window and doc[end : p.start].text.count(".") == 0
    ]
    if after:
        return after[0].resolved.place, "town:named_after_it"
    # A town named earlier in the site's own sentence ("a Leeds-area airport"), only one that
    # fits the rest of the document: the nearest name may be a namesake resolved wrongly.
    own, others = town_support(towns, places, near_km)
    sentence = doc[start].sent.start
    before = [
        p for p in towns if sentence <= p.start and p.end <= start and others[p.resolved.place.id]
    ]
    if before:
        return before[-1].resolved.place, "town:named_before_it"
    return main_town(towns, own, others).resolved.place, "town:main_town"


def town_support(
    towns: Sequence[PlaceMention], places: Sequence[PlaceMention], near_km: float
) -> tuple[Counter[str], Counter[str]]:
    """For each town chosen: how often it is named ("City, State" counting double), and how
    many mentions of other places lie in its division or within near_km of it."""
    own: Counter[str] = Counter()
    others: Counter[str] = Counter()
    for town in {p.resolved.place.id: p.resolved for p in towns}.values():
        key = town.place.id
        for q in places:
            c = q.chosen
            if c is None:
                continue
            if c.place.id == key:
                own[key] += 2 if q.within else 1
            elif c.place.feature != "country" and (
                (town.admin1 and c.admin1 == town.admin1)
                or haversine_km(c.place.lat, c.place.lon, town.place.lat, town.place.lon) <= near_km
            ):
                others[key] += 1
    return own, others


def main_town(
    towns: Sequence[PlaceMention], own: Counter[str], others: Counter[str]
) -> PlaceMention:
    """The town the document is about: the one its place names support most (its own mentions
    and those of places around it), on a tie the one named most, then the biggest. Nearness in
    the text misleads: a site's paragraph often names some other town, or a namesake resolved
    wrongly."""
    population = {p.resolved.place.id: p.resolved.place.population for p in towns}
    best = max(population, key=lambda k: (own[k] + others[k], own[k], population[k]))
    return next(p for p in towns if p.resolved.place.id == best)
