"""Run the geoparser over a JSONL file of {"id", "text"} lines and score it.

    python benchmarks/bench_geoparse.py ../shared/eval/geoparse_dev_gwn.jsonl [--scorer PATH]

Prints words per second (model load excluded) and the scorer's precision, recall, F1,
resolved, accuracy@161 km and median error.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.__main__ import write_geoparse  # noqa: E402
from geo.pipeline import load_geoparser  # noqa: E402

DEFAULT_SCORER = ROOT.parent / "shared" / "eval" / "score.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input")
    parser.add_argument("--scorer", default=str(DEFAULT_SCORER))
    parser.add_argument("--output", help="where to keep the predictions")
    args = parser.parse_args()
    started = time.perf_counter()
    geoparser = load_geoparser()
    loaded = time.perf_counter() - started
    with open(args.input, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    words = sum(len((r.get("text") or "").split()) for r in records)
    output = args.output or tempfile.mkstemp(suffix=".jsonl")[1]
    started = time.perf_counter()
    with open(output, "w", encoding="utf-8") as out:
        write_geoparse(geoparser, records, out)
    elapsed = time.perf_counter() - started
    print(
        f"documents {len(records)}  words {words}  load {loaded:.1f} s  "
        f"parse {elapsed:.1f} s  {words / elapsed:,.0f} words/s"
    )
    scored = subprocess.run(
        [sys.executable, args.scorer, "geoparse", args.input, output, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(scored.stdout)
    print(
        "  ".join(
            f"{k} {result[k]}"
            for k in (
                "gold",
                "predicted",
                "matched",
                "precision",
                "recall",
                "f1",
                "resolved",
                "acc161",
                "median_km",
            )
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
