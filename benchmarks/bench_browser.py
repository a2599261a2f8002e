"""The dashboard in Chromium with many events: time to the first map, to the updated map after
a filter change, bytes over the websocket, server memory.

    python benchmarks/bench_browser.py [--events 50000] [--db FILE]

Writes N synthetic events (benchmarks/bench_dashboard.py, deterministic) into a new SQLite
file (or uses --db), starts `streamlit run app.py` on it and drives Debian's chromium through
Playwright (as tests/test_browser.py does: nothing leaves the machine). Prints one JSON line
per figure:

- `cold`: a first page load on a fresh server (the page's data read from the store
  included) until the map has drawn its event layer (`s_to_map_frame`: until the page
  has the map's frame, i.e. the script run has reached the map);
- `first map`: a second page load (the data is ready: read once per change of the
  database) until the map has drawn;
- `filter change`: the year slider's lower bound moved to the last year, until the map's
  drawn count shows the new total; then `idle` when the page has finished its rerun
  (`--changes N`: N changes, to the last year and back in turn, and their median);
- `bytes`: websocket bytes the browser received for that, `server_rss_mb`: the server's
  resident memory (VmRSS) and its peak (VmHWM).
Waits are for conditions (polling every 50 ms), never fixed sleeps.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MAP_FRAME = 'iframe[title*="st_folium"]'
# Event places the map draws: counts in grid cells and clusters, single markers, events on
# areas (their ev-n-N class).
DRAWN_JS = """() => {
    let n = 0;
    document.querySelectorAll(".marker-cluster span").forEach(s => {
        n += parseInt(s.textContent) || 0;
    });
    n += document.querySelectorAll(".leaflet-marker-icon.ev-marker").length;
    document.querySelectorAll("path.ev-area").forEach(p => {
        const m = /ev-n-(\\d+)/.exec(p.getAttribute("class") || ""); n += m ? parseInt(m[1]) : 0;
    });
    return n;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(predicate, *, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = predicate()
        except Exception:  # noqa: BLE001 - the page may be mid-rerun
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.05)


def memory_mb(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return {"server_rss_mb": fields.get("VmRSS"), "server_peak_rss_mb": fields.get("VmHWM")}


def drawn(page) -> int:
    """Event places the map draws now (0 while it has no event layer)."""
    handle = page.query_selector(MAP_FRAME)
    frame = handle.content_frame() if handle else None
    if frame is None or frame.locator(".leaflet-map-pane").count() == 0:
        return 0
    return int(frame.evaluate(DRAWN_JS))


# Watches the map's frame for the moment its drawn count leaves `before` (in the frame's own
# clock, at the next animation frame after the change: about when it is painted), so that the
# time to the updated map is not rounded up to the next poll.
WATCH_JS = (
    """before => {
    const count = """
    + DRAWN_JS
    + """;
    window.__drawnAt = null;
    window.__pressedAt = performance.timeOrigin + performance.now();
    const observer = new MutationObserver(() => {
        const n = count();
        if (n !== 0 && n !== before && window.__drawnAt === null) {
            window.__drawnAt = -1;
            observer.disconnect();
            requestAnimationFrame(() => {
                window.__drawnAt = performance.timeOrigin + performance.now();
            });
        }
    });
    observer.observe(document.body, {subtree: true, childList: true, attributes: true});
}"""
)


def map_frame(page):
    handle = page.query_selector(MAP_FRAME)
    return handle.content_frame() if handle else None


def idle(page) -> bool:
    state = page.get_by_test_id("stApp").get_attribute("data-test-script-state")
    return state == "notRunning" and page.get_by_test_id("stSkeleton").count() == 0


def measure(url: str, pid: int, events: int, changes: int = 1) -> list[dict]:
    from playwright.sync_api import sync_playwright

    out = []
    received = [0]
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1440, "height": 900},
        )

        def count(payload: str | bytes) -> None:
            received[0] += len(payload)

        def load(label: str):
            page = context.new_page()
            page.on("websocket", lambda ws: ws.on("framereceived", count))
            received[0] = 0
            started = time.monotonic()
            page.goto(url)
            wait(lambda: page.query_selector(MAP_FRAME), timeout_s=600, what="the map's frame")
            frame_s = time.monotonic() - started
            wait(lambda: drawn(page) > 0, timeout_s=600, what="the map's event layer")
            first = time.monotonic() - started
            wait(lambda: idle(page) and drawn(page) > 0, timeout_s=600, what="an idle page")
            out.append(
                {
                    "case": label,
                    "s_to_map_frame": round(frame_s, 2),
                    "s_to_map": round(first, 2),
                    "s_to_idle": round(time.monotonic() - started, 2),
                    "bytes": received[0],
                    "drawn": drawn(page),
                    **memory_mb(pid),
                }
            )
            return page

        load("cold (data read included)").close()
        page = load("first map (data ready)")
        slider = page.get_by_role("slider").first
        for i in range(changes):
            before = drawn(page)
            slider.focus()
            received[0] = 0
            frame = map_frame(page)
            frame.evaluate(WATCH_JS, before)
            started = time.monotonic()
            # The lower bound jumps to the last year, then back to the first, and so on.
            slider.press("End" if i % 2 == 0 else "Home")
            wait(lambda b=before: drawn(page) not in (0, b), timeout_s=120, what="the updated map")
            polled = time.monotonic() - started
            stamps = wait(
                lambda f=frame: f.evaluate(
                    "() => window.__drawnAt > 0 ? [window.__pressedAt, window.__drawnAt] : null"
                ),
                timeout_s=10,
                what="the map's own clock",
            )
            changed = (stamps[1] - stamps[0]) / 1000
            wait(lambda: idle(page), timeout_s=120, what="an idle page")
            out.append(
                {
                    "case": "filter change (from the last year on)"
                    if i % 2 == 0
                    else "filter change (back to every year)",
                    "s_to_map": round(changed, 3),
                    "s_to_map_polled": round(polled, 2),
                    "s_to_idle": round(time.monotonic() - started, 2),
                    "bytes": received[0],
                    "drawn_before": before,
                    "drawn": drawn(page),
                    **memory_mb(pid),
                }
            )
        if changes > 1:
            times = sorted(line["s_to_map"] for line in out if "drawn_before" in line)
            out.append(
                {
                    "case": f"filter changes, median of {changes}",
                    "s_to_map": times[len(times) // 2],
                    "s_to_map_min": times[0],
                    "s_to_map_max": times[-1],
                }
            )
        context.close()
    return [{"bench": "dashboard-browser", "events": events, **line} for line in out]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--db", help="an existing database (default: N synthetic events)")
    parser.add_argument(
        "--changes",
        type=int,
        default=1,
        help="filter changes to time, the year slider to the last year and back in turn "
        "(the median is printed too when more than one)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            from benchmarks.bench_dashboard import fill, synthetic_events
            from geo.store import open_store

            db = str(Path(tmp) / "events.db")
            with open_store(db) as store:
                fill(store, synthetic_events(args.events))
        port = free_port()
        log = (Path(tmp) / "streamlit.log").open("w")
        server = subprocess.Popen(
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
            env={**os.environ, "GEO_DB": db, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:

            def healthy() -> bool:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                    return response.status == 200

            wait(healthy, timeout_s=60, what="the streamlit server")
            from geo.store import open_store

            with open_store(db) as store:
                events = store.event_count()
            for line in measure(url, server.pid, events, args.changes):
                print(json.dumps(line), flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
