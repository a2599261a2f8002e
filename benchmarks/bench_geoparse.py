"""Run the geoparser over a JSONL file of {"id", "text"} lines and score it.

    python benchmarks/bench_geoparse.py ../shared/eval/geoparse_dev_gwn.jsonl [--scorer PATH]
    python benchmarks/bench_geoparse.py GOLD.jsonl --ablate all        # every rule and feature
    python benchmarks/bench_geoparse.py GOLD.jsonl --ablate RULE[,RULE...]

Prints words per second (model load excluded) and the scorer's precision, recall, F1,
resolved, accuracy@161 km and median error, for all documents and for the even and odd ones
(tune on one half, check on the other). With --ablate, the same with each named recognition
rule or resolution feature switched off, and the difference it makes (a rule whose removal
costs nothing on either corpus is a candidate for deletion).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.__main__ import toponym_record  # noqa: E402
from geo.pipeline import load_geoparser  # noqa: E402
from geo.toponyms import RULES, SWITCHES, Geoparser  # noqa: E402

DEFAULT_SCORER = ROOT.parent / "shared" / "eval" / "score.py"
FIGURES = ("gold", "predicted", "matched", "precision", "recall", "f1", "resolved", "acc161")
HALVES = (("all", lambda i: True), ("even", lambda i: i % 2 == 0), ("odd", lambda i: i % 2 == 1))


def load_scorer(path: str):
    """The scorer module (standard library only), imported from its file."""
    spec = importlib.util.spec_from_file_location("score", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def predictions(geoparser, records: list[dict], docs: list) -> list[dict]:
    """The geoparse output lines for parsed docs."""
    return [
        {
            "id": r.get("id"),
            "toponyms": [toponym_record(t) for t in geoparser.toponyms(d) if t.place],
        }
        for r, d in zip(records, docs, strict=True)
    ]


def scores(scorer, records: list[dict], preds: list[dict]) -> dict[str, dict]:
    """The scorer's figures for all documents and for each half."""
    return {
        half: scorer.score_geoparse(
            [r for i, r in enumerate(records) if pick(i)],
            [p for i, p in enumerate(preds) if pick(i)],
        )
        for half, pick in HALVES
    }


def ablate(names: list[str], geoparser, scorer, records, docs, base: dict[str, dict]) -> None:
    """F1 and resolved with each rule or feature off, and the change from the full geoparser."""
    print(f"{'off':36} " + "  ".join(f"{h:>5} F1 (d)       res (d)   " for h, _ in HALVES))
    for name in names:
        off = Geoparser(geoparser.nlp, geoparser.gazetteer, disabled=[name])
        result = scores(scorer, records, predictions(off, records, docs))
        cells = []
        for half, _ in HALVES:
            r, b = result[half], base[half]
            cells.append(
                f"{r['f1']:.4f} ({r['f1'] - b['f1']:+.4f}) {r['resolved']:.4f} "
                f"({r['resolved'] - b['resolved']:+.4f})"
            )
        print(f"{name:36} " + "  ".join(cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input")
    parser.add_argument("--scorer", default=str(DEFAULT_SCORER))
    parser.add_argument("--output", help="where to keep the predictions")
    parser.add_argument("--ablate", help="'all', or rule and feature names, comma-separated")
    args = parser.parse_args()
    started = time.perf_counter()
    geoparser = load_geoparser()
    loaded = time.perf_counter() - started
    with open(args.input, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    words = sum(len((r.get("text") or "").split()) for r in records)
    started = time.perf_counter()
    docs = list(geoparser.nlp.pipe((r.get("text") or "" for r in records), batch_size=32))
    preds = predictions(geoparser, records, docs)
    elapsed = time.perf_counter() - started
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(p) + "\n" for p in preds)
    print(
        f"documents {len(records)}  words {words}  load {loaded:.1f} s  "
        f"parse {elapsed:.1f} s  {words / elapsed:,.0f} words/s"
    )
    scorer = load_scorer(args.scorer)
    base = scores(scorer, records, preds)
    for half, _ in HALVES:
        print(f"{half:5} " + "  ".join(f"{k} {base[half][k]}" for k in FIGURES))
    if args.ablate:
        features = [k for k in geoparser.weights.weights if k != "prior"]
        names = [*RULES, *SWITCHES, *features] if args.ablate == "all" else args.ablate.split(",")
        ablate(names, geoparser, scorer, records, docs, base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
