"""geo.corrections and the store's corrections table: applied in order, keyed by the extracted
event, surviving re-ingest and a rebuild of the database."""

from __future__ import annotations

from dataclasses import replace

import pytest

from geo.corrections import (
    Correction,
    CorrectionError,
    apply_one,
    corrected,
    current_value,
    describe,
    is_rejected,
    place_value,
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
