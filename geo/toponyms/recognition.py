"""Recognition: candidate mentions from each source, weighed by the rules against a threshold.

The sources are tried in order, and a mention taken claims its tokens:

1. the NER's places (GPE, LOC, FAC), widened to the longest name the gazetteer knows; one the
   gazetteer lacks is tried as a site, then by its known core ("Wales" in "West Wales"), then
   as a local name;
2. names the NER labels otherwise, or not at all, that the gazetteer knows;
3. streets and buildings among organisation names and capitalised runs;
4. places opening or closing an organisation's name ("Oregon State Police");
5. a place inside a site's name ("Leeds General Infirmary"), which then stands for the site.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from geo.datelines import find_datelines
from geo.gazetteer import Gazetteer, normalize
from geo.model import Toponym
from geo.ranking import load_weights
from geo.toponyms.mentions import (
    KINDS,
    OTHER_LABELS,
    PLACE_LABELS,
    SOURCES,
    Document,
    Mention,
    is_name_token,
)
from geo.toponyms.rules import RULES, Rule
from geo.toponyms.words import WORDS

# Entities whose names may open or close with a place they are named after: "the Oregon State
# Police", "the Dubai World Cup", "the Cannes Grand Prix", "the Investment Plan for Europe".
NAMED_AFTER_PLACES = frozenset({"ORG", "EVENT", "WORK_OF_ART", "LAW"})

# Candidate sources that are no weighed rule but can be switched off by name like one (the
# benchmark's --ablate): demonyms found inside other names.
SWITCHES = ("demonym_in_a_name",)


@dataclass(frozen=True)
class Decision:
    """A mention weighed: its score and the rules that fired, in registry order."""

    mention: Mention
    score: float
    fired: tuple[str, ...]
    accepted: bool


@dataclass
class Recognised:
    """What recognition found in one document."""

    document: Document
    demonyms: list[Toponym] = field(default_factory=list)
    places: list[Decision] = field(default_factory=list)  # names the gazetteer knows
    sites: list[Decision] = field(default_factory=list)  # streets, buildings, local names
    rejected: list[Decision] = field(default_factory=list)  # weighed and not taken


class Recogniser:
    """Weighs candidate mentions with the registered rules; built once, reused."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        *,
        streets: bool = False,
        disabled: Iterable[str] = (),
        table: Mapping | None = None,
    ) -> None:
        section = (table or load_weights())["recognition"]
        self.gazetteer = gazetteer
        self.streets = streets
        self.threshold = float(section["threshold"])
        self.priors = {k: dict(v) for k, v in section["priors"].items()}
        self.weights = dict(section["weights"])
        self.params = dict(section["params"])
        missing = set(RULES) - set(self.weights)
        unknown = set(self.weights) - set(RULES) | set(disabled) - set(RULES) - set(SWITCHES)
        if missing or unknown:
            raise ValueError(f"rules without weights {missing}, names without rules {unknown}")
        if set(self.priors) != set(KINDS) or any(
            set(p) - set(SOURCES) for p in self.priors.values()
        ):
            raise ValueError("recognition priors must be given by kind and source")
        self.disabled = frozenset(disabled)
        self.rules = [r for r in RULES.values() if r.name not in self.disabled]
        self._plans: dict[tuple[str, str], list[tuple[Rule, float]]] = {}

    def _plan(self, kind: str, source: str) -> list[tuple[Rule, float]]:
        """The rules that weigh mentions of a kind and source, strongest evidence against
        first, each with the most the rules after it can still add."""
        key = (kind, source)
        if key not in self._plans:
            rules = sorted(
                (r for r in self.rules if kind in r.kinds and source in r.sources),
                key=lambda r: self.weights[r.name],
            )
            plan, rest = [], 0.0
            for r in reversed(rules):
                plan.append((r, rest))
                rest += max(self.weights[r.name], 0.0)
            self._plans[key] = plan[::-1]
        return self._plans[key]

    def decide(self, m: Mention) -> Decision:
        """Weigh a mention: the prior of its kind and source plus the weights of the rules
        that fire, against the threshold. Once the rules left cannot lift a mention to the
        threshold it is rejected without them (its `fired` lists the rules that sank it)."""
        prior = self.priors[m.kind].get(m.source)
        if prior is None:
            return Decision(m, float("-inf"), (), False)
        score, fired = prior, set()
        for r, rest in self._plan(m.kind, m.source):
            if score + max(self.weights[r.name], 0.0) + rest < self.threshold:
                break
            if r.test(m):
                score += self.weights[r.name]
                fired.add(r.name)
        ordered = tuple(r.name for r in self.rules if r.name in fired)
        return Decision(m, score, ordered, score >= self.threshold)

    def recognise(self, doc: Doc) -> Recognised:
        """Every place, site and demonym mention of a parsed doc, and the mentions rejected."""
        found = Recognised(Document.of(doc, self.gazetteer, streets=self.streets))
        self._ner_places(found)
        found.document.ner_known = frozenset(found.document.known)
        self._datelines(found)
        self._other_names(found)
        self._sites(found)
        self._organisations(found)
        self._inside_sites(found)
        # A word of nationality inside a name taken as a place or a site belongs to it.
        found.demonyms = [t for t in found.demonyms if not _taken(found.document, t)]
        found.places.sort(key=lambda d: d.mention.start)
        found.sites.sort(key=lambda d: d.mention.start)
        return found

    def _take(self, found: Recognised, m: Mention) -> bool:
        decision = self.decide(m)
        if not decision.accepted:
            # Kept for explaining: names the gazetteer knows, and anything with some evidence.
            if m.kind == "place" or any(self.weights[n] > 0 for n in decision.fired):
                found.rejected.append(decision)
            return False
        found.document.accept(m)
        (found.places if m.kind == "place" else found.sites).append(decision)
        return True

    # -- the sources, in order -----------------------------------------------------------------

    def _ner_places(self, found: Recognised) -> None:
        """1. The NER's places and demonyms."""
        document = found.document
        doc = document.doc
        for ent in document.ents:
            if ent.label_ == "NORP" or _language_as_adjective(doc, ent):
                country = self.gazetteer.demonym(ent.text)
                if country is not None:
                    found.demonyms.append(
                        Toponym(
                            ent.start_char, ent.end_char, ent.text, country, "demonym", ("demonym",)
                        )
                    )
                    continue
            if ent.label_ not in PLACE_LABELS:
                if "demonym_in_a_name" not in self.disabled:
                    found.demonyms.extend(demonyms_in_a_name(self.gazetteer, ent))
                continue
            start, end = widen(document, ent)
            if not document.free(start, end):
                continue
            matches = tuple(document.lookup(doc[start:end].text))
            if matches:
                self._take(
                    found, Mention(document, start, end, "place", "ner_place", ent.label_, matches)
                )
                continue
            self._unknown_place(found, ent, start, end)

    def _unknown_place(self, found: Recognised, ent: Span, start: int, end: int) -> None:
        """An NER place the gazetteer lacks: a site, a name with a known core, or a local name."""
        document = found.document
        site = site_extent(document.doc, ent.start, ent.end)
        if site is not None and self._take(
            found, Mention(document, *site, "site", "ner_place", ent.label_)
        ):
            return
        core = core_of(document, start, end)
        if core is not None:
            matches = tuple(document.lookup(document.doc[core[0] : core[1]].text))
            m = Mention(
                document, *core, "place", "ner_place", ent.label_, matches, extent=(start, end)
            )
            if self._take(found, m):
                return
        self._take(found, Mention(document, start, end, "local", "ner_place", ent.label_))

    def _datelines(self, found: Recognised) -> None:
        """2. The city of each dateline, found by the dateline grammar ("ST. LOUIS —", which
        the NER may cut or label otherwise)."""
        document = found.document
        doc = document.doc
        for dateline in find_datelines(document.text):
            span = doc.char_span(dateline.place_start, dateline.place_end)
            if span is None or not document.free(span.start, span.end):
                continue
            matches = tuple(document.lookup(span.text))
            ent = document.entity(span.start, span.end)
            label = ent.label_ if ent is not None else ""
            if matches:
                m = Mention(document, span.start, span.end, "place", "dateline", label, matches)
                self._take(found, m)

    def _other_names(self, found: Recognised) -> None:
        """2. Names the NER labels otherwise, or not at all, that the gazetteer knows."""
        document = found.document
        doc = document.doc
        for start, end, label in other_spans(doc, document.ents):
            if not document.free(start, end):
                continue
            if doc[start].lower_ == "the" and end - start > 1:
                start += 1
            # Possessive "Ottawa's" is tokenised apart already; trailing punctuation is not.
            while end > start and not doc[end - 1].text[:1].isalnum():
                end -= 1
            if end <= start or not normalize(doc[start:end].text):
                continue
            matches = tuple(document.lookup(doc[start:end].text))
            if matches:
                source = "ner_other" if label else "capitalised"
                self._take(found, Mention(document, start, end, "place", source, label, matches))

    def _sites(self, found: Recognised) -> None:
        """3. Streets and buildings among organisation names and capitalised runs."""
        document = found.document
        doc = document.doc
        heads = WORDS["facility_heads"] | WORDS["street_heads"] | WORDS["facility_openers"]
        for start, end, label in site_spans(doc, document.ents):
            if not document.free(start, end):
                continue
            # Only a name with a head or an opening word can be a site here (no FAC label).
            if not any(t.lower_.rstrip(".") in heads for t in doc[start : min(end + 1, len(doc))]):
                continue
            site = site_extent(doc, start, end)
            if site is not None and document.free(*site):
                source = "ner_other" if label else "capitalised"
                self._take(found, Mention(document, *site, "site", source, label))

    def _organisations(self, found: Recognised) -> None:
        """4. A place opening or closing an organisation's name says where it is."""
        document = found.document
        doc = document.doc
        for ent in document.ents:
            if ent.label_ not in NAMED_AFTER_PLACES or not document.free(ent.start, ent.end):
                continue
            start = ent.start + (doc[ent.start].lower_ == "the")
            for i, j in ends_of(start, ent.end):
                sub = doc[i:j]
                if not sub[0].text[:1].isupper() or sub[0].is_stop:
                    continue
                if any(not t.text[:1].isalnum() for t in sub):
                    continue
                matches = tuple(document.lookup(sub.text))
                outer = (start, ent.end)
                m = Mention(document, i, j, "place", "in_organisation", ent.label_, matches, outer)
                if matches and self._take(found, m):
                    break

    def _inside_sites(self, found: Recognised) -> None:
        """5. The longest place name inside a site's name, which then stands for the site."""
        document = found.document
        doc = document.doc
        for decision in list(found.sites):
            site = decision.mention
            if site.end - site.start < 2:
                continue
            for i, j in inner_spans(site.start, site.end):
                sub = doc[i:j]
                if not sub[0].text[:1].isupper() or sub[0].is_stop:
                    continue
                if sub[-1].lower_ in WORDS["facility_heads"]:
                    continue
                matches = tuple(document.lookup(sub.text))
                outer = (site.start, site.end)
                m = Mention(document, i, j, "place", "in_site", site.label, matches, outer, outer)
                if matches and self._take(found, m):
                    found.sites.remove(decision)
                    break


def demonyms_in_a_name(gazetteer: Gazetteer, ent: Span) -> Iterator[Toponym]:
    """The words of nationality opening a name ("the Kenyan Interior Ministry", "the
    Peruvian Mining Act") or joined by a hyphen ("Indian-Japanese talks"), and a whole name
    that is one ("Sri Lankan" tagged a person): demonyms."""
    words = [t for t in ent if t.text[:1].isupper() and t.is_alpha]
    if not words or words[0].lower_ == "the":
        words = words[1:]
    hyphenated = [t for t in ent if t.i + 1 < ent.end and ent.doc[t.i + 1].text == "-"]
    chosen = {t.i: t for t in words[:1] + hyphenated + [ent[-1]] if t.text[:1].isupper()}
    if any(t.lower_ in WORDS["facility_heads"] for t in ent):
        return  # "the Danish Embassy" is a building, named for whose it is
    whole = gazetteer.demonym(ent.text) if len(ent) <= 3 else None
    if whole is not None and not gazetteer.lookup(ent.text, limit=1):
        yield Toponym(
            ent.start_char, ent.end_char, ent.text, whole, "demonym", ("demonym_in_a_name",)
        )
        return  # a demonym the NER labelled otherwise: "Sri Lankan tea"
    for t in chosen.values():
        if t.i == ent.end - 1 and not (t.i > ent.start and ent.doc[t.i - 1].text == "-"):
            continue  # the last word only after a hyphen: "Indian-Japanese"
        country = gazetteer.demonym(t.text)
        if country is not None and not gazetteer.lookup(t.text, limit=1):
            yield Toponym(
                t.idx, t.idx + len(t.text), t.text, country, "demonym", ("demonym_in_a_name",)
            )


def _taken(document: Document, t: Toponym) -> bool:
    """Whether a demonym found inside a name lies in a mention taken as a place or a site."""
    if "demonym_in_a_name" not in t.why:
        return False
    span = document.doc.char_span(t.start, t.end)
    return span is not None and not document.free(span.start, span.end)


# ---------------------------------------------------------------------------------------------
# Candidate spans
# ---------------------------------------------------------------------------------------------


def ends_of(start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sub-spans opening or closing a name, longest first (at most three words, never all)."""
    for width in range(min(3, end - start - 1), 0, -1):
        yield start, start + width
        yield end - width, end


def inner_spans(start: int, end: int) -> Iterator[tuple[int, int]]:
    """Every proper sub-span of a name, longest first, left to right."""
    for width in range(end - start - 1, 0, -1):
        for i in range(start, end - width + 1):
            yield i, i + width


def other_spans(doc: Doc, ents: Sequence[Span]) -> Iterator[tuple[int, int, str]]:
    """Entities outside the NER's place labels, then capitalised runs of up to three words in
    no entity: (start, end, label), label "" for a run."""
    for ent in ents:
        if ent.label_ in OTHER_LABELS:
            yield ent.start, ent.end, ent.label_
    in_ent = {i for ent in ents for i in range(ent.start, ent.end)}
    i = 0
    while i < len(doc):
        if i in in_ent or not is_name_token(doc[i]):
            i += 1
            continue
        j = i
        while j < len(doc) and j - i < 3 and j not in in_ent and is_name_token(doc[j]):
            j += 1
        yield i, j, ""
        i = j


def site_spans(doc: Doc, ents: Sequence[Span]) -> Iterator[tuple[int, int, str]]:
    """Organisation names, full person names and capitalised runs (up to five words, "of"
    inside) that may name a site: (start, end, label)."""
    in_ent: set[int] = set()
    for ent in ents:
        in_ent.update(range(ent.start, ent.end))
        if ent.label_ == "ORG" or ent.label_ == "PERSON" and len(ent) > 1:
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


def site_extent(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """The extent of a street's or building's name in a span: without "the", up to a comma,
    with a head word the NER left out ("Elm" + "Street") and a house number before it."""
    if doc[start].lower_ == "the" and end - start > 1:
        start += 1
    # "University of California, Los Angeles": the name ends at the comma.
    end = next((i for i in range(start, end) if doc[i].text == ","), end)
    while end > start and not doc[end - 1].text[:1].isalnum():
        end -= 1
    # A name starts with a capital or a number: not "the university hospital".
    if end <= start or not (doc[start].text[:1].isupper() or doc[start].like_num):
        return None
    heads = WORDS["facility_heads"] | WORDS["street_heads"]
    if end < len(doc) and doc[end].lower_.rstrip(".") in heads and doc[end].text[:1].isupper():
        end += 1
    # Numbered streets and directions belong to the name: "1200 North Ninth Street".
    while (
        start > 0
        and (doc[start - 1].like_num or doc[start - 1].lower_.rstrip(".") in {"n", "s", "e", "w"})
        and doc[start - 1].text[:1].isalnum()
    ):
        start -= 1
    return start, end


def widen(document: Document, ent: Span) -> tuple[int, int]:
    """An NER place without a leading "the", extended to the feature word ("Peninsula"), the
    direction ("North") or the "and Tobago" the NER left out when the gazetteer has the whole."""
    doc = document.doc
    start, end = ent.start, ent.end
    if doc[start].lower_ == "the" and end - start > 1:
        start += 1
    if end - start > 1 and doc[end - 1].lower_ in ("'s", "’s", "'", "’"):
        end -= 1  # "Nova Scotia's" is Nova Scotia
    if end < len(doc) and doc[end].lower_ in ("and", "&"):
        for width in (2, 1):
            if end + 1 + width <= len(doc) and all(
                t.text[:1].isupper() and t.is_alpha for t in doc[end + 1 : end + 1 + width]
            ):
                whole = document.lookup(doc[start : end + 1 + width].text, limit=1)
                if whole and whole[0].matched != "abbrev":
                    end += 1 + width
                    break
    if end < len(doc) and doc[end].lower_ in WORDS["feature_words"]:
        if document.lookup(doc[start : end + 1].text):
            end += 1
    if start > 0 and doc[start - 1].lower_ in WORDS["direction_words"] and doc[start - 1].is_title:
        if document.lookup(doc[start - 1 : end].text):
            start -= 1
    return start, end


def core_of(document: Document, start: int, end: int) -> tuple[int, int] | None:
    """The known name inside a place name the gazetteer lacks: "Wales" in "West Wales",
    "Chiapas" in "Chiapas State", "Kuje" in "Kuje village"."""
    doc = document.doc
    i, j = start, end
    while j - i > 1 and doc[i].lower_ in WORDS["direction_words"]:
        i += 1  # "Far North Westshire"
    division_words = WORDS["division_words"]
    # "Kerr County Fire Department": the division opening an office's name.
    inner = [k for k in range(i + 1, j - 1) if doc[k].lower_ in division_words]
    if inner and doc[i].text[:1].isupper():
        prefix = document.lookup(doc[i : inner[0] + 1].text)
        if prefix and prefix[0].place.feature in ("admin1", "admin2"):
            return i, inner[0] + 1
    if j - i > 1 and doc[j - 1].lower_ in division_words:
        j -= 1
    if (i, j) == (start, end) or not doc[i].text[:1].isupper():
        return None
    matches = document.lookup(doc[i:j].text)
    if not matches or matches[0].matched == "abbrev":
        return None
    last = doc[end - 1].lower_
    if last in division_words and last not in WORDS["settlement_words"]:
        # "Chiapas State" is the division, not the city named like it.
        if not any(m.place.feature in ("admin1", "admin2") for m in matches):
            return None
    return i, j


def _language_as_adjective(doc: Doc, ent: Span) -> bool:
    """A people's word the NER labels a language, before a word for a kind of place: "the
    English city of X", "a Welsh village" name the nation, not the language."""
    return (
        ent.label_ == "LANGUAGE"
        and ent.end < len(doc)
        and doc[ent.end].lower_ in WORDS["place_kind_words"]
    )
