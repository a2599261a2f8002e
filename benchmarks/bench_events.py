"""Ingest a folder of articles, export the events and score them against a gold file, per half.

    python benchmarks/bench_events.py ../shared/eval/events_dev/articles \
        ../shared/eval/events_dev/gold.jsonl [--scorer PATH] [--output PRED.jsonl]
    python benchmarks/bench_events.py seeds ../shared/eval/seeds_events.gold.jsonl

Halves are the articles whose file name starts with an even or an odd number (tune on one,
check on the other). Prints one JSON line per half (all, even, odd) with the scorer's strict
precision / recall / F1, type / year / month accuracy and events on articles that report none,
then the events marked for review (a place far from every participant) and the error list of
the whole set. Nothing is copied from the gold file into the project.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.export import in_reading_order, to_jsonl  # noqa: E402
from geo.pipeline import ingest  # noqa: E402
from geo.store import Store  # noqa: E402

DEFAULT_SCORER = ROOT.parent / "shared" / "eval" / "score.py"
FIGURES = (
    "gold_events",
    "predicted_events",
    "matched",
    "precision",
    "recall",
    "f1",
    "type_accuracy",
    "year_accuracy",
    "month_accuracy",
    "events_on_articles_without_events",
)


def _half(name: str) -> str | None:
    match = re.match(r"\D*(\d+)", name)
    return None if match is None else ("even", "odd")[int(match.group(1)) % 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("articles")
    parser.add_argument("gold")
    parser.add_argument("--scorer", default=str(DEFAULT_SCORER))
    parser.add_argument("--output", help="where to keep the predicted events (JSON Lines)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-events-"))
    with Store(work / "events.db") as store:
        report = ingest([args.articles], store=store)
        events = in_reading_order(store.events())
    predicted = args.output or str(work / "pred.jsonl")
    Path(predicted).write_text(to_jsonl(events), encoding="utf-8")
    gold = [json.loads(line) for line in Path(args.gold).read_text().splitlines() if line.strip()]
    lines = Path(predicted).read_text(encoding="utf-8").splitlines(keepends=True)
    details = ""
    for half in ("all", "even", "odd"):
        wanted = [g for g in gold if half == "all" or _half(g["file"]) == half]
        files = {g["file"] for g in wanted}
        gold_file, pred_file = work / f"{half}.gold.jsonl", work / f"{half}.pred.jsonl"
        gold_file.write_text("".join(json.dumps(g) + "\n" for g in wanted))
        pred_file.write_text(
            "".join(x for x in lines if json.loads(x)["sources"][0]["article"] in files)
        )
        scored = subprocess.run(
            [sys.executable, args.scorer, "events", str(gold_file), str(pred_file), "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(scored.stdout)
        print(json.dumps({"half": half, **{k: result.get(k) for k in FIGURES}}))
        if half == "all":
            details = subprocess.run(
                [sys.executable, args.scorer, "events", str(gold_file), str(pred_file)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
    review = [e for e in events if e.review]
    print(json.dumps({"articles": len(report.added), "events": len(events), "review": len(review)}))
    for e in review:
        print(f"  review: {e.sources[0].article}: {e.type} {e.year} — {e.review}")
    print(details[details.find("missed:") :] if "missed:" in details else "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
