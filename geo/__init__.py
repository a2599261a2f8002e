"""News-to-map: place names in news articles, geocoded offline, tied to the events they report."""


class GeoError(Exception):
    """Base class of this package's errors."""


class ArticleError(GeoError):
    """An input file or record that cannot be read as an article."""


class StoreError(GeoError):
    """The event store cannot be opened or written."""
