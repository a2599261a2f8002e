"""app.py through Streamlit's AppTest: filters, counts, details, uploads and the first-run build."""

from __future__ import annotations

import re
import sys
import types
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo import config
from geo.corrections import Correction, merge_value
from geo.model import IngestReport, Place, Rejection
from geo.store import Store
from tests.conftest import BEIJING, MOSCOW, SEA, make_article, make_event

APP = str(Path(__file__).resolve().parent.parent / "app.py")
HOSTILE = (
    "Drills <script>alert(1)</script> [click](http://evil.example) "
    "![x](http://evil.example/x.png) near Moscow."
)


def fill(store: Store) -> None:
    """Events in 2005, 2012, 2019 and 2024 of every type, one undated, one with hostile text."""
    plan = [
        (2005, "exercise", MOSCOW, ("Russia", "China")),
        (2012, "patrol", SEA, ("Russia", "China")),
        (2019, "meeting", BEIJING, ("China", "Russia", "Iran")),
        (2024, "arms_deal", MOSCOW, ("Russia",)),
        (2024, "other", BEIJING, ("China",)),
        (None, "exercise", SEA, ("Russia", "China")),
    ]
    for i, (year, kind, place, participants) in enumerate(plan):
        article = make_article(
            f"Story {i} about {place.name}. Second sentence.",
            id=f"story{i}.txt",
            title=f"Story {i}",
            source="Wire",
        )
        event = make_event(
            article,
            place,
            type=kind,
            year=year,
            month=None if year is None else 6,
            participants=participants,
        )
        store.add(article, [event])
    article = make_article(
        HOSTILE + " Tail.", id="hostile.txt", title="<b>Hostile</b>", source="Evil"
    )
    store.add(article, [make_event(article, MOSCOW, year=2012, excerpt=HOSTILE)])


@pytest.fixture
def db(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "prepared.db"
    with Store(path) as store:
        fill(store)
    monkeypatch.setenv(config.ENV_DB, str(path))
    st.cache_resource.clear()
    return path


@pytest.fixture
def fake_pipeline(monkeypatch):
    """A stand-in for geo.pipeline that records its calls (the real one needs the spaCy model)."""
    calls: list[dict] = []
    module = types.ModuleType("geo.pipeline")

    def ingest(paths, *, store, geoparser=None, progress=None):
        paths = [Path(p) for p in paths]
        calls.append(
            {
                "paths": paths,
                "contents": {p.name: p.read_bytes() for p in paths if p.is_file()},
                "geoparser": geoparser,
            }
        )
        added, unchanged, rejected = [], [], []
        files = [f for p in paths for f in (sorted(p.iterdir()) if p.is_dir() else [p])][:3]
        for n, path in enumerate(files, 1):
            if path.suffix == ".csv":
                rejected.append(Rejection(str(path), "no text column"))
                continue
            article = make_article(f"Uploaded {path.name} mentions Moscow. End.", id=path.name)
            (
                added if store.add(article, [make_event(article, MOSCOW, year=2030)]) else unchanged
            ).append(article.id)
            if progress:
                progress(n, len(files), path.name)
        return IngestReport(tuple(added), tuple(unchanged), tuple(rejected), len(added))

    module.ingest = ingest
    module.load_geoparser = lambda: "the geoparser"
    monkeypatch.setitem(sys.modules, "geo.pipeline", module)
    return calls


LIST_COLUMNS = ["Type", "Date", "Place", "Outlet"]


def stored(path: Path) -> list:
    with Store(path) as store:
        return store.events()


def run_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> int:
    return int(next(m for m in at.metric if m.label == "Events shown").value)


def test_page_renders_with_filters_and_counts(db):
    at = run_app()
    assert at.slider(key="years").value == (2005, 2024)
    assert at.multiselect(key="types").value == [
        "exercise",
        "patrol",
        "meeting",
        "arms_deal",
        "other",
    ]
    assert set(at.multiselect(key="countries").options) == {"China", "Iran", "Russia"}
    assert at.checkbox(key="undated").value is True
    assert shown(at) == 7
    assert any("7 of 7 events shown" in c.value for c in at.caption)


def test_year_slider_changes_the_count(db):
    at = run_app()
    at.slider(key="years").set_value((2012, 2019)).run()
    assert not at.exception
    assert shown(at) == 4  # 2012 patrol, 2012 hostile, 2019 meeting, and the undated one
    at.checkbox(key="undated").uncheck().run()
    assert shown(at) == 3


def test_type_and_country_filters(db):
    at = run_app()
    at.multiselect(key="types").set_value(["exercise"]).run()
    assert shown(at) == 3
    at.multiselect(key="types").set_value([]).run()
    assert not at.exception
    assert shown(at) == 0
    at.multiselect(key="types").set_value(["exercise", "meeting"]).run()
    at.multiselect(key="countries").set_value(["Iran"]).run()
    assert shown(at) == 1


def test_details_panel_escapes_article_text(db):
    with Store(db) as store:
        hostile = next(e for e in store.events() if e.sources[0].article == "hostile.txt")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["selected"] = hostile.key
    at.run()
    assert not at.exception
    bodies = [m.value for m in at.markdown]
    excerpt = next(b for b in bodies if "alert" in b)
    assert "<script>" not in excerpt and "](" not in excerpt
    assert r"\<script\>" in excerpt
    assert all(not m.allow_html for m in at.markdown if "alert" in m.value or "Hostile" in m.value)
    assert any(f"Event ref {hostile.key}" in c.value for c in at.caption)
    assert any(f"{MOSCOW.lat:.4f}, {MOSCOW.lon:.4f}" in b for b in bodies), (
        "the place's coordinates"
    )
    assert any("Russia\\, China" in b for b in bodies), "the participants, escaped"


def test_no_selection_lists_the_events_in_view_newest_first(db):
    at = run_app()
    assert any("Events in view" in m.value and "7, newest first" in m.value for m in at.markdown)
    listed = next(d for d in at.dataframe if list(d.value.columns) == LIST_COLUMNS).value
    assert len(listed) == 7
    assert listed["Date"].tolist()[:2] == ["June 2024", "June 2024"]
    assert listed["Date"].tolist()[-1] == "undated"
    assert at.session_state["_list_refs"][0] in {e.key for e in stored(db) if e.year == 2024}


def test_empty_database_is_built_from_seeds_with_progress(tmp_path, monkeypatch, fake_pipeline):
    monkeypatch.setenv(config.ENV_DB, str(tmp_path / "new" / "events.db"))
    st.cache_resource.clear()
    at = run_app()
    assert fake_pipeline and fake_pipeline[0]["paths"] == [Path(config.SEEDS_DIR)]
    assert fake_pipeline[0]["geoparser"] == "the geoparser"
    assert at.status and "added" in at.status[0].label
    assert shown(at) > 0
    # A second session finds the database filled and does not ingest again.
    run_app()
    assert len(fake_pipeline) == 1


def test_upload_reports_added_unchanged_and_rejected(db, fake_pipeline):
    at = run_app()
    uploader = at.sidebar.file_uploader[0]
    uploader.set_value(
        [("new.txt", b"Ships near Moscow.", "text/plain"), ("table.csv", b"a,b\n1,2\n", "text/csv")]
    ).run()
    at.button(key="ingest").click().run()
    assert not at.exception, [e.value for e in at.exception]
    call = fake_pipeline[-1]
    assert sorted(call["contents"]) == ["new.txt", "table.csv"]
    assert call["contents"]["new.txt"] == b"Ships near Moscow."
    text = re.sub(r"\\(.)", r"\1", " ".join(m.value for m in at.sidebar.markdown))  # unescaped
    assert "1 added" in text and "1 rejected" in text
    assert "new.txt" in text and "table.csv" in text and "no text column" in text
    assert shown(at) == 8  # the uploaded article's event is in the new year range
    assert at.slider(key="years").max == 2030


def test_export_offers_csv_geojson_and_jsonl_of_the_shown_events(db):
    at = run_app()
    assert at.radio(key="export_format").options == ["CSV", "GeoJSON", "JSON Lines"]
    [button] = at.get("download_button")
    assert "7 shown events" in button.proto.label
    at.slider(key="years").set_value((2024, 2024)).run()
    [button] = at.get("download_button")
    assert "3 shown events" in button.proto.label


def test_single_year_database_has_no_slider(tmp_path, monkeypatch):
    path = tmp_path / "one.db"
    with Store(path) as store:
        article = make_article("Drills near Moscow. End.")
        store.add(article, [make_event(article, MOSCOW, year=2016)])
    monkeypatch.setenv(config.ENV_DB, str(path))
    st.cache_resource.clear()
    at = run_app()
    assert not at.slider
    assert shown(at) == 1


def test_events_with_more_places_count_every_place(db):
    with Store(db) as store:
        article = make_article("Ships met at Moscow and Beijing. End.", id="two.txt")
        event = make_event(article, MOSCOW, year=2010)
        store.add(
            article, [replace(event, places=event.places + make_event(article, BEIJING).places)]
        )
    at = run_app()
    places = int(next(m for m in at.metric if m.label == "Places").value)
    assert places == shown(at) + 1


def test_upload_through_the_real_pipeline(db):
    """The uploader wired to the real geo.pipeline: sidecars travel with their text, re-uploads
    are unchanged, bad files are rejected by name with the reader's reason."""
    text = (
        b"Russian and Chinese warships held joint naval drills in the Sea of Japan "
        b"in July 2023, the defence ministry said."
    )
    at = run_app()
    at.sidebar.file_uploader[0].set_value(
        [
            ("drills.txt", text, "text/plain"),
            (
                "drills.meta.json",
                b'{"title": "Drills", "source": "Wire", "published": "2023-08-01"}',
                "application/json",
            ),
            ("bad.csv", b"x,y\n1,2\n", "text/csv"),
        ]
    ).run()
    at.button(key="ingest").click().run()
    assert not at.exception, [e.value for e in at.exception]
    report = at.session_state["last_report"]
    assert report.added == ("drills.txt",)
    assert [Path(r.path).name for r in report.rejected] == ["bad.csv"]
    sidebar = re.sub(r"\\(.)", r"\1", " ".join(m.value for m in at.sidebar.markdown))
    assert ":green[added] drills.txt" in sidebar and ":red[rejected] bad.csv: CSV" in sidebar
    with Store(db) as store:
        assert "drills.txt" in store.facets()["articles"]
        [stored] = [a for a in store.articles() if a.id == "drills.txt"]
        assert (stored.title, stored.source) == ("Drills", "Wire")

    at.sidebar.file_uploader[0].set_value([("again.txt", text, "text/plain")]).run()
    at.button(key="ingest").click().run()
    assert at.session_state["last_report"].unchanged == ("again.txt",)


def test_details_panel_offers_the_whole_article_with_the_sentence_marked(db):
    with Store(db) as store:
        hostile = next(e for e in store.events() if e.sources[0].article == "hostile.txt")
        text = store.article_text(hostile.sources[0].article_key)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["selected"] = hostile.key
    at.run()
    assert not at.exception
    assert any("Read the article" in e.label for e in at.expander)
    marked = next(m.value for m in at.markdown if ":orange-background[" in m.value)
    after = text[hostile.sources[0].end :].strip()
    assert after and after.rstrip(".") in marked.split("] ", 1)[1]  # the rest of the article
    assert "<script>" not in marked and not any(
        m.allow_html for m in at.markdown if m.value == marked
    )


# ---------------------------------------------------------------------------- new views

RUSSIA = Place("gn:2017370", "Russia", 60.0, 100.0, "country", "RU", 140_000_000, 2017370)


@pytest.fixture
def rich_db(db) -> Path:
    """The prepared events plus a named, ranged, flagged exercise, a deal with roles placed
    only in a country, and a second report of it from another outlet."""
    with Store(db) as store:
        a = make_article(
            "Warships of Russia and China drilled in the Sea of Okhotsk. End.",
            id="drill.txt",
            title="Joint Sea drills",
            source="TASS",
        )
        drill = replace(
            make_event(a, SEA, year=2021, month=7),
            day=9,
            precision="day",
            name="Joint Sea-2021",
            end="2021-07-17",
            review="Sea of Okhotsk is far from every participant",
            why=("trigger:exercise:drill", "place:locative"),
        )
        b = make_article("Russia sold fighter jets to India. End.", id="deal.txt", source="RT")
        c = make_article("India bought Russian jets. End.", id="deal2.txt", source="Reuters")
        deal = replace(
            make_event(b, RUSSIA, type="arms_deal", year=2022, participants=("Russia", "India")),
            roles=(("buyer", "IN"), ("seller", "RU")),
        )
        deal = replace(deal, sources=deal.sources + make_event(c, RUSSIA).sources)
        store.add(a, [drill])
        store.add(c, [])
        store.add(b, [deal])
    return db


def event_named(path: Path, name: str):
    return next(e for e in stored(path) if e.name == name)


def body(at: AppTest) -> str:
    """Every markdown, caption and alert of the page, markdown escapes removed."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [w.value for w in at.warning]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def test_details_panel_shows_name_range_roles_rules_review_and_sources(rich_db):
    drill = event_named(rich_db, "Joint Sea-2021")
    at = run_app({"event": drill.key})
    text = body(at)
    for expected in (
        "Joint Sea-2021",
        "9–17 July 2021",
        "somewhere in the Sea of Okhotsk",
        "sea, an area",
        "For review: Sea of Okhotsk is far from every participant",
        "trigger:exercise:drill",
        "place:locative",
        "Reported by 1 article from 1 outlet",
        f"Event ref {drill.key}",
    ):
        assert expected in text, expected
    deal = next(e for e in stored(rich_db) if e.roles)
    at = run_app({"event": deal.key})
    text = body(at)
    assert "buyer India · seller Russia" in text
    assert "somewhere in Russia (country level only)" in text
    assert "Reported by 2 articles from 2 outlets" in text
    # The reader switches between the two articles.
    [reader] = [s for s in at.selectbox if s.label == "Article"]
    assert len(reader.options) == 2
    reader.set_value(reader.options[1]).run()
    marked = next(m.value for m in at.markdown if ":orange-background[" in m.value)
    assert "India bought Russian jets" in marked


def test_for_review_lists_flagged_events_and_selects_one(rich_db):
    at = run_app()
    [review] = [e for e in at.expander if e.label.startswith("For review")]
    assert review.label == "For review (1)"
    drill = event_named(rich_db, "Joint Sea-2021")
    at.button(key=f"review_{drill.key}").click().run()
    assert at.session_state["selected"] == drill.key
    assert at.query_params["event"] == drill.key
    at.button(key="back").click().run()
    assert at.session_state["selected"] is None and "event" not in at.query_params


def test_the_url_restores_filters_and_the_selected_event(rich_db):
    drill = event_named(rich_db, "Joint Sea-2021")
    at = run_app(
        {
            "from": "2012",
            "to": "2021",
            "type": ["exercise", "patrol"],
            "undated": "0",
            "pair": ["Russia", "China"],
            "event": drill.key,
        }
    )
    assert at.slider(key="years").value == (2012, 2021)
    assert at.multiselect(key="types").value == ["exercise", "patrol"]
    assert at.checkbox(key="undated").value is False
    assert (at.selectbox(key="pair_a").value, at.selectbox(key="pair_b").value) == (
        "Russia",
        "China",
    )
    assert shown(at) == 3  # the 2012 patrol, the 2012 hostile exercise, the 2021 drill
    assert f"Event ref {drill.key}" in body(at)
    # The page writes back what it shows.
    assert at.query_params["from"] == "2012" and at.query_params["event"] == drill.key


def test_changing_a_filter_writes_the_url(db):
    at = run_app()
    assert at.query_params == {}
    at.slider(key="years").set_value((2012, 2019)).run()
    at.multiselect(key="types").set_value(["patrol", "meeting"]).run()
    at.text_input(key="q").input("story").run()
    at.checkbox(key="hide_country").check().run()
    assert at.query_params == {
        "from": "2012",
        "to": "2019",
        "type": ["patrol", "meeting"],
        "q": "story",
        "country_level": "0",
    }
    at.button(key="reset").click().run()
    assert at.query_params == {} and shown(at) == 7


def test_an_address_changed_from_outside_is_followed(db):
    """The browser's back button changes the address without the page: the view follows."""
    at = run_app()
    at.slider(key="years").set_value((2019, 2024)).run()
    assert at.query_params == {"from": "2019"}
    at.query_params.clear()
    at.query_params.update({"from": "2012", "to": "2019", "undated": "0"})
    at.run()
    assert at.slider(key="years").value == (2012, 2019)
    assert at.checkbox(key="undated").value is False
    assert shown(at) == 3
    at.query_params.clear()
    at.run()
    assert at.slider(key="years").value == (2005, 2024) and shown(at) == 7


def test_a_broken_url_is_read_leniently(db):
    at = run_app({"from": "soon", "type": ["cyber", "patrol"], "country": "Atlantis", "event": "x"})
    assert at.multiselect(key="types").value == ["patrol"]
    assert at.multiselect(key="countries").value == []
    assert shown(at) == 1


def test_search_named_exercise_and_partner_filters(rich_db):
    at = run_app()
    assert shown(at) == 9
    at.text_input(key="q").input("fighter jets").run()
    assert shown(at) == 1
    at.text_input(key="q").input("").run()
    at.multiselect(key="series").set_value(["Joint Sea"]).run()
    assert shown(at) == 1
    assert at.multiselect(key="series").options == ["Joint Sea (1)"]
    at.multiselect(key="series").set_value([]).run()
    at.selectbox(key="pair_a").set_value("Russia").run()
    assert shown(at) == 7  # every event of Russia with another country
    at.selectbox(key="pair_b").set_value("India").run()
    assert shown(at) == 1
    assert at.query_params["pair"] == ["Russia", "India"]


def test_events_placed_only_at_country_level_can_be_hidden(rich_db):
    at = run_app()
    assert shown(at) == 9
    at.checkbox(key="hide_country").check().run()
    assert shown(at) == 8  # the deal placed only in Russia
    listed = next(d for d in at.dataframe if list(d.value.columns) == LIST_COLUMNS).value
    assert "Russia" not in listed["Place"].tolist()


def test_a_few_years_of_data_get_a_month_range(tmp_path, monkeypatch):
    path = tmp_path / "months.db"
    with Store(path) as store:
        for i, (year, month) in enumerate([(2023, 11), (2024, 3), (2024, 9)]):
            article = make_article(f"Drills near Moscow, number {i}. End.", id=f"{i}.txt")
            store.add(article, [make_event(article, MOSCOW, year=year, month=month)])
    monkeypatch.setenv(config.ENV_DB, str(path))
    st.cache_resource.clear()
    at = run_app({"from": "2024-01", "to": "2024-06"})
    [months] = [s for s in at.select_slider if s.key == "months"]
    assert months.value == ("2024-01", "2024-06")
    assert months.options[0] == "Nov 2023" and months.options[-1] == "Sept 2024"
    assert not at.slider
    assert shown(at) == 1
    months.set_range("2023-11", "2024-09").run()
    assert shown(at) == 3 and at.query_params == {}


# ---------------------------------------------------------------------------- corrections


def open_correction(at: AppTest, key: str, action: str, who: str = "Ann") -> None:
    at.text_input(key=f"who_{key}").input(who).run()
    at.radio(key=f"fix_{key}").set_value(action).run()


def test_rejecting_an_event_hides_it_and_can_be_undone(db):
    event = next(e for e in stored(db) if e.type == "meeting")
    at = run_app({"event": event.key})
    assert at.button(key=f"fix_save_{event.key}").proto.disabled  # no name yet
    open_correction(at, event.key, "Reject", who="<b>Ann</b>")
    at.text_input(key=f"fix_note_{event.key}").input("[not](http://evil.example) a meeting").run()
    at.button(key=f"fix_save_{event.key}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert shown(at) == 6
    assert any(e.label == "Rejected (1)" for e in at.expander)
    assert any("Rejected by an analyst" in e.value for e in at.error)
    with Store(db) as store:
        [saved] = store.corrections(event.key)
    assert (saved.field, saved.before, saved.after, saved.who) == (
        "rejected",
        False,
        True,
        "<b>Ann</b>",
    )
    history = [m.value for m in at.markdown if "UTC" in m.value]
    assert len(history) == 1 and "rejected" in history[0]
    assert "<b>" not in history[0] and "](" not in history[0]  # who and note shown as text
    assert all(not m.allow_html for m in at.markdown)
    # Undo: the event is back, and the history has both steps.
    assert at.session_state["_who"] == "<b>Ann</b>"  # the name is remembered
    at.button(key=f"fix_save_{event.key}").click().run()
    assert shown(at) == 7
    assert len([m for m in at.markdown if "UTC" in m.value]) == 2


def test_changing_type_and_date_keeps_the_event_and_its_url(db):
    event = next(e for e in stored(db) if e.type == "exercise" and e.year == 2005)
    at = run_app({"event": event.key})
    open_correction(at, event.key, "Type")
    at.selectbox(key=f"fix_type_{event.key}").set_value("patrol").run()
    at.button(key=f"fix_save_{event.key}").click().run()
    assert not at.exception
    assert at.query_params["event"] == event.key
    text = body(at)
    assert "Joint patrol · June 2005" in text and "type: Exercise → Joint patrol" in text
    assert "Corrected: type" in text
    at.radio(key=f"fix_{event.key}").set_value("Date").run()
    at.number_input(key=f"fix_year_{event.key}").set_value(2006).run()
    at.number_input(key=f"fix_day_{event.key}").set_value(9).run()
    at.text_input(key=f"fix_end_{event.key}").input("2006-06-17").run()
    at.button(key=f"fix_save_{event.key}").click().run()
    assert "9–17 June 2006" in body(at) and "date: June 2005 → 9–17 June 2006" in body(at)
    at.multiselect(key="types").set_value(["patrol"]).run()
    assert shown(at) == 2  # the 2012 patrol and the corrected event
    # A new session (a re-opened page) sees the corrections too.
    again = run_app({"event": event.key})
    assert "9–17 June 2006" in body(again)


def test_changing_the_place_offers_the_gazetteers_candidates(db):
    event = next(e for e in stored(db) if e.type == "exercise" and e.year == 2005)
    at = run_app({"event": event.key})
    open_correction(at, event.key, "Place")
    at.text_input(key=f"fix_place_{event.key}").input("Vladivostok").run()
    [choice] = [s for s in at.selectbox if s.key and s.key.startswith(f"fix_candidate_{event.key}")]
    assert choice.options and "Vladivostok · city" in choice.options[0]
    at.button(key=f"fix_save_{event.key}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "in Vladivostok" in body(at) and "place: Moscow → Vladivostok" in body(at)
    at.text_input(key=f"fix_place_{event.key}").input("Nowhereville Xyz").run()
    assert "knows no place called" in body(at)


def test_a_pasted_article_is_ingested_and_its_event_selected(db):
    at = run_app()
    at.text_area(key="paste_text").input(
        "Russian and Chinese warships held joint naval drills in the Sea of Japan "
        "in July 2023, the defence ministry said."
    )
    at.text_input(key="paste_title").input("<script>alert(1)</script> Drills")
    at.text_input(key="paste_source").input("Wire")
    at.date_input(key="paste_published").set_value(date(2023, 8, 1))
    next(b for b in at.button if b.label == "Ingest the text").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["last_report"].added
    text = body(at)
    assert "Exercise · July 2023" in text and "somewhere in the Sea of Japan" in text
    assert "<script>alert(1)</script> Drills" in text  # the title, as text
    assert all(not m.allow_html for m in at.markdown)
    assert at.query_params["event"] == at.session_state["selected"]
    with Store(db) as store:
        [pasted] = [a for a in store.articles() if a.id.startswith("pasted-")]
    assert (pasted.title, pasted.source, pasted.published) == (
        "<script>alert(1)</script> Drills",
        "Wire",
        date(2023, 8, 1),
    )


def test_the_dashboard_opens_a_postgresql_store(pg_url, monkeypatch, tmp_path):
    from geo.store import open_store

    with open_store(pg_url) as store:
        fill(store)
    monkeypatch.setenv(config.ENV_DB, pg_url)
    st.cache_resource.clear()
    at = run_app()
    assert shown(at) == 7  # every event of `fill`, undated included
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "7 events" in sidebar and "postgresql://" not in sidebar  # no URL (password) shown
    sqlite = tmp_path / "same.db"
    with Store(sqlite) as store:
        fill(store)
    monkeypatch.setenv(config.ENV_DB, str(sqlite))
    st.cache_resource.clear()
    assert shown(run_app()) == shown(at)


def test_merging_an_event_into_another_hides_it_and_can_be_undone(db):
    events = stored(db)
    event = next(e for e in events if e.type == "exercise" and e.year == 2005)
    hostile = next(e for e in events if e.sources[0].article == "hostile.txt")
    at = run_app({"event": event.key})
    open_correction(at, event.key, "Merge")
    at.text_input(key=f"fix_merge_q_{event.key}").input("tail").run()  # words of no sentence
    assert "No other event matches." in body(at)
    at.text_input(key=f"fix_merge_q_{event.key}").input(hostile.key[:6]).run()
    [picker] = [s for s in at.selectbox if s.key and s.key.startswith(f"fix_merge_{event.key}_")]
    assert picker.options == [
        f"Exercise · May 2012 · Moscow · Evil · ref {hostile.key}"
    ]  # shown as text
    [quoted] = [c.value for c in at.caption if "leaves the map" in c.value]
    assert "](" not in quoted and "<script>" not in quoted  # the excerpt: no link, no HTML
    assert "Drills <script>alert(1)</script> [click](http://evil.example)" in body(at)
    at.button(key=f"fix_save_{event.key}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert shown(at) == 6
    text = body(at)
    assert "Reported by 2 articles from 2 outlets" in text and "Corrected: merged" in text
    assert f"merged with Exercise · May 2012 · Moscow · Evil (ref {hostile.key})" in text
    assert all(not m.allow_html for m in at.markdown)
    [undo] = [b for b in at.button if b.key and b.key.startswith("undo_")]
    undo.click().run()
    assert shown(at) == 7 and "merge with Exercise" in body(at)


def test_a_link_to_an_event_merged_away_opens_the_event_it_went_into(db):
    events = stored(db)
    event = next(e for e in events if e.type == "exercise" and e.year == 2005)
    other = next(e for e in events if e.sources[0].article == "hostile.txt")
    with Store(db) as store:
        store.add_correction(
            Correction(event.key, "merge", {}, merge_value(other.key), "Ann", "", "")
        )
    at = run_app({"event": other.key})  # a link shared before the merge
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["selected"] == event.key
    assert "Reported by 2 articles from 2 outlets" in body(at)
    assert at.query_params["event"] == event.key


def test_a_link_made_before_more_reports_joined_the_event_still_opens_it(db):
    event = next(e for e in stored(db) if e.type == "patrol")
    later = make_article("The patrol went on near Beijing.", id="later.txt", source="Other wire")
    report = make_event(later, BEIJING, type="patrol", year=2012, month=6)
    joined = replace(
        event, places=event.places + report.places, sources=event.sources + report.sources
    )
    assert joined.key != event.key
    with Store(db) as store:
        store.add(later, [], replacing={event.key: joined})
    at = run_app({"event": event.key})  # the address copied before the second report
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["selected"] == joined.key
    assert "Reported by 2 articles from 2 outlets" in body(at)
    assert at.query_params["event"] == joined.key


def test_a_split_whose_article_cannot_be_read_again_says_so_and_changes_nothing(db, monkeypatch):
    event = next(e for e in stored(db) if e.type == "patrol")
    later = make_article("The patrol went on near Beijing.", id="later.txt", source="Other wire")
    report = make_event(later, BEIJING, type="patrol", year=2012, month=6)
    joined = replace(
        event, places=event.places + report.places, sources=event.sources + report.sources
    )
    with Store(db) as store:
        store.add(later, [], replacing={event.key: joined})

    class Broken:
        def __init__(self, geoparser) -> None:
            pass

        def process(self, article):
            raise RuntimeError("the model ran out of memory")

    monkeypatch.setattr("geo.pipeline.Pipeline", Broken)
    monkeypatch.setattr("geo.pipeline.load_geoparser", lambda: None)
    at = run_app({"event": joined.key})
    open_correction(at, joined.key, "Split")
    at.button(key=f"fix_save_{joined.key}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("could not be read again" in e.value for e in at.error)
    assert "out of memory" in " ".join(e.value for e in at.error)
    with Store(db) as store:
        assert store.corrections() == []
    assert "Reported by 2 articles from 2 outlets" in body(at)
