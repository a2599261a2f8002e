"""Date expressions: absolute, relative to the publication date, in names, and what is no date."""

from __future__ import annotations

from datetime import date

import pytest

from geo.dates import best_date, find_dates

PUBLISHED = date(2024, 10, 15)  # a Tuesday


@pytest.mark.parametrize(
    "text, future, expected",
    [
        ("joint drills on Aug. 7, 2013 near the border", False, (2013, 8, 7)),
        ("talks on 13 June 2019 in the capital", False, (2019, 6, 13)),
        ("the header says 2019-06-13", False, (2019, 6, 13)),
        ("an exercise in September 2018", False, (2018, 9, None)),
        ("their first joint drill in 2005", False, (2005, None, None)),
        ("the exercise Peace Mission-2018 will be held in September", True, (2018, 9, None)),
        ("Last week, border guards completed a patrol", False, (2024, 10, None)),
        ("they conducted drills last month", False, (2024, 9, None)),
        ("the minister arrived on Monday", False, (2024, 10, 14)),
        ("the talks will open on Monday", True, (2024, 10, 21)),
        ("drills were held in August this year", False, (2024, 8, None)),
        ("a summit is planned next year", True, (2025, None, None)),
        ("In February, the minister said", False, (2024, 2, None)),
        ("In December, the minister said", False, (2023, 12, None)),
        ("the summit will be held from Nov. 7-11", True, (2024, 11, 7)),
        ("this summer the games take place", True, (2024, 7, None)),
        ("the pact was signed three years ago", False, (2021, None, None)),
        ("yesterday the ships left port", False, (2024, 10, 14)),
    ],
)
def test_dates_resolve(text, future, expected):
    when = best_date(find_dates(text, PUBLISHED, future=future))
    assert when is not None
    assert (when.year, when.month, when.day) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a roadmap for 2017-2020",
        "over 1,000 troops",
        "spending of $2020 million",
        "a budget of 2,019 units",
        "nothing to see here",
    ],
)
def test_not_dates(text):
    assert find_dates(text, PUBLISHED) == []


def test_relative_dates_need_a_publication_date():
    assert find_dates("drills last month", None) == []
    assert [d.year for d in find_dates("drills in 2005", None)] == [2005]


def test_precision():
    [d] = find_dates("drills in May 2010", PUBLISHED)
    assert d.precision == "month"


def test_a_span_of_time_is_not_a_date():
    assert find_dates("the second such flight over the past year", date(2020, 12, 23)) == []
    assert [d.year for d in find_dates("drills held last year", date(2020, 12, 23))] == [2019]


def test_last_this_and_next_month_names():
    published = date(2024, 9, 9)
    found = {d.text: (d.year, d.month) for d in find_dates("last July, next March", published)}
    assert found == {"last July": (2024, 7), "next March": (2025, 3)}


def test_the_second_date_of_a_range_is_its_end():
    found = find_dates("From Sept. 20 to Oct. 10 ships patrolled", date(2024, 10, 11))
    assert [(d.month, d.day, d.ends) for d in found] == [(9, 20, False), (10, 10, True)]
    assert best_date(found).month == 9
