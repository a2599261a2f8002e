"""`python -m geo bench`: how fast ingest is, figure by figure.

Each figure is measured by a function in FIGURES (a name and a callable taking the Bench and
returning Figure rows); `python -m geo bench` runs them in order, prints one JSON line per
figure as it is measured, then a table of them all. Another set of figures (the dashboard's,
say) joins with `register`:

    from geo.bench import Figure, register

    @register("dashboard")
    def dashboard(bench):
        return [Figure("dashboard_1k_server_s", 0.12, "s", "dashboard, 1,000 events")]

The corpus is made from templates filled with gazetteer names (deterministic by seed), so it
never holds real news text; or it is the articles under a path the user gives.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from geo import config
from geo.model import Article, Event, Place

MONTHS = (
    "January February March April May June July August September October November December"
).split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
# Sentences of everyday local and world news: most name places, few report cooperation.
PLAIN = (
    "The council of {city} voted on {weekday} to repair the main bridge before winter.",
    "Heavy rain closed several roads between {city} and {city2} for most of the day.",
    "A new library opened in {city} last week, the mayor's office said.",
    "Shops in {city} reported a busy weekend as the festival drew visitors from {city2}.",
    "The school board met parents to discuss the bus routes around {city}.",
    "Prices of bread and milk rose again in {country}, the statistics office said.",
    "A local football club from {city} won its third match in a row.",
    "Police in {city} asked drivers to avoid the city centre during the parade.",
    "The airport of {city} expects more flights to {city2} next summer.",
    "Farmers near {city} said the harvest was better than last year.",
)
# Sentences that report a cooperation event: drills, patrols, meetings, deals.
EVENTS = (
    "Troops from {country} and {country2} held joint drills near {city} in {month} {year}.",
    "The defence minister of {country} met his counterpart from {country2} in {city} on {weekday}.",
    "Warships of {country} and {country2} began a naval exercise off {city} on {month} 3.",
    "{country} agreed to buy transport aircraft from {country2} in {year}.",
    "Bombers of {country} flew a joint patrol with aircraft of {country2} over {city}.",
    "Officials of {country} and {country2} signed a training agreement in {city} in {year}.",
)


@dataclass(frozen=True)
class Figure:
    """One measured figure: a stable name, the value, its unit and what it means."""

    name: str
    value: float
    unit: str
    label: str
    extra: dict = field(default_factory=dict)

    def record(self) -> dict:
        """The figure as one JSON line."""
        return {"figure": self.name, "value": self.value, "unit": self.unit, **self.extra}


Measure = Callable[["Bench"], list[Figure]]
FIGURES: list[tuple[str, Measure]] = []


def register(name: str) -> Callable[[Measure], Measure]:
    """Add a measurement to those `python -m geo bench` runs (after the ones already there)."""

    def add(measure: Measure) -> Measure:
        FIGURES.append((name, measure))
        return measure

    return add


def corpus(places: Sequence[Place], countries: Sequence[Place], *, seed: int, n: int):
    """n invented articles (deterministic for a seed), each a few paragraphs of template
    sentences with gazetteer names; about one sentence in six reports an event."""
    rng = random.Random(seed)
    for i in range(n):
        paragraphs = []
        for _ in range(rng.randint(3, 6)):
            sentences = []
            for _ in range(rng.randint(2, 4)):
                template = rng.choice(EVENTS if rng.random() < 0.17 else PLAIN)
                a, b = rng.sample(list(places), 2)
                c, d = rng.sample(list(countries), 2)
                sentences.append(
                    template.format(
                        city=a.name,
                        city2=b.name,
                        country=c.name,
                        country2=d.name,
                        month=rng.choice(MONTHS),
                        weekday=rng.choice(WEEKDAYS),
                        year=rng.randint(2005, 2024),
                    )
                )
            paragraphs.append(" ".join(sentences))
        # a number of its own, so that every article is new content
        paragraphs.append(f"This is report number {i} of the series.")
        yield Article(
            id=f"bench-{seed}-{i:05d}.txt",
            text="\n\n".join(paragraphs),
            published=date(2020, 1, 1),
            published_how="metadata",
        )


def words(articles: Sequence[Article]) -> int:
    """Whitespace-separated words: the unit of every words/s figure."""
    return sum(len(a.text.split()) for a in articles)


class Bench:
    """What the measurements share: the corpus, the loaded geoparser, a scratch folder."""

    def __init__(
        self,
        *,
        source: Path | None = None,
        seed: int = 1,
        articles: int = 300,
        reingest: int = 10_000,
        cold: bool = False,
        quick: bool = False,
        repeat: int = 3,
    ) -> None:
        self.source = source
        self.seed = seed
        self.n = articles
        self.reingest_n = reingest
        self.cold = cold
        self.quick = quick
        self.repeat = repeat  # runs of bare NER and of ingest, the best of them counted
        self.tmp = Path(tempfile.mkdtemp(prefix="geo-bench-"))
        self.results: dict[str, Figure] = {}

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    @cached_property
    def geoparser(self):
        from geo.pipeline import load_geoparser

        return load_geoparser()

    @cached_property
    def articles(self) -> list[Article]:
        """The corpus: the user's articles, else the generated ones."""
        if self.source is not None:
            from geo.articles import read_paths

            found = [a for a in read_paths([self.source]) if isinstance(a, Article)]
            return found[: self.n] if self.n else found
        return self.generated(self.n, seed=self.seed)

    def generated(self, n: int, *, seed: int) -> list[Article]:
        gazetteer = self.geoparser.gazetteer
        places = gazetteer.largest("city", limit=300)
        countries = gazetteer.largest("country", limit=60)
        return list(corpus(places, countries, seed=seed, n=n))

    @cached_property
    def folder(self) -> Path:
        """The corpus as .txt files, for the measurements that read files."""
        return write_folder(self.articles, self.tmp / "corpus")

    def run(self, names: Sequence[str] | None = None) -> Iterator[Figure]:
        """Measure every registered figure (or those named), yielding each as it is known."""
        for name, measure in FIGURES:
            if names and name not in names:
                continue
            for figure in measure(self):
                self.results[figure.name] = figure
                yield figure


def write_folder(articles: Sequence[Article], folder: Path) -> Path:
    """Write articles as .txt files into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for a in articles:
        (folder / a.id).write_text(a.text, encoding="utf-8")
    return folder


@dataclass(frozen=True)
class Timing:
    """How long some work took: wall-clock seconds, and the CPU seconds of this process (which
    other programs running on the machine disturb far less)."""

    wall: float
    cpu: float


def _timed(work: Callable[[], object], repeat: int = 1) -> Timing:
    """The best of `repeat` runs (wall and CPU each): the run least disturbed by the rest of
    the machine."""
    best = Timing(float("inf"), float("inf"))
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        best = Timing(
            min(best.wall, time.perf_counter() - wall), min(best.cpu, time.process_time() - cpu)
        )
    return best


def _speed(name: str, n: int, timing: Timing, label: str) -> Figure:
    """words/s by the wall clock, with the CPU-time figure beside it."""
    return Figure(
        name,
        round(n / timing.wall),
        "words/s",
        label,
        {"cpu_words_per_s": round(n / timing.cpu), "wall_s": round(timing.wall, 2)},
    )


@register("ner")
def bare_ner(bench: Bench) -> list[Figure]:
    """spaCy alone: the same model with only tok2vec and ner, over the same texts."""
    import spacy

    from geo.toponyms import model_path

    nlp = spacy.load(
        model_path(),
        exclude=["tagger", "parser", "senter", "attribute_ruler", "lemmatizer"],
    )
    texts = [a.text for a in bench.articles]
    for _ in nlp.pipe(texts[:4]):
        pass  # warm up
    timing = _timed(lambda: list(nlp.pipe(texts, batch_size=config.NLP_BATCH_SIZE)), bench.repeat)
    return [_speed("ner_words_per_s", words(bench.articles), timing, "bare NER (tok2vec+ner)")]


def _ingest_folder(bench: Bench, folder: Path, db: Path, *, processes: int = 1, fresh: bool = True):
    from geo.pipeline import ingest
    from geo.store import Store

    if fresh:
        db.unlink(missing_ok=True)
    with Store(db) as store:
        return ingest([folder], store=store, geoparser=bench.geoparser, processes=processes)


@register("ingest")
def end_to_end(bench: Bench) -> list[Figure]:
    """`geo ingest` of the corpus folder into a fresh database (model and gazetteer loaded
    beforehand), and its speed as a share of bare NER's, by the wall clock and by CPU time."""
    folder = bench.folder
    _ingest_folder(bench, write_folder(bench.articles[:2], bench.tmp / "warm"), bench.tmp / "w.db")
    timing = _timed(lambda: _ingest_folder(bench, folder, bench.tmp / "ingest.db"), bench.repeat)
    speed = _speed("ingest_words_per_s", words(bench.articles), timing, "ingest, end to end")
    out = [
        speed,
        Figure(
            "ingest_articles_per_s",
            round(len(bench.articles) / timing.wall, 1),
            "articles/s",
            "ingest, end to end",
        ),
    ]
    ner = bench.results.get("ner_words_per_s")
    if ner is not None:
        cpu = speed.extra["cpu_words_per_s"] / ner.extra["cpu_words_per_s"]
        out.append(
            Figure(
                "ingest_to_ner_ratio",
                round(speed.value / ner.value, 2),
                "x",
                "ingest / bare NER (target >= 0.8)",
                {"cpu_ratio": round(cpu, 2)},
            )
        )
    return out


@register("stages")
def stages(bench: Bench) -> list[Figure]:
    """CPU seconds spent in each stage of ingest over the corpus: read, parse (spaCy: sentences
    and entities), toponyms, events (with the parse of the sentences they need), store."""
    from geo.articles import read_paths
    from geo.pipeline import Pipeline, _merge_with_stored, _sentences
    from geo.store import Store

    folder = bench.folder
    pipeline = Pipeline(bench.geoparser)
    nlp = bench.geoparser.nlp
    spent = dict.fromkeys(("read", "parse", "toponyms", "events", "store"), 0.0)
    clock = time.process_time
    started = clock()
    articles = [a for a in read_paths([folder]) if isinstance(a, Article)]
    spent["read"] = clock() - started
    started = clock()
    docs = list(nlp.pipe((a.text for a in articles), batch_size=config.NLP_BATCH_SIZE))
    spent["parse"] = clock() - started
    found = []
    extractor = pipeline.extractor
    started = clock()
    # as Pipeline.process_many does: the sentences events read, parsed for all at once
    chosen = [extractor.to_parse(a, d) for a, d in zip(articles, docs, strict=True)]
    if extractor.parser is not None:
        extractor.parser.parse_many(
            [(d, _sentences(d, c)) for d, c in zip(docs, chosen, strict=True)]
        )
    spent["events"] = clock() - started
    for article, doc, parsed in zip(articles, docs, chosen, strict=True):
        t0 = clock()
        toponyms = bench.geoparser.toponyms(doc)
        t1 = clock()
        found.append((article, extractor(article, doc, toponyms, parsed=parsed)))
        spent["toponyms"] += t1 - t0
        spent["events"] += clock() - t1
    started = clock()
    db = bench.tmp / "stages.db"
    db.unlink(missing_ok=True)
    with Store(db) as store:

        def merge_in(events: Sequence[Event]) -> tuple[list[Event], dict[str, Event]]:
            return _merge_with_stored(list(events), store)

        for article, events in found:
            store.add(article, events, merge=merge_in)
    spent["store"] = clock() - started
    total = sum(spent.values())
    return [
        Figure(
            f"stage_{name}_s",
            round(s, 3),
            "cpu s",
            f"stage: {name}",
            {"share": round(s / total, 3) if total else 0.0},
        )
        for name, s in spent.items()
    ]


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its finished children."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@register("processes")
def processes(bench: Bench) -> list[Figure]:
    """Ingest with --processes 2 against one process over the same corpus, by the wall clock;
    beside it the CPU seconds each used in all (workers included): when other programs hold
    the cores, the wall-clock speed-up cannot show, but the total shows whether the work grew."""
    folder = bench.folder
    n = words(bench.articles)
    out = []
    walls = {}
    for count in (1, 2):
        cpu = _cpu_with_children()
        db = bench.tmp / f"p{count}.db"

        def run(db: Path = db, count: int = count) -> None:
            _ingest_folder(bench, folder, db, processes=count)

        walls[count] = _timed(run).wall
        used = _cpu_with_children() - cpu
        out.append(
            Figure(
                f"processes_{count}_words_per_s",
                round(n / walls[count]),
                "words/s",
                f"ingest, {count} process{'es' if count > 1 else ''}",
                {"cpu_s": round(used, 2), "wall_s": round(walls[count], 2)},
            )
        )
    out.append(
        Figure(
            "processes_2_speedup",
            round(walls[1] / walls[2], 2),
            "x",
            f"2 processes / 1 ({os.cpu_count()} cores; target >= 1.7)",
        )
    )
    return out


def _cli(args: Sequence[str], *, cwd: Path) -> float:
    """Wall time of `python -m geo ARGS` run from cwd."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "geo", *args], cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


@register("startup")
def startup(bench: Bench) -> list[Figure]:
    """`geo ingest` of one short article, model and gazetteer load included: warm (caches
    built), and with --cold also on a fresh copy of the project (its gazetteer index built)."""
    one = bench.tmp / "one"
    one.mkdir(exist_ok=True)
    (one / "short.txt").write_text(
        "Sailors from two navies held drills off the coast on Monday.\n", encoding="utf-8"
    )
    root = config.PROJECT_ROOT
    _cli(["ingest", str(one), "--db", str(bench.tmp / "warm0.db")], cwd=root)  # warm caches
    warm = _cli(["ingest", str(one), "--db", str(bench.tmp / "warm.db")], cwd=root)
    out = [Figure("startup_warm_s", round(warm, 2), "s", "ingest one article, warm (<= 3 s)")]
    if bench.cold:
        clone = bench.tmp / "clone"
        shutil.copytree(root / "geo", clone / "geo", ignore=shutil.ignore_patterns("__pycache__"))
        cold = _cli(["ingest", str(one), "--db", str(bench.tmp / "cold.db")], cwd=clone)
        out.append(
            Figure(
                "startup_fresh_clone_s",
                round(cold, 2),
                "s",
                "ingest one article, fresh clone (<= 25 s)",
            )
        )
    return out


@register("reingest")
def reingest(bench: Bench) -> list[Figure]:
    """A second ingest of an unchanged folder of N articles: every file recognised by the hash
    of its bytes, none read or parsed. The store is filled directly with what the first
    ingest leaves (the articles, without events, and the digests of their files): only the
    skipping is measured."""
    from geo.articles import file_digest
    from geo.store import Store

    n = bench.reingest_n
    articles = bench.generated(n, seed=bench.seed + 1)
    folder = write_folder(articles, bench.tmp / "reingest")
    db = bench.tmp / "reingest.db"
    db.unlink(missing_ok=True)
    with Store(db) as store:
        for a in articles:
            store.add(a, [])
        store.add_files((file_digest(folder / a.id) or "", a.key) for a in articles)
    elapsed = _timed(lambda: _ingest_folder(bench, folder, db, fresh=False)).wall
    return [
        Figure(
            "reingest_s",
            round(elapsed, 2),
            "s",
            f"re-ingest {n:,} unchanged articles (<= 5 s for 10,000)",
            {"articles": n},
        )
    ]


def table(figures: Sequence[Figure]) -> str:
    """The figures as a readable table."""
    rows = [(f.label, f.name, f"{f.value:,}", f.unit) for f in figures]
    widths = [max(len(r[i]) for r in rows) for i in range(4)] if rows else [0] * 4
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i != 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


@register("dashboard")
def dashboard(bench: Bench) -> list[Figure]:
    """The dashboard's server time, bytes of map sent and memory per rerun, for 1,000, 10,000
    and 50,000 synthetic events (a few hundred with --quick): benchmarks/bench_dashboard.py,
    which also prints them alone."""
    import importlib.util

    path = config.PROJECT_ROOT / "benchmarks" / "bench_dashboard.py"
    spec = importlib.util.spec_from_file_location("bench_dashboard", path)
    if spec is None or spec.loader is None:
        return []
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = []
    for n in (300,) if bench.quick else (1_000, 10_000, 50_000):
        for row in module.dashboard_figures(n):
            case = "".join(c if c.isalnum() else "_" for c in row["case"].split(" (")[0])
            name = f"dashboard_{n}_{'_'.join(filter(None, case.split('_')))}"
            extra = {k: row[k] for k in ("bytes", "rss_mb", "events_shown") if k in row}
            label = f"dashboard, {n:,} events: {row['case']}"
            figures.append(Figure(f"{name}_s", row["s"], "s", label, extra))
            if "bytes" in row:
                figures.append(Figure(f"{name}_bytes", row["bytes"], "bytes", label))
        memory = f"dashboard, {n:,} events: peak RSS of this process (the model included)"
        figures.append(Figure(f"dashboard_{n}_rss_mb", row.get("rss_mb", 0), "MB", memory))
    return figures
