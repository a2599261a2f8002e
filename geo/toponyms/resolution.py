"""Resolution: each place mention's gazetteer candidates ranked by the evidence of the document.

In rounds: first the unambiguous names (one candidate, or a country) say which countries the
text is in; then every name is ranked (`geo.ranking`) by the countries and divisions the text
names outright or by names it is sure of, the "City, State" pairs, and the distance to the
points it is sure of; then one sense per name. The weights and the numbers of rounds, votes and
margins are in `[resolution]` of `geo/data/geoparser.toml`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc

from geo.gazetteer import Match, haversine_km
from geo.model import Toponym
from geo.ranking import AREA_FEATURES, Context, Weights, features, rank

# Divisions known by a point only, and how far from it a place may lie to be inside.
_COUNTY_LIKE = {"admin2", "region"}


@dataclass
class PlaceMention:
    """A place mention being resolved: its span, candidates and evidence."""

    start: int  # token offsets of the name the gazetteer knows
    end: int
    norm: str
    candidates: list[Match]
    extent: tuple[int, int] | None = None  # what the toponym covers, if more than the name
    why: tuple[str, ...] = ()  # the recognition rules that fired
    within: set[str] = field(default_factory=set)  # admin1 keys / countries after "City, "
    chosen: Match | None = None
    context: Context | None = None  # the evidence the final choice was made on
    one_sense: bool = False  # whether one sense per name overrode its own choice

    def within_keys(self) -> set[str]:
        """The division keys ("US.KY") named after the comma of "City, State"."""
        return {k for k in self.within if "." in k}

    @property
    def resolved(self) -> Match:
        """The chosen candidate of a mention that has one (every mention, once resolved)."""
        if self.chosen is None:
            raise AttributeError(f"the mention {self.norm!r} has no chosen candidate")
        return self.chosen

    def explained(self, weights: Weights) -> tuple[str, ...]:
        """The recognition rules, then the resolution features that favoured the choice."""
        ranked: tuple[str, ...] = ()
        if self.chosen is not None and self.context is not None:
            found = features(self.chosen, self.context, weights.params)
            ranked = tuple(f"rank:{k}" for k in found if k != "prior" and weights.weights[k])
        return self.why + ranked + (("rank:one_sense_per_name",) if self.one_sense else ())


def city_state(doc: Doc, places: list[PlaceMention], county_km: float) -> list[PlaceMention]:
    """Mark "City, State" pairs; fold "Washington, D.C." (one place named twice) into one."""
    out: list[PlaceMention] = []
    i = 0
    while i < len(places):
        p = places[i]
        nxt = places[i + 1] if i + 1 < len(places) else None
        if nxt and nxt.start == p.end + 1 and doc[p.end].text == ",":
            listed = _listed(doc, out, p)
            outer = [o for o in nxt.candidates if o.place.feature in ("admin1", "country")]
            if outer:
                p.within = {
                    key
                    for o in outer
                    if (key := o.admin1 if o.place.feature == "admin1" else o.place.country)
                }
                if any(_inside(c, p.within) for c in p.candidates):
                    # "Tacoma, Washington": after a town of its own, the division, not the
                    # city named like it.
                    nxt.candidates = outer
                elif outer[0].place.feature == "admin1" and not listed:
                    _in_stated_division(p, outer[0])
            elif nxt.candidates[0].place.feature in _COUNTY_LIKE:
                if not _keep_in_county(p, nxt.candidates[0], county_km) and not listed:
                    _in_stated_division(p, nxt.candidates[0])
            elif nxt.candidates[0].place.id in {c.place.id for c in p.candidates}:
                p.end = nxt.end
                same = [c for c in p.candidates if c.place.id == nxt.candidates[0].place.id]
                p.candidates = same + p.candidates
                out.append(p)
                i += 2
                continue
        out.append(p)
        i += 1
    return out


def _inside(c: Match, keys: set[str]) -> bool:
    """Whether a town or a site lies in one of these divisions ("US.WA") or countries."""
    feature = c.place.feature
    return feature not in ("admin1", "country") and (
        c.admin1 in keys or (c.place.country in keys and feature != "continent")
    )


def _keep_in_county(p: PlaceMention, county: Match, county_km: float) -> bool:
    """ "Croston, Lancashire": keep the candidates that lie in the county (near its point);
    whether there were any."""
    c0 = county.place
    near = [
        c
        for c in p.candidates
        if c.place.id != c0.id
        and c.place.country == c0.country
        and haversine_km(c.place.lat, c.place.lon, c0.lat, c0.lon) <= county_km
    ]
    if near:
        p.candidates = near
    return bool(near)


def _listed(doc: Doc, before: Sequence[PlaceMention], p: PlaceMention) -> bool:
    """Whether a name comes in a list of places ("Leeds, Wakefield, York and Hull"), where the
    name after its comma is the next item, not its division."""
    return bool(before) and before[-1].end == p.start - 1 and doc[p.start - 1].text == ","


def _in_stated_division(p: PlaceMention, division: Match) -> None:
    """ "Quenby, Suffolk" where the gazetteer knows no Quenby in Suffolk, only namesakes
    elsewhere: the text says where it lies, so it is placed in that division (at the
    division's point) rather than at a namesake on another continent. Not for the names of
    countries and first-level divisions: "Georgia, USA" is the state."""
    if not any(c.place.feature in ("country", "admin1") for c in p.candidates):
        p.candidates = [division]
        p.why = (*p.why, "in_stated_division")


def resolve(places: list[PlaceMention], demonyms: Sequence[Toponym], weights: Weights) -> None:
    """Choose each mention's candidate: prior, then the document's evidence, in rounds."""
    if not places:
        return
    params = weights.params
    named: Counter[str] = Counter()  # countries the text names by demonym
    for t in demonyms:
        if t.place and t.place.country:
            named[t.place.country] += 1
    # Round 1: unambiguous names (one candidate, or a country) say which countries the text is in.
    first: Counter[str] = Counter()
    for p in places:
        best = p.candidates[0].place
        if (len(p.candidates) == 1 or best.feature == "country") and best.country:
            first[best.country] += (
                int(params["country_mention_weight"]) if best.feature == "country" else 1
            )
    confidence: dict[int, float] = {}
    for i, p in enumerate(places):
        p.context = Context(named + first, Counter(), (), frozenset(p.within))
        p.chosen, confidence[i] = choose(p, p.context, weights)
    # Later rounds: the other names' confident choices are evidence (country, division, point).
    for _ in range(int(params["rounds"])):
        sure = _sure_choices(places, confidence, params)
        others: dict[str, tuple[Counter[str], Counter[str], list[Match]]] = {}  # by name
        contexts = [_evidence(p, sure, named, params, others) for p in places]
        choices = [choose(p, ctx, weights) for p, ctx in zip(places, contexts, strict=True)]
        for i, (p, ctx, (c, conf)) in enumerate(zip(places, contexts, choices, strict=True)):
            p.chosen, p.context, confidence[i] = c, ctx, conf
        one_sense_per_name(places, int(params["one_sense_stated_votes"]))


# A confident choice as evidence: (name, country, its weight, division, its weight, the
# choice as an anchor or None); None or "" for no country, "" for no division.
Sure = tuple[str, "str | None", int, str, int, "Match | None"]


def _sure_choices(
    places: Sequence[PlaceMention], confidence: dict[int, float], params
) -> list[Sure]:
    """The choices confident enough to be evidence for the other names (countries and
    first-level divisions always), in the order of the text, with what each says."""
    sure: list[Sure] = []
    for j, q in enumerate(places):
        c = q.chosen
        if c is None:
            continue
        feature = c.place.feature
        if confidence[j] < params["sure_margin"] and feature not in ("country", "admin1"):
            continue
        country_weight = int(params["country_mention_weight"]) if feature == "country" else 1
        # A division named outright is evidence for its towns; a town is not (towns named
        # alike are everywhere, and their neighbours pull by distance instead).
        division = c.admin1 if c.admin1 and feature in ("admin1", "admin2") else ""
        division_weight = int(params["division_mention_weight"]) if feature == "admin1" else 1
        anchor = c if feature not in AREA_FEATURES else None
        sure.append((q.norm, c.place.country, country_weight, division, division_weight, anchor))
    return sure


def _evidence(
    p: PlaceMention,
    sure: Sequence[Sure],
    named: Counter[str],
    params,
    others: dict[str, tuple[Counter[str], Counter[str], list[Match]]],
) -> Context:
    """What the other names' confident choices say about where p lies. What they say is the
    same for every mention of a name: worked out once per name in `others`."""
    if p.norm not in others:
        others[p.norm] = _other_names(p.norm, sure, named)
    countries, divisions, anchors = others[p.norm]
    divisions = divisions.copy()
    for key in p.within_keys():
        divisions[key] += int(params["stated_mention_weight"])
    return Context(countries.copy(), divisions, list(anchors), frozenset(p.within))


def _other_names(
    norm: str, sure: Sequence[Sure], named: Counter[str]
) -> tuple[Counter[str], Counter[str], list[Match]]:
    """The countries, divisions and anchors that the confident choices of the names other
    than norm are evidence of."""
    countries = named.copy()
    divisions: Counter[str] = Counter()
    anchors = []
    anchored: set[str] = set()
    for name, country, country_weight, division, division_weight, anchor in sure:
        if name == norm:
            continue
        if country:
            countries[country] += country_weight
        if division:
            divisions[division] += division_weight
        if anchor is not None and anchor.place.id not in anchored:
            anchors.append(anchor)  # once each: a place chosen for many mentions pulls no harder
            anchored.add(anchor.place.id)
    return countries, divisions, anchors


def choose(p: PlaceMention, ctx: Context, weights: Weights) -> tuple[Match, float]:
    """The best candidate and its margin over the best one far from it."""
    scored = rank(p.candidates, ctx, weights)
    top_score, top = scored[0]
    rival = next(
        (
            s
            for s, c in scored[1:]
            if haversine_km(c.place.lat, c.place.lon, top.place.lat, top.place.lon)
            > weights.params["rival_km"]
        ),
        None,
    )
    return top, (top_score - rival) if rival is not None else 10.0


def one_sense_per_name(places: list[PlaceMention], stated_votes: int) -> None:
    """Every mention of a name takes the sense chosen most often ("City, State" votes more)."""
    by_name: dict[str, list[PlaceMention]] = defaultdict(list)
    for p in places:
        by_name[p.norm].append(p)
    for group in by_name.values():
        if len(group) < 2:
            continue
        votes: Counter[str] = Counter()
        for p in group:
            votes[p.resolved.place.id] += stated_votes if p.within else 1
        winner = votes.most_common(1)[0][0]
        for p in group:
            if not p.within:
                chosen = next((c for c in p.candidates if c.place.id == winner), p.chosen)
                p.one_sense = chosen != p.chosen
                p.chosen = chosen
