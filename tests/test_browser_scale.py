"""End to end in Chromium with more events than the map draws one by one.

The app runs on a database of 3,000 synthetic events (benchmarks/bench_dashboard.py, the
same for the same seed). Zoomed out, the map draws grid cells whose counts, with the events
on areas, add up to what the page says is shown, before and after a filter; zooming in on
a cell ends in single markers with their popups; an area's popup lists its events. Every
wait is for a condition, never a fixed sleep; nothing may leave the machine.
"""

from __future__ import annotations

import re

import pytest

from tests.test_browser import (
    act_until,
    app_server,
    area_total,
    assert_stayed_local,
    map_frame,
    marker_total,
    metric,
    open_a_marker_popup,
    poll,
    recorded_page,
    wait_idle,
    wait_until,
)

EVENTS = 3_000


@pytest.fixture(scope="module")
def events_db(tmp_path_factory):
    from benchmarks.bench_dashboard import fill, synthetic_events
    from geo.store import Store

    db = tmp_path_factory.mktemp("scale") / "events.db"
    with Store(db) as store:
        fill(store, synthetic_events(EVENTS))
        events = store.events()
    return db, events


@pytest.fixture(scope="module")
def page_on_many(events_db, tmp_path_factory):
    db, _ = events_db
    workdir = tmp_path_factory.mktemp("scale-server")
    with app_server(db, workdir) as server:
        with recorded_page(server["url"], tmp_path_factory.mktemp("scale-profile")) as opened:
            yield opened


def drawn_cells(page):
    """The map's frame once it draws grid cells and they, with the areas, count what the page
    says is shown (so the layer of this run, not of the last, is drawn)."""

    def ready():
        frame = map_frame(page)
        if frame is None or frame.locator(".ev-cell").count() == 0:
            return None
        expected = metric(page, "Places")
        return frame if marker_total(frame) + area_total(frame) == expected else None

    return wait_until(ready, timeout_s=120, what="the map's grid cells", poll=poll(page))


def places(events) -> int:
    return sum(len(e.places) for e in events)


def test_zoomed_out_the_map_draws_counts_that_add_up_to_the_shown_events(events_db, page_on_many):
    from geo.filters import View, apply

    _, events = events_db
    page, record = page_on_many
    frame = drawn_cells(page)
    assert metric(page, "Places") == places(events) == EVENTS
    assert frame.locator(".leaflet-marker-icon.ev-marker").count() == 0, "no single markers"
    cells = [int(t) for t in frame.locator(".ev-cell span").all_inner_texts()]
    assert len(cells) < 200 and max(cells) > 1, "counts, not a marker per event"
    assert sum(cells) + area_total(frame) == EVENTS

    # A filter changes the counts, and they still add up to what is shown.
    toggle = page.get_by_role("checkbox", name="Hide events placed only at country level")
    shown = places(apply(events, View(hide_country_level=True)))
    assert shown < EVENTS
    act_until(
        page,
        lambda: toggle.check(force=True, timeout=5_000),
        lambda: metric(page, "Places") == shown,
        what="the country-level events to go",
    )
    frame = drawn_cells(page)
    assert marker_total(frame) + area_total(frame) == shown
    act_until(
        page,
        lambda: toggle.uncheck(force=True, timeout=5_000),
        lambda: metric(page, "Places") == EVENTS,
        what="every event again",
    )
    drawn_cells(page)
    assert_stayed_local(record)


def test_zooming_in_on_a_cell_ends_in_markers_with_popups(events_db, page_on_many):
    _, events = events_db
    page, record = page_on_many
    drawn_cells(page)
    # Clicking a grid cell zooms in two levels, until few enough places are in sight to be
    # markers (then clusters of markers zoom or spiderfy), and a marker's popup opens.
    text = " ".join(open_a_marker_popup(page).split())
    key = re.search(r"Event ref ([0-9a-f]{16})", text).group(1)
    event = next(e for e in events if e.key == key)
    assert event.excerpt[:40] in text
    assert any(p.precision == "point" for p in event.places)
    assert map_frame(page).locator(".ev-cell").count() == 0, "zoomed in: no grid cells"
    assert_stayed_local(record)


def test_an_area_popup_lists_the_events_placed_there(events_db, page_on_many):
    from geo.mapdata import AREA_LISTED, group_areas
    from geo.mapview import format_date, place_phrase

    _, events = events_db
    page, record = page_on_many
    page.goto(page.url.split("?")[0])  # the world view again, whatever the tests before did
    wait_idle(page)
    frame = map_frame(page)
    paths = frame.locator("path.ev-area")
    wait_until(lambda: paths.count() > 0, timeout_s=60, what="the areas", poll=poll(page))
    classes = paths.evaluate_all("els => els.map(e => e.getAttribute('class'))")
    index, total = max(
        ((i, int(re.search(r"ev-n-(\d+)", c).group(1))) for i, c in enumerate(classes)),
        key=lambda it: it[1],
    )
    assert total > AREA_LISTED
    popup = map_frame(page).locator(".leaflet-popup-content")
    expect_text = f"{total} events somewhere in"

    def popup_text() -> str | None:
        # A map rerun (the view reported back after a load) redraws the layer and closes an
        # open popup: click again until the popup is there, and read it in the same try.
        if popup.count() == 0:
            paths.nth(index).dispatch_event("click")  # under smaller areas: not a mouse click
            return None
        found = popup.first.inner_text(timeout=2_000)
        return found if expect_text in found else None

    text = " ".join(
        str(wait_until(popup_text, timeout_s=60, what="the area's popup", poll=poll(page))).split()
    )
    assert f"and {total - AREA_LISTED} more" in text
    areas = [a for a in group_areas(events) if a.total == total]
    assert any(f"{total} events {place_phrase(a.place)}" in text for a in areas), text
    listed = [a for a in areas if f"{total} events {place_phrase(a.place)}" in text][0]
    assert all(format_date(e) in text for e in listed.events), "the first events are listed"
    assert_stayed_local(record)
