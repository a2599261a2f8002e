"""The one dateline grammar: city, optional region, day, agency and dash."""

from __future__ import annotations

import pytest

from geo.datelines import dateline_end, find_datelines, match_dateline


@pytest.mark.parametrize(
    "line, city, month, day, year",
    [
        ("TALLINN, March 4 (Reuters) -- Ministers met.", "TALLINN", 3, 4, None),
        ("HANOI, Oct. 21. /TASS/. Two ships docked.", "HANOI", 10, 21, None),
        ("SPRINGFIELD, Ill., Feb. 2, 2021 -- Crews worked.", "SPRINGFIELD", 2, 2, 2021),
        ("PORT MORESBY (AFP) - Rain fell.", "PORT MORESBY", None, None, None),
        ("REGINA — Snow fell overnight.", "REGINA", None, None, None),
        ("Tallinn, March 4 (Reuters) - Ministers met.", "Tallinn", 3, 4, None),
    ],
)
def test_datelines_give_their_city_and_day(line, city, month, day, year):
    found = match_dateline(line)
    assert found is not None
    assert line[found.place_start : found.place_end] == city
    assert (found.month, found.day, found.year) == (month, day, year)
    assert line[found.end :].startswith(" ")


@pytest.mark.parametrize(
    "line",
    [
        "NATO allies met on Monday.",  # capitals, but nothing a dateline has after its city
        "Tuesday, March 4 - the day the talks began.",  # title case needs an agency or a dash
        "Ministers met in Tallinn, March 4 (Reuters).",  # not opening the line
    ],
)
def test_prose_is_no_dateline(line):
    assert match_dateline(line) is None


def test_dateline_end_skips_the_filing_date():
    text = "HANOI, Oct. 21 (AP) -- Drills began on Oct. 19."
    assert text[dateline_end(text) :] == " Drills began on Oct. 19."
    assert dateline_end("Drills began.") == 0


def test_datelines_open_lines_anywhere_in_the_text():
    text = "Navies meet\n\n  HANOI, Oct. 21 (AP) -- Drills began.\nREGINA — Snow."
    assert [text[d.place_start : d.place_end] for d in find_datelines(text)] == ["HANOI", "REGINA"]
