"""geo.mapview: the rendered map loads only local files, escapes article text, marks every place."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import folium
import pytest
from streamlit_folium import generate_leaflet_string

from geo import config
from geo.mapview import (
    GEONAMES_ATTRIBUTION,
    STATIC_URL,
    TYPE_COLOURS,
    build_map,
    clicked_event_key,
    escape,
    format_date,
    popup_html,
    tooltip_text,
)
from geo.model import EVENT_TYPES, Event, EventPlace, Place, Source
from tests.conftest import BEIJING, MOSCOW, SEA, make_article, make_event

CDN_HOSTS = (
    "cdn.jsdelivr.net",
    "cdnjs.cloudflare.com",
    "code.jquery.com",
    "netdna.bootstrapcdn.com",
    "maxcdn.bootstrapcdn.com",
    "unpkg.com",
    "raw.githack.com",
    "rawcdn.githack.com",
    "gitcdn",
    "d3js.org",
    "fonts.googleapis.com",
    "fonts.gstatic.com",
)
HOSTILE = (
    'Drills <script>alert("x")</script> <img src=x onerror=alert(1)> '
    "`${alert(2)}` \\u0060 </script><b>bold</b> & 'quotes'."
)


def walk(element):
    """Every element in a folium tree."""
    yield element
    for child in element._children.values():
        yield from walk(child)


def rendered(events, **kw) -> tuple[folium.Map, str]:
    m = build_map(events, **kw)
    return m, m.get_root().render()


def script_and_link_urls(page: str) -> list[str]:
    return re.findall(r'<(?:script[^>]*\bsrc|link[^>]*\bhref)="([^"]+)"', page)


class TextOnly(HTMLParser):
    """What a browser's innerText would roughly give for an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(fragment: str) -> str:
    parser = TextOnly()
    parser.feed(fragment)
    return " ".join(parser.parts)


@pytest.fixture
def events() -> list[Event]:
    a = make_article(
        "Russian and Chinese ships patrolled the Sea of Okhotsk. Later they met.",
        id="a.txt",
        title="Joint patrol",
        source="Wire",
    )
    b = make_article("Defence ministers met in Beijing and Moscow. Nothing else.", id="b.txt")
    two_places = replace(
        make_event(b, BEIJING, type="meeting", year=2019, month=None),
        places=(EventPlace("Beijing", BEIJING), EventPlace("Moscow", MOSCOW)),
    )
    return [
        make_event(a, SEA, type="patrol"),
        two_places,
        make_event(a, MOSCOW, type="arms_deal", year=None, month=None),
    ]


def test_no_cdn_url_in_any_element_or_the_page(events):
    m, page = rendered(events)
    for element in walk(m):
        for _, url in getattr(element, "default_js", []) + getattr(element, "default_css", []):
            assert url.startswith(STATIC_URL + "/"), (type(element).__name__, url)
    urls = script_and_link_urls(page)
    assert urls, "the page loads its scripts and styles from somewhere"
    assert all(u.startswith(STATIC_URL + "/") for u in urls), urls
    for host in CDN_HOSTS:
        assert host not in page


def test_static_url_is_configurable(events):
    _, page = rendered(events, static_url="/somewhere/else/")
    urls = script_and_link_urls(page)
    assert urls and all(u.startswith("/somewhere/else/vendor/") for u in urls)
    assert "/somewhere/else/data/countries-110m.geojson" in page


def test_every_local_asset_exists_on_disk(events):
    m, page = rendered(events)
    wanted = set(script_and_link_urls(page))
    wanted |= set(re.findall(r'fetch\("(/app/static/[^"]+)"\)', page))
    assert any(u.endswith(".geojson") for u in wanted)
    for url in wanted:
        path = config.STATIC_DIR / url.removeprefix(STATIC_URL + "/")
        assert path.is_file() and path.stat().st_size > 0, url
    # What the vendored CSS files point at (fonts, sprites) is there too.
    for url in (u for u in wanted if u.endswith(".css")):
        css_path = config.STATIC_DIR / url.removeprefix(STATIC_URL + "/")
        for ref in re.findall(
            r"url\(['\"]?([^'\")]+)['\"]?\)", css_path.read_text(encoding="utf-8")
        ):
            if ref.startswith(("data:", "#")):
                continue
            assert (css_path.parent / ref.split("?")[0].split("#")[0]).resolve().is_file(), (
                url,
                ref,
            )


def test_class_level_cdn_lists_are_left_alone(events):
    build_map(events)
    assert folium.Map.default_js[0][1].startswith("https://")


def marker_rows(m) -> list[list]:
    """The [lat, lon, popup, tooltip, class] rows the map's marker script draws."""
    [layer] = [e for e in walk(m) if type(e).__name__ == "_EventMarkers"]
    assert isinstance(layer._parent, folium.plugins.MarkerCluster)
    return json.loads(layer.rows.replace("<\\/", "</"))


def test_one_marker_per_event_place(events):
    m, page = rendered(events)
    places = sum(len(e.places) for e in events)
    assert places == 4
    rows = marker_rows(m)
    assert len(rows) == places
    assert all(re.fullmatch(r"ev-marker ev-[a-z_]+", r[4]) for r in rows)
    assert page.count("L.marker(") == 1  # one loop over the rows, not a script per marker


def test_markers_are_coloured_by_type_and_unknown_types_fall_back(events):
    odd = replace(events[0], type="cyber")
    m, page = rendered(events + [odd])
    classes = {r[4] for r in marker_rows(m)}
    assert {"ev-marker ev-patrol", "ev-marker ev-meeting"} <= classes
    assert marker_rows(m)[-1][4] == "ev-marker ev-other"  # the unknown type
    for colour in TYPE_COLOURS.values():
        assert colour in page


def test_places_with_impossible_coordinates_are_skipped(events):
    bad = Place("x:1", "Nowhere", float("nan"), 200.0, "city")
    broken = replace(events[0], places=(EventPlace("Nowhere", bad),))
    m, page = rendered([events[0], broken])
    assert len(marker_rows(m)) == len(events[0].places)


def test_hostile_article_text_is_escaped_everywhere():
    article = make_article(
        f"{HOSTILE} More text.",
        title='<img src=x onerror=alert("t")>',
        source="<script>alert('s')</script>",
    )
    event = make_event(article, MOSCOW, excerpt=HOSTILE)
    hostile_place = EventPlace("<svg onload=alert(3)>", MOSCOW)
    event = replace(event, places=(hostile_place,), trigger="<b>drills</b>")
    m, page = rendered([event])
    for raw in (
        "<script>alert",
        "<img src=x",
        "onerror=alert(1)>",
        "<svg onload",
        "<b>bold</b>",
        "${alert",
        "`${",
        "\\u0060",
    ):
        assert raw not in page, raw
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    # The same goes for the script streamlit-folium sends to the browser.
    script = generate_leaflet_string(m)
    for raw in ("<script>alert", "<img src=x", "<svg onload", "${alert"):
        assert raw not in script, raw


def test_escape_is_inert_in_html_and_in_javascript_template_literals():
    out = escape(HOSTILE + " \\ $ `")
    assert not set(out) & set("<>\"'`$\\")
    assert text_of(out) == HOSTILE + " \\ $ `"


def test_popup_shows_type_date_place_excerpt_and_source():
    article = make_article(
        "Navies drilled near Moscow. Later.",
        title="Big drills",
        source="Wire",
        published=date(2017, 6, 7),
    )
    event = replace(make_event(article, MOSCOW), status="planned")
    html = popup_html(event, event.places[0])
    text = text_of(html)
    for expected in (
        "Exercise",
        "May 2020",
        "planned",
        "Moscow",
        "Navies drilled near Moscow.",
        "Big drills",
        "Wire",
        "7 June 2017",
    ):
        assert expected in text, expected
    assert clicked_event_key(text) == event.key
    assert "planned" not in text_of(popup_html(replace(event, status="past"), event.places[0]))


def test_popup_lists_several_sources():
    a = make_article("Ships sailed from Moscow. End.", id="a.txt", title="First", source="A")
    b = make_article("Ships left Moscow. End.", id="b.txt", title="Second", source="B")
    event = make_event(a, MOSCOW)
    event = replace(event, sources=event.sources + make_event(b, MOSCOW).sources)
    text = text_of(popup_html(event, event.places[0]))
    assert "First" in text and "Second" in text


def test_tooltip_is_short_and_escaped():
    article = make_article("Drills near Moscow. End.")
    event = make_event(article, MOSCOW)
    tip = tooltip_text(
        replace(event, places=(EventPlace("<i>Moscow</i>", MOSCOW),)),
        EventPlace("<i>Moscow</i>", MOSCOW),
    )
    assert "<i>" not in tip and "&lt;i&gt;Moscow&lt;/i&gt;" in tip
    assert "Exercise" in tip and "May 2020" in tip


@pytest.mark.parametrize(
    ("year", "month", "day", "precision", "expected"),
    [
        (2019, 6, 13, "day", "13 June 2019"),
        (2024, 9, None, "month", "Sept 2024"),
        (2024, 9, 2, "month", "Sept 2024"),
        (2005, None, None, "year", "2005"),
        (2005, 3, 1, "year", "2005"),
        (None, None, None, "unknown", "undated"),
        (2010, None, None, "unknown", "undated"),
        (2019, 6, None, "day", "June 2019"),  # a day precision without the day: say what is known
    ],
)
def test_format_date(year, month, day, precision, expected):
    event = Event("exercise", year, month, day, precision)
    assert format_date(event) == expected


def test_clicked_event_key_ignores_other_text():
    assert clicked_event_key(None) is None
    assert clicked_event_key("") is None
    assert clicked_event_key("Exercise · 2005 Moscow") is None
    assert clicked_event_key("… Event ref 0123456789abcdef") == "0123456789abcdef"


def test_legend_lists_every_type_with_counts(events):
    _, page = rendered(events)
    assert "Event type" in page
    for label in ("Exercise", "Joint patrol", "Meeting", "Arms deal", "Other"):
        assert label in page
    assert len(EVENT_TYPES) == 5


def test_attribution_credits_geonames_natural_earth_and_tiles(events):
    m, page = rendered(events)
    assert "GeoNames" in GEONAMES_ATTRIBUTION and "CC BY 4.0" in GEONAMES_ATTRIBUTION
    assert "GeoNames" in page and "CC BY 4.0" in page
    assert "Natural Earth" in page
    assert "OpenStreetMap" in page  # the online layers carry their own attribution
    assert "GeoNames" in generate_leaflet_string(m)


def test_offline_base_layer_is_default_and_online_tiles_are_not(events):
    m, page = rendered(events)
    tiles = [e for e in walk(m) if isinstance(e, folium.TileLayer)]
    assert tiles, "online layers are offered"
    assert all(not t.show and not t.overlay and t.control for t in tiles)
    for t in tiles:
        assert f"{t.get_name()}.addTo(" not in page
    assert "L.control.layers(" in page
    assert "Countries (offline)" in page
    assert re.search(r"countries_layer_\w+\.addTo\(", page)


def test_map_has_its_own_max_zoom_without_tiles(events):
    _, page = rendered(events)
    assert re.search(r'"maxZoom": \d+', page.split("L.map(")[1].split(");")[0])


def test_fits_bounds_to_the_markers(events):
    _, page = rendered(events)
    bounds = re.search(
        r"fitBounds\(\s*\[\[([-\d.]+), ([-\d.]+)\], \[([-\d.]+), ([-\d.]+)\]\]", page
    )
    assert bounds, "fitBounds present"
    south, west, north, east = map(float, bounds.groups())
    lats = [p.place.lat for e in events for p in e.places]
    lons = [p.place.lon for e in events for p in e.places]
    assert (south, west, north, east) == (min(lats), min(lons), max(lats), max(lons))


def test_markers_west_of_168w_sit_with_chukotka_east_of_the_antimeridian(events):
    chukotka = Place("gn:1", "Uelen", 66.16, -169.81, "city", "RU")
    far_east = replace(events[0], places=(EventPlace("Uelen", chukotka),))
    _, page = rendered([events[0], far_east])
    assert "190.19" in page and "-169.81" not in page


def test_empty_map_renders_without_markers():
    m, page = rendered([])
    assert marker_rows(m) == []
    assert "fitBounds" not in page
    assert "Event type" in page


def test_participant_countries_are_shaded_by_natural_earth_name(events):
    us = replace(events[0], participants=("Russia", "United States"))
    _, page = rendered([us])
    assert '"Russia"' in page and '"United States of America"' in page


def test_geojson_base_layer_has_no_band_across_the_antimeridian():
    import json

    data = json.loads((config.STATIC_DIR / "data" / "countries-110m.geojson").read_text("utf-8"))
    names = {f["properties"]["name"] for f in data["features"]}
    assert {"Russia", "China"} <= names
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        for ring in (ring for polygon in polygons for ring in polygon):
            hops = sum(abs(a[0] - b[0]) > 180 for a, b in zip(ring, ring[1:]))
            assert hops <= 1, feature["properties"]["name"]  # one hop only round a pole


def test_source_without_title_falls_back_to_article_id():
    article = make_article(
        "Ships met near Moscow. End.", id="wire-42.txt", title=None, source=None, published=None
    )
    event = make_event(article, MOSCOW)
    text = text_of(popup_html(event, event.places[0]))
    assert "wire-42.txt" in text


def test_many_events_all_get_a_marker():
    article = make_article("Drills near Moscow. End.")
    many = [
        replace(
            make_event(article, MOSCOW),
            year=1990 + i % 30,
            sources=(Source("a.txt", f"Sentence {i}.", i, i + 10, f"k{i}"),),
        )
        for i in range(500)
    ]
    m, page = rendered(many)
    assert len(marker_rows(m)) == 500  # speed: python benchmarks/bench_store.py


def test_static_dir_matches_config():
    assert Path(config.STATIC_DIR).name == "static"
