"""The offline gazetteer and its geopy geocoders: names, ranking, aliases, demonyms, the cache."""

from __future__ import annotations

import http.server
import json
import logging
import shutil
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from geopy.extra.rate_limiter import RateLimiter
from geopy.location import Location

from geo import gazetteer as gz
from geo.gazetteer import (
    CachedGeocoder,
    Gazetteer,
    GazetteerError,
    OfflineGeocoder,
    Sources,
    haversine_km,
    location_to_place,
    make_geocoder,
    normalize,
)
from geo.model import Place


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    """The real gazetteer, from the project cache (built on first use, ~15 s; then instant)."""
    return Gazetteer.load()


@pytest.fixture(scope="module")
def geocoder(gaz: Gazetteer) -> OfflineGeocoder:
    return OfflineGeocoder(gaz)


def _tiny_sources(tmp: Path) -> Sources:
    """The real small sources, with a hand-made five-city list instead of cities500."""
    cities = {
        "361058": ("Alexandria", 31.20176, 29.91582, "EG", 3811516, "06", ["Alexandrie"]),
        "4314550": ("Alexandria", 31.31129, -92.44514, "US", 47889, "LA", []),
        "4744091": ("Alexandria", 38.80484, -77.04692, "US", 155810, "VA", []),
        "2988507": ("Paris", 48.85341, 2.3488, "FR", 2138551, "11", ["Lutetia", "PAR"]),
        "4717560": ("Paris", 33.66094, -95.55551, "US", 24782, "TX", []),
    }
    data = {
        gid: {
            "geonameid": int(gid),
            "name": n,
            "latitude": la,
            "longitude": lo,
            "countrycode": cc,
            "population": pop,
            "admin1code": a1,
            "alternatenames": alts,
        }
        for gid, (n, la, lo, cc, pop, a1, alts) in cities.items()
    }
    (tmp / "cities.json").write_text(json.dumps(data), encoding="utf-8")
    real = Sources.default()
    features = tmp / "features.tsv"
    shutil.copy(real.features, features)
    return Sources(
        cities=tmp / "cities.json",
        countries=real.countries,
        country_extras=real.country_extras,
        features=features,
        aliases=real.aliases,
        continents=real.continents,
        subdivisions=real.subdivisions,
        subdivision_countries=real.subdivision_countries,
        subdivision_points=real.subdivision_points,
    )


# -- normalisation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b",
    [
        ("São Paulo", "sao paulo"),
        ("Nur-Sultan", "Nur Sultan"),
        ("U.S.", "US"),
        ("U. S. A.", "usa"),
        ("St. Petersburg", "Saint Petersburg"),
        ("the Hague", "The  Hague"),
        ("People’s Republic of China", "Peoples Republic of China"),
        ("Chelyabinskaya oblast'", "chelyabinskaya oblast"),
        ("Łódź", "lodz"),
        ("Mt. Fuji", "mount fuji"),
        ("St", "saint"),  # one plain word takes the short way, synonyms included
        ("Hà Nội", "ha noi"),  # marks stacked on one letter
        ("Kraków", "Krakow"),
        ("Ærøskøbing", "aeroskobing"),
    ],
)
def test_normalize_makes_variants_equal(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


def test_normalize_keeps_distinct_names_distinct() -> None:
    assert normalize("Georgia") != normalize("Georgian")
    assert normalize("the") == "the"  # a lone "the" is not stripped to nothing
    assert normalize("  Sea of  Japan ") == "sea of japan"
    assert normalize("Москва").isascii() is False  # other scripts stay what they are


# -- resolution -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, lat, lon",
    [
        ("Vladivostok", 43.1056, 131.8735),
        ("Chelyabinsk", 55.1644, 61.4368),
        ("Astana", 51.1694, 71.4491),
        ("Nur-Sultan", 51.1694, 71.4491),
        ("Akmola", 51.1694, 71.4491),
        ("Beijing", 39.9042, 116.4074),
        ("Peking", 39.9042, 116.4074),
        ("Kiev", 50.4501, 30.5234),
    ],
)
def test_cities_resolve_within_20_km(gaz: Gazetteer, name: str, lat: float, lon: float) -> None:
    best = gaz.candidates(name)[0]
    assert best.feature == "city"
    assert haversine_km(best.lat, best.lon, lat, lon) < 20


@pytest.mark.parametrize(
    "name, feature",
    [
        ("Sea of Japan", "sea"),
        ("East Sea", "sea"),
        ("North Pacific", "ocean"),
        ("South China Sea", "sea"),
        ("Sea of Okhotsk", "sea"),
        ("Shandong peninsula", "peninsula"),
        ("Korean Peninsula", "peninsula"),
        ("Strait of Hormuz", "strait"),
        ("Taiwan Strait", "strait"),
        ("Persian Gulf", "gulf"),
        ("Lake Baikal", "lake"),
        ("Gobi Desert", "desert"),
        ("Urals", "mountains"),
        ("Kuril Islands", "island"),
        ("Siberia", "region"),
        ("Russian Far East", "region"),
        ("Middle East", "region"),
    ],
)
def test_curated_features_resolve(gaz: Gazetteer, name: str, feature: str) -> None:
    best = gaz.candidates(name)[0]
    assert best.feature == feature
    assert best.id.startswith(("cur:", "gn:"))


def test_seas_have_points_in_their_waters(gaz: Gazetteer) -> None:
    sea = gaz.candidates("Sea of Japan")[0]
    assert 35 < sea.lat < 45 and 130 < sea.lon < 140
    assert sea.id == "cur:sea-of-japan" and sea.country is None


@pytest.mark.parametrize(
    ("name", "geonameid"),
    [("Bay of Bengal", 1281789), ("Sea of Okhotsk", 2127380), ("Northern Europe", 7729883)],
)
def test_features_across_borders_carry_their_geonames_ids(
    gaz: Gazetteer, name: str, geonameid: int
) -> None:
    """A reader (or a scorer) can tell which GeoNames feature a curated sea or region is,
    while its id, which event keys and the aliases file use, stays the curated one."""
    best = gaz.candidates(name)[0]
    assert best.geonameid == geonameid
    assert best.id.startswith("cur:")


def test_paris_means_france_first(gaz: Gazetteer) -> None:
    cands = gaz.candidates("Paris")
    assert cands[0].country == "FR" and cands[0].population > 1_000_000
    assert any(c.country == "US" for c in cands[1:])


def test_georgia_is_a_country_and_a_us_state(gaz: Gazetteer) -> None:
    cands = gaz.candidates("Georgia")
    assert (cands[0].feature, cands[0].country) == ("country", "GE")
    assert any(c.feature == "admin1" and c.country == "US" for c in cands)


@pytest.mark.parametrize(
    "name, country",
    [
        ("Alberta", "CA"),
        ("Queensland", "AU"),
        ("England", "GB"),
        ("Shandong", "CN"),
        ("Primorsky Krai", "RU"),
        ("Primorye", "RU"),
        ("Xinjiang", "CN"),
        ("Chelyabinsk Oblast", "RU"),
        ("Inner Mongolia", "CN"),
        ("Calif.", "US"),
        ("N.Y.", "US"),
        ("Fla.", "US"),
    ],
)
def test_first_level_divisions(gaz: Gazetteer, name: str, country: str) -> None:
    best = gaz.candidates(name)[0]
    assert (best.feature, best.country) == ("admin1", country)
    assert best.geonameid is not None and best.id == f"gn:{best.geonameid}"


def test_a_city_beats_the_division_named_after_it(gaz: Gazetteer) -> None:
    for name in ("Chelyabinsk", "Moscow", "Tokyo"):
        cands = gaz.candidates(name)
        assert cands[0].feature == "city"
        assert any(c.feature == "admin1" for c in cands)


@pytest.mark.parametrize(
    "alias, iso",
    [
        ("U.S.", "US"),
        ("US", "US"),
        ("USA", "US"),
        ("America", "US"),
        ("United States", "US"),
        ("UK", "GB"),
        ("Britain", "GB"),
        ("Great Britain", "GB"),
        ("Russian Federation", "RU"),
        ("PRC", "CN"),
        ("People's Republic of China", "CN"),
        ("DPRK", "KP"),
        ("South Korea", "KR"),
        ("Republic of Korea", "KR"),
        ("the Netherlands", "NL"),
        ("Burma", "MM"),
    ],
)
def test_country_aliases(gaz: Gazetteer, alias: str, iso: str) -> None:
    best = gaz.candidates(alias)[0]
    assert (best.feature, best.country) == ("country", iso)


@pytest.mark.parametrize(
    "iso, lat, lon",
    [
        ("RU", 60, 100),
        ("CN", 35, 105),
        ("US", 39.76, -98.5),
        ("CA", 60.10867, -113.64258),
        ("IN", 22, 79),
        ("BR", -10, -55),
        ("AU", -25, 135),
    ],
)
def test_country_points_are_geonames_points(
    gaz: Gazetteer, iso: str, lat: float, lon: float
) -> None:
    place = gaz.country(iso)
    assert place is not None and place.feature == "country"
    assert (place.lat, place.lon) == pytest.approx((lat, lon), abs=1e-4)


def test_every_country_has_a_point_and_id(gaz: Gazetteer) -> None:
    for iso in ("FR", "JP", "KZ", "XK", "TW", "PS", "AQ"):
        place = gaz.country(iso)
        assert place is not None and place.geonameid and -90 <= place.lat <= 90
    assert gaz.country("zz") is None


@pytest.mark.parametrize(
    "word, iso",
    [
        ("Chinese", "CN"),
        ("Russian", "RU"),
        ("Russians", "RU"),
        ("American", "US"),
        ("British", "GB"),
        ("Irish", "IE"),
        ("Kazakh", "KZ"),
        ("North Korean", "KP"),
        ("South Korean", "KR"),
        ("Filipino", "PH"),
        ("Swiss", "CH"),
        ("Dutch", "NL"),
        ("Congolese", "CD"),
        ("Emirati", "AE"),
    ],
)
def test_demonyms(gaz: Gazetteer, word: str, iso: str) -> None:
    place = gaz.demonym(word)
    assert place is not None and (place.feature, place.country) == ("country", iso)


@pytest.mark.parametrize(
    ("word", "division"),
    [("English", "GB.ENG"), ("Welsh", "GB.WLS"), ("Scots", "GB.SCT"), ("Texans", "US.TX")],
)
def test_demonyms_of_nations_and_divisions_within_a_country(
    gaz: Gazetteer, word: str, division: str
) -> None:
    """ "The English city of X", "Welsh farmers": the nation within the United Kingdom (or the
    division with a people's name of its own), in its country."""
    place = gaz.demonym(word)
    assert place is not None and place.feature == "admin1" and place.admin1 == division



def test_non_demonyms(gaz: Gazetteer) -> None:
    assert gaz.demonym("Moscow") is None
    assert gaz.demonym("exercise") is None


def test_get_round_trips_ids(gaz: Gazetteer) -> None:
    for name in ("Vladivostok", "Sea of Japan", "Alberta", "Russia"):
        place = gaz.candidates(name)[0]
        assert gaz.get(place.id) == place
    assert gaz.get("gn:0") is None


def test_unknown_names_have_no_candidates(gaz: Gazetteer) -> None:
    assert gaz.candidates("Xqzzyville") == []
    assert gaz.candidates("") == []


def test_names_are_normalised_and_filterable(gaz: Gazetteer) -> None:
    core = set(gaz.names(alternates=False, abbreviations=False))
    assert {"sea of japan", "vladivostok", "russia", "us", "alberta"} <= core
    assert "ill" not in core  # "Ill." (Illinois) is only an abbreviation
    assert "ill" in set(gaz.names())
    assert all(n == normalize(n) for n in list(core)[:2000])


def test_nearest(gaz: Gazetteer) -> None:
    place = gaz.nearest(43.12, 131.9, features=["city"])
    assert place is not None and place.name == "Vladivostok"


# -- the geocoder ---------------------------------------------------------------------------------


def test_geocoder_returns_locations(geocoder: OfflineGeocoder) -> None:
    loc = geocoder.geocode("Vladivostok")
    assert isinstance(loc, Location)
    assert loc.address.startswith("Vladivostok") and loc.address.endswith("Russia")
    assert {"id", "feature", "country", "population", "geonameid", "score"} <= set(loc.raw)
    assert loc.raw["feature"] == "city" and loc.raw["country"] == "RU"
    assert location_to_place(loc) == geocoder.gazetteer.candidates("Vladivostok")[0]


def test_geocoder_ranks_by_score(geocoder: OfflineGeocoder) -> None:
    found = geocoder.geocode("Paris", exactly_one=False, limit=3)
    assert 1 < len(found) <= 3
    scores = [loc.raw["score"] for loc in found]
    assert scores == sorted(scores, reverse=True)
    assert geocoder.geocode("Xqzzyville") is None


@pytest.mark.parametrize("near, state", [(["Louisiana"], "US.LA"), (["Virginia"], "US.VA")])
def test_near_boosts_the_candidate_nearby(
    geocoder: OfflineGeocoder, near: list[str], state: str
) -> None:
    assert geocoder.geocode("Alexandria").raw["country"] == "EG"
    loc = geocoder.geocode("Alexandria", near=near)
    assert (loc.raw["country"], loc.raw["admin1"]) == ("US", state)


def test_near_by_distance_to_a_city(geocoder: OfflineGeocoder) -> None:
    loc = geocoder.geocode("Paris", near=["Dallas"])
    assert loc.raw["country"] == "US" and "Texas" in loc.address


def test_reverse_gives_the_nearest_entry(geocoder: OfflineGeocoder) -> None:
    loc = geocoder.reverse("43.11, 131.88")
    assert loc.raw["name"] == "Vladivostok"
    assert geocoder.reverse((40.0, 135.0)).raw["feature"] == "sea"


def test_make_geocoder(gaz: Gazetteer) -> None:
    assert isinstance(make_geocoder("offline", gazetteer=gaz), OfflineGeocoder)
    with pytest.raises(GazetteerError):
        make_geocoder("google")


class _FakeGeocoder:
    """Stands in for Nominatim: records calls, never touches the network."""

    def __init__(self, user_agent: str = "", **options) -> None:
        self.user_agent = user_agent
        self.calls: list[tuple] = []

    def geocode(self, query: str, exactly_one: bool = True, **kw):
        self.calls.append((query, exactly_one, kw))
        if query == "nowhere":
            return None
        loc = Location(f"{query}, Somewhere", (1.5, 2.5), {"osm_id": 7, "osm_type": "node"})
        return loc if exactly_one else [loc]


def test_nominatim_is_cached_and_rate_limited(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(gz, "Nominatim", _FakeGeocoder)
    sleeps: list[float] = []
    monkeypatch.setattr(RateLimiter, "_sleep", lambda self, s: sleeps.append(s))
    cache = tmp_path / "nominatim.json"
    geo = make_geocoder("nominatim", user_agent="test-agent", cache_path=cache)
    assert isinstance(geo, CachedGeocoder) and geo.inner.user_agent == "test-agent"

    first = geo.geocode("Vladivostok")
    again = geo.geocode("Vladivostok")
    assert (again.address, again.point, again.raw) == (first.address, first.point, first.raw)
    assert len(geo.inner.calls) == 1  # the second answer came from the cache
    assert geo.geocode("nowhere") is None
    assert sleeps and 0.5 < max(sleeps) <= 1.0  # the second request waited for the 1 s limit

    # The cache outlives the object: a new geocoder answers without asking.
    geo2 = make_geocoder("nominatim", user_agent="test-agent", cache_path=cache)
    assert geo2.geocode("Vladivostok").address == first.address
    assert geo2.geocode("nowhere") is None
    assert geo2.inner.calls == []
    assert location_to_place(first).id == "ext:node7"


# -- the index cache ------------------------------------------------------------------------------


def test_index_is_reused_and_rebuilt_when_sources_change(tmp_path: Path) -> None:
    sources = _tiny_sources(tmp_path)
    cache = tmp_path / "cache"
    first = Gazetteer.load(cache, sources=sources)
    assert first.built and first.path.exists()
    assert first.candidates("Alexandrie")[0].country == "EG"
    assert [c.country for c in first.candidates("Paris")] == ["FR", "US"]
    assert first.candidates("PAR") == []  # airport codes are not names

    second = Gazetteer.load(cache, sources=sources)
    assert not second.built and second.path == first.path

    with open(sources.features, "a", encoding="utf-8") as handle:
        handle.write("Test Shoal\t\tisland\t10\t20\t\t\ttest row\n")
    third = Gazetteer.load(cache, sources=sources)
    assert third.built and third.path != first.path
    assert not first.path.exists()  # the stale index is removed
    assert third.candidates("Test Shoal")[0].feature == "island"
    for g in (first, second, third):
        g.close()


def test_in_memory_build(tmp_path: Path) -> None:
    g = Gazetteer.build(_tiny_sources(tmp_path))
    assert g.path is None and len(g) > 5
    loc = OfflineGeocoder(g).geocode("Alexandria", near=["Louisiana"])
    assert loc.raw["id"] == "gn:4314550"


def test_eu_named_as_a_place_is_europe_not_the_town_of_eu(gaz: Gazetteer) -> None:
    best = gaz.lookup("EU")[0].place
    assert best.feature == "continent" and best.geonameid == 6255148


@pytest.mark.parametrize(
    "name, country, lat, lon",
    [
        ("Northamptonshire", "GB", 52.3, -0.9),
        ("Berkshire", "GB", 51.45, -1.1),
        ("Yorkshire", "GB", 54.0, -1.5),
        ("Greater Manchester", "GB", 53.48, -2.25),
        ("County Tyrone", "GB", 54.6, -7.1),
        ("Connaught", "IE", 53.7, -9.0),
        ("Oahu", "US", 21.47, -157.98),
        ("Big Island", "US", 19.6, -155.5),
        ("Cape Breton", "CA", 46.2, -60.8),
        ("Mallorca", "ES", 39.6, 3.0),
        ("Transylvania", "RO", 46.5, 24.5),
    ],
)
def test_counties_islands_and_historic_regions(
    gaz: Gazetteer, name: str, country: str, lat: float, lon: float
) -> None:
    best = gaz.candidates(name)[0]
    assert best.country == country
    assert haversine_km(best.lat, best.lon, lat, lon) < 100


@pytest.mark.parametrize(
    "word,continent", [("European", "Europe"), ("Africans", "Africa"), ("Asian", "Asia")]
)
def test_continent_adjectives_name_their_continent(
    gaz: Gazetteer, word: str, continent: str
) -> None:
    place = gaz.demonym(word)
    assert place is not None and (place.feature, place.name) == ("continent", continent)


def test_a_country_demonym_is_not_taken_by_a_continent(gaz: Gazetteer) -> None:
    place = gaz.demonym("American")
    assert place is not None and (place.feature, place.country) == ("country", "US")


# -- the opt-in online geocoder against a stub server on localhost ------------------------------


class _StubNominatim(http.server.BaseHTTPRequestHandler):
    """Answers /search like Nominatim does and records what it was asked."""

    seen: list[tuple[float, str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server interface
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        _StubNominatim.seen.append(
            (time.monotonic(), query.get("q", [""])[0], self.headers.get("User-Agent", ""))
        )
        body = json.dumps(
            [
                {
                    "place_id": 1,
                    "osm_type": "node",
                    "osm_id": 42,
                    "lat": "43.1",
                    "lon": "131.9",
                    "display_name": f"{query.get('q', [''])[0]}, Stubland",
                    "addresstype": "city",
                }
            ]
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def stub_nominatim():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StubNominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _StubNominatim.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_nominatim_obeys_the_usage_policy_against_a_stub_server(tmp_path: Path, stub_nominatim):
    cache = tmp_path / "nominatim.json"
    geo = make_geocoder(
        "nominatim", user_agent="analyst-tool", cache_path=cache, url=stub_nominatim
    )
    assert geo.geocode("Vladivostok").address == "Vladivostok, Stubland"
    assert geo.geocode("Qingdao").address == "Qingdao, Stubland"
    assert geo.geocode("Vladivostok").address == "Vladivostok, Stubland"  # from the cache
    assert [q for _, q, _ in _StubNominatim.seen] == ["Vladivostok", "Qingdao"]
    assert {agent for _, _, agent in _StubNominatim.seen} == {"analyst-tool"}
    (first, _, _), (second, _, _) = _StubNominatim.seen
    assert second - first >= 0.95  # one request per second
    again = make_geocoder(
        "nominatim", user_agent="analyst-tool", cache_path=cache, url=stub_nominatim
    )
    assert again.geocode("Qingdao").address == "Qingdao, Stubland"
    assert len(_StubNominatim.seen) == 2  # the cache outlived the first geocoder


def test_an_unreachable_geocoder_leaves_places_unresolved_with_one_warning(
    tmp_path: Path, caplog
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    geo = make_geocoder(
        "nominatim", cache_path=tmp_path / "n.json", url=f"http://127.0.0.1:{port}", timeout=2
    )
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        assert geo.geocode("Vladivostok") is None
        assert geo.geocode("Qingdao") is None
    assert time.monotonic() - started < 10  # no hang
    warnings = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.parametrize(
    "name, country", [("Hamilton", "CA"), ("Manchester", "GB"), ("Hanover", "DE")]
)
def test_a_small_islands_parish_does_not_outrank_a_big_city(gaz: Gazetteer, name, country) -> None:
    best = gaz.lookup(name, limit=1)[0].place
    assert (best.feature, best.country) == ("city", country)


def test_a_populous_division_still_outranks_its_namesake_towns(gaz: Gazetteer) -> None:
    assert gaz.lookup("Alberta", limit=1)[0].place.feature == "admin1"
    assert gaz.lookup("Wyoming", limit=1)[0].place.feature == "admin1"


@pytest.mark.parametrize(
    ("name", "country", "lat", "lon"),
    [
        ("Ramstein Air Base", "DE", 49.44, 7.60),  # airportsdata, an air base
        ("RAF Akrotiri", "CY", 34.59, 32.99),
        ("Moody Air Force Base", "US", 30.97, -83.19),  # "Moody Afb Airport" spelt out
        ("Tartus naval base", "SY", 34.91, 35.87),  # geo/data/military_sites.tsv
        ("Drawsko Pomorskie Training Area", "PL", 53.55, 15.80),
    ],
)
def test_military_sites_that_populated_places_miss(
    gaz: Gazetteer, name: str, country: str, lat: float, lon: float
) -> None:
    best = gaz.candidates(name)[0]
    assert best.feature == "base" and best.country == country
    assert haversine_km(best.lat, best.lon, lat, lon) < 30


def test_a_base_named_after_its_town_does_not_hide_the_town(gaz: Gazetteer) -> None:
    assert gaz.candidates("Ramstein")[0].feature == "city"
    assert gaz.candidates("Kapustin Yar")[0].feature == "city"


@pytest.mark.parametrize(
    ("name", "country", "lat", "lon"),
    [
        ("Malpensa", "IT", 45.63, 8.73),  # one of a city's several airports, by its bare name
        ("Arlanda", "SE", 59.65, 17.92),
        ("Warsaw Chopin Airport", "PL", 52.17, 20.97),  # the full name
        ("Chopin Airport", "PL", 52.17, 20.97),  # without its city
        ("Vancouver Airport", "CA", 49.19, -123.18),  # without "International"
    ],
)
def test_civil_airports_by_the_names_the_news_uses(
    gaz: Gazetteer, name: str, country: str, lat: float, lon: float
) -> None:
    best = gaz.candidates(name)[0]
    assert best.feature == "airport" and best.country == country
    assert haversine_km(best.lat, best.lon, lat, lon) < 10


@pytest.mark.parametrize("name", ["Denver", "Leeds", "Birmingham", "Luton", "Narita"])
def test_an_airport_named_after_a_town_does_not_take_the_towns_name(gaz: Gazetteer, name) -> None:
    assert gaz.candidates(name)[0].feature == "city"


def test_the_words_for_an_airport_alone_name_none(gaz: Gazetteer) -> None:
    assert all(p.feature != "airport" for p in gaz.candidates("International Airport"))
    assert all(p.feature != "airport" for p in gaz.candidates("City Airport"))


def test_normalize_knows_every_combining_mark_of_this_python() -> None:
    """The marks' table scans the first two planes only: no mark may lie beyond them."""
    import sys
    import unicodedata

    assert not [c for c in range(0x20000, sys.maxunicode + 1) if unicodedata.combining(chr(c))]
    assert not [c for c in range(0x300) if unicodedata.combining(chr(c))]


# -- "is inside": codes, and the curated containment of regions, seas and oceans ----------------


def _containment(tmp_path: Path, rows: str) -> dict[str, gz.Cover]:
    features = tmp_path / "features.tsv"
    features.write_text(
        "# invented entries\nname\talternates\tfeature\tlat\tlon\tcountry\tgeonameid\tnotes\n"
        "Grey Ocean\t\tocean\t0\t0\t\t\t\nSea of Tarn\t\tsea\t5\t5\t\t\t\n"
        "Tarn Sound\t\tstrait\t5\t6\t\t\t\nVell Lands\t\tregion\t10\t20\t\t\t\n",
        encoding="utf-8",
    )
    path = tmp_path / "containment.tsv"
    path.write_text("# invented\nname\tcovers\tnotes\n" + rows, encoding="utf-8")
    return gz.read_containment(path, [features])


def test_curated_containment_is_transitive_and_reads_codes(tmp_path: Path) -> None:
    covers = _containment(
        tmp_path,
        "Grey Ocean\tSea of Tarn\t\nSea of Tarn\tTarn Sound\t\nVell Lands\tXQ|XR.04|XS.01.7\t\n",
    )
    assert covers["cur:grey-ocean"].places == {"cur:sea-of-tarn", "cur:tarn-sound"}
    lands = covers["cur:vell-lands"]
    assert lands.countries == {"XQ"} and lands.divisions == {"XR.04", "XS.01.7"}
    ocean = Place("cur:grey-ocean", "Grey Ocean", 0, 0, "ocean")
    sound = Place("cur:tarn-sound", "Tarn Sound", 5, 6, "strait")
    assert gz.within(sound, ocean, covers=covers) and not gz.within(ocean, sound, covers=covers)
    region = Place("cur:vell-lands", "Vell Lands", 10, 20, "region")
    town = Place("gn:1", "Oddmere", 10, 20, "city", "XS", admin1="XS.01", admin2="XS.01.7")
    village = Place("gn:2", "Lindle", 10, 20, "city", "XS", admin1="XS.01", admin2="XS.01.8")
    county = Place("gn:3", "Upper Rell", 10, 20, "admin2", "XR", admin1="XR.04", admin2="XR.04.2")
    assert gz.within(town, region, covers=covers) and not gz.within(village, region, covers=covers)
    assert gz.within(county, region, covers=covers)  # a division's key holds the keys under it


def test_curated_containment_names_only_known_entries(tmp_path: Path) -> None:
    with pytest.raises(gz.GazetteerError, match="Misty Bay"):
        _containment(tmp_path, "Grey Ocean\tMisty Bay\t\n")
    with pytest.raises(gz.GazetteerError, match="Nowhere"):
        _containment(tmp_path, "Nowhere\tXQ\t\n")


def test_the_shipped_containment_resolves_and_nests_seas_in_oceans(gaz: Gazetteer) -> None:
    covers = gz.containment()
    ocean = gaz.get("cur:pacific-ocean")
    sea, gulf = gaz.get("cur:sea-of-japan"), gaz.get("cur:liaodong-bay")
    assert ocean and sea and gulf
    assert gz.within(sea, ocean) and gz.within(gulf, ocean) and not gz.within(ocean, sea)
    assert all(gaz.get(i) for c in covers.values() for i in c.places)  # every entry is indexed


def test_a_town_carries_its_county_and_lies_in_it(gaz: Gazetteer) -> None:
    town = next(p for p in gaz.candidates("Oakland") if p.country == "US")
    county = next(p for p in gaz.candidates("Alameda County") if p.feature == "admin2")
    assert (town.admin1, town.admin2) == ("US.CA", county.admin2)
    assert gz.within(town, county) and gz.within(county, gaz.admin1("US.CA"))
    assert not gz.within(county, town)


def test_an_air_base_lies_in_the_division_airportsdata_names(gaz: Gazetteer) -> None:
    base = gaz.candidates("Ramstein Air Base")[0]
    division = gaz.admin1(base.admin1)
    assert base.feature == "base" and division is not None and division.country == "DE"
    assert gz.within(base, division) and not gz.within(division, base)


def test_every_code_in_the_shipped_containment_is_one_the_gazetteer_uses(gaz: Gazetteer) -> None:
    """A mistyped country or division key would silently contain nothing."""
    import sqlite3

    assert gaz.path is not None
    con = sqlite3.connect(gaz.path)
    keys = {
        k
        for (a1, a2) in con.execute("SELECT DISTINCT admin1, admin2 FROM entries")
        for k in (a1, a2)
        if k
    }
    countries = {r[0] for r in con.execute("SELECT country FROM entries WHERE feature='country'")}
    con.close()
    covers = gz.containment().values()
    assert not {k for c in covers for k in c.divisions} - keys
    assert not {k for c in covers for k in c.countries} - countries


def test_a_curated_military_site_lies_in_the_division_its_file_names(gaz: Gazetteer) -> None:
    site = gaz.get("cur:naval-station-norfolk")
    assert site is not None and site.admin1 == "US.VA"
    state = gaz.admin1("US.VA")
    assert state is not None and gz.within(site, state)
