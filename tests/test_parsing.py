"""The parse only where events need it: sentences without a possible trigger stay unparsed,
and the events come out the same as with every sentence parsed."""

from __future__ import annotations

from datetime import date

import pytest

from geo.model import Article
from geo.pipeline import Pipeline

# Invented texts: a few sentences that can report an event among many that cannot.
MIXED = (
    "The council of Leeds voted on Tuesday to repair the old bridge before winter.\n\n"
    "Heavy rain closed several roads between Leeds and York for most of the day.\n\n"
    "Russian and Chinese warships held joint drills in the Sea of Japan in July 2019. "
    "The ships practised air defence off the coast of Vladivostok.\n\n"
    "A new library opened in York last week, the mayor said. Shops reported a busy weekend."
)
NEXT_SENTENCE = (
    "Indian and French navies began a joint exercise on 4 May 2021. "
    "The warships sailed off the coast of Goa."
)
ARRIVAL = (
    "The defence minister of Vietnam arrived in Moscow on Monday. "
    "He later held talks with his Russian counterpart on military cooperation."
)


@pytest.fixture(scope="module")
def pipeline(geoparser):
    return Pipeline(geoparser)


def extract(pipeline, text: str, *, parse_all: bool = False):
    """The events of text, and its doc as the extraction left it."""
    article = Article(id="t.txt", text=text, published=date(2021, 6, 1))
    doc = pipeline.geoparser.nlp(text)
    pipeline.extractor.parse_all = parse_all
    try:
        events = pipeline.extractor(article, doc, pipeline.geoparser.toponyms(doc))
    finally:
        pipeline.extractor.parse_all = False
    return events, doc


def parsed(sent) -> bool:
    return any(t.dep_ for t in sent)


def test_the_pipeline_parses_nothing_before_events_ask(pipeline):
    doc = pipeline.geoparser.nlp(MIXED)
    assert not doc.has_annotation("DEP") and not doc.has_annotation("LEMMA")
    assert doc.ents and len(list(doc.sents)) >= 6


def test_sentences_without_a_trigger_are_not_parsed(pipeline):
    events, doc = extract(pipeline, MIXED)
    sents = list(doc.sents)
    drills = next(s for s in sents if "drills" in s.text)
    assert parsed(drills)
    assert not parsed(sents[0]) and not any(parsed(s) for s in sents if "library" in s.text)
    assert [e.type for e in events] == ["exercise"]


def test_a_partial_parse_keeps_the_sentence_boundaries(pipeline):
    doc = pipeline.geoparser.nlp(MIXED)
    before = [s.text for s in doc.sents]
    extract_doc = pipeline.geoparser.nlp(MIXED)
    pipeline.extractor(Article(id="t.txt", text=MIXED), extract_doc, [])
    assert [s.text for s in extract_doc.sents] == before


@pytest.mark.parametrize("text", [MIXED, NEXT_SENTENCE, ARRIVAL])
def test_events_are_the_same_as_with_every_sentence_parsed(pipeline, text):
    chosen, _ = extract(pipeline, text)
    everything, _ = extract(pipeline, text, parse_all=True)
    assert chosen == everything and chosen


def test_the_sentence_after_a_placeless_event_is_parsed_when_read(pipeline):
    events, doc = extract(pipeline, NEXT_SENTENCE)
    [event] = events
    assert [p.name for p in event.places] == ["Goa"]
    assert "place:next_sentence_refers_back" in event.why
    assert all(parsed(s) for s in doc.sents)


def test_a_lemma_covers_its_irregular_and_regular_forms(pipeline):
    forms = pipeline.extractor.parser.forms
    assert {"held", "holds", "holding"} <= forms(["hold"])
    assert {"drills", "drilled"} <= forms(["drill"])
    assert {"bought", "flew", "flown", "met"} <= forms(["buy", "fly", "meet"])


def test_a_parsed_sentence_is_one_tree(pipeline):
    nlp = pipeline.geoparser.nlp
    doc = nlp("Sailors from two navies held drills off the coast; then they sailed home again.")
    sent = next(iter(doc.sents))
    pipeline.extractor.parser(doc, [sent])
    roots = [t for t in sent if t.dep_ == "ROOT"]
    assert len(roots) == 1 and all(t.lemma_ for t in sent)
