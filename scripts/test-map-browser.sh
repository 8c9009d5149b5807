#!/usr/bin/env bash
# Tests the HTML map in headless Chromium at two sizes: the example monorepo and a generated
# one of 3,000 models and 100 DAGs (scripts/generate-map-monorepo.py). For each page,
# scripts/test-map-browser.js checks that it loads offline without errors, opens collapsed,
# that its boxes are visible and do not overlap, that lines join visible boxes, and that
# opening boxes and searching work; it writes screenshots.
#
# Usage:
#   scripts/test-map-browser.sh [--docs] [MONOREPO ...]
#     MONOREPO  more monorepos to check (their pages are named after their folders)
#     --docs    also copy the screenshots shown in docs/map.md to docs/images/ (made smaller
#               with pngquant when it is installed)
#
# Needs Chromium (Debian package `chromium`, installed with apt-get when missing and the
# script runs as root), Node.js and npm (playwright-core is installed under target/), Python 3.
# Writes everything else to target/map-browser/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/target/map-browser"
docs=false
extra=()
for arg in "$@"; do
  case "$arg" in
    --docs) docs=true ;;
    *) extra+=("$(cd "$arg" && pwd)") ;;
  esac
done
mkdir -p "$OUT/screenshots"

if ! command -v chromium >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium with apt-get ..." >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: install the Debian package 'chromium' and rerun" >&2
    exit 1
  fi
fi
if [[ ! -d "$OUT/node/node_modules/playwright-core" ]]; then
  echo "installing playwright-core under $OUT/node ..." >&2
  mkdir -p "$OUT/node"
  npm install --silent --no-audit --no-fund --prefix "$OUT/node" playwright-core >/dev/null
fi

cargo build --quiet --manifest-path "$ROOT/Cargo.toml"
monolint="$ROOT/target/debug/monolint"

scaled="$OUT/scaled-monorepo"
if [[ ! -f "$scaled/dbt/target/manifest.json" ]]; then
  python3 "$ROOT/scripts/generate-map-monorepo.py" "$scaled" --models 3000 --dags 100
fi

pages=()
render() {
  local name="$1" monorepo="$2"
  "$monolint" map "$monorepo" --format html --output-file "$OUT/$name.html"
  pages+=("$name=$OUT/$name.html")
}
render example "$ROOT/examples/acme-analytics"
render scaled "$scaled"
for monorepo in "${extra[@]}"; do
  render "$(basename "$monorepo")" "$monorepo"
done

NODE_PATH="$OUT/node/node_modules" CHROMIUM="$(command -v chromium)" \
  node "$ROOT/scripts/test-map-browser.js" "$OUT/screenshots" "${pages[@]}"

if $docs; then
  mkdir -p "$ROOT/docs/images"
  for shot in example-collapsed example-opened scaled-collapsed scaled-opened scaled-search; do
    target="$ROOT/docs/images/map-$shot.png"
    # 256 colours are plenty for boxes and text, and a fifth of the bytes (Debian `pngquant`).
    if command -v pngquant >/dev/null 2>&1; then
      pngquant --force --strip --quality 70-95 --output "$target" "$OUT/screenshots/$shot.png"
    else
      cp "$OUT/screenshots/$shot.png" "$target"
    fi
  done
  echo "copied the screenshots to docs/images/" >&2
fi
echo "screenshots in $OUT/screenshots" >&2
