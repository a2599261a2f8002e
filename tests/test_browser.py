"""End to end in Chromium: the app builds its database from the seeds, the map works offline.

Starts `streamlit run app.py` on a free port with GEO_DB pointing at a new temporary
file, so the first page load ingests config.SEEDS_DIR; then drives Debian's chromium
through Playwright. Every wait is for a condition, never a fixed sleep. Skipped only
when /usr/bin/chromium is missing, and never on CI (CI=true): there it fails instead.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest

from geo import config

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "screenshot.png"
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
    """Poll a condition until it holds (poll() waits a little between tries); fail after timeout_s."""
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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a free port with a database that does not exist yet."""
    workdir = tmp_path_factory.mktemp("browser")
    db = workdir / "data" / "events.db"
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


@pytest.fixture(scope="module")
def browser_page(server, tmp_path_factory):
    """A fresh Chromium profile, with every request and console message recorded."""
    profile = tmp_path_factory.mktemp("chromium-profile")
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
        record = {"requests": [], "errors": []}
        context.on("request", lambda request: record["requests"].append(request.url))
        page.on(
            "console",
            lambda msg: (
                record["errors"].append(f"console: {msg.text}") if msg.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: record["errors"].append(f"pageerror: {error}"))
        page.goto(server["url"])
        yield page, record
        context.close()


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


def metric(page: Page, label: str) -> int:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return int(box.locator('[data-testid="stMetricValue"]').inner_text().strip())


def wait_idle(page: Page) -> None:
    """Wait for Streamlit to finish the current script run."""
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=60_000
    )
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=60_000)


def settled_map(page: Page, *, timeout_s: float = 60) -> tuple[Frame, int]:
    """The map once it has drawn markers for what the page says is shown."""

    def ready():
        frame = map_frame(page)
        if frame is None or frame.locator(".leaflet-marker-icon").count() == 0:
            return None
        expected = metric(page, "Places on the map")
        total = marker_total(frame)
        return (frame, total) if total == expected else None

    return wait_until(
        ready,
        timeout_s=timeout_s,
        what="the map's markers",
        poll=lambda: page.wait_for_timeout(150),
    )


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


# ---------------------------------------------------------------------------- the test


def test_map_works_offline_end_to_end(server, browser_page):
    started = time.monotonic()
    page, record = browser_page

    # First run: the database is built from the seeds, with a progress display.
    frame, total = settled_map(page, timeout_s=FIRST_BUILD_TIMEOUT_S)
    assert server["db"].exists()
    assert total > 0
    assert frame.locator(".leaflet-marker-icon").count() > 0
    assert frame.locator("path").count() > 100, "the offline country layer is drawn"
    build_s = time.monotonic() - started

    from geo.store import Store

    with Store(server["db"]) as store:
        events = store.events()
        excerpts = [" ".join(e.excerpt.split()) for e in events]
        year_range = store.year_range()
    assert events and year_range

    # Clicking a marker opens a popup quoting the article, and selects the event.
    text = " ".join(open_a_marker_popup(page).split())
    assert any(x[:60] in text for x in excerpts), text
    key = re.search(r"Event ref ([0-9a-f]{16})", text).group(1)
    expect(page.get_by_text(f"Event ref {key}", exact=True)).to_be_visible(timeout=30_000)
    wait_idle(page)
    expect(map_frame(page).locator(".leaflet-popup-content")).to_be_visible()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # Moving the year slider changes the markers on the map.
    before = metric(page, "Places on the map")
    sliders = page.get_by_role("slider")
    assert year_range[0] < year_range[1], "the seeds span more than one year"
    low_thumb = sliders.first
    low_thumb.focus()
    low_thumb.press("End")  # the lower bound jumps to the last year
    wait_until(
        lambda: metric(page, "Places on the map") != before,
        timeout_s=60,
        what="the count to change",
        poll=lambda: page.wait_for_timeout(150),
    )
    after_metric = metric(page, "Places on the map")
    if after_metric:
        _, after = settled_map(page)
        assert after == after_metric != total
    else:
        wait_until(
            lambda: (
                map_frame(page) and map_frame(page).locator(".leaflet-marker-icon").count() == 0
            ),
            timeout_s=60,
            what="an empty map",
            poll=lambda: page.wait_for_timeout(150),
        )

    # Nothing went off this machine, and nothing went wrong in the page.
    outside = sorted(
        {
            u
            for u in record["requests"]
            if urlparse(u).scheme in ("http", "https", "ws", "wss")
            and urlparse(u).hostname not in LOCAL_HOSTS
        }
    )
    assert not outside, outside
    assert any("/app/static/vendor/leaflet-1.9.4/dist/leaflet.js" in u for u in record["requests"])
    assert any("/app/static/data/countries-110m.geojson" in u for u in record["requests"])
    assert not record["errors"], record["errors"]
    print(f"\nfirst build and map: {build_s:.1f} s; whole test: {time.monotonic() - started:.1f} s")


def test_uploading_articles_adds_their_events_and_names_rejections(server, browser_page, tmp_path):
    page, record = browser_page
    wait_idle(page)

    def stored_articles() -> int:  # the sidebar's database line: "… · N articles · M events"
        return int(re.search(r"(\d+) articles · \d+ events", page.inner_text("body")).group(1))

    articles_before = stored_articles()
    good = tmp_path / "upload-drill.txt"
    good.write_text(
        "Russian and Chinese warships held joint naval drills in the Yellow Sea "
        "in May 2011, the navy said.",
        encoding="utf-8",
    )
    bad = tmp_path / "broken.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    page.get_by_text("Add articles").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [str(good), str(bad)]
    )
    ingest = page.get_by_role("button", name="Ingest")
    expect(ingest).to_be_enabled(timeout=30_000)
    ingest.click()
    expect(page.get_by_text("1 added", exact=True)).to_be_visible(timeout=120_000)
    expect(page.get_by_text("upload-drill.txt").first).to_be_visible()
    expect(page.get_by_text(re.compile(r"broken\.jsonl.*line 1")).first).to_be_visible()
    wait_idle(page)
    assert stored_articles() == articles_before + 1
    assert not record["errors"], record["errors"]
