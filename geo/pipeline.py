"""Ingest: articles in, events into the store; each article a pure function of its text."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol, TypeGuard, runtime_checkable

from geo import GeoError, config
from geo.articles import (
    Item,
    Known,
    Skipped,
    file_article_id,
    file_digest,
    list_paths,
    location,
    read_paths,
)
from geo.events import EventExtractor, compatible, merge
from geo.gazetteer import Gazetteer
from geo.model import Article, Event, IngestReport, Rejection
from geo.parsing import SentenceParser
from geo.store import EventStore, Store
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

    def __init__(self, geoparser: Geoparser) -> None:
        self.geoparser = geoparser

    @cached_property
    def extractor(self) -> EventExtractor:
        nlp = self.geoparser.nlp
        return EventExtractor(
            nlp.vocab, country=self.geoparser.gazetteer.country, parser=SentenceParser(nlp)
        )

    def process(self, article: Article) -> list[Event]:
        """The events of one article."""
        return next(self.process_many([article]))[1]

    def process_many(self, articles: Iterable[Article]):
        """(article, events) for each article, parsed in batches."""
        articles = list(articles)
        nlp, extractor = self.geoparser.nlp, self.extractor
        docs = list(nlp.pipe((a.text for a in articles), batch_size=config.NLP_BATCH_SIZE))
        # The sentences events read are parsed for the whole batch at once.
        chosen = [extractor.to_parse(a, d) for a, d in zip(articles, docs, strict=True)]
        if extractor.parser is not None:
            extractor.parser.parse_many(
                [(d, _sentences(d, c)) for d, c in zip(docs, chosen, strict=True)]
            )
        for article, doc, parsed in zip(articles, docs, chosen, strict=True):
            toponyms = self.geoparser.toponyms(doc)
            yield article, extractor(article, doc, toponyms, parsed=parsed)


def _sentences(doc, indices: Sequence[int]) -> list:
    """The sentences of doc at these indices."""
    wanted = set(indices)
    return [s for i, s in enumerate(doc.sents) if i in wanted]


class Engine(Protocol):
    """Where articles are parsed: this process (LocalEngine) or Dask workers (geo.cluster)."""

    def run(self, articles: Sequence[Article]) -> Iterator[tuple[Article, list[Event] | str]]:
        """Each article with its events, or the reason it could not be processed, in the
        order given (whatever order the work finishes in)."""
        ...


@runtime_checkable
class ReadingEngine(Protocol):
    """An engine that can also read the files where it parses (geo.cluster.DaskEngine on a
    local cluster), so that this process only lists them and stores what comes back."""

    @property
    def reads_files(self) -> bool:
        """Whether the files are read by the engine (else here, and articles sent)."""
        ...

    def run_files(
        self, entries: Sequence[Item | Path], wanted: Callable[[Item], TypeGuard[Article]]
    ) -> Iterator[tuple[Article, list[Event] | str]]:
        """Read the Paths among entries (geo.articles.read_file); give every item, these
        files' and the others, to `wanted` in input order; parse the articles it wants, and
        yield each with its events or why it failed, in that order."""
        ...


class LocalEngine:
    """Parsing in this process, or with processes > 1 in that many worker processes forked
    from it: each shares the loaded model and gazetteer, runs every stage but the store on a
    chunk of articles, and sends back only the events."""

    def __init__(
        self, geoparser: Geoparser | None = None, *, processes: int = 1, batch_size: int = 64
    ) -> None:
        self.geoparser = geoparser
        self.processes = processes
        self.batch_size = batch_size

    def run(self, articles: Sequence[Article]) -> Iterator[tuple[Article, list[Event] | str]]:
        """Each article with its events or why it failed, in order, batch by batch."""
        if not articles:
            return
        pipeline = Pipeline(self.geoparser or load_geoparser())
        if self.processes > 1 and len(articles) > 1:
            yield from _in_processes(pipeline, articles, self.processes, self.batch_size)
            return
        for start in range(0, len(articles), self.batch_size):
            yield from guarded(pipeline, articles[start : start + self.batch_size])


_FORKED: Pipeline | None = None  # the pipeline a worker process inherited


def _reconnect() -> None:
    """In a new worker: a connection of its own to the gazetteer (SQLite connections must not
    cross a fork)."""
    assert _FORKED is not None
    _FORKED.geoparser.gazetteer.reconnect()


def _process_chunk(chunk: Sequence[Article]) -> list[list[Event] | str]:
    """In a worker: the events of each article of a chunk, or why it failed."""
    assert _FORKED is not None
    return [result for _, result in guarded(_FORKED, chunk)]


def _in_processes(
    pipeline: Pipeline, articles: Sequence[Article], processes: int, batch_size: int
) -> Iterator[tuple[Article, list[Event] | str]]:
    """Each article with its events, in order, processed in chunks by forked workers. Chunks
    are small enough to keep every worker busy to the end, big enough to batch the model."""
    import gc
    import multiprocessing

    global _FORKED
    size = max(4, min(batch_size, len(articles) // (processes * 4)))
    chunks = [articles[i : i + size] for i in range(0, len(articles), size)]
    pipeline.extractor.prepare()  # built once here, shared by every worker
    _FORKED = pipeline
    # Frozen: the collector leaves the model's objects alone in the workers, so that their
    # memory pages stay shared instead of being copied one by one.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(processes, len(chunks)), initializer=_reconnect) as pool:
            for chunk, results in zip(chunks, pool.imap(_process_chunk, chunks), strict=True):
                yield from zip(chunk, results, strict=True)
    finally:
        gc.unfreeze()
        _FORKED = None


def ingest(
    paths: Iterable[str | Path],
    *,
    store: EventStore,
    geoparser: Geoparser | None = None,
    progress: Progress | None = None,
    batch_size: int = 64,
    processes: int = 1,
    on_outcome: Callable[[Outcome], None] | None = None,
    engine: Engine | None = None,
) -> IngestReport:
    """Read, extract and store every article under paths; report each as added, unchanged or
    rejected (and files the tool made itself, such as the database, as skipped), each one
    also to on_outcome as it is decided. Each article is stored in its own transaction, so a
    crash loses at most the one being written and a second run picks up where the first
    stopped. The engine parses (default: this process, with geoparser and processes); the
    articles are stored in the order they were read whatever the engine, so merges with
    events already stored come out the same."""
    added: list[str] = []
    unchanged: list[str] = []
    rejected: list[Rejection] = []
    # What the reading decides comes first in the report, as when every file is read before
    # any article is parsed (an engine that reads the files decides as it goes).
    unchanged_read: list[str] = []
    rejected_read: list[Rejection] = []
    seen: set[str] = set()
    tell = on_outcome or (lambda outcome: None)

    def reject(rejection: Rejection, into: list[Rejection] = rejected) -> None:
        into.append(rejection)
        tell(_outcome(rejection.path, "rejected", reason=rejection.reason))

    own = [config.CACHE_DIR]
    if isinstance(store, Store) and store.path != ":memory:":
        own.append(Path(store.path))
    # The store remembers the files it read (by a hash of their bytes): an unchanged file is
    # not read, cleaned or hashed again.
    digests: dict[str, str] = {}  # path -> digest, for the files read this time
    read: list[tuple[str, str]] = []  # (digest, article key) to remember

    def known(path: Path) -> Known | None:
        digest = file_digest(path)
        if digest is None:
            return None
        found = store.known_file(digest)
        if found is None:
            digests[str(path)] = digest
            return None
        return Known(str(path), found[0], file_article_id(path))

    def remember(article: Article) -> None:
        if article.path in digests:
            read.append((digests.pop(article.path), article.key))

    def wanted(item: Item) -> TypeGuard[Article]:
        """Whether an item read is a new article to parse; the others' outcomes told here."""
        if isinstance(item, Rejection):
            reject(item, rejected_read)
        elif isinstance(item, Skipped):
            tell(_outcome(item.path, "skipped", reason=item.reason))
        elif isinstance(item, Known):
            seen.add(item.key)
            unchanged_read.append(item.id)
            tell(_outcome(item.path, "unchanged", article=item.id))
        elif item.key in seen or store.has_article(item.key, with_text=True):
            remember(item)
            unchanged_read.append(item.id)
            tell(_outcome(item.path or item.id, "unchanged", article=item.id))
        else:
            seen.add(item.key)
            return True
        return False

    parser = engine or LocalEngine(geoparser, processes=processes, batch_size=batch_size)
    results: Iterable[tuple[Article, list[Event] | str]]
    if isinstance(parser, ReadingEngine) and parser.reads_files:
        entries = list(list_paths(paths, own=own, known=known))
        files = sum(isinstance(e, Path) for e in entries)
        results = parser.run_files(entries, wanted)
        pending = []
    else:
        pending = [item for item in read_paths(paths, own=own, known=known) if wanted(item)]
        files = 0
        results = parser.run(pending) if pending else ()
    total, done, events = len(pending), 0, 0
    if progress:
        progress(0, total or files, "")
    for article, result in results:
        done += 1
        where = article.path or article.id
        if isinstance(result, str):
            reject(Rejection(where, result))
        else:
            fresh: list[Event] = []

            def merge_in(
                found: Sequence[Event], fresh: list[Event] = fresh
            ) -> tuple[list[Event], dict[str, Event]]:
                # Runs inside the store's write transaction: merges see every commit.
                fresh[:], replacing = _merge_with_stored(list(found), store)
                return fresh, replacing

            try:
                stored = store.add(article, result, merge=merge_in)
            except GeoError as exc:
                reject(Rejection(where, str(exc)))
            else:
                found = fresh
                remember(article)
                (added if stored else unchanged).append(article.id)
                events += len(found) if stored else 0
                tell(
                    _outcome(
                        where,
                        "added" if stored else "unchanged",
                        events=len(found) if stored else 0,
                        article=article.id,
                    )
                )
        if progress:
            progress(done, total or max(files, done), article.id)
    store.add_files(read)
    return IngestReport(
        tuple(added), tuple(unchanged_read + unchanged), tuple(rejected_read + rejected), events
    )


def _merge_with_stored(
    found: list[Event], store: EventStore
) -> tuple[list[Event], dict[str, Event]]:
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


def guarded(
    pipeline: Pipeline, batch: Sequence[Article]
) -> Iterator[tuple[Article, list[Event] | str]]:
    """Process a batch; if it fails, retry article by article so one bad text loses only
    itself: each article with its events, or the reason it could not be processed."""
    try:
        yield from list(pipeline.process_many(batch))
        return
    except Exception:  # noqa: BLE001 - isolate the article that fails, reported below
        pass
    for article in batch:
        try:
            yield article, pipeline.process(article)
        except Exception as exc:  # noqa: BLE001 - reported to the user as a rejection
            yield article, f"could not be processed: {type(exc).__name__}: {exc}"
