"""Each recognition rule on sentences invented for it, with hand-built docs and a small stub
gazetteer: the model and the real gazetteer are not the point here (tests/test_toponyms.py
runs the whole geoparser)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import spacy
from spacy.tokens import Doc

from geo.gazetteer import Match, normalize
from geo.model import Place
from geo.ranking import load_weights
from geo.toponyms.mentions import Document, Mention
from geo.toponyms.rules import RULES
from geo.toponyms.words import WORDS

NLP = spacy.blank("en")


def _place(name, feature, country, population=0, admin1=None, lat=0.0, lon=0.0) -> Place:
    return Place(
        f"t:{name}:{country}:{feature}", name, lat, lon, feature, country, population, None, admin1
    )


# The stub gazetteer: normalised name -> candidates, best prior first.
ENTRIES: dict[str, list[tuple[Place, str]]] = {
    "west": [(_place("West", "city", "US", 2_500, "US.MS"), "name")],
    "marlow": [(_place("Marlow", "city", "GB", 14_000, "GB.ENG", 51.57, -0.77), "name")],
    "westshire": [(_place("Westshire", "admin2", "GB", 300_000, "GB.ENG", 51.6, -0.9), "name")],
    "westshire county": [
        (_place("Westshire", "admin2", "GB", 300_000, "GB.ENG", 51.6, -0.9), "alias")
    ],
    "dover": [
        (_place("Dover", "city", "US", 38_000, "US.DE", 39.16, -75.52), "name"),
        (_place("Dover", "city", "GB", 30_000, "GB.ENG", 51.13, 1.31), "name"),
    ],
    "delaware": [(_place("Delaware", "admin1", "US", 0, "US.DE", 39.0, -75.5), "name")],
    "us": [(_place("United States", "country", "US"), "alias")],
    "tex": [(_place("Texas", "admin1", "US", 0, "US.TX"), "abbrev")],
    "dc": [(_place("Washington", "city", "US", 690_000, "US.DC"), "abbrev")],
    "pa": [
        (_place("Pennsylvania", "admin1", "US", 0, "US.PA"), "abbrev"),
        (_place("Pa", "city", "BF", 5_000, "BF.01"), "name"),
    ],
    "md": [(_place("Maryland", "admin1", "US", 0, "US.MD"), "abbrev")],
    "brindle": [(_place("Brindle", "city", "GB", 300, "GB.ENG"), "name")],
    "georgia": [
        (_place("Georgia", "country", "GE"), "name"),
        (_place("Georgia", "admin1", "US", 0, "US.GA"), "name"),
    ],
    "eastfield": [(_place("Eastfield", "city", "US", 8_000, "US.OH"), "name")],
    "ottawa": [(_place("Ottawa", "city", "CA", 800_000, "CA.08"), "name")],
    "aldwick": [(_place("Aldwick", "city", "GB", 11_000, "GB.ENG"), "name")],
    "halifax": [(_place("Halifax", "city", "CA", 400_000, "CA.07"), "name")],
    "arlon": [(_place("Arlon", "city", "BE", 26_000, "BE.WAL"), "name")],
    "namur": [(_place("Namur", "city", "BE", 110_000, "BE.WAL"), "name")],
    "ely": [(_place("Ely", "city", "GB", 20_000, "GB.ENG", 52.40, 0.26), "name")],
    "cambridgeshire": [
        (_place("Cambridgeshire", "admin2", "GB", 600_000, "GB.ENG", 52.3, 0.05), "name")
    ],
    "uttar pradesh": [(_place("Uttar Pradesh", "admin1", "IN", 0, "IN.36"), "name")],
    "uttar pradesh state": [(_place("Uttar Pradesh", "admin1", "IN", 0, "IN.36"), "alias")],
    "marlow town": [(_place("Marlow", "city", "GB", 14_000, "GB.ENG"), "alias")],
    "kentucky": [(_place("Kentucky", "admin1", "US", 0, "US.KY"), "name")],
    "abel": [(_place("Abel", "city", "US", 2_000, "US.KS"), "name")],
    "capital": [(_place("Capital Territory", "admin1", "AU", 0, "AU.01"), "alias")],
    "leeds": [(_place("Leeds", "city", "GB", 450_000, "GB.ENG"), "name")],
    "china": [(_place("China", "country", "CN"), "name")],
    "rivermouth": [(_place("Rivermouth", "city", "US", 9_000, "US.OR"), "name")],
    "lakes": [(_place("Lakes", "city", "US", 8_000, "US.AK"), "name")],
    "chinese": [(_place("Chinese", "city", "US", 1_000, "US.CA"), "name")],
    "brantley field airport": [(_place("Brantley Field Airport", "airport", "US"), "name")],
    "marlow airport": [(_place("Marlow", "city", "GB", 14_000, "GB.ENG"), "alias")],
}
DEMONYMS = {
    "chinese": _place("China", "country", "CN"),
    "kenyans": _place("Kenya", "country", "KE"),
    "kenyan": _place("Kenya", "country", "KE"),
    "omani": _place("Oman", "country", "OM"),
}


class StubGazetteer:
    """The two lookups the rules make, over ENTRIES."""

    def lookup(self, name: str, *, limit: int | None = None) -> list[Match]:
        found = [Match(p, 5.0, how) for p, how in ENTRIES.get(normalize(name), [])]
        return found[:limit] if limit else found

    def demonym(self, word: str) -> Place | None:
        return DEMONYMS.get(normalize(word))


GAZETTEER = StubGazetteer()


def parse(marked: str) -> Doc:
    """A hand-built doc: "[Dover|GPE]" marks an entity, "\\n" a new line."""
    text, ents = "", []
    for piece in re.split(r"(\[[^\]]+\|[A-Z]+\])", marked):
        if piece.startswith("[") and "|" in piece:
            name, label = piece[1:-1].rsplit("|", 1)
            ents.append((len(text), len(text) + len(name), label))
            text += name
        else:
            text += piece
    doc = NLP(text)
    doc.ents = [doc.char_span(s, e, label=label) for s, e, label in ents]
    return doc


def _find(doc: Doc, target: str, occurrence: int = 0) -> tuple[int, int]:
    starts = [m.start() for m in re.finditer(re.escape(target), doc.text)]
    span = doc.char_span(starts[occurrence], starts[occurrence] + len(target))
    assert span is not None, f"{target!r} is not a token span of {doc.text!r}"
    return span.start, span.end


@dataclass
class Case:
    """A mention of `target` in `marked` text, and whether `rule` fires on it."""

    rule: str
    marked: str
    target: str
    fires: bool
    kind: str = "place"
    source: str = "ner_place"
    label: str | None = None  # default: the label of the entity the target is, else ""
    occurrence: int = 0
    outer: str | None = None  # the organisation or site name holding the target
    accepted: list[str] = field(default_factory=list)  # places taken before it
    streets: bool = False
    setup: Callable[[Document], None] | None = None

    def mention(self) -> Mention:
        doc = parse(self.marked)
        document = Document.of(doc, GAZETTEER, streets=self.streets)  # type: ignore[arg-type]
        for name in self.accepted:
            s, e = _find(doc, name)
            document.accept(
                Mention(document, s, e, "place", "ner_place", "GPE", tuple(GAZETTEER.lookup(name)))
            )
        document.ner_known = frozenset(document.known)
        if self.setup:
            self.setup(document)
        start, end = _find(doc, self.target, self.occurrence)
        label = self.label
        if label is None:
            label = next((e.label_ for e in doc.ents if (e.start, e.end) == (start, end)), "")
        outer = _find(doc, self.outer) if self.outer else None
        matches = tuple(GAZETTEER.lookup(self.target))
        return Mention(document, start, end, self.kind, self.source, label, matches, outer)

    @property
    def id(self) -> str:
        return f"{self.rule}-{'fires' if self.fires else 'silent'}-{self.target}"


# fmt: off
CASES = [
    # Words that are not place names here
    Case("generic_word", "Envoys from the [West|LOC] met in [Marlow|GPE].", "West", True),
    Case("generic_word", "Envoys from the [West|LOC] met in [Marlow|GPE].", "Marlow", False),
    Case("generic_word", "Cabins by the [Lakes|GPE] cost more now.", "Lakes", True),
    Case("nationality_word", "The [Chinese|NORP] crew sailed home.", "Chinese", True,
         source="ner_other"),
    Case("nationality_word", "The crew sailed to [Marlow|GPE].", "Marlow", False),
    Case("minor_place_outside_place_labels", "Brindle Farms sold eggs.", "Brindle", True,
         source="capitalised"),
    Case("minor_place_outside_place_labels", "Marlow Farms sold eggs.", "Marlow", False,
         source="capitalised"),
    Case("abbreviation", "The clinic hired Jo Ames, [M.D.|GPE], in June.", "M.D.", True),
    Case("abbreviation", "She grew up in [Pa|GPE] before the war.", "Pa", False),
    Case("abbreviation_after_town", "A barn burned near Paris, [Tex.|GPE], on Sunday.", "Tex.",
         True),
    Case("abbreviation_after_town", "A barn burned in [Tex.|GPE] on Sunday.", "Tex.", False),
    Case("abbreviation_after_preposition", "Crowds rallied in [D.C.|GPE] on Sunday.", "D.C.", True),
    Case("abbreviation_after_preposition", "Crowds rallied in [Tex|GPE] on Sunday.", "Tex", False),
    Case("abbreviation_after_full_name", "The suit names [Roe Doe|ORG], [P.A.|GPE] as counsel.",
         "P.A.", True),
    Case("abbreviation_after_full_name", "A barn burned near Paris, [Tex.|GPE], on Sunday.",
         "Tex.", False),
    Case("word_of_a_persons_name", "[Georgia Lane|PERSON] won. Later [Georgia|GPE] said no.",
         "Georgia", True, occurrence=1),
    Case("word_of_a_persons_name", "[Georgia Lane|PERSON] won. She moved to [Georgia|GPE].",
         "Georgia", False, occurrence=1),
    Case("saints_name", "They prayed to [St. Kentucky|PERSON] at dawn.", "St. Kentucky", True,
         source="ner_other"),
    Case("saints_name", "A bomb hit the church of St. Abel and [St. Kentucky|GPE].",
         "St. Kentucky", True),
    Case("saints_name", "Crews flew from [St. Kentucky|GPE] at dawn.", "St. Kentucky", False),
    Case("saints_name", "They prayed with [Abel Kentucky|PERSON] at dawn.", "Abel Kentucky", False,
         source="ner_other"),
    Case("organisation_name",
         "[Rivermouth|ORG] beat [Rivermouth|ORG]'s rival. [Rivermouth|GPE] won.",
         "Rivermouth", True, occurrence=2),
    Case("organisation_name",
         "[Ottawa|ORG] said no. [Ottawa|ORG] said it twice. [Ottawa|GPE] won.",
         "Ottawa", False, occurrence=2),
    Case("product_name", "The builder offers the Aldwick model. Aldwick has three rooms.",
         "Aldwick", True, occurrence=1),
    Case("product_name", "Two Aldwick-class corvettes docked.", "Aldwick", True),
    Case("product_name", "The builder moved to Aldwick last year.", "Aldwick", False),
    Case("publication_name", "The [Marlow|GPE] Herald said the road was shut.", "Marlow", True),
    Case("publication_name", "Editors of the [Marlow Times|ORG] met.", "Marlow", True,
         source="in_organisation", outer="Marlow Times"),
    Case("publication_name", "Times were hard in [Marlow|GPE] that year.", "Marlow", False),
    Case("publication_name", "Ten died, the [Marlow|GPE] news agency reported.", "Marlow", True),
    Case("publication_name", "Ten died in [Marlow|GPE], an agency official said.", "Marlow",
         False),
    Case("publication_name", "The Marlow news agency said so. According to [Marlow|ORG], ten died.",
         "Marlow", True, occurrence=1, source="ner_other"),
    Case("publication_name", "The Marlow news agency said so. Floods hit [Marlow|GPE] today.",
         "Marlow", False, occurrence=1),
    Case("publication_name", "The Marlow news agency said so. [Marlow|ORG] said ten died.",
         "Marlow", True, occurrence=1, source="ner_other"),
    # Evidence that a name is a place
    Case("named_as_a_place_elsewhere", "Police in [Dover|GPE] said [Dover|ORG] was calm.", "Dover",
         True, occurrence=1, source="ner_other", accepted=["Dover"]),
    Case("named_as_a_place_elsewhere", "Police said [Dover|ORG] was calm.", "Dover", False,
         source="ner_other"),
    Case("dateline_city", "Headline\nHALIFAX — Snow fell.", "HALIFAX", True),
    Case("dateline_city", "Headline\nIn HALIFAX snow fell.", "HALIFAX", False),
    Case("before_its_division", "Storms hit Dover, Delaware, on Monday.", "Dover", True),
    Case("before_its_division", "Storms hit Ely, Cambridgeshire, on Monday.", "Ely", True),
    Case("before_its_division", "Storms hit Dover, Kentucky, on Monday.", "Dover", False),
    Case("before_its_division", "Dover, US Trade Envoy Ames said no.", "Dover", False),
    Case("after_locative_preposition", "Crews worked near Marlow overnight.", "Marlow", True),
    Case("after_locative_preposition", "Crews worked at Marlow's depot overnight.", "Marlow",
         False),
    Case("after_locative_preposition", "A truck overturned just outside of [Marlow|ORG].",
         "Marlow", True, source="ner_other"),
    Case("after_locative_preposition", "Rain fell north of the [Marlow|ORG] on Monday.",
         "Marlow", True, source="ner_other"),
    Case("after_locative_preposition", "The mayor of [Marlow|ORG] spoke.", "Marlow", False,
         source="ner_other"),
    Case("after_its_kind_of_place", "Shells fell on the hill town of Marlow at dawn.", "Marlow",
         True, source="capitalised"),
    Case("after_its_kind_of_place", "Aid reached the villages of Namur and Arlon.", "Arlon", True,
         source="capitalised"),
    Case("after_its_kind_of_place", "Aid reached [Kujeville|GPE], the port of Arlon said.",
         "Kujeville", False, kind="local"),
    Case("after_its_kind_of_place", "The mayor of Marlow spoke at dawn.", "Marlow", False,
         source="capitalised"),
    Case("before_its_kind_of_place", "Shells hit the old town's Arlon district at dawn.", "Arlon",
         True, source="capitalised"),
    Case("before_its_kind_of_place", "Shells hit the Arlon District Council at dawn.", "Arlon",
         False, source="capitalised"),
    Case("before_its_kind_of_place", "Aid reached the Marlow city of tents.", "Marlow", False,
         source="capitalised"),
    Case("before_its_kind_of_place", "Staff of the [Marlow District Council|ORG] met.", "Marlow",
         True, source="in_organisation", outer="Marlow District Council"),
    Case("before_its_kind_of_place", "Staff of the [Marlow Town Band|ORG] met.", "Marlow",
         False, source="in_organisation", outer="Marlow Town Band"),
    Case("hyphenated_adjective", "A [Marlow|PERSON]-based charity sent aid.", "Marlow", True,
         source="ner_other"),
    Case("hyphenated_adjective", "A [Marlow|PERSON] charity sent aid.", "Marlow", False,
         source="ner_other"),
    Case("listed_with_a_place", "Shops in Namur, Arlon and Marlow closed.", "Arlon", True,
         accepted=["Namur"]),
    Case("listed_with_a_place", "Shops in Namur, Arlon and Marlow closed.", "Marlow", False,
         accepted=["Namur"]),
    Case("division_after_comma", "Races at Ely, Cambridgeshire and Marlow.", "Cambridgeshire",
         True),
    Case("division_after_comma", "Races at Ely, Cambridgeshire and Marlow.", "Ely", False),
    Case("named_with_its_division_word", "Troops patrolled Uttar Pradesh State at night.",
         "Uttar Pradesh State", True, source="capitalised"),
    Case("named_with_its_division_word", "Troops patrolled Marlow Town at night.", "Marlow Town",
         False, source="capitalised"),
    Case("named_with_its_site_word", "Flights left [Brantley Field Airport|ORG] late.",
         "Brantley Field Airport", True, source="ner_other"),
    Case("named_with_its_site_word", "Flights left [Marlow Airport|ORG] late.", "Marlow Airport",
         False, source="ner_other"),
    Case("well_known_place", "Officers of the [Kentucky State Police|ORG] came.", "Kentucky", True,
         source="in_organisation", outer="Kentucky State Police"),
    Case("well_known_place", "Staff of the [Abel Mills|ORG] came.", "Abel", False,
         source="in_organisation", outer="Abel Mills"),
    Case("founder_possessive", "She runs [Abel's Bakery|ORG] now.", "Abel", True,
         source="in_organisation", outer="Abel's Bakery"),
    Case("founder_possessive", "She runs [Abel Bakery|ORG] now.", "Abel", False,
         source="in_organisation", outer="Abel Bakery"),
    Case("short_form_in_organisation", "She joined [Capital Partners|ORG].", "Capital", True,
         source="in_organisation", outer="Capital Partners"),
    Case("short_form_in_organisation", "She joined [Leeds Partners|ORG].", "Leeds", False,
         source="in_organisation", outer="Leeds Partners"),
    Case("international_body", "Envoys of the [Leeds Cooperation Organization|ORG] met.", "Leeds",
         True, source="in_organisation", outer="Leeds Cooperation Organization"),
    Case("international_body", "Envoys of the [Leeds Rowing Club|ORG] met.", "Leeds", False,
         source="in_organisation", outer="Leeds Rowing Club"),
    Case("country_in_a_sites_name", "Queues formed at the China Embassy.", "China", True,
         source="in_site", outer="China Embassy"),
    Case("country_in_a_sites_name", "Queues formed at the Leeds Arena.", "Leeds", False,
         source="in_site", outer="Leeds Arena"),
    # Local names the gazetteer lacks
    Case("not_name_shaped", "Aid reached [Kuje-2|GPE] today.", "Kuje-2", True, kind="local"),
    Case("not_name_shaped", "Aid reached [Kujeville|GPE] today.", "Kujeville", False, kind="local"),
    Case("generic_word_inside", "Aid reached [Kuje Central|GPE] today.", "Kuje Central", True,
         kind="local"),
    Case("generic_word_inside", "Aid reached [Kuje Abbey|GPE] today.", "Kuje Abbey", False,
         kind="local"),
    Case("site_word_inside", "Aid reached [Kuje Market|GPE] today.", "Kuje Market", True,
         kind="local"),
    Case("site_word_inside", "Aid reached [Kuje Abbey|GPE] today.", "Kuje Abbey", False,
         kind="local"),
    Case("event_name", "She won the [Harbour Cup|FAC] twice.", "Harbour Cup", True, kind="site"),
    Case("event_name", "She won at [Harbour Park|FAC] twice.", "Harbour Park", False, kind="site"),
    # Sites: streets and buildings
    Case("facility_head", "Nurses at Wexcombe Hospital struck.", "Wexcombe Hospital", True,
         kind="site", source="capitalised"),
    Case("facility_head", "Nurses at Wexcombe Partners struck.", "Wexcombe Partners", False,
         kind="site", source="capitalised"),
    Case("facility_opener", "She studied at the University of Wexcombe.", "University of Wexcombe",
         True, kind="site", source="ner_other"),
    Case("facility_opener", "She studied at the Wexcombe Institute.", "Wexcombe Institute", False,
         kind="site", source="ner_other"),
    Case("facility_after_preposition", "Fans gathered at [Ferngate|FAC] on Friday.", "Ferngate",
         True, kind="site"),
    Case("facility_after_preposition", "[Ferngate|FAC] was full on Friday.", "Ferngate", False,
         kind="site"),
    Case("numbered_part", "Passengers left from [Platform 4|FAC] at noon.", "Platform 4", True,
         kind="site"),
    Case("numbered_part", "Passengers left from [Platform Row|FAC] at noon.", "Platform Row",
         False, kind="site"),
    Case("street_without_address", "Officials said Wexcombe Avenue will be repaved.",
         "Wexcombe Avenue", True, kind="site", source="capitalised"),
    Case("street_without_address", "A car crashed on Wexcombe Avenue late on Friday.",
         "Wexcombe Avenue", False, kind="site", source="capitalised"),
    Case("street_without_address", "A car crashed at 210 Wexcombe Avenue late on Friday.",
         "210 Wexcombe Avenue", False, kind="site", source="capitalised"),
    Case("street_without_address", "Officials said Wexcombe Avenue will be repaved.",
         "Wexcombe Avenue", False, kind="site", source="capitalised", streets=True),
    Case("person_with_a_common_head", "They met at [Tom Hall|PERSON] on Monday.", "Tom Hall", True,
         kind="site", source="ner_other"),
    Case("person_with_a_common_head", "They met at [Tom Ames Hospital|PERSON] on Monday.",
         "Tom Ames Hospital", False, kind="site", source="ner_other"),
    Case("single_word_site", "Staff at [Wexcombe|ORG] left.", "Wexcombe", True, kind="site",
         source="ner_other"),
    Case("single_word_site", "Fans at [Ferngate|FAC] left.", "Ferngate", False, kind="site"),
    Case("court_title", "Farmers petitioned the Supreme Court on Monday.", "Supreme Court", True,
         kind="site", source="capitalised"),
    Case("court_title", "He appeared at Wexcombe Crown Court on Monday.", "Wexcombe Crown Court",
         False, kind="site", source="capitalised"),
]
# fmt: on


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule_on_an_invented_sentence(case: Case) -> None:
    rule = RULES[case.rule]
    m = case.mention()
    assert rule.applies(m), f"{case.rule} does not weigh {m.kind}/{m.source} mentions"
    assert rule.test(m) is case.fires


def test_every_rule_is_tested_firing_and_silent() -> None:
    tested = {(c.rule, c.fires) for c in CASES}
    assert {(name, fires) for name in RULES for fires in (True, False)} <= tested


def test_every_rule_has_a_weight_a_docstring_and_every_weight_a_rule() -> None:
    weights = load_weights()["recognition"]["weights"]
    assert set(weights) == set(RULES)
    for rule in RULES.values():
        assert len(rule.description) > 20, f"{rule.name} states no phenomenon"


def test_every_word_list_has_a_header_and_is_used() -> None:
    import pathlib

    code = "".join(p.read_text() for p in pathlib.Path("geo/toponyms").glob("*.py"))
    for name in WORDS:
        path = WORDS.folder / f"{name}.txt"
        lines = path.read_text(encoding="utf-8").splitlines()
        header = [line for line in lines if line.startswith("#")]
        assert lines[0].startswith("# ") and any("Source:" in line for line in header)
        assert WORDS[name], f"{name} is empty"
        assert f'WORDS["{name}"]' in code, f"{name}.txt is read by no rule"


@pytest.mark.parametrize(
    ("text", "name", "core"),
    [
        # A name the gazetteer lacks that the NER tags a place: its known core is taken.
        (
            "Crews of the Westshire County Fire Service came.",
            "Westshire County Fire Service",
            "Westshire County",
        ),
        ("Snow fell across Far North Westshire overnight.", "Far North Westshire", "Westshire"),
        ("Snow fell across Westshire Meadows overnight.", "Westshire Meadows", None),
    ],
)
def test_the_known_core_of_a_place_name_the_gazetteer_lacks(text, name, core) -> None:
    from geo.toponyms.recognition import core_of

    doc = parse(text)
    document = Document.of(doc, GAZETTEER)  # type: ignore[arg-type]
    found = core_of(document, *_find(doc, name))
    assert (doc[found[0] : found[1]].text if found else None) == core


def test_words_of_nationality_inside_other_names_are_demonyms() -> None:
    from geo.toponyms.recognition import Recogniser

    doc = parse(
        "The [Kenyan Rowing Federation|ORG] met [Omani-Kenyan|NORP] crews at the "
        "[Omani Embassy|ORG] in [Marlow|GPE]."
    )
    found = Recogniser(GAZETTEER).recognise(doc)  # type: ignore[arg-type]
    assert [(t.text, t.place.country) for t in found.demonyms] == [
        ("Kenyan", "KE"),
        ("Omani", "OM"),
        ("Kenyan", "KE"),
    ]  # not the embassy's: a building named for whose it is
    assert all(t.kind == "demonym" for t in found.demonyms)
    off = Recogniser(GAZETTEER, disabled=["demonym_in_a_name"]).recognise(doc)  # type: ignore[arg-type]
    assert off.demonyms == []


def test_a_place_in_the_possessive_is_the_place() -> None:
    from geo.toponyms.recognition import widen

    doc = parse("Snow closed [Westshire's|GPE] roads.")
    document = Document.of(doc, GAZETTEER)  # type: ignore[arg-type]
    start, end = widen(document, doc.ents[0])
    assert doc[start:end].text == "Westshire"


def test_a_demonym_the_model_tags_a_person_is_a_demonym() -> None:
    from geo.toponyms.recognition import Recogniser

    doc = parse("Divers photographed [Omani|PERSON] reefs last spring.")
    found = Recogniser(GAZETTEER).recognise(doc)  # type: ignore[arg-type]
    assert [(t.text, t.kind, t.place.country) for t in found.demonyms] == [
        ("Omani", "demonym", "OM")
    ]


def test_a_peoples_word_the_model_tags_a_language_is_a_demonym_before_a_kind_of_place() -> None:
    from geo.toponyms.recognition import Recogniser

    # "Chinese" is also a town in the stub gazetteer, as "English" is in the real one.
    text = "Crews reached the [Chinese|LANGUAGE] town of Sur. She speaks [Chinese|LANGUAGE]."
    found = Recogniser(GAZETTEER).recognise(parse(text))  # type: ignore[arg-type]
    assert [(t.text, t.start, t.kind) for t in found.demonyms] == [("Chinese", 18, "demonym")]


def test_a_place_opening_an_events_name_is_where_it_is_named_after() -> None:
    from geo.toponyms.recognition import Recogniser

    doc = parse("Crews raced in the [Halifax Regatta|EVENT] on Sunday.")
    found = Recogniser(GAZETTEER).recognise(doc)  # type: ignore[arg-type]
    assert [(d.mention.text, d.mention.source) for d in found.places] == [
        ("Halifax", "in_organisation")
    ]
