"""Give the curated features their GeoNames ids, from GeoNames' file of the features that lie
in no single country (oceans, seas, gulfs, straits, regions, ranges across borders).

    python scripts/geonames_ids.py NO_COUNTRY_TXT [--write]

NO_COUNTRY_TXT is GeoNames' `no-country.txt` (inside `no-country.zip` at
https://download.geonames.org/export/dump/, CC BY 4.0). Run by a maintainer when the curated
list or GeoNames changes, never at run time: the ids are written into the `geonameid` column of
geo/data/features.tsv (with --write; without it, only the report is printed).

A curated feature takes a GeoNames id when one GeoNames feature of a compatible kind has its
name (or its English name is one of the curated feature's names, or the other way round) and
lies near the curated point. The curated point stays: it was chosen to draw the feature (a
point in open water, the middle of a range); the id says which GeoNames feature it is, so that
a reader (or a scorer) can tell that "the Indian Ocean" here is GeoNames' 1545739.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.gazetteer import haversine_km, normalize  # noqa: E402

FEATURES = ROOT / "geo" / "data" / "features.tsv"

# Which GeoNames feature codes each curated kind may be.
CODES = {
    "ocean": {"OCN"},
    "sea": {"SEA", "GULF", "BAY"},
    "gulf": {"GULF", "BAY", "SEA"},
    "bay": {"BAY", "GULF", "COVE"},
    "strait": {"STRT", "CHN", "CHNM", "SD", "NRWS"},
    "region": {"RGN", "RGNE", "RGNH"},
    "mountains": {"MTS", "HLLS", "RDGE"},
    "peninsula": {"PEN"},
    "desert": {"DSRT"},
    "island": {"ISL", "ISLS"},
    "lake": {"LK", "LKS"},
    "river": {"STM"},
}
# How far a GeoNames point may lie from the curated one (oceans and regions are large, their
# representative points arbitrary).
NEAR_KM = {"ocean": 5000, "region": 2000, "sea": 1500, "desert": 1500, "mountains": 1500}
DEFAULT_NEAR_KM = 800


# GeoNames names world regions "Northern Africa", "Eastern Asia", "South Eastern Asia" (the UN's
# names); news says "North Africa", "East Asia", "Southeast Asia".
DIRECTIONS = (
    (re.compile(r"\bsouth[- ]?eastern\b"), "southeast"),
    (re.compile(r"\bnorth[- ]?eastern\b"), "northeast"),
    (re.compile(r"\bsouth[- ]?western\b"), "southwest"),
    (re.compile(r"\bnorth[- ]?western\b"), "northwest"),
    (re.compile(r"\b(north|south|east|west)ern\b"), r"\1"),
)


def variant(name: str) -> str:
    """A normalised name with its direction words in the short form ("eastern asia" ->
    "east asia")."""
    for pattern, short in DIRECTIONS:
        name = pattern.sub(short, name)
    return name


def geonames(path: Path) -> dict[str, list[dict]]:
    """GeoNames features by each normalised name they are known by (name, ASCII name and the
    alternates written in Latin letters)."""
    by_name: dict[str, list[dict]] = defaultdict(list)
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 15:
                continue
            entry = {
                "id": int(cols[0]),
                "name": cols[1],
                "lat": float(cols[4]),
                "lon": float(cols[5]),
                "code": cols[7],
            }
            names = {cols[1], cols[2], *(a for a in cols[3].split(",") if a.isascii())}
            entry["primary"] = {variant(normalize(cols[1])), variant(normalize(cols[2]))}
            for name in {variant(normalize(n)) for n in names if n}:
                by_name[name].append(entry)
    return by_name


def match(row: dict, by_name: dict[str, list[dict]]) -> tuple[dict | None, str]:
    """The GeoNames feature a curated row is, and why (or why none)."""
    kind = row["feature"]
    names = [row["name"], *(a for a in row["alternates"].split("|") if a)]
    wanted = [variant(normalize(n)) for n in names]
    near = NEAR_KM.get(kind, DEFAULT_NEAR_KM)
    lat, lon = float(row["lat"]), float(row["lon"])
    found: dict[int, tuple[int, float, dict]] = {}
    for rank, name in enumerate(wanted):
        for entry in by_name.get(name, ()):
            if entry["code"] not in CODES.get(kind, ()):
                continue
            km = haversine_km(lat, lon, entry["lat"], entry["lon"])
            if km > near:
                continue
            # The curated name as GeoNames' own name first, then by the other names.
            order = 0 if rank == 0 and name in entry["primary"] else 1 + rank
            if entry["id"] not in found or (order, km) < found[entry["id"]][:2]:
                found[entry["id"]] = (order, km, entry)
    if not found:
        return None, "no GeoNames feature of that kind and name nearby"
    # GeoNames holds some seas twice (the feature and a later "marine area" of the same name):
    # the older id, the one gazetteers and annotated corpora have long used, is taken.
    ranked = sorted(found.values(), key=lambda t: (t[0], t[2]["id"]))
    best = ranked[0]
    also = [t[2]["id"] for t in ranked[1:] if t[0] == best[0]]
    note = f"; also {', '.join(map(str, also))}" if also else ""
    return best[2], f"{best[2]['name']} ({best[2]['code']}, {best[1]:.0f} km{note})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("no_country", type=Path)
    parser.add_argument("--write", action="store_true", help="write the ids into features.tsv")
    args = parser.parse_args()
    by_name = geonames(args.no_country)
    lines = FEATURES.read_text(encoding="utf-8").splitlines(keepends=True)
    out, header, matched = [], None, 0
    for line in lines:
        if line.startswith("#") or not line.strip():
            out.append(line)
            continue
        cells = next(csv.reader([line.rstrip("\n")], delimiter="\t"))
        if header is None:
            header = cells
            out.append(line)
            continue
        row = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
        if not row["geonameid"].strip():
            entry, why = match(row, by_name)
            if entry is not None:
                row["geonameid"] = str(entry["id"])
                matched += 1
            print(f"{row['name']:<32} {row['feature']:<10} {why}")
        out.append("\t".join(row[h] for h in header) + "\n")
    print(f"{matched} curated features given a GeoNames id", file=sys.stderr)
    if args.write:
        FEATURES.write_text("".join(out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
