#!/usr/bin/env bash
# Renders `monolint map --format html` of a monorepo in headless Chromium and saves a
# screenshot, so a person can check that the page looks right.
#
# Usage:
#   scripts/screenshot-map.sh [MONOREPO] [OUT_DIR]
#     MONOREPO  default: examples/acme-analytics
#     OUT_DIR   default: target/map-screenshot (gets map.html and map.png)
#   The build goes to $CARGO_TARGET_DIR when it is set, as cargo's does (and the default
#   OUT_DIR with it).
#
# Needs Chromium (Debian package `chromium`); installs it with apt-get when it is missing and
# the script runs as root. The page is loaded from a file: it must not need the network.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MONOREPO="${1:-$ROOT/examples/acme-analytics}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="${2:-$TARGET_DIR/map-screenshot}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then
    browser="$candidate"
    break
  fi
done
if [[ -z "$browser" ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium with apt-get ..." >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    browser=chromium
  else
    echo "Chromium is missing: install the Debian package 'chromium' and rerun" >&2
    exit 1
  fi
fi

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
"$TARGET_DIR/release/monolint" map "$MONOREPO" --format html --output-file "$OUT/map.html"

# No network: a page that tried to load anything remote would show it broken here.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --proxy-server="127.0.0.1:9" --proxy-bypass-list="<-loopback>" \
  --window-size=1440,1800 --screenshot="$OUT/map.png" "file://$OUT/map.html" 2>/dev/null

test -s "$OUT/map.png"
echo "wrote $OUT/map.html and $OUT/map.png"
