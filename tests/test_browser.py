"""End to end in Chromium: the app builds its database from the seeds, the map works offline.

Starts `streamlit run app.py` on a free port with GEO_DB pointing at a new temporary
file, so the first page load ingests config.SEEDS_DIR; then drives Debian's chromium
through Playwright. Every wait is for a condition, never a fixed sleep. Skipped only
when /usr/bin/chromium is missing, and never on CI (CI=true): there it fails instead.

The tests share one page and run in order: the first builds the database. With
GEO_SCREENSHOTS=1 they also write the README's screenshots into docs/ (otherwise a test
run leaves the working tree as it was).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from geo import config

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SCREENSHOTS = os.environ.get("GEO_SCREENSHOTS", "") not in ("", "0")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FIRST_BUILD_TIMEOUT_S = 300  # loading the spaCy model and ingesting every seed article
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
MAP_FRAME = 'iframe[title*="st_folium"]'

if not CHROMIUM.exists():
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{CHROMIUM} is missing on CI: the browser test must run there", pytrace=False)
    pytest.skip(
        f"{CHROMIUM} is not installed (Debian package 'chromium'); the browser test needs it",
        allow_module_level=True,
    )

from playwright.sync_api import Frame, Page, expect, sync_playwright  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(
    predicate: Callable[[], object], *, timeout_s: float, what: str, poll: Callable[[], None]
) -> object:
    """Poll a condition until it holds (poll() waits between tries); fail after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            result = predicate()
        except Exception:  # noqa: BLE001 - the page may be mid-rerun; try again
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        poll()


@contextmanager
def app_server(db: Path, workdir: Path) -> Iterator[dict]:
    """`streamlit run app.py` on a free port with GEO_DB=db, stopped at the end."""
    port = free_port()
    env = {**os.environ, config.ENV_DB: str(db), "PYTHONUNBUFFERED": "1"}
    log = (workdir / "streamlit.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"streamlit exited: {(workdir / 'streamlit.log').read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_until(healthy, timeout_s=60, what="the streamlit server", poll=lambda: time.sleep(0.2))
        yield {"url": url, "db": db, "log": workdir / "streamlit.log"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def recorded_page(url: str, profile: Path) -> Iterator[tuple[Page, dict]]:
    """A fresh Chromium profile on the page, with every request and console message
    recorded."""
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1440, "height": 900},
            device_scale_factor=1,
        )
        page = context.pages[0] if context.pages else context.new_page()
        record: dict = {"requests": [], "errors": []}
        context.on("request", lambda request: record["requests"].append(request.url))
        page.on(
            "console",
            lambda msg: (
                record["errors"].append(f"console: {msg.text}") if msg.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: record["errors"].append(f"pageerror: {error}"))
        page.on("dialog", lambda dialog: record["errors"].append(f"dialog: {dialog.message}"))
        page.goto(url)
        yield page, record
        context.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a free port with a database that does not exist yet."""
    workdir = tmp_path_factory.mktemp("browser")
    with app_server(workdir / "data" / "events.db", workdir) as running:
        yield running


@pytest.fixture(scope="module")
def browser_page(server, tmp_path_factory):
    """A fresh Chromium profile, with every request and console message recorded."""
    with recorded_page(server["url"], tmp_path_factory.mktemp("chromium-profile")) as opened:
        yield opened


def screenshot(page: Page, name: str) -> None:
    """Save a README screenshot into docs/, only when asked (GEO_SCREENSHOTS=1)."""
    if SCREENSHOTS:
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / name))


def assert_stayed_local(record: dict) -> None:
    """Nothing went off this machine, and nothing went wrong in the page."""
    outside = sorted(
        {
            u
            for u in record["requests"]
            if urlparse(u).scheme in ("http", "https", "ws", "wss")
            and urlparse(u).hostname not in LOCAL_HOSTS
        }
    )
    assert not outside, outside
    assert not record["errors"], record["errors"]


# ---------------------------------------------------------------------------- helpers


def map_frame(page: Page) -> Frame | None:
    """The current st_folium iframe's frame (it is replaced whenever the markers change)."""
    handle = page.query_selector(MAP_FRAME)
    return handle.content_frame() if handle else None


def marker_total(frame: Frame) -> int:
    """Markers drawn on their own plus the events counted inside clusters."""
    singles = frame.locator(".leaflet-marker-icon.ev-marker").count()
    clusters = frame.locator(".marker-cluster").all_inner_texts()
    return singles + sum(int(t) for t in (c.strip() for c in clusters) if t.isdigit())


def area_total(frame: Frame) -> int:
    """Events drawn on areas (circles and country shapes): each area is drawn once, its
    class naming how many events it has (ev-n-N)."""
    classes = frame.locator("path.ev-area").evaluate_all(
        "els => els.map(e => e.getAttribute('class') || '')"
    )
    return sum(int(m.group(1)) for c in classes if (m := re.search(r"\bev-n-(\d+)", c)))


def metric(page: Page, label: str) -> int:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return int(box.locator('[data-testid="stMetricValue"]').inner_text().strip())


def assert_connected(page: Page) -> None:
    """The page still has its server: once Streamlit gives up on the connection, nothing
    the test waits for can happen."""
    state = page.get_by_test_id("stApp").get_attribute("data-test-connection-state")
    assert state != "DISCONNECTED_FOREVER", page.locator("body").inner_text()[-2000:]


def wait_idle(page: Page) -> None:
    """Wait for Streamlit to finish the current script run; fail at once, with what the
    page says, if the page lost its server for good (it would never finish)."""
    app = page.get_by_test_id("stApp")
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && (app.dataset.testScriptState === "notRunning"
                || app.dataset.testConnectionState === "DISCONNECTED_FOREVER");
        }""",
        timeout=60_000,
    )
    assert_connected(page)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=60_000)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=60_000)


def settled_map(page: Page, *, timeout_s: float = 60) -> tuple[Frame, int, int]:
    """The map once it has drawn the markers and areas the page says are shown."""

    def ready():
        frame = map_frame(page)
        if frame is None or frame.locator(".leaflet-map-pane").count() == 0:
            return None
        expected = metric(page, "Places")
        markers, areas = marker_total(frame), area_total(frame)
        return (frame, markers, areas) if markers + areas == expected else None

    return wait_until(
        ready,
        timeout_s=timeout_s,
        what="the map's markers and areas",
        poll=poll(page),
    )


def poll(page: Page) -> Callable[[], None]:
    """A short pause between two looks at the page, failing if it lost its server."""

    def pause() -> None:
        page.wait_for_timeout(150)
        assert_connected(page)

    return pause


def open_expander(page: Page, label: str, inside) -> None:
    """Open an expander (unless it is open) until something inside it shows."""

    def act() -> None:
        if not inside.first.is_visible():
            page.get_by_text(re.compile("^" + re.escape(label))).first.click(timeout=5_000)

    act_until(page, act, lambda: inside.first.is_visible(), what=f"the expander {label!r}")


def act_until(
    page: Page, act: Callable[[], None], done: Callable[[], object], *, what: str
) -> None:
    """Do something until it takes effect: a click or a drag that lands while Streamlit
    redraws the page is lost, so it is repeated (each try waits up to 15 s for the effect)."""
    deadline = time.monotonic() + 90
    while True:
        wait_idle(page)
        try:
            act()
        except Exception:  # noqa: BLE001 - the element was being replaced; look again
            pass
        try:
            wait_until(done, timeout_s=15, what=what, poll=poll(page))
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def open_a_marker_popup(page: Page) -> str:
    """Click clusters until a single marker shows, click it, and return its popup's text."""

    def single_marker():
        frame = map_frame(page)
        if frame is None:
            return None
        marker = frame.locator(".leaflet-marker-icon.ev-marker")
        if marker.count():
            return marker.first
        # Zooms in, or spiderfies markers at one spot; a click that lands mid-rerun is retried.
        frame.locator(".marker-cluster").first.click(timeout=5_000)
        return None

    marker = wait_until(
        single_marker, timeout_s=60, what="a single marker", poll=lambda: page.wait_for_timeout(400)
    )
    marker.click(timeout=10_000)
    popup = map_frame(page).locator(".leaflet-popup-content")
    expect(popup).to_be_visible(timeout=15_000)
    expect(popup).to_contain_text("Event ref", timeout=15_000)
    return popup.inner_text()


def slider_values(page: Page) -> list[int]:
    """The year slider's two thumbs."""
    return [
        int(v)
        for v in page.get_by_role("slider").evaluate_all(
            "els => els.map(e => e.value ?? e.getAttribute('aria-valuenow'))"
        )
    ]


def stored_events(server) -> list:
    from geo.store import Store

    with Store(server["db"]) as store:
        return store.events()


# ---------------------------------------------------------------------------- the tests


def test_map_works_offline_end_to_end(server, browser_page):
    started = time.monotonic()
    page, record = browser_page

    # First run: the database is built from the seeds, with a progress display.
    frame, markers, areas = settled_map(page, timeout_s=FIRST_BUILD_TIMEOUT_S)
    assert server["db"].exists()
    assert markers > 0 and areas > 0
    assert frame.locator("path").count() > 100, "the offline country layer is drawn"
    build_s = time.monotonic() - started

    events = stored_events(server)
    excerpts = [" ".join(e.excerpt.split()) for e in events]
    year_range = (min(e.year for e in events if e.year), max(e.year for e in events if e.year))
    points = sum(1 for e in events for p in e.places if p.precision == "point")
    assert (markers, areas) == (points, sum(len(e.places) for e in events) - points)
    expect(page.get_by_text("Events in view")).to_be_visible()
    screenshot(page, "screenshot.png")

    # Picking the first row of the list beside the map opens the newest event.
    from geo.filters import event_months

    newest = max(events, key=lambda e: event_months(e) or ((0, 0), (0, 0)))
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    act_until(
        page,
        lambda: page.mouse.click(box["x"] + 18, box["y"] + 35 + 17),  # the first row's box
        lambda: f"event={newest.key}" in page.url,
        what="the first row to select its event",
    )
    expect(page.get_by_text(f"Event ref {newest.key}", exact=True).first).to_be_visible()
    act_until(
        page,
        lambda: page.get_by_role("button", name="Back to the list").click(timeout=5_000),
        lambda: "event=" not in page.url,
        what="the list again",
    )

    # Clicking a marker opens a popup quoting the article, and selects the event.
    text = " ".join(open_a_marker_popup(page).split())
    assert any(x[:60] in text for x in excerpts), text
    key = re.search(r"Event ref ([0-9a-f]{16})", text).group(1)
    expect(page.get_by_text(f"Event ref {key}", exact=True).first).to_be_visible(timeout=30_000)
    wait_idle(page)
    expect(map_frame(page).locator(".leaflet-popup-content")).to_be_visible()
    assert f"event={key}" in page.url

    # Moving the year slider changes the markers on the map.
    before = metric(page, "Places")
    sliders = page.get_by_role("slider")
    assert year_range[0] < year_range[1], "the seeds span more than one year"
    low_thumb = sliders.first
    low_thumb.focus()
    low_thumb.press("End")  # the lower bound jumps to the last year
    wait_until(
        lambda: metric(page, "Places") != before,
        timeout_s=60,
        what="the count to change",
        poll=poll(page),
    )
    after = metric(page, "Places")
    _, markers_after, areas_after = settled_map(page)
    assert markers_after + areas_after == after != before
    # The address is written at the end of the run, after the map: wait for it.
    wait_until(
        lambda: f"from={year_range[1]}" in page.url, timeout_s=60, what="the URL", poll=poll(page)
    )
    low_thumb.press("Home")
    wait_until(lambda: "from=" not in page.url, timeout_s=60, what="the URL", poll=poll(page))

    assert any("/app/static/vendor/leaflet-1.9.4/dist/leaflet.js" in u for u in record["requests"])
    assert any("/app/static/data/countries-110m.geojson" in u for u in record["requests"])
    assert_stayed_local(record)
    print(f"\nfirst build and map: {build_s:.1f} s; whole test: {time.monotonic() - started:.1f} s")


def test_areas_are_drawn_as_areas_and_say_how_precise_they_are(server, browser_page):
    page, record = browser_page
    wait_idle(page)
    frame, _, areas = settled_map(page)
    events = stored_events(server)
    area_types = [e.type for e in events for p in e.places if p.precision == "area"]
    # An event alone on its sea, whose type no other area has: its path is the only one of
    # its colour, and its popup is the event's own.
    area_ids = [p.place.id for e in events for p in e.places if p.precision == "area"]
    sea = next(
        e
        for e in events
        if any(
            p.place.feature in ("sea", "ocean") and area_ids.count(p.place.id) == 1
            for p in e.places
        )
        and area_types.count(e.type) == 1
    )
    place = next(p for p in sea.places if p.place.feature in ("sea", "ocean"))
    area = frame.locator(f"path.ev-area-{sea.type}")
    assert area.count() >= 1
    box = area.first.bounding_box()
    assert box and box["width"] > 20 and box["height"] > 20, "a circle, not a pin"
    area.first.click(force=True)
    popup = map_frame(page).locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Somewhere in", timeout=15_000)
    expect(page.get_by_text(f"Event ref {sea.key}", exact=True).first).to_be_visible(timeout=30_000)
    wait_idle(page)
    panel = page.locator('[data-testid="stMain"]').inner_text()
    assert f"somewhere in the {place.place.name}" in panel
    assert "month only" in panel or "year only" in panel or "–" in panel
    assert re.search(r"Reported by \d+ articles? from \d+ outlets?", panel)
    expect(map_frame(page).locator(".leaflet-popup-content")).to_be_visible()
    screenshot(page, "popup.png")

    # Hiding the events placed only at country level takes their shapes off the map.
    country_level = [
        e for e in events if e.places and all(p.place.feature == "country" for p in e.places)
    ]
    assert country_level, "the seeds have an event placed only in a country"
    toggle = page.get_by_role("checkbox", name="Hide events placed only at country level")
    act_until(
        page,
        lambda: toggle.check(force=True, timeout=5_000),
        lambda: metric(page, "Events shown") == len(events) - len(country_level),
        what="the country-level events to go",
    )
    _, _, areas_after = settled_map(page)
    assert areas_after == areas - sum(len(e.places) for e in country_level)
    # The address is written at the end of the run that drew the map.
    wait_until(lambda: "country_level=0" in page.url, timeout_s=60, what="the URL", poll=poll(page))
    act_until(
        page,
        lambda: toggle.uncheck(force=True, timeout=5_000),
        lambda: "country_level" not in page.url,
        what="the URL",
    )
    act_until(
        page,
        lambda: page.get_by_role("button", name="Back to the list").click(timeout=5_000),
        lambda: page.get_by_text("Events in view").first.is_visible(),
        what="the list of events",
    )
    assert_stayed_local(record)


def test_brushing_the_timeline_sets_the_years_and_the_map_follows(server, browser_page):
    from geo.filters import View, apply

    page, record = browser_page
    wait_idle(page)
    settled_map(page)
    chart = page.locator('[data-testid="stVegaLiteChart"]')
    expect(chart).to_be_visible(timeout=30_000)
    labels = chart.locator("svg text")
    expect(labels.filter(has_text=re.compile(r"^2010$"))).to_have_count(1, timeout=30_000)
    left = labels.filter(has_text=re.compile(r"^2010$")).bounding_box()
    right = labels.filter(has_text=re.compile(r"^2022$")).bounding_box()
    y = left["y"] - 25  # inside the plot, above the axis

    def drag(x0: float, x1: float) -> Callable[[], None]:
        def go() -> None:
            page.mouse.move(x0, y)
            page.mouse.down()
            page.mouse.move(x1, y, steps=8)
            page.mouse.up()

        return go

    # Bars whose middle the brush covers: 2010 to 2021.
    act_until(
        page,
        drag(left["x"] + left["width"] / 2, right["x"] + right["width"] / 2),
        lambda: slider_values(page) == [2010, 2021],
        what="the year slider to follow the brush",
    )
    wait_idle(page)
    expected = apply(stored_events(server), View(start=(2010, 1), end=(2021, 12)))
    assert metric(page, "Events shown") == len(expected)
    _, markers, areas = settled_map(page)
    assert markers + areas == sum(len(e.places) for e in expected)
    wait_until(
        lambda: "from=2010" in page.url and "to=2021" in page.url,
        timeout_s=60,
        what="the URL",
        poll=poll(page),
    )
    expect(chart.locator("svg")).to_be_visible()

    # One year: a brush inside the last bar's year picks that year alone.
    last = max(e.year for e in stored_events(server) if e.year)
    per_year = (right["x"] - left["x"]) / 12
    x = left["x"] + left["width"] / 2 + (last - 2010) * per_year
    act_until(
        page,
        drag(x + 0.2 * per_year, x + 0.8 * per_year),
        lambda: slider_values(page) == [last, last],
        what="the brush to pick one year",
    )
    wait_idle(page)
    assert metric(page, "Events shown") == len(
        apply(stored_events(server), View(start=(last, 1), end=(last, 12)))
    )
    settled_map(page)
    screenshot(page, "timeline.png")
    assert_stayed_local(record)


def test_the_url_restores_the_view_in_a_fresh_page(server, browser_page):
    from geo.filters import View, apply

    page, record = browser_page
    events = stored_events(server)
    meeting = next(e for e in events if e.type == "meeting" and e.year and 2013 <= e.year <= 2019)
    address = f"{server['url']}/?from=2013&to=2019&type=meeting&event={meeting.key}"
    fresh = page.context.new_page()
    fresh.on("pageerror", lambda error: record["errors"].append(f"pageerror: {error}"))
    try:
        expected = apply(events, View(start=(2013, 1), end=(2019, 12), types=("meeting",)))

        def restored() -> None:
            expect(fresh.get_by_text(f"Event ref {meeting.key}", exact=True).first).to_be_visible(
                timeout=60_000
            )
            wait_idle(fresh)
            assert slider_values(fresh) == [2013, 2019]
            assert metric(fresh, "Events shown") == len(expected)
            _, markers, areas = settled_map(fresh)
            assert markers + areas == sum(len(e.places) for e in expected)
            assert "type=meeting" in fresh.url and f"event={meeting.key}" in fresh.url

        fresh.goto(address)
        restored()
        fresh.reload()
        restored()
        reader = fresh.get_by_test_id("stExpander").filter(has_text="Read the article")
        sentence = " ".join(meeting.sources[0].excerpt.split())[:40]
        open_expander(fresh, "Read the article, sentences marked", reader.get_by_text(sentence))
        reader.get_by_text(sentence).first.scroll_into_view_if_needed()
        screenshot(fresh, "reader.png")
    finally:
        fresh.close()
    assert_stayed_local(record)


def test_a_correction_is_stored_shown_in_the_history_and_undone(server, browser_page):
    page, record = browser_page
    events = stored_events(server)
    event = next(e for e in events if e.type == "exercise" and e.places)
    page.goto(f"{server['url']}/?event={event.key}")
    expect(page.get_by_text(f"Event ref {event.key}", exact=True).first).to_be_visible(
        timeout=60_000
    )
    wait_idle(page)
    shown_before = metric(page, "Events shown")
    name = page.get_by_role("textbox", name="Your name")
    open_expander(page, "Correct this event", name)
    name.fill("<i>Analyst</i>")
    name.press("Enter")
    wait_idle(page)
    page.get_by_role("textbox", name="Note (optional)").fill("a rumour, not an exercise")
    page.get_by_role("textbox", name="Note (optional)").press("Enter")
    wait_idle(page)
    act_until(
        page,
        lambda: page.get_by_role("button", name="Reject this event").click(timeout=5_000),
        lambda: metric(page, "Events shown") == shown_before - 1,
        what="the rejected event to leave the view",
    )
    expect(page.get_by_text("Rejected by an analyst", exact=False)).to_be_visible(timeout=60_000)
    history = page.get_by_text(re.compile(r"UTC · <i>Analyst</i> · rejected"))
    open_expander(page, "Correct this event", history)
    expect(page.get_by_text("Rejected (1)")).to_be_visible()
    settled_map(page)
    history.scroll_into_view_if_needed()
    screenshot(page, "correction.png")
    act_until(
        page,
        lambda: page.get_by_role("button", name="Undo the rejection").click(timeout=5_000),
        lambda: metric(page, "Events shown") == shown_before,
        what="the event to come back",
    )
    from geo.store import Store

    with Store(server["db"]) as store:
        assert [c.after for c in store.corrections(event.key)] == [True, False]
    assert_stayed_local(record)


def test_uploading_articles_adds_their_events_and_names_rejections(server, browser_page, tmp_path):
    from geo.filters import View, apply

    page, record = browser_page
    wait_idle(page)
    act_until(
        page,
        lambda: page.get_by_role("button", name="Show everything").click(timeout=5_000),
        lambda: "from=" not in page.url,
        what="all years",
    )
    wait_idle(page)

    def stored_articles() -> int:  # the sidebar's database line: "… · N articles · M events"
        return int(re.search(r"(\d+) articles · \d+ events", page.inner_text("body")).group(1))

    articles_before = stored_articles()
    good = tmp_path / "upload-drill.txt"
    good.write_text(
        "Russian and Chinese warships held joint naval drills in the Yellow Sea "
        "in May 2011, the navy said. <img src=x onerror=alert(1)><script>alert(2)</script>",
        encoding="utf-8",
    )
    (tmp_path / "upload-drill.meta.json").write_text(
        '{"title": "<script>alert(3)</script> Drills", "source": "<b onmouseover=alert(4)>Wire"}',
        encoding="utf-8",
    )
    bad = tmp_path / "broken.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    page.get_by_text("Add articles").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [str(good), str(tmp_path / "upload-drill.meta.json"), str(bad)]
    )
    ingest = page.get_by_role("button", name="Ingest")
    expect(ingest).to_be_enabled(timeout=30_000)
    ingest.click()
    expect(page.get_by_text("1 added", exact=True)).to_be_visible(timeout=120_000)
    expect(page.get_by_text("upload-drill.txt").first).to_be_visible()
    expect(page.get_by_text(re.compile(r"broken\.jsonl.*line 1")).first).to_be_visible()
    wait_idle(page)
    assert stored_articles() == articles_before + 1

    # Searching finds the hostile article's event; its text shows as text.
    found = apply(stored_events(server), View(text="yellow sea"))
    assert found
    search = page.get_by_role("textbox", name="Search")
    search.fill("yellow sea")
    search.press("Enter")
    wait_until(
        lambda: metric(page, "Events shown") == len(found),
        timeout_s=60,
        what="the search results",
        poll=poll(page),
    )
    wait_until(
        lambda: re.search(r"q=yellow(\+|%20)sea", page.url),
        timeout_s=60,
        what="the search in the URL",
        poll=poll(page),
    )
    wait_idle(page)
    frame, _, _ = settled_map(page)
    frame.locator("path.ev-area").first.click(force=True)
    expect(page.get_by_text("Read the article, sentences marked")).to_be_visible(timeout=30_000)
    wait_idle(page)
    expect(page.get_by_text("<script>alert(3)</script> Drills").first).to_be_visible()
    popup = map_frame(page).locator(".leaflet-popup-content")
    expect(popup).to_contain_text("<script>alert(3)</script> Drills")
    assert (
        map_frame(page)
        .locator(".leaflet-popup-content script, .leaflet-popup-content b[onmouseover]")
        .count()
        == 0
    )
    assert (
        page.locator('[data-testid="stMain"] script, [data-testid="stMain"] img[src="x"]').count()
        == 0
    )
    assert_stayed_local(record)


def corrected_now(server) -> list:
    """The stored events as the dashboard shows them: corrections applied, rejected ones out."""
    from geo.corrections import corrected, is_rejected
    from geo.store import Store

    with Store(server["db"]) as store:
        return [e for e in corrected(store.events(), store.corrections()) if not is_rejected(e)]


def start_correcting(page: Page, action: str) -> None:
    """Open "Correct this event", give a hostile name and pick an action."""
    name = page.get_by_role("textbox", name="Your name")
    open_expander(page, "Correct this event", name)
    if name.input_value() != "<b onmouseover=alert(1)>Ann</b>":
        name.fill("<b onmouseover=alert(1)>Ann</b>")
        name.press("Enter")
    choice = page.get_by_test_id("stRadio").get_by_text(action, exact=True)
    act_until(
        page,
        lambda: choice.click(timeout=5_000),
        lambda: page.get_by_role("radio", name=action).is_checked(),
        what=f"the {action} correction",
    )
    wait_idle(page)


def assert_nothing_ran(page: Page) -> None:
    """Hostile text stayed text: no element it names was made."""
    main = page.locator('[data-testid="stMain"]')
    assert main.locator("script, img[src='x'], b[onmouseover], a[href^='javascript']").count() == 0


def test_merging_an_event_into_another_and_undoing_it(server, browser_page, tmp_path):
    import csv
    import io

    page, record = browser_page
    settled_map(page, timeout_s=FIRST_BUILD_TIMEOUT_S)  # the database is built (run alone)
    events = corrected_now(server)
    event = max((e for e in events if e.places and e.year), key=lambda e: (e.year, e.month or 0))
    other = next(e for e in events if e.sources[0].article_key != event.sources[0].article_key)
    articles = len({s.article_key for s in (*event.sources, *other.sources)})
    page.goto(f"{server['url']}/?event={event.key}")
    expect(page.get_by_text(f"Event ref {event.key}", exact=True).first).to_be_visible(
        timeout=60_000
    )
    wait_idle(page)
    shown_before = metric(page, "Events shown")
    start_correcting(page, "Merge")
    search = page.get_by_role("textbox", name="Find the other event")
    search.fill(other.key[:8])
    search.press("Enter")
    expect(page.get_by_text(re.compile(r"Event to merge in \(1 found\)"))).to_be_visible(
        timeout=30_000
    )
    picker = page.get_by_role("combobox", name=re.compile("^Event to merge in"))
    expect(picker).to_have_value(re.compile(re.escape(f"ref {other.key}") + "$"))
    wait_idle(page)
    act_until(
        page,
        lambda: page.get_by_role("button", name="Merge the chosen event into this one").click(
            timeout=5_000
        ),
        lambda: metric(page, "Events shown") == shown_before - 1,
        what="the merged event to leave the view",
    )
    wait_idle(page)
    panel = page.locator('[data-testid="stMain"]').inner_text()
    assert "Corrected: merged" in panel
    assert re.search(rf"Reported by {articles} articles? from \d+ outlets?", panel)
    history = page.get_by_text(re.compile(rf"Ann</b> · merged with .*ref {other.key}"))
    open_expander(page, "Correct this event", history)
    assert_nothing_ran(page)
    _, markers, areas = settled_map(page)
    history.first.scroll_into_view_if_needed()
    screenshot(page, "merge.png")
    merged = next(e for e in corrected_now(server) if e.key == event.key)
    assert len(merged.places) == len(
        {p.place.id for p in (*event.places, *other.places)}
    ) and markers + areas == metric(page, "Places")

    # The CSV download has the merged event, marked, and not the other one.
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("CSV", exact=True).click()
    wait_idle(page)
    with page.expect_download(timeout=30_000) as download:
        sidebar.get_by_role("button", name=re.compile("^Download the")).click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    assert len(rows) == shown_before - 1
    [row] = [r for r in rows if r["id"] == event.key]
    assert "merged" in row["corrected"].split("; ")
    assert other.sources[0].article in row["articles"]
    assert other.key not in {r["id"] for r in rows}

    # Undone: the other event is back in the view and can be opened again.
    act_until(
        page,
        lambda: page.get_by_role("button", name=re.compile("^Undo the merge with")).click(
            timeout=5_000
        ),
        lambda: metric(page, "Events shown") == shown_before,
        what="the other event to come back",
    )
    undone = page.get_by_text(re.compile(rf"Ann</b> · merge with .*ref {other.key}\) undone"))
    open_expander(page, "Correct this event", undone)
    assert other.key in {e.key for e in corrected_now(server)}
    assert_stayed_local(record)


def test_splitting_an_article_off_makes_it_an_event_of_its_own(server, browser_page):
    from geo.mapview import FULL_MONTHS

    page, record = browser_page
    settled_map(page, timeout_s=FIRST_BUILD_TIMEOUT_S)
    events = corrected_now(server)
    # An invented report of a stored exercise (same place and month), from a hostile outlet:
    # ingesting it merges it into that exercise.
    target = next(
        e
        for e in events
        if e.type == "exercise"
        and e.precision in ("month", "day")
        and any(p.place.feature in ("sea", "city") for p in e.places)
    )
    place = next(p for p in target.places if p.place.feature in ("sea", "city"))
    when = f"{FULL_MONTHS[target.month - 1]} {target.year}"
    text = (
        f"Russian and Chinese warships held joint naval drills in the {place.place.name} in "
        f"{when}, the fleet said. <script>alert(9)</script><img src=x onerror=alert(10)>"
    )
    title = "<script>alert(5)</script> Fleet <img src=x onerror=alert(6)>"
    wait_idle(page)
    shown_before = metric(page, "Events shown")
    sidebar = page.get_by_test_id("stSidebar")
    box = sidebar.get_by_role("textbox", name="Article text")
    open_expander(page, "Paste an article", box)
    box.fill(text)
    sidebar.get_by_role("textbox", name="Title").fill(title)
    sidebar.get_by_role("textbox", name="Source (outlet)").fill("<b onmouseover=alert(7)>Wire</b>")
    sidebar.get_by_role("textbox", name="URL").fill("javascript:alert(8)")
    sidebar.get_by_role("button", name="Ingest the text").click()
    expect(page.get_by_text("1 added", exact=True)).to_be_visible(timeout=120_000)
    wait_idle(page)
    [joined] = [
        e
        for e in corrected_now(server)
        if any(s.title == title for s in e.sources) and len({s.article_key for s in e.sources}) > 1
    ]
    assert metric(page, "Events shown") == shown_before, "the report joined a stored event"
    page.goto(f"{server['url']}/?event={joined.key}")
    expect(page.get_by_text(f"Event ref {joined.key}", exact=True).first).to_be_visible(
        timeout=60_000
    )
    wait_idle(page)
    start_correcting(page, "Split")
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Article to split off")
    act_until(
        page,
        lambda: picker.locator("input").click(timeout=5_000),
        lambda: page.get_by_role("option", name=re.compile("Fleet")).is_visible(),
        what="the list of articles",
    )
    page.get_by_role("option", name=re.compile("Fleet")).click()
    expect(page.get_by_role("combobox", name="Article to split off")).to_have_value(
        re.compile("^" + re.escape(title))  # the hostile title, as text
    )
    wait_idle(page)
    act_until(
        page,
        lambda: page.get_by_role("button", name="Split the chosen article off").click(
            timeout=5_000
        ),
        lambda: metric(page, "Events shown") == shown_before + 1,
        what="the article's own event to appear",
    )
    history = page.get_by_text(re.compile(r"Ann</b> · split off .*Fleet.* as event ref"))
    open_expander(page, "Correct this event", history)
    assert title in history.first.inner_text()
    assert_nothing_ran(page)
    after = corrected_now(server)
    [own] = [e for e in after if all(s.title == title for s in e.sources)]
    rest = next(e for e in after if e.key == joined.key)
    assert not any(s.title == title for s in rest.sources)
    assert (own.year, own.month) == (target.year, target.month)
    assert [p.place.name for p in own.places] == [place.place.name]

    # The new event has a page of its own: one article, its sentence, the split in its history.
    page.goto(f"{server['url']}/?event={own.key}")
    expect(page.get_by_text(f"Event ref {own.key}", exact=True).first).to_be_visible(timeout=60_000)
    wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Reported by 1 article from 1 outlet")
    expect(main).to_contain_text("joint naval drills in the")
    expect(main).to_contain_text(title)
    assert_nothing_ran(page)
    settled_map(page)
    name = page.get_by_role("textbox", name="Your name")
    open_expander(page, "Correct this event", name)
    if not name.input_value():
        name.fill("Ann")
        name.press("Enter")
    act_until(
        page,
        lambda: page.get_by_role("button", name=re.compile("^Undo the split of")).click(
            timeout=5_000
        ),
        lambda: metric(page, "Events shown") == shown_before,
        what="the article to go back into the event",
    )
    expect(page.get_by_text(f"Event ref {joined.key}", exact=True).first).to_be_visible()
    assert len(corrected_now(server)) == len(after) - 1
    assert_stayed_local(record)


def test_the_timeline_counts_a_range_in_every_period_it_covers(server, browser_page):
    page, record = browser_page
    settled_map(page, timeout_s=FIRST_BUILD_TIMEOUT_S)
    wait_idle(page)
    sidebar = page.get_by_test_id("stSidebar")
    box = sidebar.get_by_role("textbox", name="Article text")
    open_expander(page, "Paste an article", box)
    box.fill(
        "Russian and Chinese warships held joint naval drills in the Yellow Sea from December "
        "28, 2022 to January 3, 2023, the fleet said."
    )
    sidebar.get_by_role("textbox", name="Title").fill("<b>Snowdrift</b> drills at the turn")
    sidebar.get_by_role("button", name="Ingest the text").click()
    expect(page.get_by_text("1 added", exact=True)).to_be_visible(timeout=120_000)
    wait_idle(page)
    [drill] = [e for e in corrected_now(server) if "Snowdrift" in (e.sources[0].title or "")]
    assert (drill.year, drill.end) == (2022, "2023-01-03")
    search = page.get_by_role("textbox", name="Search")
    search.fill("snowdrift")
    search.press("Enter")
    wait_until(
        lambda: metric(page, "Events shown") == 1,
        timeout_s=60,
        what="the search to find the drill",
        poll=poll(page),
    )
    # One event, two bars: the years its range covers (a timeline by year: the seeds span more
    # than four years).
    bars = page.locator('[data-testid="stVegaLiteChart"] g.mark-rect.marks path')
    wait_until(lambda: bars.count() == 2, timeout_s=30, what="two bars", poll=poll(page))
    labels = [b.get_attribute("aria-label") or "" for b in bars.all()]
    assert [re.search(r"when: (\d{4})", x).group(1) for x in labels] == ["2022", "2023"]
    assert all("events: 1; type: Exercise" in x for x in labels), labels
    act_until(
        page,
        lambda: page.get_by_role("button", name="Show everything").click(timeout=5_000),
        lambda: "q=" not in page.url,
        what="every event again",
    )
    assert_stayed_local(record)
