"""Datelines stay with the first sentence of their paragraph."""

from __future__ import annotations

import spacy

from geo.sentences import DATELINE, datelines


def test_dateline_pattern_matches_agency_forms():
    for line in (
        "QINGDAO, April 29 (Xinhua) --",
        "MOSCOW, June 13. /TASS/.",
        "BEIJING (Reuters) -",
        "NEW DELHI, Sept. 7 (AP) --",
    ):
        assert DATELINE.match(line + " Text").group(0) == line


def test_component_marks_dateline_tokens_as_inside_the_sentence():
    nlp = spacy.blank("en")
    doc = datelines(nlp("Headline here\nQINGDAO, April 29 (Xinhua) -- Navies began drills."))
    first = next(t for t in doc if t.text == "QINGDAO")
    inside = doc[first.i + 1 : first.i + 9]
    assert all(t.is_sent_start is False for t in inside)


def test_plain_capitalised_opening_is_left_alone():
    nlp = spacy.blank("en")
    doc = datelines(nlp("NATO leaders met on Monday."))
    assert all(t.is_sent_start is None for t in doc[1:])
