"""Events from articles written for these tests: types, dates, places, participants, merging."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from geo.events import most_specific
from geo.gazetteer import Cover
from geo.model import Article, EventPlace, Place
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
        "Long-range bombers of Russia and China flew a joint patrol over the "
        "East China Sea and the Sea of Japan last week.",
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


# The frame rules, each on a sentence written for it.


def test_leaders_visiting_a_zoo_or_talking_trade_are_no_military_cooperation(pipeline):
    assert (
        events_of(pipeline, "The two presidents visited the city zoo in Moscow on Wednesday.") == []
    )
    assert (
        events_of(pipeline, "The prime ministers met in Hanoi to discuss trade and tourism.") == []
    )
    e = one(pipeline, "The defence ministers of Vietnam and India met in Hanoi on Monday.")
    assert e.type == "meeting" and [p.name for p in e.places] == ["Hanoi"]


def test_a_press_conference_is_not_a_meeting(pipeline):
    found = events_of(
        pipeline, "Air force commanders held a joint press conference at a base in Norfolk."
    )
    assert [e.type for e in found] == []


def test_what_could_happen_is_no_event(pipeline):
    assert (
        events_of(pipeline, "The missile deal could bring sanctions on Turkey from Washington.")
        == []
    )


def test_reported_speech_in_quotation_marks_reports_events_and_ranges_have_ends(pipeline):
    e = one(
        pipeline,
        '"From May 2 to May 9, Russian and Chinese warships held joint drills in the Yellow '
        'Sea," the ministry said.',
        date(2021, 5, 12),
    )
    assert e.type == "exercise" and (e.year, e.month, e.day) == (2021, 5, 2)
    assert e.end == "2021-05-09"
    assert [p.name for p in e.places] == ["Yellow Sea"]


def test_a_stage_of_the_exercise_adds_its_place(pipeline):
    e = one(
        pipeline,
        "Russian and Chinese troops began joint drills near Orenburg on Monday.\n"
        "The final phase will take place in the Bering Sea.",
        date(2021, 3, 3),
    )
    assert {p.name for p in e.places} == {"Orenburg", "Bering Sea"}
    assert "link:refers_back" in e.why


def test_a_signing_without_a_place_is_where_the_story_is_filed(pipeline):
    e = one(
        pipeline,
        "HANOI, May 3 (AFP) - Vietnam and India signed a defence cooperation agreement on "
        "Tuesday, officials said.",
        date(2022, 5, 3),
    )
    assert e.type == "other" and [p.name for p in e.places] == ["Hanoi"]
    assert "place:dateline_city" in e.why


def test_an_old_event_is_not_placed_at_todays_dateline(pipeline):
    found = events_of(
        pipeline,
        "HANOI, May 3 (AFP) - The two navies first held joint drills in 2015, officials said.",
        date(2022, 5, 3),
    )
    assert found == []


def test_a_deal_without_a_place_is_in_the_buyers_country(pipeline):
    e = one(pipeline, "Russia and Egypt clinched a deal for 24 Su-35 fighter jets in 2018.")
    assert e.type == "arms_deal" and e.year == 2018
    assert [p.place.country for p in e.places] == ["EG"]
    assert dict(e.roles) == {"buyer": "EG", "seller": "RU"}


def test_a_later_delivery_keeps_the_buyer_of_the_article(pipeline):
    found = events_of(
        pipeline,
        "Russia has delivered ten Su-30 fighter jets to Vietnam, a source said on Monday.\n"
        "The first four jets had been delivered in late 2019.",
        date(2021, 3, 3),
    )
    assert sorted(e.year for e in found) == [2019, 2021]
    assert {p.place.country for e in found for p in e.places} == {"VN"}


def test_a_trend_since_a_year_is_no_event(pipeline):
    assert (
        events_of(pipeline, "Since the early 2000s Russia has supplied most of India's arms.") == []
    )


def test_a_decision_dates_itself_not_the_drills_it_is_about(pipeline):
    assert (
        events_of(
            pipeline,
            "The defence ministers agreed in May 2020 to carry out joint exercises.",
        )
        == []
    )


def test_a_place_of_a_circumstance_or_of_an_office_is_not_the_events(pipeline):
    e = one(
        pipeline,
        "NATO troops began a military exercise in Norway on Monday, citing the conflict in "
        "Ukraine, the ministry in Brussels said.",
    )
    assert [p.name for p in e.places] == ["Norway"]


def test_a_named_exercise_keeps_its_name_and_round(pipeline):
    e = one(
        pipeline,
        "The drills, codenamed Ocean Shield-2021 (II), began in the Baltic Sea on Monday with "
        "Russian and Chinese warships.",
    )
    assert e.name == "Ocean Shield-2021 (II)"


def test_the_year_in_a_name_does_not_hide_the_month_of_the_report(pipeline):
    e = one(pipeline, "Russian and Kazakh troops began the Vostok-2021 drills near Omsk.")
    assert (e.year, e.month, e.date_source) == (2021, 3, "publication")


def test_warships_leaving_a_port_for_a_sea_exercise_there(pipeline):
    e = one(
        pipeline,
        "Chinese warships left Qingdao for the Sea of Japan to join Russian ships for naval "
        "drills.",
    )
    assert [p.name for p in e.places] == ["Sea of Japan"]


def test_a_supply_ship_is_no_arms_deal(pipeline):
    found = events_of(pipeline, "The Chinese flotilla includes a destroyer and a supply ship.")
    assert [e.type for e in found] == []


def test_one_patrol_told_over_an_ocean_and_its_seas_is_one_event(pipeline):
    e = one(
        pipeline,
        "Russian and Chinese submarines completed a joint patrol in the Pacific Ocean on "
        "Monday.\nThe two boats patrolled the Philippine Sea and the South China Sea, the "
        "ministry said.",
    )
    assert {p.name for p in e.places} >= {"Philippine Sea", "South China Sea"}


def test_a_namesake_village_far_from_every_participant_yields_or_is_flagged():
    from geo.events import plausible
    from geo.model import Event, EventPlace, Place

    belarus = Place("gn:630336", "Belarus", 53.0, 28.0, "country", "BY")
    village = Place("gn:1", "Lesnoy", 40.4, 49.9, "city", "AZ", 900)
    moscow = Place("gn:524901", "Moscow", 55.75, 37.62, "city", "RU", 10_000_000)
    codes = {"Belarus": "BY", "Russia": "RU"}
    both = Event(
        "exercise",
        2021,
        places=(EventPlace("Belarus", belarus), EventPlace("Lesnoy", village)),
        participants=("Belarus", "Russia"),
    )
    kept = plausible(both, codes)
    assert [p.name for p in kept.places] == ["Belarus"] and not kept.review
    alone = replace(both, places=(EventPlace("Lesnoy", village),))
    assert "takes no part" in plausible(alone, codes).review
    host = replace(both, places=(EventPlace("Moscow", moscow),))
    assert plausible(host, codes) == host


def test_an_enumeration_of_rounds_is_one_event_each(pipeline):
    found = events_of(
        pipeline,
        "Earlier rounds of the Russian-Chinese naval drills were held in the Yellow Sea in "
        "2012, in the Sea of Japan in 2015 and in the Mediterranean in 2017.",
    )
    assert sorted((e.year, e.places[0].name) for e in found) == [
        (2012, "Yellow Sea"),
        (2015, "Sea of Japan"),
        (2017, "Mediterranean"),
    ]


def test_talks_are_where_the_visitor_arrived(pipeline):
    e = one(
        pipeline,
        "Chinese Defence Minister Dong Jun arrived in Vientiane on Tuesday.\n"
        "He later held talks with his Lao counterpart on military cooperation.",
    )
    assert e.type == "meeting" and [p.name for p in e.places] == ["Vientiane"]


def test_an_exercise_named_after_a_river_is_not_on_the_river(pipeline):
    from geo.model import Place, Toponym

    text = "Russian and Mongolian troops took part in the Selenga-2019 drills on Monday."
    geoparser = pipeline.geoparser
    doc = geoparser.nlp(text)
    # Whatever the geoparser makes of it, a river read inside the name must not place it.
    river = Toponym(
        text.index("Selenga"),
        text.index("Selenga") + 7,
        "Selenga",
        Place("cur:selenga", "Selenga", 52.0, 106.5, "river"),
    )
    toponyms = sorted([*geoparser.toponyms(doc), river], key=lambda t: t.start)
    article = Article(id="t.txt", text=text, published=date(2021, 3, 3))
    found = pipeline.extractor(article, doc, toponyms)
    assert not [p.name for e in found for p in e.places]


def test_bombers_flying_over_a_sea_are_a_patrol_a_minister_flying_is_not(pipeline):
    e = one(
        pipeline,
        "Two Russian and two Chinese strategic bombers flew over the Yellow Sea on Tuesday.",
    )
    assert e.type == "patrol" and [p.name for p in e.places] == ["Yellow Sea"]
    assert events_of(pipeline, "The defence minister flew to Hanoi on Tuesday.") == []


def test_the_exercises_referred_to_are_the_patrol_just_reported(pipeline):
    e = one(
        pipeline,
        "Seoul scrambled fighter jets on Thursday in response to joint air patrols by Chinese "
        "and Russian bombers.\nThe formations met over the Yellow Sea before carrying out the "
        "joint exercises near Jeju island.",
    )
    assert e.type == "patrol" and "Yellow Sea" in {p.name for p in e.places}


def test_a_quoted_or_cued_name_names_the_exercise_and_is_never_a_place(pipeline):
    e = one(
        pipeline,
        "The navies of India and France began the ‘Varuna’ exercise in the Arabian Sea on Monday.",
    )
    assert e.name == "Varuna" and [p.name for p in e.places] == ["Arabian Sea"]
    e = one(
        pipeline,
        "Exercise Cope Thunder began at Clark air base in the Philippines on Monday with US "
        "and Philippine jets.",
    )
    assert e.name == "Cope Thunder"


def test_rounds_told_with_a_year_ago_and_a_year(pipeline):
    found = events_of(
        pipeline,
        "Earlier naval drills took place off the coast of Japan a year ago and in the "
        "Philippine Sea in 2018.",
        date(2020, 11, 3),
    )
    assert sorted((e.year, e.places[0].name) for e in found) == [
        (2018, "Philippine Sea"),
        (2019, "Japan"),
    ]


def test_the_purpose_of_a_meeting_is_not_the_event(pipeline):
    e = one(
        pipeline,
        "The chiefs of general staff of Vietnam and India met in Hanoi on Monday to plan "
        "next year's joint drills.",
    )
    assert e.type == "meeting"
    e = one(
        pipeline,
        "The Indian defence minister arrived in Moscow for talks on the delivery of S-400 "
        "missiles.",
    )
    assert e.type == "meeting"


def test_a_contract_signed_during_a_visit_is_a_meeting_and_an_arms_deal(pipeline):
    found = events_of(
        pipeline,
        "During the Indian prime minister's visit to Moscow, the two sides signed a contract "
        "for Su-30 fighter jets.",
    )
    by_type = {e.type: e for e in found}
    assert set(by_type) == {"meeting", "arms_deal"}
    assert [p.name for p in by_type["meeting"].places] == ["Moscow"]
    assert [p.place.country for p in by_type["arms_deal"].places] == ["IN"]


def test_tanks_sent_to_drills_are_no_arms_deal(pipeline):
    found = events_of(
        pipeline,
        "Russia sent 1,000 troops, 13 T-72 tanks and BM-21 rocket launchers to the joint "
        "drills near Orenburg.",
    )
    assert [e.type for e in found] == ["exercise"]


def test_onlookers_who_respond_are_not_participants(pipeline):
    e = one(
        pipeline,
        "South Korea and Japan scrambled fighter jets on Thursday in response to joint air "
        "patrols by Chinese and Russian bombers over the Yellow Sea.",
    )
    assert e.type == "patrol" and set(e.participants) == {"China", "Russia"}


def test_receiving_arms_is_a_deal_receiving_a_delegation_is_not(pipeline):
    e = one(
        pipeline, "Vietnam will receive the remaining ten fighter aircraft from Russia in 2022."
    )
    assert e.type == "arms_deal" and e.year == 2022 and e.status == "planned"
    assert events_of(pipeline, "The general received a delegation from the Russian army.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Japan's defence ministry said it scrambled jets after Chinese and Russian bombers flew "
        "a joint patrol over the Sea of Japan on Tuesday.",
        "Four Russian and two Chinese bombers staged a joint patrol above the Sea of Okhotsk "
        "on Tuesday, prompting South Korea's air force to scramble fighters.",
        "Two Chinese and three Russian bombers flew a joint patrol inside South Korea's air "
        "defence zone over the Sea of Japan on Tuesday.",
    ],
)
def test_a_country_that_reports_reacts_or_owns_the_zone_is_an_onlooker(pipeline, text):
    e = one(pipeline, text, date(2024, 5, 30))
    assert e.type == "patrol" and set(e.participants) == {"China", "Russia"}


@pytest.mark.parametrize(
    ("text", "sides"),
    [
        (
            "China's defence ministry said its navy held joint drills with Russia in the "
            "Yellow Sea on Monday.",
            {"China", "Russia"},
        ),
        (
            "Iran's navy joined Chinese and Russian warships in joint drills in the Gulf of "
            "Oman on Friday.",
            {"China", "Russia", "Iran"},
        ),
        (
            "Chinese and Russian ships held joint drills in the Gulf of Oman on Friday, and "
            "Iran's navy joined them.",
            {"China", "Russia", "Iran"},
        ),
    ],
)
def test_a_country_named_in_the_possessive_can_still_take_part(pipeline, text, sides):
    assert set(one(pipeline, text, date(2024, 5, 30)).participants) == sides


# -- the most specific place: containment by codes and by curated covers ------------------------
# Invented places in an invented country "XQ"; no model is loaded.


def _at(id_: str, name: str, feature: str, lat: float = 10.0, lon: float = 20.0, **codes):
    return EventPlace(name, Place(id_, name, lat, lon, feature, **codes))


XQ = _at("gn:9000001", "Quarvia", "country", country="XQ")
NORTH = _at("gn:9000002", "North Vell", "admin1", country="XQ", admin1="XQ.01")
SOUTH = _at("gn:9000003", "South Vell", "admin1", 10.2, 20.2, country="XQ", admin1="XQ.02")
COUNTY = _at("gn:9000004", "Brisk County", "admin2", country="XQ", admin1="XQ.01", admin2="XQ.01.7")
TOWN = _at("gn:9000005", "Oddmere", "city", country="XQ", admin1="XQ.01", admin2="XQ.01.7")
# A town of the southern state a few kilometres over the line from the northern state's point.
BORDER_TOWN = _at("gn:9000006", "Lindle", "city", 10.03, 20.03, country="XQ", admin1="XQ.02")
OCEAN = _at("cur:grey-ocean", "Grey Ocean", "ocean", 0.0, 0.0)
SEA = _at("cur:sea-of-tarn", "Sea of Tarn", "sea", 5.0, 5.0)
OTHER_SEA = _at("cur:sea-of-mirrow", "Sea of Mirrow", "sea", 5.5, 5.5)
REGION = _at("cur:vell-lands", "Vell Lands", "region", country="XQ")
COVERS = {
    "cur:grey-ocean": Cover(places=frozenset({"cur:sea-of-tarn"})),
    "cur:vell-lands": Cover(divisions=frozenset({"XQ.01"})),
}


def _specific(*places: EventPlace) -> list[str]:
    return [p.name for p in most_specific(places, covers=COVERS)]


def test_a_town_is_more_specific_than_its_state_and_its_country() -> None:
    assert _specific(XQ, NORTH, TOWN) == ["Oddmere"]


def test_a_state_keeps_its_place_beside_a_nearby_town_of_another_state() -> None:
    assert _specific(NORTH, BORDER_TOWN) == ["North Vell", "Lindle"]
    assert _specific(NORTH, SOUTH) == ["North Vell", "South Vell"]  # a state holds no state


def test_a_county_is_more_specific_than_its_state_and_a_town_than_its_county() -> None:
    assert _specific(NORTH, COUNTY) == ["Brisk County"]
    assert _specific(COUNTY, TOWN) == ["Oddmere"]
    assert _specific(SOUTH, COUNTY) == ["South Vell", "Brisk County"]


def test_a_sea_is_more_specific_than_the_ocean_it_lies_in() -> None:
    assert _specific(OCEAN, SEA) == ["Sea of Tarn"]
    assert _specific(OCEAN, OTHER_SEA) == ["Grey Ocean", "Sea of Mirrow"]  # not listed in it


def test_a_curated_region_yields_to_a_division_it_covers_only() -> None:
    assert _specific(REGION, NORTH) == ["North Vell"]
    assert _specific(REGION, TOWN) == ["Oddmere"]  # a town of that division too
    assert _specific(REGION, SOUTH) == ["Vell Lands", "South Vell"]
    assert _specific(XQ, REGION) == ["Vell Lands"]  # the region lies in the country


def test_a_place_without_codes_is_inside_nothing_and_holds_nothing() -> None:
    """A Nominatim result has no country or division codes: it stays beside the others."""
    found = _at("ext:node123", "Oddmere", "city", 10.0, 20.0)
    assert _specific(XQ, found) == ["Quarvia", "Oddmere"]
    assert _specific(NORTH, found) == ["North Vell", "Oddmere"]
    state = _at("ext:relation9", "North Vell", "state")
    assert _specific(state, TOWN) == ["North Vell", "Oddmere"]


def test_reports_of_a_state_and_of_a_town_inside_it_merge_into_the_town() -> None:
    """Two articles, one naming the state, the other a town in it: one event, at the town."""
    from geo.events import compatible, merge
    from tests.conftest import make_article, make_event

    state = make_event(make_article("Drills were held in North Vell.", id="a.txt"), NORTH.place)
    town = make_event(make_article("Drills were held at Oddmere.", id="b.txt"), TOWN.place)
    elsewhere = make_event(
        make_article("Drills were held at Lindle.", id="c.txt"), BORDER_TOWN.place
    )
    assert compatible(state, town) and not compatible(state, elsewhere)
    assert [p.name for p in merge(state, town).places] == ["Oddmere"]
