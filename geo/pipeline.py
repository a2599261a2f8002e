"""Ingest: articles in, events into the store; each article a pure function of its text."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from geo import GeoError, config
from geo.articles import Skipped, location, read_paths
from geo.events import EventExtractor, compatible, merge
from geo.gazetteer import Gazetteer
from geo.model import Article, Event, IngestReport, Rejection
from geo.store import Store
from geo.toponyms import Geoparser, load_nlp

Progress = Callable[[int, int, str], None]
OUTCOMES = ("added", "unchanged", "rejected", "skipped")


@dataclass(frozen=True)
class Outcome:
    """What one ingest did with one input: a file, or one record of a .jsonl/.csv file."""

    path: str
    line: int | None  # the line of a .jsonl record, the row of a .csv one (header = row 1)
    outcome: str  # one of OUTCOMES
    reason: str = ""  # why it was rejected or skipped
    events: int = 0  # new events it added (reports merged into stored events not counted)
    article: str | None = None  # the article id events cite, for added and unchanged

    def record(self) -> dict:
        """The outcome as one JSON-ready line of an ingest report."""
        return {
            "path": self.path,
            "line": self.line,
            "outcome": self.outcome,
            "reason": self.reason or None,
            "events": self.events,
            "article": self.article,
        }


def _outcome(where: str, outcome: str, **kw) -> Outcome:
    path, line = location(where)
    return Outcome(path, line, outcome, **kw)


def load_geoparser() -> Geoparser:
    """The default geoparser: the pinned spaCy model and the offline gazetteer (a few seconds)."""
    return Geoparser(load_nlp(), Gazetteer.load())


class Pipeline:
    """The loaded stages, reused for every article."""

    def __init__(self, geoparser: Geoparser, *, processes: int = 1) -> None:
        self.geoparser = geoparser
        self.processes = processes  # spaCy worker processes for parsing

    @cached_property
    def extractor(self) -> EventExtractor:
        return EventExtractor(self.geoparser.nlp.vocab, country=self.geoparser.gazetteer.country)

    def process(self, article: Article) -> list[Event]:
        """The events of one article."""
        return next(self.process_many([article]))[1]

    def process_many(self, articles: Iterable[Article]):
        """(article, events) for each article, parsed in batches."""
        articles = list(articles)
        # Parsing is the costly part and parallel in spaCy; toponyms and events follow here.
        docs = self.geoparser.nlp.pipe(
            (a.text for a in articles),
            batch_size=config.NLP_BATCH_SIZE,
            n_process=self.processes if len(articles) > 1 else 1,
        )
        for article, doc in zip(articles, docs, strict=True):
            yield article, self.extractor(article, doc, self.geoparser.toponyms(doc))


def ingest(
    paths: Iterable[str | Path],
    *,
    store: Store,
    geoparser: Geoparser | None = None,
    progress: Progress | None = None,
    batch_size: int = 64,
    processes: int = 1,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> IngestReport:
    """Read, extract and store every article under paths; report each as added, unchanged or
    rejected (and files the tool made itself, such as the database, as skipped), each one
    also to on_outcome as it is decided. Each article is stored in its own transaction, so a
    crash loses at most the one being written and a second run picks up where the first
    stopped."""
    added: list[str] = []
    unchanged: list[str] = []
    rejected: list[Rejection] = []
    pending: list[Article] = []
    seen: set[str] = set()
    tell = on_outcome or (lambda outcome: None)

    def reject(rejection: Rejection) -> None:
        rejected.append(rejection)
        tell(_outcome(rejection.path, "rejected", reason=rejection.reason))

    own = [config.CACHE_DIR]
    if store.path != ":memory:":
        own.append(Path(store.path))
    for item in read_paths(paths, own=own):
        if isinstance(item, Rejection):
            reject(item)
        elif isinstance(item, Skipped):
            tell(_outcome(item.path, "skipped", reason=item.reason))
        elif item.key in seen or store.has_article(item.key, with_text=True):
            unchanged.append(item.id)
            tell(_outcome(item.path or item.id, "unchanged", article=item.id))
        else:
            seen.add(item.key)
            pending.append(item)
    total, done, events = len(pending), 0, 0
    if progress:
        progress(0, total, "")
    if pending:
        pipeline = Pipeline(geoparser or load_geoparser(), processes=processes)
        for start in range(0, total, batch_size):
            batch = pending[start : start + batch_size]
            for article, found in _guarded(pipeline, batch, reject):
                fresh: list[Event] = []

                def merge_in(
                    found: Sequence[Event], fresh: list[Event] = fresh
                ) -> tuple[list[Event], dict[str, Event]]:
                    # Runs inside the store's write transaction: merges see every commit.
                    fresh[:], replacing = _merge_with_stored(list(found), store)
                    return fresh, replacing

                try:
                    stored = store.add(article, found, merge=merge_in)
                except GeoError as exc:
                    reject(Rejection(article.path or article.id, str(exc)))
                    continue
                found = fresh
                (added if stored else unchanged).append(article.id)
                events += len(found) if stored else 0
                tell(
                    _outcome(
                        article.path or article.id,
                        "added" if stored else "unchanged",
                        events=len(found) if stored else 0,
                        article=article.id,
                    )
                )
            done += len(batch)
            if progress:
                progress(done, total, batch[-1].id)
    return IngestReport(tuple(added), tuple(unchanged), tuple(rejected), events)


def _merge_with_stored(found: list[Event], store: Store) -> tuple[list[Event], dict[str, Event]]:
    """Split an article's events into new ones and merged versions of events already stored
    (the same drill reported by another article)."""
    new: list[Event] = []
    replacing: dict[str, Event] = {}
    for event in found:
        stored = [replacing.get(e.key, e) for e in store.similar(event)]
        match = next((e for e in stored if compatible(e, event)), None)
        if match is None:
            new.append(event)
            continue
        old_key = next((k for k, v in replacing.items() if v is match), match.key)
        replacing[old_key] = merge(match, event)
    return new, replacing


def _guarded(pipeline: Pipeline, batch: list[Article], reject: Callable[[Rejection], None]):
    """Process a batch; if it fails, retry article by article so one bad text loses only itself."""
    try:
        yield from list(pipeline.process_many(batch))
        return
    except Exception:  # noqa: BLE001 - isolate the article that fails, reported below
        pass
    for article in batch:
        try:
            yield article, pipeline.process(article)
        except Exception as exc:  # noqa: BLE001 - reported to the user as a rejection
            reject(
                Rejection(
                    article.path or article.id,
                    f"could not be processed: {type(exc).__name__}: {exc}",
                )
            )
