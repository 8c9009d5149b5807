#!/usr/bin/env bash
# Times the README's two commands from a clean clone (no target folder), as a new user runs
# them, and the size of the build folder after each.
#
# usage: scripts/bench/cold-build.sh [COMMIT]     (default: HEAD)
#
# Prints wall and CPU (user + system) seconds: on a shared machine, CPU time is the steadier
# figure. The crates are taken from ~/.cargo (a first download is not timed).
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
commit=${1:-HEAD}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone --quiet "$here" "$work/monolint"
cd "$work/monolint"
git checkout --quiet "$commit"
cargo fetch --quiet --locked
unset CARGO_TARGET_DIR

measure() {
    local label=$1
    shift
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o "$work/cpu" "$@" >"$work/out" 2>&1 || true
    end=$(date +%s.%N)
    read -r user sys < <(tail -n 1 "$work/cpu")
    awk -v label="$label" -v wall="$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')" \
        -v cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
        -v size="$(du -sh target 2>/dev/null | cut -f1)" \
        'BEGIN { printf "%-45s wall %6.1f s   cpu %6.1f s   target %s\n", label, wall, cpu, size }'
}

measure "cargo run -- check examples/acme-analytics" cargo run -- check examples/acme-analytics
measure "cargo test (after the first)" cargo test
grep -E '^test result' "$work/out" || tail -5 "$work/out"
rm -rf target
measure "cargo test (alone)" cargo test
