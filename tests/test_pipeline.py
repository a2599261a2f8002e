"""Ingest end to end: files in, events stored; re-ingest is a no-op; rejections are reported;
one event reported by two articles is stored once with both sources."""

from __future__ import annotations

import json

import pytest

from geo.pipeline import ingest
from geo.store import Store

ANNOUNCED = (
    "MOSCOW, Aug. 20 (Agency) -- Russian and Chinese warships will start the "
    "Joint Sea-2021 naval drills in the Sea of Japan next week, the navy said."
)
SUMMARISED = (
    "Chinese and Russian warships wrapped up joint naval drills in the Sea of Japan "
    "on Friday after five days of exercises."
)
OTHER_YEAR = "The navies held the Joint Sea-2019 drills in the Yellow Sea in May 2019."


def write(folder, name, text, **meta):
    (folder / name).write_text(text, encoding="utf-8")
    if meta:
        (folder / name).with_suffix(".meta.json").write_text(json.dumps(meta), encoding="utf-8")


@pytest.fixture
def store():
    with Store(":memory:") as s:
        yield s


def test_one_drill_in_two_articles_is_one_event_with_two_sources(tmp_path, store, geoparser):
    write(tmp_path, "a.txt", ANNOUNCED, published="2021-08-20", source="Agency A")
    write(tmp_path, "b.txt", SUMMARISED, published="2021-08-30", source="Agency B")
    write(tmp_path, "c.txt", OTHER_YEAR, published="2019-05-10")
    report = ingest([tmp_path], store=store, geoparser=geoparser)
    assert sorted(report.added) == ["a.txt", "b.txt", "c.txt"] and not report.rejected
    events = store.events()
    drills_2021 = [e for e in events if e.year == 2021]
    assert len(drills_2021) == 1
    assert sorted(s.article for s in drills_2021[0].sources) == ["a.txt", "b.txt"]
    assert [e.year for e in events if e.year == 2019] == [2019]


def test_ingesting_twice_changes_nothing(tmp_path, store, geoparser):
    write(tmp_path, "a.txt", ANNOUNCED, published="2021-08-20")
    first = ingest([tmp_path], store=store, geoparser=geoparser)
    events = store.events()
    again = ingest([tmp_path / "a.txt"], store=store, geoparser=geoparser)
    assert first.added == ("a.txt",) and again.unchanged == ("a.txt",) and not again.added
    assert store.events() == events and store.article_count() == 1


def test_a_file_read_before_is_not_read_again_until_it_changes(tmp_path, store_target, geoparser):
    import geo.articles
    from geo.store import open_store

    store = open_store(store_target)  # on SQLite and on PostgreSQL

    write(tmp_path, "a.txt", ANNOUNCED)
    write(tmp_path, "c.txt", OTHER_YEAR)
    ingest([tmp_path], store=store, geoparser=geoparser)
    read: list[str] = []
    real = geo.articles.read_file

    def spy(path, **kw):
        read.append(path.name)
        return real(path, **kw)

    (tmp_path / "c.txt").write_text(OTHER_YEAR + " Both navies said so.", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(geo.articles, "read_file", spy)
        again = ingest([tmp_path], store=store, geoparser=geoparser)
    assert read == ["c.txt"]
    assert again.unchanged == ("a.txt",) and again.added == ("c.txt",)


def test_every_input_is_added_or_rejected_with_a_reason(tmp_path, store, geoparser):
    write(tmp_path, "good.txt", SUMMARISED)
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n")
    report = ingest([tmp_path], store=store, geoparser=geoparser)
    assert report.added == ("good.txt",)
    rejected = {r.path.rsplit("/", 1)[-1]: r.reason for r in report.rejected}
    assert set(rejected) == {"empty.txt", "photo.png"}
    assert all(reason for reason in rejected.values())


def test_an_article_that_fails_is_rejected_and_the_rest_stored(
    tmp_path, store, geoparser, monkeypatch
):
    write(tmp_path, "a.txt", ANNOUNCED)
    write(tmp_path, "b.txt", SUMMARISED)
    from geo import events as events_module

    original = events_module.EventExtractor.__call__

    def flaky(self, article, doc, toponyms, **kw):
        if article.id == "a.txt":
            raise RuntimeError("boom")
        return original(self, article, doc, toponyms, **kw)

    monkeypatch.setattr(events_module.EventExtractor, "__call__", flaky)
    report = ingest([tmp_path], store=store, geoparser=geoparser)
    assert report.added == ("b.txt",)
    assert [r.reason for r in report.rejected] == ["could not be processed: RuntimeError: boom"]
    assert store.article_count() == 1


def test_progress_is_reported(tmp_path, store, geoparser):
    write(tmp_path, "a.txt", ANNOUNCED)
    write(tmp_path, "b.txt", SUMMARISED)
    calls = []
    ingest([tmp_path], store=store, geoparser=geoparser, progress=lambda *a: calls.append(a))
    assert calls[0][:2] == (0, 2) and calls[-1][:2] == (2, 2)


def test_parsing_in_two_processes_gives_the_same_events(tmp_path, geoparser):
    write(tmp_path, "a.txt", ANNOUNCED, published="2021-08-20")
    write(tmp_path, "c.txt", OTHER_YEAR, published="2019-05-10")
    results = []
    for processes in (1, 2):
        with Store(":memory:") as store:
            ingest([tmp_path], store=store, geoparser=geoparser, processes=processes)
            results.append(store.events())
    assert results[0] == results[1] and len(results[0]) == 2
