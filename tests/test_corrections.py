"""geo.corrections and the store's corrections table: applied in order, keyed by the extracted
event, surviving re-ingest and a rebuild of the database."""

from __future__ import annotations

from dataclasses import replace

import pytest

from geo.corrections import (
    Correction,
    CorrectionError,
    apply_one,
    check,
    corrected,
    current_value,
    describe,
    is_rejected,
    merge_value,
    merged_into,
    place_value,
    split_value,
)
from geo.filters import View, apply
from geo.model import EventPlace
from geo.store import Store, open_store
from tests.conftest import BEIJING, MOSCOW, SEA, make_article, make_event


def correction(event, field, after, *, who="Ann", id=0, note=""):
    return Correction(event.key, field, current_value(event, field), after, who, "", note, id)


@pytest.fixture
def event():
    return make_event(make_article("Ships drilled near Moscow. End."), MOSCOW)


def test_a_corrected_event_keeps_its_key_and_says_what_changed(event):
    fixed = apply_one(event, correction(event, "type", "patrol"))
    assert fixed.type == "patrol" and fixed.key == event.key
    assert fixed.corrected == ("type",)
    moved = apply_one(
        fixed, correction(fixed, "place", [place_value(EventPlace("Beijing", BEIJING))])
    )
    assert [p.place.name for p in moved.places] == ["Beijing"]
    assert moved.key == event.key and moved.corrected == ("type", "place")
    assert apply([moved], View(types=("patrol",))) == [moved]


def test_date_corrections_set_precision_and_range(event):
    dated = apply_one(
        event,
        correction(event, "date", {"year": 2024, "month": 8, "day": 9, "end": "2024-08-17"}),
    )
    assert (dated.year, dated.month, dated.day, dated.precision, dated.end) == (
        2024,
        8,
        9,
        "day",
        "2024-08-17",
    )
    assert dated.date_source == "text"
    year_only = apply_one(event, correction(event, "date", {"year": 2019}))
    assert (year_only.precision, year_only.month) == ("year", None)


def test_rejection_and_its_undoing(event):
    rejected = apply_one(event, correction(event, "rejected", True))
    assert is_rejected(rejected) and not is_rejected(event)
    assert not is_rejected(apply_one(rejected, correction(rejected, "rejected", False)))


def test_corrections_apply_in_the_order_made_and_bad_rows_are_skipped(event):
    other = make_event(make_article("Talks in Beijing. End.", id="b.txt"), BEIJING, type="meeting")
    rows = [
        correction(event, "type", "other", id=2),
        correction(event, "type", "patrol", id=1),
        Correction(event.key, "type", "exercise", 42, "Bob", "", "", 3),  # malformed
        Correction("0000000000000000", "rejected", False, True, "Bob", "", "", 4),  # orphan
    ]
    fixed, untouched = corrected([event, other], rows)
    assert fixed.type == "other" and fixed.key == event.key
    assert untouched is other


def test_bad_values_are_refused(event):
    for field, after in [
        ("colour", "red"),
        ("rejected", "yes"),
        ("type", ""),
        ("date", {"year": 2020, "precision": "decade"}),
        ("place", [{"name": "Nowhere"}]),
    ]:
        with pytest.raises(CorrectionError):
            apply_one(event, Correction(event.key, field, None, after, "Ann", ""))


def test_describe_says_what_changed_from_what(event):
    assert describe(correction(event, "type", "patrol")) == "type: Exercise → Joint patrol"
    assert describe(correction(event, "rejected", True)) == "rejected"
    assert describe(correction(event, "date", {"year": 2024, "month": 8, "day": 9})) == (
        "date: May 2020 → 9 August 2024"
    )
    assert (
        describe(correction(event, "place", [place_value(EventPlace("Sea of Okhotsk", SEA))]))
        == "place: Moscow → Sea of Okhotsk"
    )


def test_the_store_keeps_who_when_and_what_before(event, store_target):
    with open_store(store_target) as store:
        before = store.revision()
        saved = store.add_correction(correction(event, "type", "patrol", note="<b>sure</b>"))
        assert saved.id > 0 and saved.at.endswith("+00:00")
        assert store.revision() != before
        [row] = store.corrections(event.key)
        assert (row.field, row.before, row.after, row.who, row.note) == (
            "type",
            "exercise",
            "patrol",
            "Ann",
            "<b>sure</b>",
        )
        assert store.corrections("ffffffffffffffff") == []
        with pytest.raises(CorrectionError):
            store.add_correction(correction(event, "type", 7))


def test_corrections_survive_re_ingest_and_a_rebuild(new_store_target, event):
    article = make_article("Ships drilled near Moscow. End.")
    extracted = make_event(article, MOSCOW)
    with open_store(new_store_target()) as store:
        store.add(article, [extracted])
        store.add_correction(correction(extracted, "type", "patrol"))
        assert store.add(article, [extracted]) is False  # re-ingest: nothing changes
        [shown] = corrected(store.events(), store.corrections())
        assert shown.type == "patrol"
        kept = store.corrections()
    # A new database built from the same article, the corrections carried over.
    with open_store(new_store_target()) as store:
        store.add(article, [replace(extracted)])
        for c in kept:
            store.add_correction(replace(c, id=0))
        [shown] = corrected(store.events(), store.corrections())
        assert shown.type == "patrol" and shown.key == extracted.key


def test_the_migration_adds_the_table_to_an_existing_database(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    with Store(path):
        pass
    con = sqlite3.connect(path)
    con.execute("DROP TABLE corrections")
    con.execute("PRAGMA user_version = 3")
    con.commit()
    con.close()
    with Store(path) as store:
        assert store.corrections() == []


def test_corrections_travel_as_json_lines_to_a_rebuilt_database(tmp_path, capsys, new_store_target):
    import json

    from geo.__main__ import main

    article = make_article("Ships drilled near Moscow. End.")
    other = make_article("Talks in Beijing. End.", id="b.txt")
    drill, talks = make_event(article, MOSCOW), make_event(other, BEIJING, type="meeting")
    first, rebuilt = new_store_target(), new_store_target()
    for path in (first, rebuilt):
        with open_store(path) as store:
            store.add(article, [drill])
            store.add(other, [talks])
    with open_store(first) as store:
        store.add_correction(correction(drill, "type", "patrol", note="ünïcode"))
        store.add_correction(correction(talks, "rejected", True))
    out = tmp_path / "corrections.jsonl"
    assert main(["corrections", "--db", first, "--output", str(out)]) == 0
    assert [json.loads(line)["field"] for line in out.read_text("utf-8").splitlines()] == [
        "type",
        "rejected",
    ]
    assert main(["corrections", "--db", rebuilt, "--import", str(out)]) == 0
    assert "2 corrections added" in capsys.readouterr().err
    assert main(["corrections", "--db", rebuilt, "--import", str(out)]) == 0  # idempotent
    assert "0 corrections added, 2 already stored" in capsys.readouterr().err
    # The corrected export leaves the rejected event out and marks what was changed.
    target = tmp_path / "events.jsonl"
    assert main(["export", "--db", rebuilt, "--corrected", "--output", str(target)]) == 0
    [line] = target.read_text("utf-8").splitlines()
    record = json.loads(line)
    assert (record["id"], record["type"], record["corrected"]) == (drill.key, "patrol", ["type"])
    # The plain export is what was extracted.
    assert main(["export", "--db", rebuilt, "--output", str(target)]) == 0
    lines = [json.loads(x) for x in target.read_text("utf-8").splitlines()]
    assert len(lines) == 2 and all("corrected" not in x for x in lines)


def test_a_bad_corrections_line_is_rejected_by_number(tmp_path, capsys):
    from geo.__main__ import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"event_key": "x", "field": "colour", "after": 1, "who": "a", "at": ""}\n{\n')
    assert main(["corrections", "--db", str(tmp_path / "e.db"), "--import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "line 1" in err and "line 2" in err and "0 corrections added" in err


# ---------------------------------------------------------------------------- merge and split


def two_reports():
    """One drill reported by two articles, merged at ingest: Moscow from the first, the Sea of
    Okhotsk named only by the second."""
    first = make_article("Ships drilled near Moscow. End.", id="a.txt", source="Wire A")
    second = make_article(
        "Sailors trained in the Sea of Okhotsk with Indian ships. End.",
        id="b.txt",
        source="Wire B",
    )
    a = make_event(first, MOSCOW)
    b = make_event(second, SEA, participants=("Russia", "India"))
    both = replace(
        a,
        places=a.places + b.places,
        participants=("Russia", "China", "India"),
        sources=a.sources + b.sources,
    )
    return first, second, both, b


def merge(event, other, *, merged=True, id=0, who="Ann"):
    return Correction(
        event.key,
        "merge",
        merge_value(other.key, merged=not merged),
        merge_value(other.key, merged=merged, label="Talks <script>x</script>"),
        who,
        "",
        "",
        id,
    )


def split(event, value, *, id=0):
    return Correction(event.key, "split", {**value, "split": False}, value, "Ann", "", "", id)


def test_a_merge_unites_sources_places_and_participants_and_hides_the_other(event):
    talks_article = make_article("Talks in Beijing. End.", id="b.txt")
    talks = make_event(talks_article, BEIJING, type="meeting", participants=("China", "India"))
    third = make_event(make_article("Drills at sea. End.", id="c.txt"), SEA)
    [merged, kept] = corrected([event, talks, third], [merge(event, talks, id=1)])
    assert merged.key == event.key and kept is third
    assert merged.type == "exercise" and (merged.year, merged.month) == (2020, 5)
    assert [p.place.name for p in merged.places] == ["Moscow", "Beijing"]
    assert merged.participants == ("Russia", "China", "India")
    assert [s.article for s in merged.sources] == ["a.txt", "b.txt"]
    assert merged.corrected == ("merged",)
    # Corrections of the merged event still apply to it; the other's are no longer shown.
    later = [
        merge(event, talks, id=1),
        correction(event, "type", "patrol", id=2),
        correction(talks, "rejected", True, id=3),
    ]
    [merged, _] = corrected([event, talks, third], later)
    assert merged.type == "patrol" and merged.corrected == ("merged", "type")


def test_undoing_a_merge_brings_the_other_event_back(event):
    talks = make_event(make_article("Talks in Beijing. End.", id="b.txt"), BEIJING, type="meeting")
    rows = [merge(event, talks, id=1), merge(event, talks, merged=False, id=2)]
    assert corrected([event, talks], rows) == [event, talks]
    # Merged again after the undoing: merged.
    rows.append(merge(event, talks, id=3))
    [merged] = corrected([event, talks], rows)
    assert len(merged.sources) == 2
    # A merge with an event no longer stored, or with itself, changes nothing.
    gone = replace(talks, type="patrol")
    assert corrected([event], [merge(event, gone, id=1), merge(event, event, id=2)]) == [event]


def test_a_split_article_becomes_its_own_event_with_its_own_places():
    first, second, both, b = two_reports()
    value = split_value(both, second.key)
    [rest, own] = corrected([both], [split(both, value, id=1)])
    assert rest.key == both.key and [s.article for s in rest.sources] == ["a.txt"]
    assert [p.place.name for p in rest.places] == ["Moscow"]  # the sea was only in b.txt
    # India is named ("Indian ships") only by the article split off; Russia and China by no
    # sentence at all (known from elsewhere in the texts): they stay.
    assert rest.participants == ("Russia", "China")
    assert [s.article for s in own.sources] == ["b.txt"] and own.key == value["key"]
    assert own.key != both.key and own.type == both.type
    assert (rest.corrected, own.corrected) == (("split",), ("split",))
    # Undone: the event as it was.
    undo = split(both, {**value, "split": False}, id=2)
    assert corrected([both], [split(both, value, id=1), undo]) == [both]
    # The first source's article can be split off as well; its key stays apart.
    [rest, own] = corrected([both], [split(both, split_value(both, first.key), id=1)])
    assert [s.article for s in own.sources] == ["a.txt"] and own.key != rest.key == both.key


def test_a_split_takes_the_articles_own_extraction_when_given():
    _, second, both, b = two_reports()
    extracted_alone = replace(b, year=2019, month=None, precision="year")
    unrelated = replace(b, type="meeting", sources=())
    value = split_value(both, second.key, extracted=[unrelated, extracted_alone])
    [_, own] = corrected([both], [split(both, value, id=1)])
    assert (own.year, own.month, own.precision) == (2019, None, "year")
    assert [p.place.name for p in own.places] == ["Sea of Okhotsk"]
    assert own.participants == ("Russia", "India")
    with pytest.raises(CorrectionError):
        split_value(both, "not-an-article")


def test_a_split_of_an_event_with_one_article_changes_nothing(event):
    value = split_value(event, event.sources[0].article_key)
    assert corrected([event], [split(event, value, id=1)]) == [event]


def test_merges_and_splits_survive_a_rebuild_as_json_lines(new_store_target, tmp_path, capsys):
    import json

    from geo.__main__ import main
    from geo.corrections import from_jsonl, to_jsonl

    first, second, both, b = two_reports()
    talks = make_event(make_article("Talks in Beijing. End.", id="c.txt"), BEIJING, type="meeting")
    rows = [merge(both, talks), split(both, split_value(both, second.key))]
    with open_store(new_store_target()) as store:
        store.add(second, [])
        store.add(first, [both])
        store.add(make_article("Talks in Beijing. End.", id="c.txt"), [talks])
        for row in rows:
            store.add_correction(row)
        shown = corrected(store.events(), store.corrections())
        text = to_jsonl(store.corrections())
    [rest, own] = shown
    assert [s.article for s in rest.sources] == ["a.txt", "c.txt"]
    assert [s.article for s in own.sources] == ["b.txt"]
    loaded, bad = from_jsonl(text)
    assert bad == [] and [c.field for c in loaded] == ["merge", "split"]
    rebuilt = new_store_target()
    with open_store(rebuilt) as store:
        store.add(second, [])
        store.add(first, [both])
        store.add(make_article("Talks in Beijing. End.", id="c.txt"), [talks])
    # Through the command line, twice: the second import adds nothing.
    path = tmp_path / "corrections.jsonl"
    path.write_text(text, encoding="utf-8")
    assert main(["corrections", "--db", rebuilt, "--import", str(path)]) == 0
    assert main(["corrections", "--db", rebuilt, "--import", str(path)]) == 0
    assert "0 corrections added, 2 already stored" in capsys.readouterr().err
    with open_store(rebuilt) as store:
        assert len(store.corrections()) == 2
        again = corrected(store.events(), store.corrections())
    assert [(e.key, e.sources, e.places) for e in again] == [
        (e.key, e.sources, e.places) for e in shown
    ]
    out = tmp_path / "events.jsonl"
    assert main(["export", "--db", rebuilt, "--corrected", "--output", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert sorted((r["id"], tuple(r["corrected"])) for r in records) == sorted(
        [(rest.key, ("merged", "split")), (own.key, ("split",))]
    )


def test_describe_merges_and_splits(event):
    _, second, both, _ = two_reports()
    talks = make_event(make_article("Talks in Beijing. End.", id="b.txt"), BEIJING)
    assert describe(merge(event, talks)) == (
        f"merged with Talks <script>x</script> (ref {talks.key})"
    )
    assert describe(merge(event, talks, merged=False)).startswith("merge with Talks")
    value = split_value(both, second.key)
    assert describe(split(both, value)) == f"split off b.txt as event ref {value['key']}"
    assert describe(split(both, {**value, "split": False})) == "split of b.txt undone"


def test_malformed_merges_and_splits_are_refused(event):
    for field, after in [
        ("merge", {"with": 3, "merged": True}),
        ("merge", "abc"),
        ("split", {"article_key": "k", "split": True}),  # no event
        ("split", {"article_key": "k", "split": True, "key": "x", "event": {"type": "x"}}),
    ]:
        with pytest.raises(CorrectionError):
            check(field, after)


def test_a_merged_away_event_leads_to_the_event_it_went_into(event):
    talks = make_event(make_article("Talks in Beijing. End.", id="b.txt"), BEIJING, type="meeting")
    third = make_event(make_article("Drills at sea. End.", id="c.txt"), SEA)
    rows = [merge(event, talks, id=1), merge(third, event, id=2)]
    assert merged_into(rows, talks.key) == third.key  # talks -> event -> third
    assert merged_into(rows, event.key) == third.key
    assert merged_into(rows, third.key) is None
    rows.append(merge(event, talks, merged=False, id=3))  # undone: talks is its own again
    assert merged_into(rows, talks.key) is None


def test_a_corrected_place_keeps_its_division_codes(event):
    from geo.model import Place

    town = Place(
        "gn:9000005", "Oddmere", 10.0, 20.0, "city", "XQ", 800, 9000005, "XQ.01", "XQ.01.7"
    )
    moved = apply_one(event, correction(event, "place", [place_value(EventPlace("Oddmere", town))]))
    assert moved.places[0].place == town
    old = {k: v for k, v in place_value(EventPlace("Oddmere", town)).items() if "admin" not in k}
    earlier = apply_one(event, correction(event, "place", [old]))  # made before places had codes
    assert earlier.places[0].place.admin1 is None and earlier.places[0].place.name == "Oddmere"
