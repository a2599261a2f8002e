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
    AREA_FILL_OPACITY,
    GEONAMES_ATTRIBUTION,
    STATIC_URL,
    TYPE_COLOURS,
    area_radius_km,
    build_map,
    clicked_event_key,
    country_name,
    date_phrase,
    escape,
    format_date,
    place_phrase,
    popup_html,
    reported_by,
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


def area_rows(m) -> tuple[list[list], dict]:
    """The [lat, lon, radius m, popup, tooltip, type, shape, opacity] rows and the shapes."""
    [layer] = [e for e in walk(m) if type(e).__name__ == "_EventAreas"]
    assert isinstance(layer._parent, folium.Map)
    return json.loads(layer.rows.replace("<\\/", "</")), json.loads(layer.shapes)


RUSSIA = Place("gn:2017370", "Russia", 60.0, 100.0, "country", "RU", 140_000_000, 2017370)
SINGAPORE = Place("gn:1880251", "Singapore", 1.367, 103.8, "country", "SG", 4_700_000, 1880251)
PRIMORYE = Place("gn:2017623", "Primorye", 45.0, 134.0, "admin1", "RU", 2_000_000, 2017623)


def test_one_marker_per_event_place_that_is_a_point(events):
    m, page = rendered(events)
    points = [p for e in events for p in e.places if p.precision == "point"]
    assert len(points) == 3  # Beijing, Moscow (the meeting) and Moscow (the deal)
    rows = marker_rows(m)
    assert len(rows) == len(points)
    assert all(re.fullmatch(r"ev-marker ev-[a-z_]+", r[4]) for r in rows)
    assert page.count("L.marker(") == 1  # one loop over the rows, not a script per marker


def test_areas_are_drawn_as_areas_and_never_as_pins(events):
    m, page = rendered(events)
    rows, shapes = area_rows(m)
    [sea] = rows
    assert sea[:3] == [SEA.lat, SEA.lon, 400_000]  # a sea is drawn some 800 km across
    assert sea[5] == "patrol" and sea[6] == 0  # a circle, not a shape
    assert "Somewhere in the Sea of Okhotsk" in text_of(sea[3])
    assert not any(r[:2] == [SEA.lat, SEA.lon] for r in marker_rows(m)), "no pin at its centre"
    assert page.count("L.circle(") == 1  # one loop over the rows
    assert "ev-area" in page and shapes == {}


@pytest.mark.parametrize(
    ("place", "km"),
    [
        (SEA, 400),
        (PRIMORYE, 200),
        (replace(SEA, feature="ocean"), 1500),
        (replace(SEA, feature="region"), 500),
        (SINGAPORE, 25),
    ],
)
def test_area_radius_follows_the_kind_of_area(place, km):
    assert area_radius_km(EventPlace(place.name, place)) == km


def test_country_level_places_are_drawn_with_their_natural_earth_shape():
    article = make_article("Russia sold jets to China. End.")
    deal = make_event(article, RUSSIA, type="arms_deal")
    tiny = make_event(article, SINGAPORE, type="meeting")
    m, _ = rendered([deal, tiny])
    rows, shapes = area_rows(m)
    by_type = {r[5]: r for r in rows}
    assert by_type["arms_deal"][6] == "Russia"
    assert shapes["Russia"]["type"] == "MultiPolygon"
    assert by_type["meeting"][6] == 0, "no 1:110m shape for Singapore: a circle"
    assert by_type["meeting"][2] == 25_000
    assert "Somewhere in Russia (country level only)" in text_of(by_type["arms_deal"][3])
    assert marker_rows(m) == []
    assert [r[5] for r in rows] == ["arms_deal", "meeting"], "the largest area first"


def test_an_area_shared_by_events_is_drawn_once_and_its_popup_lists_them():
    from geo.mapdata import AREA_LISTED

    article = make_article("Ships patrolled the Sea of Okhotsk. End.")
    same = [
        replace(make_event(article, SEA, type="patrol" if i % 3 else "exercise"), year=2000 + i)
        for i in range(AREA_LISTED + 2)
    ]
    m, _ = rendered(same)
    [row], _ = area_rows(m)
    assert row[7] == AREA_FILL_OPACITY
    assert row[8] == "ev-area-exercise ev-area-patrol" and row[9] == AREA_LISTED + 2
    assert row[5] == "patrol", "coloured by the most common type there"
    text = text_of(row[3])
    assert f"{AREA_LISTED + 2} events somewhere in the Sea of Okhotsk" in text
    assert "2000" in text and f"{2000 + AREA_LISTED - 1}" in text
    assert f"{2000 + AREA_LISTED}" not in text, "only the first ones are listed"
    assert "and 2 more" in text
    assert clicked_event_key(text) == same[0].key
    [single], _ = area_rows(build_map(same[:1]))
    assert "Somewhere in the Sea of Okhotsk" in text_of(single[3]) and "more" not in single[3]


def test_an_area_popup_listing_events_escapes_their_text():
    article = make_article(HOSTILE + " End.")
    hostile = [
        replace(make_event(article, SEA, excerpt=HOSTILE), year=2000 + i, name=HOSTILE)
        for i in range(2)
    ]
    [row], _ = area_rows(build_map(hostile))
    assert "<script>" not in row[3] and "<img" not in row[3] and "<b>bold" not in row[3]
    assert "2 events" in text_of(row[3])


def test_the_event_layer_draws_grid_cells_with_their_counts(events):
    from geo.mapdata import MapData
    from geo.mapview import event_layer
    from geo.query import Cell

    cells = (
        Cell(55.0, 37.0, (("exercise", 30), ("patrol", 12))),
        Cell(40.0, 190.0, (("meeting", 1),)),
    )
    layer = event_layer(MapData(cells=cells), {"exercise": 30, "patrol": 12, "meeting": 1})
    [script] = [e for e in walk(layer) if type(e).__name__ == "_EventCells"]
    rows = json.loads(script.rows)
    assert [r[2] for r in rows] == [42, 1]
    assert rows[0][3] == [["exercise", 30], ["patrol", 12]]
    assert not [e for e in walk(layer) if type(e).__name__ == "_EventMarkers"]
    [legend] = [e for e in walk(layer) if type(e).__name__ == "_LegendCounts"]
    assert json.loads(legend.counts)["patrol"] == 12


def test_an_event_with_a_point_and_an_area_gets_a_marker_and_an_area():
    article = make_article("Ships sailed from Moscow into the Sea of Okhotsk. End.")
    event = replace(
        make_event(article, MOSCOW),
        places=(EventPlace("Moscow", MOSCOW), EventPlace("Sea of Okhotsk", SEA)),
    )
    m, _ = rendered([event])
    assert len(marker_rows(m)) == 1 and len(area_rows(m)[0]) == 1
    assert "Also: Sea of Okhotsk" in text_of(marker_rows(m)[0][2])


def test_clicks_report_the_given_refs(events):
    refs = [f"{i:016x}" for i in range(len(events))]
    m, _ = rendered(events, refs=refs)
    texts = [text_of(r[2]) for r in marker_rows(m)] + [text_of(r[3]) for r in area_rows(m)[0]]
    assert {clicked_event_key(t) for t in texts} == set(refs)


def test_markers_are_coloured_by_type_and_unknown_types_fall_back(events):
    odd = replace(events[0], type="cyber")
    m, page = rendered(events + [replace(odd, places=events[1].places)])
    classes = {r[4] for r in marker_rows(m)}
    assert {"ev-marker ev-arms_deal", "ev-marker ev-meeting"} <= classes
    assert marker_rows(m)[-1][4] == "ev-marker ev-other"  # the unknown type
    assert {r[5] for r in area_rows(rendered([odd])[0])[0]} == {"other"}
    for colour in TYPE_COLOURS.values():
        assert colour in page


def test_places_with_impossible_coordinates_are_skipped(events):
    bad = Place("x:1", "Nowhere", float("nan"), 200.0, "city")
    broken = replace(events[0], places=(EventPlace("Nowhere", bad),))
    m, page = rendered([events[1], broken])
    assert len(marker_rows(m)) == len(events[1].places)
    assert area_rows(m)[0] == []


def test_hostile_article_text_is_escaped_everywhere():
    article = make_article(
        f"{HOSTILE} More text.",
        title='<img src=x onerror=alert("t")>',
        source="<script>alert('s')</script>",
    )
    event = make_event(article, MOSCOW, excerpt=HOSTILE)
    hostile_place = EventPlace("<svg onload=alert(3)>", MOSCOW)
    event = replace(
        event, places=(hostile_place,), trigger="<b>drills</b>", name="<b>bold</b>", review=HOSTILE
    )
    area = replace(event, places=(EventPlace("<svg onload=alert(3)>", SEA),))
    m, page = rendered([event, area])
    assert len(marker_rows(m)) == 1 and len(area_rows(m)[0]) == 1
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
    assert "<i>" not in tip and "in Moscow" in tip  # the gazetteer's name
    assert "Exercise" in tip and "May 2020" in tip
    popup = popup_html(event, EventPlace("<i>Moscow</i>", MOSCOW))
    assert "<i>" not in popup and "&lt;i&gt;Moscow&lt;/i&gt;" in popup  # as the text says


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


@pytest.mark.parametrize(
    ("year", "month", "day", "precision", "end", "expected"),
    [
        (2024, 9, None, "month", None, "September 2024, month only"),
        (2005, None, None, "year", None, "2005, year only"),
        (2019, 6, 13, "day", None, "13 June 2019"),
        (2024, 8, 9, "day", "2024-08-17", "9–17 August 2024"),
        (2024, 8, 28, "day", "2024-09-03", "28 August – 3 September 2024"),
        (2023, 12, 28, "day", "2024-01-03", "28 December 2023 – 3 January 2024"),
        (2024, 8, None, "month", "2024-10", "August–October 2024, month only"),
        (2005, None, None, "year", "2007", "2005–2007, year only"),
        (2024, 8, 9, "day", "2024-08-09", "9 August 2024"),  # an end on the start: no range
        (2024, 8, 9, "day", "2023-01-01", "9 August 2024"),  # an end before it: ignored
        (2024, 8, 9, "day", "garbage", "9 August 2024"),
        (None, None, None, "unknown", None, "undated: the text gives no date"),
    ],
)
def test_date_phrase_states_the_precision_and_the_range(year, month, day, precision, end, expected):
    assert date_phrase(Event("exercise", year, month, day, precision, end=end)) == expected


def test_date_phrase_says_when_the_date_is_assumed():
    event = Event("meeting", 2017, 6, None, "month", date_source="publication")
    assert date_phrase(event) == (
        "June 2017, month only (not stated: assumed from the publication date)"
    )


def test_format_date_shows_ranges_short():
    assert format_date(Event("exercise", 2024, 8, 9, "day", end="2024-08-17")) == "9–17 August 2024"
    assert format_date(Event("exercise", 2024, 8, None, "month", end="2024-09")) == "Aug–Sept 2024"


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        (MOSCOW, "in Moscow"),
        (SEA, "somewhere in the Sea of Okhotsk"),
        (RUSSIA, "somewhere in Russia (country level only)"),
        (PRIMORYE, "somewhere in Primorye"),
        (Place("x", "Far East", 50, 135, "region"), "somewhere in the Far East"),
        (Place("x", "Lake Baikal", 53, 108, "lake"), "somewhere in Lake Baikal"),
        (
            Place("x", "United States", 39, -98, "country", "US"),
            ("somewhere in the United States (country level only)"),
        ),
    ],
)
def test_place_phrase_claims_no_more_than_is_known(place, expected):
    assert place_phrase(EventPlace(place.name, place)) == expected


def test_popup_states_name_precision_review_and_how_many_report_it():
    a = make_article("Ships drilled in the Sea of Okhotsk. End.", id="a.txt", source="TASS")
    b = make_article("The drills in the Sea of Okhotsk went on. End.", id="b.txt", source="TASS")
    c = make_article("Drills in the Sea of Okhotsk. End.", id="c.txt", source="RT")
    event = make_event(a, SEA)
    event = replace(
        event,
        name="Joint Sea-2020",
        review="Sea of Okhotsk is far from every participant",
        places=(EventPlace("Okhotsk sea", SEA),),
        sources=event.sources + make_event(b, SEA).sources + make_event(c, SEA).sources,
    )
    text = text_of(popup_html(event, event.places[0]))
    for expected in (
        "Joint Sea-2020",
        "May 2020, month only",
        "Somewhere in the Sea of Okhotsk",
        "“Okhotsk sea”",
        "sea, an area",
        "For review: Sea of Okhotsk is far from every participant",
        "Reported by 3 articles from 2 outlets",
    ):
        assert expected in text, expected


def test_reported_by_counts_articles_and_named_outlets():
    a = make_article("Drills near Moscow. End.", id="a.txt", source=None)
    event = make_event(a, MOSCOW)
    assert reported_by(event) == "Reported by 1 article"
    twice = replace(event, sources=event.sources * 2)
    assert reported_by(twice) == "Reported by 1 article"  # one article citing it twice


def test_country_name_from_iso_code():
    assert country_name("CN") == "China" and country_name("ru") == "Russia"
    assert country_name("XX") == "XX"


def test_legend_explains_points_and_areas(events):
    _, page = rendered(events)
    assert "a town, base or port" in page and "somewhere in a sea, region or country" in page
    _, only_points = rendered([events[1]])
    assert "somewhere in a sea" not in only_points
