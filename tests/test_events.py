"""Events from articles written for these tests: types, dates, places, participants, merging."""

from __future__ import annotations

from datetime import date

import pytest

from geo.model import Article
from geo.pipeline import Pipeline


@pytest.fixture(scope="module")
def pipeline(geoparser):
    return Pipeline(geoparser)


def events_of(pipeline, text: str, published: date | None = date(2021, 3, 3)):
    return pipeline.process(Article(id="t.txt", text=text, published=published))


def one(pipeline, text, published=date(2021, 3, 3)):
    found = events_of(pipeline, text, published)
    assert len(found) == 1, found
    return found[0]


def test_exercise_dateline_and_descriptor_are_not_the_place(pipeline):
    e = one(
        pipeline,
        "BEIJING, March 3 (Reuters) -- Chinese and Russian troops began joint "
        "anti-terror drills near the Ural Mountains city of Orenburg on Tuesday, "
        "the defence ministry said.",
    )
    assert e.type == "exercise"
    assert [p.name for p in e.places] == ["Orenburg"]
    assert (e.year, e.month, e.day, e.precision) == (2021, 3, 2, "day")
    assert set(e.participants) >= {"China", "Russia"}
    assert e.status == "past"


def test_patrol_over_two_seas_last_week(pipeline):
    e = one(
        pipeline,
        "Russian and Chinese strategic bombers flew a joint patrol over the "
        "Sea of Japan and the East China Sea last week.",
        date(2022, 5, 30),
    )
    assert e.type == "patrol"
    assert {p.place.feature for p in e.places} == {"sea"}
    assert len(e.places) == 2
    assert all(25 < p.place.lat < 45 and 120 < p.place.lon < 140 for p in e.places)
    assert (e.year, e.month) == (2022, 5)


def test_planned_visit_next_month(pipeline):
    e = one(
        pipeline,
        "The Chinese defence minister will visit Minsk next month for talks with "
        "his Belarusian counterpart.",
        date(2022, 5, 30),
    )
    assert e.type == "meeting"
    assert [p.name for p in e.places] == ["Minsk"]
    assert (e.year, e.month, e.status) == (2022, 6, "planned")
    assert set(e.participants) >= {"China", "Belarus"}


def test_arms_deal_place_is_where_it_was_signed(pipeline):
    e = one(
        pipeline,
        "Last year Egypt signed a contract in Moscow to buy two dozen Su-35 "
        "fighter jets from Russia.",
        date(2019, 4, 1),
    )
    assert e.type == "arms_deal"
    assert [p.name for p in e.places] == ["Moscow"]
    assert e.year == 2018


def test_other_cooperation_with_a_stated_year(pipeline):
    e = one(pipeline, "In 2015 the two navies signed a cooperation agreement in Vladivostok.")
    assert e.type == "other" and e.year == 2015 and e.precision == "year"
    assert abs(e.places[0].place.lat - 43.1) < 0.5


def test_no_event_without_a_place_or_for_habits(pipeline):
    assert (
        events_of(pipeline, "Moscow and Beijing held talks. Russia held drills with China.") == []
    )
    assert events_of(pipeline, "The two armies regularly hold drills in Siberia.") == []


def test_sentences_about_one_exercise_merge_into_one_event(pipeline):
    text = (
        "Russian and Chinese warships began a joint exercise in the Sea of Japan on Friday.\n\n"
        "The drills in the Sea of Japan will last five days, the navy said."
    )
    e = one(pipeline, text, date(2021, 7, 12))
    assert len(e.sources) == 2
    assert e.sources[1].excerpt.startswith("The drills")
    assert text[e.sources[0].start : e.sources[0].end] == e.sources[0].excerpt


def test_undated_article_keeps_the_event_undated(pipeline):
    e = one(pipeline, "Chinese and Russian troops held joint drills in Inner Mongolia.", None)
    assert e.year is None and e.precision == "unknown"


def test_organisation_and_person_names_are_not_places(pipeline):
    found = events_of(
        pipeline,
        "Defence officials of the Shanghai Cooperation Organization met "
        "Georgia Smith at a summit in Tashkent.",
    )
    assert [p.name for e in found for p in e.places] == ["Tashkent"]


def test_place_in_the_next_sentence(pipeline):
    text = (
        "Russian and Chinese warships began joint naval drills on Monday.\n"
        "The ships practised anti-submarine warfare off the coast of Zhejiang province."
    )
    e = one(pipeline, text, date(2023, 7, 20))
    assert e.type == "exercise" and (e.year, e.month, e.day) == (2023, 7, 17)
    assert "Zhejiang" in e.places[0].name
    assert [s.excerpt[:9] for s in e.sources] == ["Russian a", "The ships"]


def test_date_in_a_neighbouring_sentence_of_the_same_event(pipeline):
    text = (
        "Chinese and Russian bombers flew a joint patrol over the East China Sea.\n"
        "The patrol took place on 24 May 2022, the ministry said."
    )
    e = one(pipeline, text, date(2022, 5, 30))
    assert e.type == "patrol" and (e.year, e.month, e.day) == (2022, 5, 24)
    assert len(e.sources) == 2


def test_undated_talk_next_to_a_place_is_no_event(pipeline):
    text = (
        "Officially the drills are described as anti-terror exercises.\n"
        "Speaking in Bishkek, the minister praised the partnership."
    )
    assert events_of(pipeline, text) == []


@pytest.mark.parametrize(
    "text, published, expected",
    [
        (
            "Russia delivered the first batch of S-400 missile systems to China in Beijing in "
            "April 2018.",
            date(2018, 5, 2),
            ("arms_deal", 2018, 4),
        ),
        (
            "Chinese cadets began training at a military academy in Saint Petersburg this summer.",
            date(2016, 9, 1),
            ("other", 2016, 7),
        ),
        (
            "The defence ministers held talks in Singapore in June last year.",
            date(2020, 3, 1),
            ("meeting", 2019, 6),
        ),
        (
            "The Vostok-2018 exercise took place in eastern Siberia.",
            date(2019, 1, 10),
            ("exercise", 2018, None),
        ),
    ],
)
def test_each_type_and_date_form(pipeline, text, published, expected):
    e = one(pipeline, text, published)
    assert (e.type, e.year, e.month) == expected


def test_stages_of_one_named_exercise_are_one_event_with_several_places(pipeline):
    text = (
        "The Peace Mission 2007 anti-terrorism exercise began on August 9 near Chelyabinsk.\n"
        "The first stage of the drills was held in Urumqi on August 9-12."
    )
    e = one(pipeline, text, date(2007, 8, 17))
    assert {p.name for p in e.places} == {"Chelyabinsk", "Urumqi"}
    assert (e.year, e.month) == (2007, 8) and len(e.sources) == 2


def test_the_date_of_the_delivery_not_of_the_contract_or_the_report(pipeline):
    text = (
        "Russia delivered the first Su-35 fighter jets to China on Monday under a contract "
        "signed in November 2015, a source told reporters on Tuesday."
    )
    e = one(pipeline, text, date(2016, 6, 14))
    assert e.type == "arms_deal" and (e.year, e.month, e.day) == (2016, 6, 13)
    assert [p.name for p in e.places] == ["China"]
    assert dict(e.roles) == {"buyer": "CN", "seller": "RU"}


def test_a_contract_signed_in_the_buyers_capital_is_placed_there(pipeline):
    text = (
        "NEW DELHI: India and Russia signed a contract for S-400 air defence missiles on "
        "Friday, officials said."
    )
    e = one(pipeline, text, date(2018, 10, 6))
    assert e.type == "arms_deal" and (e.year, e.month, e.day) == (2018, 10, 5)
    assert [p.name for p in e.places] == ["New Delhi"]
    assert abs(e.places[0].place.lat - 28.6) < 0.3 and abs(e.places[0].place.lon - 77.2) < 0.3
    assert dict(e.roles) == {"buyer": "IN", "seller": "RU"}


def test_a_town_wins_over_its_province(pipeline):
    e = one(
        pipeline,
        "Chinese and Russian navies held drills in the waters off Qingdao, a port "
        "city in Shandong Province, on Monday.",
        date(2019, 4, 29),
    )
    assert [p.name for p in e.places] == ["Qingdao"]


def test_capitals_acting_as_states_name_the_participants(pipeline):
    text = (
        "Russian and Chinese warships held joint drills in the Yellow Sea on Monday.\n"
        "Washington and Tokyo held their own naval exercise off Okinawa last month."
    )
    found = events_of(pipeline, text, date(2005, 8, 18))
    by_place = {e.places[0].name: e for e in found}
    assert set(by_place["Okinawa"].participants) == {"United States", "Japan"}
    assert set(by_place["Yellow Sea"].participants) == {"Russia", "China"}


def test_onlookers_of_the_drills_are_not_participants(pipeline):
    text = (
        "Russia and China launched joint military exercises on the Shandong Peninsula on "
        "Thursday.\nThe United States has expressed concern about the drills."
    )
    e = one(pipeline, text, date(2005, 8, 18))
    assert set(e.participants) == {"Russia", "China"}


def test_a_deal_without_arms_is_no_arms_deal(pipeline):
    assert (
        events_of(
            pipeline,
            "India and Russia signed a deal in Moscow on a new payment system for oil trade.",
        )
        == []
    )
    e = one(pipeline, "India signed a deal in Moscow to buy more S-400 batteries.")
    assert e.type == "arms_deal"


def test_a_training_ground_is_a_place_not_a_training_event(pipeline):
    e = one(
        pipeline,
        "Some 5,000 troops will take part in the Peace Mission-2010 exercise at the "
        "Matybulak training ground near Almaty from September 9 to 25.",
        date(2010, 9, 1),
    )
    assert e.type == "exercise" and (e.year, e.month) == (2010, 9)


def test_a_clause_about_something_else_adds_no_event(pipeline):
    text = (
        "The Russian and Chinese navies started a joint exercise off the coast of Zhanjiang "
        "on Monday.\nThe eight-day exercise comes after a tribunal in The Hague ruled on "
        "maritime claims in July."
    )
    e = one(pipeline, text, date(2016, 9, 12))
    assert [p.name for p in e.places] == ["Zhanjiang"]


def test_the_host_country_takes_part(pipeline):
    e = one(
        pipeline,
        "The Russian defence minister will visit Beijing next week for talks.",
        date(2010, 9, 9),
    )
    assert set(e.participants) == {"Russia", "China"}


def test_the_excerpt_keeps_its_dateline_city(pipeline):
    text = (
        "Troops to hold drills\n\nALMATY, Sept 9 (RIA Novosti) - Some 5,000 troops will take "
        "part in the Peace Mission-2010 exercise near Almaty from September 9 to 25."
    )
    [e] = events_of(pipeline, text, date(2010, 9, 9))
    assert any(s.excerpt.startswith("ALMATY, Sept 9") for s in e.sources)
    assert all(text[s.start : s.end] == s.excerpt for s in e.sources)
