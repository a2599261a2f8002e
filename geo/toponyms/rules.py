"""The recognition rules: each names one phenomenon of news text, and weighs a mention for or
against being a place.

A rule is a small function of a `Mention` registered with `@rule(name, kinds=..., sources=...)`:
it applies to mentions of those kinds (a `place` the gazetteer knows, a `site`, a `local` name
the gazetteer lacks) from those sources (see `geo.toponyms.mentions`). Its weight is in
`[recognition.weights]` of `geo/data/geoparser.toml`; a mention is taken when the prior of its
kind and source plus the weights of the rules that fire reach `[recognition] threshold`.
Strong negative weights are vetoes. The names of the rules that fired are kept on the toponym
(`why`). Word lists are in `geo/data/words/`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from geo.datelines import match_dateline
from geo.gazetteer import haversine_km, normalize, within
from geo.ranking import load_weights
from geo.toponyms.mentions import (
    SOURCES,
    Mention,
    after_comma,
    after_full_name,
    after_preposition,
    agency_phrase,
    dedication,
    line_start,
    possessive_object,
    small_town,
    street_context,
)
from geo.toponyms.words import WORDS

STANDALONE = ("ner_place", "ner_other", "capitalised", "dateline")  # names on their own
EMBEDDED = ("in_organisation", "in_site")  # names inside a longer name
UNLABELLED = ("ner_other", "capitalised")  # names the NER did not label a place
PARAMS = load_weights()["recognition"]["params"]
# Kinds of places whose names after "<Name>, " say where that name lies.
_DIVISIONS = frozenset({"admin1", "admin2", "region"})
# Divisions known by a point only: a place near that point lies in it.
_COUNTY_LIKE = frozenset({"admin2", "region"})


@dataclass(frozen=True)
class Rule:
    """A named recognition rule: a test of a mention, for mentions of some kinds and sources."""

    name: str
    test: Callable[[Mention], bool]
    kinds: frozenset[str]
    sources: frozenset[str]

    @property
    def description(self) -> str:
        """The rule's docstring on one line: the phenomenon it stands for."""
        return " ".join((self.test.__doc__ or "").split())

    def applies(self, m: Mention) -> bool:
        """Whether the rule weighs this kind of mention from this source."""
        return m.kind in self.kinds and m.source in self.sources


RULES: dict[str, Rule] = {}


def rule(
    name: str, *, kinds: Iterable[str] = ("place",), sources: Iterable[str] = SOURCES
) -> Callable[[Callable[[Mention], bool]], Callable[[Mention], bool]]:
    """Register a recognition rule under a name."""

    def register(test: Callable[[Mention], bool]) -> Callable[[Mention], bool]:
        if name in RULES:
            raise ValueError(f"two recognition rules are named {name!r}")
        RULES[name] = Rule(name, test, frozenset(kinds), frozenset(sources))
        return test

    return register


# ---------------------------------------------------------------------------------------------
# Words that are not place names here
# ---------------------------------------------------------------------------------------------


@rule("generic_word")
def generic_word(m: Mention) -> bool:
    """A common word that some town somewhere bears ("the West", "Union", "Home") is no place
    name on its own."""
    return m.norm in WORDS["generic_words"]


@rule("nationality_word", kinds=("place", "local"), sources=STANDALONE)
def nationality_word(m: Mention) -> bool:
    """A word for a nationality ("Chinese", "Kenyans") names people, not a place (it is
    reported as a demonym); the NER tags it a group, or the gazetteer knows no place so named."""
    return (m.label == "NORP" or m.kind == "local") and m.document.gazetteer.demonym(
        m.text
    ) is not None


@rule("minor_place_outside_place_labels", sources=UNLABELLED)
def minor_place_outside_place_labels(m: Mention) -> bool:
    """A name the NER did not label a place is taken only when its best candidate is notable:
    a country, a division, a physical feature, or a town of some size."""
    best = m.best
    return (
        best is not None
        and best.place.feature == "city"
        and best.place.population < PARAMS["min_population_unlabelled"]
    )


@rule("abbreviation")
def abbreviation(m: Mention) -> bool:
    """A name that matches only as an abbreviation ("Pa.", "Ill.", "M.D.") is rarely a place on
    its own; a dotted form is the abbreviation even where a small town shares its letters."""
    if not m.matches:
        return False
    if all(c.matched == "abbrev" for c in m.matches):
        return True
    return m.matches[0].matched == "abbrev" and ("." in m.text or m.source != "ner_place")


@rule("abbreviation_after_town", sources=STANDALONE)
def abbreviation_after_town(m: Mention) -> bool:
    """A state's abbreviation after "<Town>, " is the state: "Paris, Tex.", "Salem, Ore."."""
    doc, i = m.doc, m.start
    return abbreviation(m) and i >= 2 and doc[i - 1].text == "," and doc[i - 2].text[:1].isupper()


@rule("abbreviation_after_preposition", sources=("ner_place",))
def abbreviation_after_preposition(m: Mention) -> bool:
    """A dotted abbreviation the NER tags a place, governed by a locative preposition, is the
    place: "rallies in D.C.", "moved to Pa."."""
    return abbreviation(m) and "." in m.text and after_preposition(m.doc, m.start)


@rule("abbreviation_after_full_name", sources=("ner_place",))
def abbreviation_after_full_name(m: Mention) -> bool:
    """An abbreviation after a person's or a firm's full name is a title or a firm's suffix,
    not a state: "Jane Roe, M.D.", "Roe & Doe, P.A."."""
    return abbreviation(m) and m.start >= 2 and after_full_name(m.document.ents, m.start - 1)


@rule("word_of_a_persons_name", kinds=("place", "local"), sources=STANDALONE)
def word_of_a_persons_name(m: Mention) -> bool:
    """A single word that is also part of a person's full name in the text ("Georgia Lane" ...
    "Georgia said") is the person, unless the NER labels it a place and a locative
    preposition governs it ("moved to Georgia")."""
    if not (m.single and m.norm in m.document.people):
        return False
    placed = m.kind == "place" and m.source == "ner_place" and after_preposition(m.doc, m.start)
    return not placed


def full_person_name(m: Mention) -> bool:
    """Whether the NER tags the name a person's full name (two words or more): such a name
    needs evidence that places it, as every name the NER did not label a place does."""
    return m.label == "PERSON" and not m.single


@rule("saints_name", sources=STANDALONE)
def saints_name(m: Mention) -> bool:
    """A saint's name ("St. X") is the saint, not a parish or a town named after them, when the
    NER tags it a person or it says whom a church is dedicated to ("the church of St. X and
    St. Y")."""
    if m.doc[m.start].lower_.rstrip(".") not in WORDS["saint_words"] or m.single:
        return False
    return full_person_name(m) or dedication(m.doc, m.start)


@rule("organisation_name", sources=STANDALONE)
def organisation_name(m: Mention) -> bool:
    """A small town's name that the text mostly uses for an organisation (a team, a college:
    "Rivermouth beat Eastfield") is one here too, unless a locative preposition governs it. A
    big city so named is its government ("Ottawa said") and stays a place."""
    return (
        m.norm in m.document.organisations
        and not after_preposition(m.doc, m.start)
        and small_town(m.matches, PARAMS["big_city"])
    )


@rule("product_name", sources=STANDALONE)
def product_name(m: Mention) -> bool:
    """A small town's name the text uses for a product ("the Aldwick model") is the product."""
    return m.norm in m.document.products and small_town(m.matches, PARAMS["big_city"])


@rule("publication_name", sources=STANDALONE + ("in_organisation",))
def publication_name(m: Mention) -> bool:
    """A place opening the name of a newspaper ("the X Times said", "X Herald") or of a news
    agency ("the X news agency reported") is part of the publication's name, not where
    anything happens; so is an agency's name alone, once the text has named it so, as the
    source of a report ("according to X", "X said"; not "floods hit X")."""
    doc, end = m.doc, m.end
    if m.outer is not None:
        end = min(m.outer[1], end)  # the word after the place inside the organisation's name
    if end >= len(doc):
        return False
    if doc[end].text[:1].isupper() and doc[end].lower_ in WORDS["publication_heads"]:
        return True
    if agency_phrase(doc, end):
        return True
    # The agency named again alone, as the source of a report: "according to X", "X said".
    return m.norm in m.document.agencies and (
        (m.start >= 2 and doc[m.start - 2 : m.start].text.lower() == "according to")
        or doc[end].lower_ in WORDS["attribution_verbs"]
    )


# ---------------------------------------------------------------------------------------------
# Evidence that a name is a place
# ---------------------------------------------------------------------------------------------


@rule("named_as_a_place_elsewhere", sources=UNLABELLED + EMBEDDED)
def named_as_a_place_elsewhere(m: Mention) -> bool:
    """A name the NER labels otherwise here, or not at all, but a place elsewhere in the text
    is a place here too (for a name standing alone, where the NER labels it a place)."""
    known = m.document.known if m.source in EMBEDDED else m.document.ner_known
    return m.norm in known


@rule("dateline_city", sources=STANDALONE)
def dateline_city(m: Mention) -> bool:
    """The city of a dateline opening a paragraph ("HALIFAX —", "OSLO, May 3 (Reuters) -")."""
    if not line_start(m.doc, m.start):
        return False
    found = match_dateline(m.document.text, m.doc[m.start].idx)
    last = m.doc[m.end - 1]
    return found is not None and found.place_end == last.idx + len(last.text)


@rule("before_its_division", sources=STANDALONE)
def before_its_division(m: Mention) -> bool:
    """A name followed by ", <division or country>" that holds one of its candidates is that
    place: "Dover, Delaware", "Ely, Cambridgeshire"."""
    doc, end = m.doc, m.end
    if end + 1 >= len(doc) or doc[end].text != ",":
        return False
    for width in (1, 2, 3):
        if end + 1 + width > len(doc):
            break
        after = doc[end + 1 : end + 1 + width]
        if not after[0].text[:1].isupper():
            break
        if end + 1 + width < len(doc) and doc[end + 1 + width].is_title:
            continue  # "X, U.S. Trade Representative": a title after the name, not its state
        outer = m.document.lookup(after.text)
        if any(
            within(c.place, o.place)
            for c in m.matches
            for o in outer
            if o.place.feature in ("admin1", "country")
        ):
            return True
        # A county or region: the gazetteer has its point, not its bounds.
        if any(
            o.place.feature in _COUNTY_LIKE
            and c.place.country == o.place.country
            and c.place.id != o.place.id
            and haversine_km(c.place.lat, c.place.lon, o.place.lat, o.place.lon)
            <= PARAMS["county_km"]
            for c in m.matches[:5]
            for o in outer[:3]
        ):
            return True
    return False


@rule("after_locative_preposition", kinds=("place", "local"), sources=STANDALONE)
def after_locative_preposition(m: Mention) -> bool:
    """A name governed by a locative preposition ("in X", "near X", "flew to X") is a place,
    unless it only owns what is placed ("at Marlow's offices")."""
    return after_preposition(m.doc, m.start) and not possessive_object(m.doc, m.end)


@rule("after_its_kind_of_place", kinds=("place", "local"), sources=STANDALONE)
def after_its_kind_of_place(m: Mention) -> bool:
    """A name after the word for its kind of place and "of" is that place: "the town of X",
    "the western province of X", "the port of X", and the names listed after it ("the
    villages of X and Y")."""
    doc, j = m.doc, m.start - 1
    for _ in range(8):  # back over the names listed before it: "of X, Y and Z"
        if j < 1 or not (doc[j].lower_ in WORDS["coordinators"] or doc[j].text[:1].isupper()):
            break
        j -= 1
    return j >= 1 and doc[j].lower_ == "of" and doc[j - 1].lower_ in WORDS["place_kind_words"]


@rule("before_its_kind_of_place", kinds=("place", "local"), sources=STANDALONE + EMBEDDED)
def before_its_kind_of_place(m: Mention) -> bool:
    """A name followed by the word for its kind of place is that place: "the old town's X
    district", "X province", "the X neighbourhood" (in lower case), and inside a name, "the X
    District Council", "X LGA"."""
    doc, end = m.doc, m.end
    if end >= len(doc) or (end + 1 < len(doc) and doc[end + 1].lower_ == "of"):
        return False  # "X city of Y"
    word = doc[end].lower_
    if m.source in EMBEDDED:
        return word in WORDS["division_words"] and word not in WORDS["settlement_words"]
    return doc[end].is_lower and word in WORDS["place_kind_words"]


@rule("hyphenated_adjective", sources=STANDALONE + ("in_organisation",))
def hyphenated_adjective(m: Mention) -> bool:
    """A name made an adjective with a hyphen and a participle is a place: "a Leeds-based
    firm", "a Tokyo-bound flight"."""
    doc, end = m.doc, m.end
    return (
        end + 1 < len(doc)
        and doc[end].text == "-"
        and doc[end + 1].lower_ in WORDS["hyphen_participles"]
    )


@rule("listed_with_a_place", sources=STANDALONE)
def listed_with_a_place(m: Mention) -> bool:
    """A name listed with a place of the same country is a place: "Arlon, Namur and Liège"."""
    doc, start, end = m.doc, m.start, m.end
    joiners = WORDS["coordinators"]
    neighbours = []
    j = start - 1
    if j >= 1 and doc[j].lower_ in joiners:
        if doc[j].lower_ in ("and", "or") and j >= 2 and doc[j - 1].text == ",":
            j -= 1
        neighbours.append(m.document.by_end.get(j))
    if end + 1 < len(doc) and doc[end].lower_ in joiners:
        neighbours.append(m.document.by_start.get(end + 1))
        if doc[end].text == "," and end + 2 < len(doc) and doc[end + 1].lower_ in ("and", "or"):
            neighbours.append(m.document.by_start.get(end + 2))
    countries = {
        n.matches[0].place.country
        for n in neighbours
        if n is not None and n.matches[0].place.feature not in ("country", "continent")
    }
    return any(
        c.place.country in countries
        for c in m.matches[:3]
        if c.place.feature != "city" or c.place.population >= PARAMS["min_population_unlabelled"]
    )


@rule("division_after_comma", sources=STANDALONE)
def division_after_comma(m: Mention) -> bool:
    """A division named after "<Name>, " is a place: the second part of "Ely, Cambridgeshire"."""
    return after_comma(m.doc, m.start) and m.best is not None and m.best.place.feature in _DIVISIONS


@rule("named_with_its_division_word", sources=STANDALONE)
def named_with_its_division_word(m: Mention) -> bool:
    """A name ending in the word for a division ("Kano State", "Hubei Province", "Kerr
    County") that the gazetteer knows as a division is that division."""
    last = m.doc[m.end - 1].lower_
    return (
        not m.single
        and last in WORDS["division_words"]
        and last not in WORDS["settlement_words"]
        and m.best is not None
        and m.best.place.feature in ("admin1", "admin2")
    )


# Gazetteer features that are sites with their own entries: airports, air and naval bases, ports.
_SITE_FEATURES = frozenset({"airport", "base", "port"})


@rule("named_with_its_site_word", sources=UNLABELLED)
def named_with_its_site_word(m: Mention) -> bool:
    """A name ending in a word for a site ("X Airport", "X Air Base") that the gazetteer knows
    as such a site by the whole name is that site, even tagged an organisation."""
    return (
        not m.single
        and m.head in WORDS["facility_heads"]
        and m.best is not None
        and m.best.place.feature in _SITE_FEATURES
    )


@rule("well_known_place", sources=EMBEDDED)
def well_known_place(m: Mention) -> bool:
    """A name inside an organisation's or a site's name is where it is when the place is well
    known: a country, a division, or a big city (for a site, in the text's country)."""
    best = m.best
    if best is None:
        return False
    place = best.place
    if place.feature in ("country", "admin1", "admin2"):
        return True
    if place.feature != "city" or place.population < PARAMS["big_city"]:
        return False
    if m.source != "in_site":
        return True
    countries = m.document.place_countries()
    return not countries or place.country in countries


@rule("founder_possessive", sources=("in_organisation",))
def founder_possessive(m: Mention) -> bool:
    """A name opening an organisation's name in the possessive is its founder's ("Abel's
    Bakery"), unless the text names it as a place elsewhere."""
    outer = m.outer or (m.start, m.end)
    return (
        m.start == outer[0]
        and m.end < outer[1]
        and m.doc[m.end].lower_ in ("'s", "’s")
        and m.norm not in m.document.ner_known
    )


@rule("short_form_in_organisation", sources=("in_organisation",))
def short_form_in_organisation(m: Mention) -> bool:
    """A single word of an organisation's name that matches only another place's short form is
    a word of that name: "Capital" (Capital Territory), "Free" (Free State)."""
    return (
        m.single
        and m.best is not None
        and m.best.matched == "alias"
        and m.norm not in m.document.ner_known
        and not m.text.isupper()
    )


@rule("international_body", kinds=("place", "local"), sources=("ner_place", "in_organisation"))
def international_body(m: Mention) -> bool:
    """The name of an international body, pact or meeting ("the X Cooperation Organization",
    "the Y Pact") is not where it is named after."""
    start, end = m.outer if m.source == "in_organisation" and m.outer else (m.start, m.end)
    if m.source == "ner_place" and m.kind != "local":
        return False
    return any(t.lower_ in WORDS["international_words"] for t in m.doc[start:end])


@rule("country_in_a_sites_name", sources=("in_site",))
def country_in_a_sites_name(m: Mention) -> bool:
    """A country named inside a site's name is not where the site is (an embassy, a consulate,
    "the China Club")."""
    return m.best is not None and m.best.place.feature == "country"


# ---------------------------------------------------------------------------------------------
# Local names the gazetteer lacks
# ---------------------------------------------------------------------------------------------


@rule("not_name_shaped", kinds=("local",))
def not_name_shaped(m: Mention) -> bool:
    """A place name the gazetteer lacks is made of capitalised words only."""
    return not all(t.text[:1].isupper() and t.is_alpha for t in m.span)


@rule("generic_word_inside", kinds=("local",))
def generic_word_inside(m: Mention) -> bool:
    """A name the gazetteer lacks that holds a generic word ("North Plant") is no village."""
    return any(normalize(t.text) in WORDS["generic_words"] for t in m.span)


@rule("site_word_inside", kinds=("local",))
def site_word_inside(m: Mention) -> bool:
    """A name holding the head word of a street or building is a site, not a village."""
    heads = WORDS["facility_heads"] | WORDS["street_heads"]
    return any(t.lower_.rstrip(".") in heads for t in m.span)


@rule("event_name", kinds=("site", "local"))
def event_name(m: Mention) -> bool:
    """The name of a competition or a race ("the Harbour Cup", "the Lakeside Open") is the
    event, not a site or a place."""
    return m.doc[m.end - 1].lower_ in WORDS["event_heads"]


# ---------------------------------------------------------------------------------------------
# Sites: streets and buildings
# ---------------------------------------------------------------------------------------------


@rule("facility_head", kinds=("site",))
def facility_head(m: Mention) -> bool:
    """A name ending in a word for a building, a site or a street ("X Hospital", "X Bridge",
    "X Avenue") names that site."""
    return m.head in WORDS["facility_heads"] | WORDS["street_heads"]


@rule("facility_opener", kinds=("site",))
def facility_opener(m: Mention) -> bool:
    """A name opening with such a word and "of" names a site: "University of X"."""
    doc = m.doc
    return (
        doc[m.start].lower_ in WORDS["facility_openers"]
        and m.end - m.start > 2
        and doc[m.start + 1].lower_ == "of"
    )


@rule("facility_after_preposition", kinds=("site",))
def facility_after_preposition(m: Mention) -> bool:
    """A name the NER tags a facility, governed by a locative preposition, is a site: "at
    Ferngate", "near the Old Mill"."""
    return m.label == "FAC" and after_preposition(m.doc, m.start)


@rule("numbered_part", kinds=("site",))
def numbered_part(m: Mention) -> bool:
    """A numbered part of a site ("Gate 4", "Pier 39" without a head) is no site of its own."""
    return m.doc[m.end - 1].like_num


@rule("street_without_address", kinds=("site",))
def street_without_address(m: Mention) -> bool:
    """A street is a toponym only as an address: after a house number, "block of", "on" or
    "along" (unless the geoparser is asked for every street)."""
    return (
        m.head in WORDS["street_heads"]
        and not m.document.streets
        and not (m.doc[m.start].text[:1].isdigit() or street_context(m.doc, m.start))
    )


@rule("person_with_a_common_head", kinds=("site",))
def person_with_a_common_head(m: Mention) -> bool:
    """A name tagged PERSON is a site only by a head no one bears as a name: "Karl Weber
    Hospital", but not "Graham Hall" or "Tony Park"."""
    return m.label == "PERSON" and m.head not in WORDS["site_heads"]


@rule("single_word_site", kinds=("site",))
def single_word_site(m: Mention) -> bool:
    """A single word is a site only when the NER tags it a facility."""
    return m.single and m.label != "FAC"


@rule("court_title", kinds=("site",))
def court_title(m: Mention) -> bool:
    """A court named by its title alone ("the Supreme Court", "the High Court") is the
    institution, not a building in the story's town."""
    return m.head == "court" and all(
        t.lower_ in WORDS["court_title_words"] for t in m.doc[m.start : m.end - 1]
    )
