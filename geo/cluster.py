"""Ingest on Dask workers: each worker loads the pipeline once and parses batches of articles;
the client stores what comes back, article by article, in the order the articles were read.

Parsing is a pure function of one article (Pipeline.process), so which worker parses which
batch, and in what order the batches finish, changes nothing: the client consumes the results
in input order and merges them with the stored events exactly as a single-process run does.
Reading a file is a pure function of it too (geo.articles.read_file): on a LocalCluster the
workers read the files as well, and the client only lists them and decides, in input order,
which articles are new (`DaskEngine.run_files`).
"""

from __future__ import annotations

import gc
import logging
import math
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, TypeGuard, cast

import dask
from distributed import Client, Future, LocalCluster, WorkerPlugin, get_worker

from geo import GeoError
from geo.articles import Item, read_file
from geo.model import Article, Event
from geo.pipeline import Pipeline, guarded, load_geoparser

PLUGIN_NAME = "geo-pipeline"
MAX_BATCH = 8  # articles per task: ~1 s of parsing, long enough to hide the task overhead
AHEAD = 4  # batches queued per worker beyond the one being stored, to keep every worker busy
READ_BATCH = 16  # files per reading task: ~50 ms of reading and cleaning
READ_AHEAD = 2 * AHEAD * MAX_BATCH // READ_BATCH  # reading tasks per worker ahead of parsing

Result = list[Event] | str  # an article's events, or why it could not be processed

# Dask defaults that cost a parsing worker CPU (measured on this workload, see README): the
# sampling profiler (~15%), and MALLOC_TRIM_THRESHOLD_ set in every worker's environment,
# which fixes glibc's otherwise adaptive thresholds so spaCy's arrays are mapped and unmapped
# again and again (~30%). And every server's check that its event loop is not blocked, 50
# times a second: idle, the scheduler then costs ~4% of a core and a worker ~2%, half that
# at twice a second. The dashboard keeps its task stream and progress without them.
# deploy/dask.yaml holds the same for a scheduler and workers started by hand.
WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.admin.tick.interval": "500ms",
}


# The pipeline this process loaded before it forked a LocalCluster's workers: they find it
# here, already in their memory and shared with each other page by page (copy-on-write), so
# neither loads the model again nor holds its own copy of it (which costs every worker CPU
# time in cache misses: 2 spawned workers ran at 1.46 x 1, forked ones at 1.7-2.0 x).
_preloaded: Pipeline | None = None


def default_pipeline() -> Pipeline:
    """The pinned spaCy model and the offline gazetteer (a few seconds per worker, nothing in a
    worker forked from a process that loaded them)."""
    return _preloaded if _preloaded is not None else Pipeline(load_geoparser())


def preload() -> None:
    """Load the default pipeline in this process, for the workers it forks to share."""
    global _preloaded
    if _preloaded is None:
        _preloaded = Pipeline(load_geoparser())
        gc.freeze()  # the loaded objects' pages stay shared: the collector never touches them


class PipelinePlugin(WorkerPlugin):
    """Loads the pipeline once when a worker starts (and again on a worker that replaces a dead
    one), so tasks carry articles only, never the model."""

    name = PLUGIN_NAME

    def __init__(self, loader: Callable[[], Pipeline] = default_pipeline) -> None:
        self.loader = loader
        self.pipeline: Pipeline | None = None

    def setup(self, worker: Any) -> None:
        """Load the pipeline into this worker."""
        self.pipeline = self.loader()


def read_batch(cwd: str, paths: Sequence[str]) -> list[list[Item]]:
    """On a worker: what geo.articles.read_file makes of each file (its article, or why it
    was rejected), relative paths read from `cwd` as the client would."""
    if os.getcwd() != cwd and not all(os.path.isabs(p) for p in paths):
        raise GeoError(f"this worker runs in {os.getcwd()}, not in {cwd}")
    return [list(read_file(path)) for path in paths]


def process_batch(articles: Sequence[Article]) -> list[Result]:
    """On a worker: each article's events, or why it could not be processed (its own failure
    never fails the batch)."""
    plugin = get_worker().plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, PipelinePlugin) or plugin.pipeline is None:
        raise GeoError("this worker has no pipeline loaded")
    return [result for _, result in guarded(plugin.pipeline, articles)]


class DaskEngine:
    """An ingest engine on a Dask cluster: the scheduler at `scheduler`, or else a LocalCluster
    of `workers` processes (one per core by default), started at the first batch and stopped
    on exit. The workers read the files too when they see this machine's (`read_files`;
    by default on a LocalCluster only): the client then lists paths and stores results."""

    def __init__(
        self,
        scheduler: str | None = None,
        *,
        workers: int | None = None,
        batch_size: int | None = None,
        retries: int = 2,
        loader: Callable[[], Pipeline] = default_pipeline,
        dashboard_address: str | None = ":8787",
        connect_timeout: float = 30,
        announce: Callable[[str], None] | None = None,
        read_files: bool | None = None,
    ) -> None:
        self.scheduler = scheduler
        self.read_files = read_files
        self.workers = workers or os.cpu_count() or 1
        self.batch_size = batch_size
        self.retries = retries  # a batch whose task raised is run again this many times
        self.loader = loader
        self.dashboard_address = dashboard_address
        self.connect_timeout = connect_timeout
        self.announce = announce or (lambda line: None)
        self.cluster: LocalCluster | None = None
        self.client: Client | None = None

    @property
    def reads_files(self) -> bool:
        """Whether the workers read the files (they must see the same ones at the same paths:
        a LocalCluster's do, a remote cluster's only on a shared file system)."""
        return self.scheduler is None if self.read_files is None else self.read_files

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect, and stop the LocalCluster if this engine started one."""
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None

    def start(self) -> Client:
        """Connect (or start the LocalCluster) and load the pipeline on every worker."""
        if self.client is not None:
            return self.client
        try:
            if self.scheduler:
                self.client = Client(self.scheduler, timeout=self.connect_timeout)
            else:
                fork = self.loader is default_pipeline and "fork" in mp.get_all_start_methods()
                if fork:
                    preload()
                method = {"distributed.worker.multiprocessing-method": "fork"} if fork else {}
                with dask.config.set({**WORKER_CONFIG, **method}):
                    self.cluster = LocalCluster(
                        n_workers=self.workers,
                        threads_per_worker=1,  # spaCy parses on one core: a process per core
                        processes=True,
                        dashboard_address=self.dashboard_address,
                        silence_logs=logging.ERROR,
                    )
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise GeoError(f"cannot reach the Dask scheduler {self.scheduler}: {exc}") from exc
        if self.client.dashboard_link and self.dashboard_address is not None:
            self.announce(f"Dask dashboard: {self.client.dashboard_link}")
        try:
            self.client.wait_for_workers(1, timeout=self.connect_timeout)
        except TimeoutError as exc:
            self.close()
            raise GeoError(
                f"no Dask worker joined {self.scheduler} within {self.connect_timeout:g} s"
            ) from exc
        try:
            # The scheduler unpickles every task and the workers run them: both need this
            # package. exec travels by name, so the check itself needs nothing of ours there.
            self.client.run_on_scheduler(exec, "import geo.cluster")
            self.client.run(exec, "import geo.cluster")
        except ImportError as exc:
            self.close()
            raise GeoError(
                f"the Dask cluster cannot import this project ({exc}): start the scheduler and "
                "the workers with the checkout on PYTHONPATH (README: More than one machine)"
            ) from exc
        try:
            self.client.register_plugin(PipelinePlugin(self.loader))
        except Exception as exc:
            self.close()
            raise GeoError(f"the Dask workers could not load the pipeline: {exc}") from exc
        if self.scheduler:
            self.workers = max(1, len(self.client.scheduler_info()["workers"]))
        self.announce(f"Dask: {self.workers} workers")
        return self.client

    def run(
        self, articles: Iterable[Article], *, expected: int | None = None
    ) -> Iterator[tuple[Article, Result]]:
        """Each article with its events or why it failed, in the order given: batches are
        parsed on the workers (a few ahead of the one being stored) and read back in order.
        `expected`: how many articles there will be, when `articles` cannot say."""
        if isinstance(articles, Sequence):
            if not articles:
                return
            expected = len(articles)
        client = self.start()
        count = expected if expected is not None else MAX_BATCH * self.workers
        size = self.batch_size or max(1, min(MAX_BATCH, math.ceil(count / self.workers)))
        them = iter(articles)
        batches = iter(lambda: list(islice(them, size)), [])
        queued: deque[tuple[Sequence[Article], Future]] = deque()

        def queue_next() -> None:
            batch = next(batches, None)
            if batch is not None:
                queued.append((batch, self._submit(client, batch)))

        for _ in range(self.workers * AHEAD):
            queue_next()
        while queued:
            batch, future = queued.popleft()
            queue_next()
            try:
                results = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost batch: retried article by article
                results = self._one_by_one(client, batch, exc)
            yield from zip(batch, results, strict=True)

    def run_files(
        self, entries: Sequence[Item | Path], wanted: Callable[[Item], TypeGuard[Article]]
    ) -> Iterator[tuple[Article, Result]]:
        """Read the Paths among entries on the workers, a few tasks ahead of the parsing; give
        every item to `wanted` in input order, and parse the articles it wants as run() does,
        each yielded with its events or why it failed, in that order."""
        files = sum(isinstance(e, Path) for e in entries)
        if not files:  # nothing to read: no cluster to start
            for entry in entries:
                wanted(cast(Item, entry))
            return
        yield from self.run(self._read(self.start(), entries, wanted), expected=files)

    def _read(
        self,
        client: Client,
        entries: Sequence[Item | Path],
        wanted: Callable[[Item], TypeGuard[Article]],
    ) -> Iterator[Article]:
        """The articles `wanted` keeps, in input order, the files read on the workers."""
        groups: list[list[Path] | Item] = []
        for entry in entries:
            if not isinstance(entry, Path):
                groups.append(entry)
            elif groups and isinstance(groups[-1], list) and len(groups[-1]) < READ_BATCH:
                groups[-1].append(entry)
            else:
                groups.append([entry])
        cwd, reading, submitted = os.getcwd(), dict[int, Future](), 0
        for i, group in enumerate(groups):
            while submitted < min(i + self.workers * READ_AHEAD, len(groups)):
                batch = groups[submitted]
                if isinstance(batch, list):
                    reading[submitted] = client.submit(
                        read_batch,
                        cwd,
                        [str(path) for path in batch],
                        priority=1,  # ahead of the parsing queued: reading keeps it fed
                        retries=self.retries,
                        pure=False,
                    )
                submitted += 1
            if not isinstance(group, list):
                wanted(group)
                continue
            try:
                read = reading.pop(i).result()
            except Exception:  # noqa: BLE001 - read here instead, as without a cluster
                read = [list(read_file(path)) for path in group]
            for items in read:
                yield from (item for item in items if wanted(item))

    def _submit(self, client: Client, batch: Sequence[Article]) -> Future:
        # pure=False: the same text in two runs is two tasks, never a cached result of a
        # batch that a worker lost; a worker that dies has its tasks rescheduled by the
        # scheduler, and a task that raises runs again `retries` times.
        return client.submit(process_batch, list(batch), retries=self.retries, pure=False)

    def _one_by_one(
        self, client: Client, batch: Sequence[Article], cause: BaseException
    ) -> list[Result]:
        """A batch that failed on the cluster (the workers running it kept dying): each article
        alone, one after another, so a text that kills its worker loses only itself and takes
        no other article down with that worker."""
        if len(batch) == 1:
            return [f"could not be processed on a worker: {type(cause).__name__}: {cause}"]
        results: list[Result] = []
        for article in batch:
            try:
                results += self._submit(client, [article]).result()
            except Exception as exc:  # noqa: BLE001 - reported to the user as a rejection
                results.append(f"could not be processed on a worker: {type(exc).__name__}: {exc}")
        return results
