"""Candidate mentions of places, where each came from, and what the document around them says.

A candidate is a span that may name a place (`Mention`), marked with its source:

    ner_place       an entity the NER labels GPE, LOC or FAC
    ner_other       an entity it labels otherwise (ORG, PERSON, NORP, ...): metonymy and errors
    capitalised     a run of capitalised words in no entity
    dateline        the city of a dateline opening a paragraph ("ST. LOUIS —"), by its grammar
    in_organisation a name opening or closing an organisation's, an event's, a work's or a
                    law's name ("Oregon State Police", "the Halifax Regatta")
    in_site         a name inside a site's name ("the Leeds General Infirmary")

and with its kind: a `place` the gazetteer knows, a `site` (a street or building, placed in
the town the text names around it), or a `local` name the gazetteer lacks (a village or a
district, placed likewise). `Document` holds the facts about the whole text that the rules
consult, and the mentions accepted so far.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from spacy.tokens import Doc, Span, Token

from geo.gazetteer import Gazetteer, Match, normalize
from geo.toponyms.words import WORDS

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
OTHER_LABELS = frozenset({"ORG", "PERSON", "NORP"})
POSSESSIVES = frozenset({"'s", "’s"})
SOURCES = ("ner_place", "ner_other", "capitalised", "dateline", "in_organisation", "in_site")
KINDS = ("place", "site", "local")


@dataclass
class Document:
    """A parsed text, the facts about it the rules consult, and the mentions accepted so far."""

    doc: Doc
    gazetteer: Gazetteer
    streets: bool = False  # whether street names are toponyms without an address around them
    ents: tuple[Span, ...] = ()  # the NER's entities (spaCy builds them anew on each access)
    people: frozenset[str] = frozenset()  # words of the multi-word person names
    organisations: frozenset[str] = frozenset()  # names tagged ORG more often than a place
    products: frozenset[str] = frozenset()  # words used as the names of products
    agencies: frozenset[str] = frozenset()  # names of news agencies ("the X news agency")
    ner_known: frozenset[str] = frozenset()  # the NER's place names taken
    taken: set[int] = field(default_factory=set)  # tokens of accepted mentions
    places: list[Mention] = field(default_factory=list)  # accepted place names, in order found
    by_start: dict[int, Mention] = field(default_factory=dict)
    by_end: dict[int, Mention] = field(default_factory=dict)

    @classmethod
    def of(cls, doc: Doc, gazetteer: Gazetteer, *, streets: bool = False) -> Document:
        """The document facts of a parsed text, before any mention is accepted."""
        ents = tuple(doc.ents)
        return cls(
            doc,
            gazetteer,
            streets,
            ents,
            person_words(ents),
            organisation_names(ents),
            product_names(doc),
            agency_names(doc),
        )

    @cached_property
    def text(self) -> str:
        """The doc's text (spaCy joins it from the tokens on each access)."""
        return self.doc.text

    def entity(self, start: int, end: int) -> Span | None:
        """The entity with exactly these token offsets, if the NER found one."""
        return next((e for e in self.ents if e.start == start and e.end == end), None)

    @property
    def known(self) -> set[str]:
        """The names accepted as places so far."""
        return {m.norm for m in self.places}

    def free(self, start: int, end: int) -> bool:
        """Whether no accepted mention covers any token of the span."""
        return self.taken.isdisjoint(range(start, end))

    def accept(self, m: Mention) -> None:
        """Record an accepted mention: its tokens are taken, a place is known by its name."""
        self.taken.update(range(*(m.extent or (m.start, m.end))))
        if m.kind == "place":
            self.places.append(m)
            self.by_start[m.start] = self.by_end[m.end] = m

    def place_countries(self) -> set[str]:
        """The countries of the best candidates of the places accepted so far."""
        return {m.matches[0].place.country for m in self.places if m.matches[0].place.country}

    def lookup(self, text: str, *, limit: int | None = None) -> list[Match]:
        """The gazetteer's candidates for a name."""
        return self.gazetteer.lookup(text, limit=limit)


@dataclass(frozen=True)
class Mention:
    """A span that may name a place, with what the rules need to weigh it."""

    document: Document
    start: int  # token offsets
    end: int
    kind: str  # one of KINDS
    source: str  # one of SOURCES
    label: str = ""  # the NER label of the entity it came from ("" for none)
    matches: tuple[Match, ...] = ()  # the gazetteer's candidates, best prior first
    outer: tuple[int, int] | None = None  # the organisation or site whose name holds it
    extent: tuple[int, int] | None = None  # what the toponym covers, when more than the name:
    #                                        "West Wales" for "Wales", a site for its town

    @property
    def doc(self) -> Doc:
        return self.document.doc

    @cached_property
    def span(self) -> Span:
        return self.doc[self.start : self.end]

    @cached_property
    def text(self) -> str:
        return self.span.text

    @cached_property
    def norm(self) -> str:
        return normalize(self.text)

    @property
    def single(self) -> bool:
        """Whether the name is one token."""
        return self.end - self.start == 1

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None

    @property
    def head(self) -> str:
        """The last word, lower case, without a trailing period ("St." -> "st")."""
        return self.doc[self.end - 1].lower_.rstrip(".")


# ---------------------------------------------------------------------------------------------
# Facts about the whole document
# ---------------------------------------------------------------------------------------------


def person_words(ents: Sequence[Span]) -> frozenset[str]:
    """The words of the document's multi-word person names ("Georgia", "Stevens")."""
    return frozenset(
        normalize(t.text)
        for ent in ents
        if ent.label_ == "PERSON" and len(ent) > 1
        for t in ent
        if t.is_alpha and t.text[:1].isupper()
    )


def organisation_names(ents: Sequence[Span]) -> frozenset[str]:
    """Names the NER tags ORG at least twice and more often than it tags them a place."""
    org: Counter[str] = Counter()
    place: Counter[str] = Counter()
    for ent in ents:
        span = ent[1:] if ent[0].lower_ == "the" and len(ent) > 1 else ent
        if ent.label_ == "ORG":
            org[normalize(span.text)] += 1
        elif ent.label_ in PLACE_LABELS:
            place[normalize(span.text)] += 1
    return frozenset(name for name, n in org.items() if n >= 2 and n > place[name])


def agency_phrase(doc: Doc, i: int) -> int:
    """The length of the words naming a news agency that start at token i, in lower case
    ("news agency", "agency", "wire service"), or 0."""
    words = WORDS["agency_words"]
    for width in (2, 1):
        if i + width <= len(doc) and doc[i : i + width].text in words:
            return width
    return 0


def agency_names(doc: Doc) -> frozenset[str]:
    """The names the text gives news agencies: the capitalised word (or two) before "news
    agency", "agency", "wire service" ("the Xinhua news agency reported")."""
    names = set()
    for start in range(1, len(doc)):
        if not agency_phrase(doc, start):
            continue
        name = [t for t in doc[max(0, start - 2) : start] if t.is_title and t.is_alpha]
        if name and name[-1].i == start - 1:
            names.add(normalize(doc[name[0].i : start].text))
    return frozenset(names)


def product_names(doc: Doc) -> frozenset[str]:
    """Capitalised words the text uses as the names of products, designs and classes: before
    a product noun, with or without a hyphen ("the Aldwick model", "a Karakurt-class
    corvette", "the Brenton floor plan"), and the words listed with them ("Aldwick, Brenton
    and Corby")."""
    nouns = WORDS["product_nouns"]
    names: set[int] = set()
    for tok in doc[1:]:
        lower = tok.lower_  # the product noun first: the test most words fail
        plan = lower == "floor" and tok.i + 1 < len(doc)
        if not (lower in nouns or (plan and doc[tok.i + 1].lower_ in ("plan", "plans"))):
            continue
        i = tok.i - 1
        if doc[i].text == "-" and i > 0:
            i -= 1
        prev = doc[i]
        if not (prev.is_title and prev.is_alpha) or prev.is_sent_start or prev.like_num:
            continue
        names.add(prev.i)
    if not names:
        return frozenset()
    named = {normalize(doc[i].text) for i in names}
    listed = {
        j
        for t in doc
        if t.is_title and normalize(t.text) in named
        for j in list_members(doc, t.i, lambda tok: tok.is_title and tok.is_alpha)
    }
    return frozenset(normalize(doc[i].text) for i in names | listed)


def list_members(doc: Doc, i: int, member) -> Iterator[int]:
    """The tokens listed with token i on either side: "A, B, C and D"."""
    for step in (-1, 1):
        j = i
        while True:
            k = j + step
            if not (0 <= k < len(doc)) or doc[k].text not in (",", "and", "or"):
                break
            k += step
            if 0 <= k < len(doc) and doc[k].text in ("and", "or"):
                k += step
            if not (0 <= k < len(doc) and member(doc[k])):
                break
            yield k
            j = k


# ---------------------------------------------------------------------------------------------
# Grammar around a span
# ---------------------------------------------------------------------------------------------


def after_preposition(doc: Doc, start: int) -> bool:
    """Whether a locative preposition governs the name: "in X", "near the X", "outside of X",
    "north of X"."""
    j = start - 1
    if j >= 0 and doc[j].lower_ == "the":
        j -= 1
    if j >= 1 and doc[j].lower_ == "of":
        return doc[j - 1].lower_ in WORDS["locative_before_of"]
    return j >= 0 and doc[j].lower_ in WORDS["locative_prepositions"]


def possessive_object(doc: Doc, end: int) -> bool:
    """Whether the name is a possessor of a common noun: "Marlow's headquarters"."""
    return end + 1 < len(doc) and doc[end].lower_ in POSSESSIVES and doc[end + 1].is_lower


def after_comma(doc: Doc, start: int) -> bool:
    """Whether the name follows "<Name>, ": the second part of "Ely, Cambridgeshire"."""
    return (
        start >= 2
        and doc[start - 1].text == ","
        and doc[start - 2].text[:1].isupper()
        and doc[start - 2].is_alpha
    )


def after_full_name(ents: Sequence[Span], comma: int) -> bool:
    """Whether a person's or an organisation's name of several words ends just before `comma`."""
    ent = next((e for e in ents if e.end == comma), None)
    return (
        ent is not None
        and ent.label_ in ("ORG", "PERSON")
        and len(ent) > 1
        and not ent.text.isupper()
    )


def street_context(doc: Doc, start: int) -> bool:
    """Whether a street is named as an address: after a house number or "block of" ("1200 North
    Ninth Street", "the 400 block of X Avenue") or after "on", "at" or "along"."""
    j = start - 1
    while j >= 0 and doc[j].lower_.rstrip(".") in WORDS["street_directions"]:
        j -= 1
    if j < 0:
        return False
    return (
        doc[j].like_num
        or doc[j].lower_ in WORDS["street_prepositions"]
        or doc[j].lower_ == "of"
        and j >= 1
        and doc[j - 1].lower_ == "block"
    )


def dedication(doc: Doc, start: int) -> bool:
    """Whether the name says whom a church is dedicated to: "the church of X", "the Cathedral
    of X and Y"."""
    j = start - 1
    while j >= 0 and (doc[j].lower_ in WORDS["coordinators"] or doc[j].text[:1].isupper()):
        j -= 1  # back over the other names listed: "of St. X and St. Y"
    return j >= 1 and doc[j].lower_ == "of" and doc[j - 1].lower_ in WORDS["church_words"]


def line_start(doc: Doc, i: int) -> bool:
    """Whether token i opens the text or a line."""
    return i == 0 or doc[i - 1].is_space and "\n" in doc[i - 1].text


def is_name_token(token: Token) -> bool:
    """A capitalised word inside a sentence (or an upper-case one opening it), no stop word."""
    text, opens = token.text, bool(token.is_sent_start)
    return (
        text[:1].isupper() and any(ch.isalpha() for ch in text) and not opens and not token.is_stop
    ) or (opens and text.isupper() and len(text) > 2)


def small_town(matches: Sequence[Match], big_city: float) -> bool:
    """Whether the best candidate is a town smaller than a big city."""
    return (
        bool(matches)
        and matches[0].place.feature == "city"
        and matches[0].place.population < big_city
    )
