"""Ingest on Dask workers: each worker loads the pipeline once and parses batches of articles;
the client stores what comes back, article by article, in the order the articles were read.

Parsing is a pure function of one article (Pipeline.process), so which worker parses which
batch, and in what order the batches finish, changes nothing: the client consumes the results
in input order and merges them with the stored events exactly as a single-process run does.
"""

from __future__ import annotations

import gc
import logging
import math
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dask
from distributed import Client, Future, LocalCluster, WorkerPlugin, get_worker

from geo import GeoError
from geo.model import Article, Event
from geo.pipeline import Pipeline, guarded, load_geoparser

PLUGIN_NAME = "geo-pipeline"
MAX_BATCH = 8  # articles per task: ~1 s of parsing, long enough to hide the task overhead
AHEAD = 4  # batches queued per worker beyond the one being stored, to keep every worker busy

Result = list[Event] | str  # an article's events, or why it could not be processed

# Two Dask defaults that cost a parsing worker CPU (measured on this workload, see README):
# the sampling profiler (~15%), and MALLOC_TRIM_THRESHOLD_ set in every worker's environment,
# which fixes glibc's otherwise adaptive thresholds so spaCy's arrays are mapped and unmapped
# again and again (~30%). The dashboard keeps its task stream and progress without them.
# deploy/dask.yaml holds the same for workers started by hand.
WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
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
    on exit."""

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
    ) -> None:
        self.scheduler = scheduler
        self.workers = workers or os.cpu_count() or 1
        self.batch_size = batch_size
        self.retries = retries  # a batch whose task raised is run again this many times
        self.loader = loader
        self.dashboard_address = dashboard_address
        self.connect_timeout = connect_timeout
        self.announce = announce or (lambda line: None)
        self.cluster: LocalCluster | None = None
        self.client: Client | None = None

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

    def run(self, articles: Sequence[Article]) -> Iterator[tuple[Article, Result]]:
        """Each article with its events or why it failed, in the order given: batches are
        parsed on the workers (a few ahead of the one being stored) and read back in order."""
        if not articles:
            return
        client = self.start()
        size = self.batch_size or max(1, min(MAX_BATCH, math.ceil(len(articles) / self.workers)))
        batches = iter([articles[i : i + size] for i in range(0, len(articles), size)])
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
