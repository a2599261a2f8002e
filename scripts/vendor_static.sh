#!/usr/bin/env bash
# Re-create static/vendor/ and static/data/ from exact npm package versions.
#
# The map runs offline: every script, stylesheet, font and image that folium and
# its MarkerCluster plugin would fetch from a CDN is served by Streamlit from
# ./static instead, and the default base layer is a local Natural Earth GeoJSON.
# The outputs are committed, so running the app never needs npm; this script only
# documents (and repeats) how they were obtained.  Needs: npm, node, python3, tar.
#
#   scripts/vendor_static.sh          # rewrite static/vendor and static/data
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/static/vendor"
DATA="$ROOT/static/data"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# name@version -> directory under static/vendor (must match geo/mapview.py)
PACKAGES=(
  "leaflet@1.9.4"
  "jquery@3.7.1"
  "bootstrap@5.2.2"
  "leaflet.awesome-markers@2.0.5"
  "@fortawesome/fontawesome-free@6.2.0"
  "bootstrap@3.4.1"
  "leaflet.markercluster@1.5.3"
  "world-atlas@2.0.2"
  "topojson-client@3.1.0"   # build-time only: TopoJSON -> GeoJSON
)

unpack() {  # unpack <spec> -> echoes the unpacked directory
  local spec="$1" dir="$WORK/$(echo "$1" | tr '/@' '__')"
  mkdir -p "$dir"
  # npm pack checks the tarball against the registry's integrity hash.
  local tgz
  tgz="$(cd "$dir" && npm pack "$spec" --silent --pack-destination "$dir" 2>/dev/null | tail -n 1)"
  tar -xzf "$dir/$tgz" -C "$dir"
  echo "$dir/package"
}

rm -rf "$VENDOR" "$DATA"
mkdir -p "$VENDOR" "$DATA"

declare -A SRC
for spec in "${PACKAGES[@]}"; do
  SRC["$spec"]="$(unpack "$spec")"
done

copy() {  # copy <spec> <dest-dir-under-vendor> <file>...  (paths relative to the package)
  local spec="$1" dest="$VENDOR/$2"; shift 2
  mkdir -p "$dest"
  for f in "$@"; do
    mkdir -p "$dest/$(dirname "$f")"
    cp -R "${SRC[$spec]}/$f" "$dest/$f"
  done
}

copy "leaflet@1.9.4" leaflet-1.9.4 LICENSE dist/leaflet.js dist/leaflet.css dist/images
copy "jquery@3.7.1" jquery-3.7.1 LICENSE.txt dist/jquery.min.js
copy "bootstrap@5.2.2" bootstrap-5.2.2 LICENSE dist/js/bootstrap.bundle.min.js dist/css/bootstrap.min.css
copy "leaflet.awesome-markers@2.0.5" leaflet.awesome-markers-2.0.5 LICENSE \
  dist/leaflet.awesome-markers.js dist/leaflet.awesome-markers.css \
  dist/images/markers-soft.png dist/images/markers-soft@2x.png \
  dist/images/markers-shadow.png dist/images/markers-shadow@2x.png  # the sprites its CSS uses
copy "@fortawesome/fontawesome-free@6.2.0" fontawesome-free-6.2.0 LICENSE.txt css/all.min.css webfonts
copy "leaflet.markercluster@1.5.3" leaflet.markercluster-1.5.3 MIT-LICENCE.txt \
  dist/leaflet.markercluster.js dist/MarkerCluster.css dist/MarkerCluster.Default.css
copy "bootstrap@3.4.1" bootstrap-3.4.1 LICENSE \
  fonts/glyphicons-halflings-regular.woff2 fonts/glyphicons-halflings-regular.woff \
  fonts/glyphicons-halflings-regular.ttf

# Bootstrap 3: only the glyphicon font-face and rules (what folium's awesome markers use).
mkdir -p "$VENDOR/bootstrap-3.4.1/css"
python3 - "${SRC["bootstrap@3.4.1"]}/dist/css/bootstrap.css" "$VENDOR/bootstrap-3.4.1/css/glyphicons.css" <<'PY'
import re, sys
css = open(sys.argv[1], encoding="utf-8").read()
css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
out = ["/* Glyphicons Halflings rules extracted from bootstrap@3.4.1 dist/css/bootstrap.css (MIT). */"]
for selector, body in rules:
    selector = selector.strip()
    if selector == "@font-face" and "Glyphicons Halflings" in body:
        body = ("font-family: 'Glyphicons Halflings';"
                " src: url('../fonts/glyphicons-halflings-regular.woff2') format('woff2'),"
                " url('../fonts/glyphicons-halflings-regular.woff') format('woff'),"
                " url('../fonts/glyphicons-halflings-regular.ttf') format('truetype');")
        out.append(f"@font-face {{ {body} }}")
    elif "glyphicon" in selector and not selector.startswith("@"):
        out.append(f"{' '.join(selector.split())} {{ {' '.join(body.split())} }}")
assert len(out) > 200, "glyphicon rules not found"
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(out) + "\n")
PY

# folium's rotate stylesheet is not on npm (folium links it from GitHub); it is
# 360 generated rules, so generate the same rules here.
mkdir -p "$VENDOR/folium"
for d in $(seq 0 359); do
  echo ".fa-rotate-$d{-ms-transform:rotate(${d}deg);-webkit-transform:rotate(${d}deg);transform:rotate(${d}deg);}"
done > "$VENDOR/folium/leaflet.awesome.rotate.min.css"

# Offline base layer: Natural Earth 1:110m countries (public domain) via world-atlas.
cp "${SRC["world-atlas@2.0.2"]}/LICENSE" "$DATA/world-atlas.LICENSE"
node - "${SRC["topojson-client@3.1.0"]}/dist/topojson-client.js" \
  "${SRC["world-atlas@2.0.2"]}/countries-110m.json" "$DATA/countries-110m.geojson" <<'JS'
const fs = require("fs");
const [client, input, output] = process.argv.slice(2);
const topojson = require(client);
const topology = JSON.parse(fs.readFileSync(input, "utf8"));
const fc = topojson.feature(topology, topology.objects.countries);
const round = (x) => Math.round(x * 1000) / 1000;
// Natural Earth cuts rings at the antimeridian; joined again, a ring can hop from
// 180° to -180° and back, which a flat map draws as a band across the world.
// Unwrap such rings (an even number of hops) so their longitudes run on past 180°;
// a ring round a pole (Antarctica: one hop) is left as it is. Rings lying wholly
// west of 168°W (Chukotka, eastern Fiji) are drawn east of the antimeridian, so
// that Russia reads as one piece on an Asia-centred map.
const unwrap = (ring) => {
  const hops = ring.slice(1).filter(([x], i) => Math.abs(x - ring[i][0]) > 180).length;
  if (hops === 0 || hops % 2 === 1) return ring;
  let offset = 0;
  const out = ring.map(([x, y], i) => {
    if (i > 0 && Math.abs(x - ring[i - 1][0]) > 180) offset += ring[i - 1][0] > x ? 360 : -360;
    return [x + offset, y];
  });
  const mean = out.reduce((sum, [x]) => sum + x, 0) / out.length;
  return mean < 0 ? out.map(([x, y]) => [x + 360, y]) : out;
};
const shiftRing = (ring) => {
  const r = unwrap(ring);
  return r.every(([x]) => x < -168) ? r.map(([x, y]) => [x + 360, y]) : r;
};
const fix = (g) => {
  if (!g) return g;
  if (g.type === "Polygon") return {type: g.type, coordinates: g.coordinates.map((r) => shiftRing(r).map(([x, y]) => [round(x), round(y)]))};
  if (g.type === "MultiPolygon") return {type: g.type, coordinates: g.coordinates.map((p) => p.map((r) => shiftRing(r).map(([x, y]) => [round(x), round(y)])))};
  return g;
};
fc.features = fc.features.map((f) => ({type: "Feature", id: f.id, properties: {name: f.properties.name}, geometry: fix(f.geometry)}));
fs.writeFileSync(output, JSON.stringify(fc));
console.error(`${fc.features.length} countries -> ${output}`);
JS

# A manifest of what was vendored, for review and licence notices.
{
  echo "# Files in static/vendor and static/data, produced by scripts/vendor_static.sh."
  echo "# Sources (npm registry, exact versions): ${PACKAGES[*]}"
  (cd "$ROOT/static" && find vendor data -type f | LC_ALL=C sort | xargs sha256sum)
} > "$ROOT/static/MANIFEST.txt"

du -sh "$VENDOR" "$DATA"
