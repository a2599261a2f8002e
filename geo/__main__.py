"""The command line: python -m geo ingest|export|import|geoparse|geocode|bench."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from geo import GeoError, config


def _db(args: argparse.Namespace) -> str | Path:
    """The --db value, else $GEO_DB, else the default: a postgresql:// URL or a SQLite file."""
    from geo.store import is_url

    target = args.db or os.environ.get(config.ENV_DB) or config.DEFAULT_DB
    return target if is_url(target) else Path(target)


def _db_shown(target: str | Path) -> str:
    """The database as a message names it: a URL without its password."""
    if isinstance(target, str):
        from geo.store_pg import redacted

        return shown(redacted(target))
    return shown(str(target))


EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2  # ingest's exit status (see README)


def shown(text: str) -> str:
    """text safe to print: control characters (a newline or an escape sequence in a file
    name) and undecodable bytes written as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def cmd_ingest(args: argparse.Namespace) -> int:
    """Exit 0 when every input was added or unchanged, 1 when some were rejected (the others
    are stored all the same), 2 for a usage error before anything is read."""
    from geo.pipeline import Outcome, ingest
    from geo.store import open_store

    if args.engine != "dask" and (args.scheduler or args.workers):
        print("error: --scheduler and --workers need --engine dask", file=sys.stderr)
        return EXIT_USAGE
    if args.engine == "dask" and args.processes != 1:
        print("error: --processes is for --engine local; use --workers", file=sys.stderr)
        return EXIT_USAGE
    if args.scheduler and args.workers:
        print("error: --workers starts a local cluster; not with --scheduler", file=sys.stderr)
        return EXIT_USAGE
    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        print(f"error: no such file or folder: {', '.join(map(shown, missing))}", file=sys.stderr)
        return EXIT_USAGE
    report_file = None
    if args.report:
        try:
            report_file = open(args.report, "w", encoding="utf-8", errors="backslashreplace")
        except OSError as exc:
            print(f"error: cannot write the report {shown(args.report)}: {exc}", file=sys.stderr)
            return EXIT_USAGE

    skipped: list[Outcome] = []

    def progress(done: int, total: int, name: str) -> None:
        if sys.stderr.isatty() and total:
            print(f"\r{done}/{total} articles {shown(name[:40]):40}", end="", file=sys.stderr)

    def on_outcome(outcome: Outcome) -> None:
        if outcome.outcome == "skipped":
            skipped.append(outcome)
        if report_file:
            # backslashreplace: an undecodable file-name byte is written as the JSON escape
            # "\udcff", which Python reads back as the very name os.listdir gives
            report_file.write(json.dumps(outcome.record(), ensure_ascii=False) + "\n")
            report_file.flush()

    engine = None
    if args.engine == "dask":
        from geo.cluster import DaskEngine

        engine = DaskEngine(
            args.scheduler,
            workers=args.workers,
            announce=lambda line: print(line, file=sys.stderr, flush=True),
        )
    try:
        with open_store(_db(args)) as store:
            report = ingest(
                args.paths,
                store=store,
                progress=progress,
                processes=args.processes,
                on_outcome=on_outcome,
                engine=engine,
            )
    finally:
        if engine is not None:
            engine.close()
        if report_file:
            report_file.close()
    if sys.stderr.isatty():
        print(file=sys.stderr)
    for rejection in report.rejected:
        print(f"rejected {shown(rejection.path)}: {shown(rejection.reason)}", file=sys.stderr)
    for outcome in skipped:
        print(f"skipped {shown(outcome.path)}: {outcome.reason}", file=sys.stderr)
    print(
        f"{len(report.added)} added, {len(report.unchanged)} unchanged, "
        f"{len(report.rejected)} rejected, {len(skipped)} skipped, {report.events} events "
        f"-> {_db_shown(_db(args))}"
    )
    return EXIT_REJECTED if report.rejected else EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Load exported events; exit status as for ingest (0 all stored or present, 1 some lines
    rejected, 2 usage error)."""
    from geo.export import read_events_jsonl
    from geo.store import open_store

    if not os.path.isfile(args.file):
        print(f"error: no such file: {shown(args.file)}", file=sys.stderr)
        return EXIT_USAGE
    events, rejected = read_events_jsonl(Path(args.file))
    with open_store(_db(args)) as store:
        added = store.import_events(events)
    for r in rejected:
        print(f"rejected {shown(r.path)}: {shown(r.reason)}", file=sys.stderr)
    print(
        f"{added} events added, {len(events) - added} already stored, {len(rejected)} rejected"
        f" -> {_db_shown(_db(args))}",
        file=sys.stderr,
    )
    return EXIT_REJECTED if rejected else EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from geo.export import in_reading_order, to_csv, to_geojson, to_jsonl
    from geo.store import open_store

    db = _db(args)
    if isinstance(db, Path) and not db.exists():
        raise GeoError(f"no database at {db}: run `python -m geo ingest PATH...` first")
    with open_store(db) as store:
        events = store.events()
        if args.corrected:
            from geo.corrections import corrected, is_rejected

            events = [e for e in corrected(events, store.corrections()) if not is_rejected(e)]
        events = in_reading_order(events)
    text = {
        "jsonl": to_jsonl,
        "csv": to_csv,
        "geojson": lambda e: json.dumps(to_geojson(e), ensure_ascii=False, indent=1),
    }[args.format](events)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"{len(events)} events -> {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_corrections(args: argparse.Namespace) -> int:
    """Write the analysts' corrections as JSON Lines, or load such a file (idempotent)."""
    from geo.corrections import from_jsonl, to_jsonl
    from geo.store import open_store

    db = _db(args)
    if args.import_file:
        if not os.path.isfile(args.import_file):
            print(f"error: no such file: {shown(args.import_file)}", file=sys.stderr)
            return EXIT_USAGE
        found, bad = from_jsonl(Path(args.import_file).read_text(encoding="utf-8"))
        with open_store(db) as store:
            new = [c for c in found if not store.has_correction(c)]
            for c in new:
                store.add_correction(c)
        for reason in bad:
            print(f"rejected {shown(args.import_file)} {shown(reason)}", file=sys.stderr)
        print(
            f"{len(new)} corrections added, {len(found) - len(new)} already stored, "
            f"{len(bad)} rejected -> {_db_shown(db)}",
            file=sys.stderr,
        )
        return EXIT_REJECTED if bad else EXIT_OK
    if isinstance(db, Path) and not db.exists():
        raise GeoError(f"no database at {db}")
    with open_store(db) as store:
        text = to_jsonl(store.corrections())
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"{text.count(chr(10))} corrections -> {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def toponym_record(t, *, explain: bool = False) -> dict:
    """One toponym as the geoparse output line lists it (with `why` when explaining)."""
    record = {
        "start": t.start,
        "end": t.end,
        "name": t.text,
        "lat": t.place.lat,
        "lon": t.place.lon,
        "geonameid": t.place.geonameid,
        "feature": t.place.feature,
        "kind": t.kind,
    }
    if explain:
        record["why"] = list(t.why)
    return record


def rejection_record(decision) -> dict:
    """A mention the geoparser weighed and did not take, with its score and the rules fired."""
    m = decision.mention
    span = m.doc[m.start : m.end]
    return {
        "start": span.start_char,
        "end": span.end_char,
        "name": span.text,
        "kind": m.kind,
        "source": m.source,
        "score": round(decision.score, 2),
        "why": list(decision.fired),
    }


def write_geoparse(
    geoparser, records: list[dict], out, *, tty: bool = False, explain: bool = False
) -> None:
    """Geoparse {"id", "text"} records into JSON lines {"id", "toponyms"}; demonyms ("Chinese")
    are listed with kind "demonym": they name a country but are no place to map. With
    explain, each toponym has `why` (the rules and features that made it) and each line lists
    the mentions weighed and `rejected`."""
    texts = (r.get("text") or "" for r in records)
    docs = geoparser.nlp.pipe(texts, batch_size=config.NLP_BATCH_SIZE)
    for n, (record, doc) in enumerate(zip(records, docs, strict=True), 1):
        toponyms, rejected = geoparser.explain(doc)
        line = {
            "id": record.get("id"),
            "toponyms": [toponym_record(t, explain=explain) for t in toponyms if t.place],
        }
        if explain:
            line["rejected"] = [rejection_record(d) for d in rejected]
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        if tty:
            print(f"\r{n}/{len(records)} documents", end="", file=sys.stderr)
    if tty:
        print(file=sys.stderr)


def print_explained(geoparser, text: str) -> None:
    """Each toponym of a text with the rules and features that made it, then the mentions
    weighed and rejected, for a reader."""
    toponyms, rejected = geoparser.explain(geoparser.nlp(text))
    for t in toponyms:
        where = f"{t.place.name} ({t.place.feature}, {t.place.country or '-'})" if t.place else "-"
        print(f"{t.text!r:30} {t.kind:8} -> {where}\n    {' '.join(t.why) or '(no rule)'}")
    for d in rejected:
        m = d.mention
        print(f"{m.text!r:30} rejected  {m.kind}/{m.source} score {d.score:g}: {' '.join(d.fired)}")


def cmd_geoparse(args: argparse.Namespace) -> int:
    from geo.pipeline import load_geoparser

    if args.text is None and not (args.input and args.output):
        print("error: give --input and --output, or --text", file=sys.stderr)
        return 2
    geoparser = load_geoparser()
    if args.text is not None:
        print_explained(geoparser, args.text)
        return 0
    with open(args.input, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    with open(args.output, "w", encoding="utf-8") as out:
        write_geoparse(geoparser, records, out, tty=sys.stderr.isatty(), explain=args.explain)
    return 0


def cmd_geocode(args: argparse.Namespace) -> int:
    from geo.gazetteer import make_geocoder

    geocoder = make_geocoder(
        args.geocoder or os.environ.get(config.ENV_GEOCODER) or "offline",
        user_agent=os.environ.get(config.ENV_USER_AGENT) or "news-to-map",
        cache_path=config.CACHE_DIR / "nominatim.json",
        url=os.environ.get(config.ENV_NOMINATIM_URL),
    )
    found = geocoder.geocode(args.name, exactly_one=False, limit=args.limit, near=args.near) or []
    for rank, location in enumerate(found, 1):
        raw = location.raw
        print(
            f"{rank:2}. {location.address}  ({location.latitude:.4f}, {location.longitude:.4f})  "
            f"{raw.get('feature', '')}  {raw.get('country') or ''}  "
            f"pop {raw.get('population', 0):,}  score {raw.get('score', 0):.2f}  "
            f"{raw.get('id', '')}"
        )
    if not found:
        print(f"no place called {args.name!r}", file=sys.stderr)
        return 1
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure ingest figure by figure: one JSON line each as measured, then a table."""
    from geo.bench import FIGURES, Bench, table

    unknown = sorted(set(args.only or ()) - {name for name, _ in FIGURES})
    if unknown:
        print(f"error: no such figure: {', '.join(unknown)}", file=sys.stderr)
        return EXIT_USAGE
    if args.corpus is not None and not os.path.exists(args.corpus):
        print(f"error: no such file or folder: {shown(args.corpus)}", file=sys.stderr)
        return EXIT_USAGE
    quick = args.quick
    bench = Bench(
        source=Path(args.corpus) if args.corpus else None,
        seed=args.seed,
        articles=args.articles or (8 if quick else 300),
        reingest=args.reingest or (50 if quick else 10_000),
        cold=args.cold,
        quick=quick,
        repeat=args.repeat or (1 if quick else 3),
    )
    figures = []
    try:
        for figure in bench.run(args.only):
            figures.append(figure)
            print(json.dumps(figure.record()), flush=True)
    finally:
        bench.close()
    print()
    print(table(figures))
    return EXIT_OK


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="python -m geo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "ingest",
        help="read articles (files or folders) into the database",
        description="Exit status: 0 every input added or unchanged, 1 some input rejected "
        "(the rest stored), 2 usage error.",
    )
    p.add_argument("paths", nargs="+")
    p.add_argument(
        "--db",
        help="SQLite file or postgresql://USER@HOST/DBNAME "
        f"(default ${config.ENV_DB} or {config.DEFAULT_DB})",
    )
    p.add_argument(
        "--processes",
        type=_positive,
        default=1,
        help="process articles in this many forked workers (they share the loaded model)",
    )
    p.add_argument(
        "--engine",
        choices=["local", "dask"],
        default="local",
        help="parse here (local) or on Dask workers (dask)",
    )
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:8786",
        help="with --engine dask: the cluster to use (default: a local cluster)",
    )
    p.add_argument(
        "--workers",
        type=_positive,
        help="with --engine dask and no --scheduler: local worker processes (default: cores)",
    )
    p.add_argument(
        "--report",
        metavar="FILE",
        help="write one JSON line per input: path, line, outcome "
        "(added|unchanged|rejected|skipped), reason, events",
    )
    p.set_defaults(run=cmd_ingest)
    p = sub.add_parser("export", help="write the stored events as jsonl, csv or geojson")
    p.add_argument("--db", help="SQLite file or postgresql:// URL")
    p.add_argument("--format", choices=["jsonl", "csv", "geojson"], default="jsonl")
    p.add_argument("--output", help="file to write (default: standard output)")
    p.add_argument(
        "--corrected",
        action="store_true",
        help="apply the analysts' corrections (rejected events left out, fields marked)",
    )
    p.set_defaults(run=cmd_export)
    p = sub.add_parser(
        "corrections", help="write the analysts' corrections as JSON Lines, or load them"
    )
    p.add_argument("--db")
    p.add_argument("--output", help="file to write (default: standard output)")
    p.add_argument("--import", dest="import_file", metavar="FILE", help="load this file instead")
    p.set_defaults(run=cmd_corrections)
    p = sub.add_parser("import", help="load events written by `export --format jsonl`")
    p.add_argument("file")
    p.add_argument("--db", help="SQLite file or postgresql:// URL")
    p.set_defaults(run=cmd_import)
    p = sub.add_parser("geoparse", help="toponyms of each {id, text} line of a JSONL file")
    p.add_argument("--input")
    p.add_argument("--output")
    p.add_argument(
        "--explain",
        action="store_true",
        help="add each toponym's `why` (rules and features) and the mentions rejected",
    )
    p.add_argument("--text", help="explain the toponyms of this text on standard output")
    p.set_defaults(run=cmd_geoparse)
    p = sub.add_parser("geocode", help="ranked gazetteer candidates for a place name")
    p.add_argument("name")
    p.add_argument("--near", action="append", default=[], help="another place named nearby")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument(
        "--geocoder",
        choices=["offline", "nominatim"],
        help=f"default ${config.ENV_GEOCODER} or offline",
    )
    p.set_defaults(run=cmd_geocode)
    p = sub.add_parser(
        "bench",
        help="measure ingest: bare-NER and ingest words/s, stages, processes, start-up, re-ingest",
    )
    p.add_argument("--corpus", metavar="PATH", help="articles to use (default: generated)")
    p.add_argument("--seed", type=int, default=1, help="seed of the generated corpus")
    p.add_argument("--articles", type=_positive, help="articles in the corpus (default 300)")
    p.add_argument(
        "--reingest", type=_positive, help="articles for the re-ingest figure (default 10,000)"
    )
    p.add_argument(
        "--cold", action="store_true", help="also time a first run on a fresh copy (slow)"
    )
    p.add_argument(
        "--repeat", type=_positive, help="runs of bare NER and of ingest, the best counted (3)"
    )
    p.add_argument(
        "--quick", action="store_true", help="a tiny corpus: checks the command, not the speed"
    )
    p.add_argument("--only", action="append", metavar="NAME", help="measure only these figures")
    p.set_defaults(run=cmd_bench)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except GeoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
