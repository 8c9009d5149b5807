#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600), PARALLEL at a time (default 1), each as one
# libFuzzer job from its seeds and the corpus earlier runs collected, and prints the table
# `docs/fuzzing.md` shows under "Last runs".
#
# Usage: fuzz/run-all.sh [SECONDS [PARALLEL]]
# Needs a nightly toolchain and cargo-fuzz (see docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
parallel="${2:-1}"
targets=(manifest dag dbt_command_line selector selectors_yml properties_yml config)
cargo +nightly fuzz build >/dev/null

run() {
    local target="$1"
    mkdir -p "corpus/$target"
    if cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=30 \
        -print_final_stats=1 >"$target.log" 2>&1; then
        echo 0 >"$target.failures"
    else
        echo 1 >"$target.failures"
    fi
}

for ((i = 0; i < ${#targets[@]}; i += parallel)); do
    for target in "${targets[@]:i:parallel}"; do
        run "$target" &
    done
    wait
done

echo "| Target | Time | Executions | Coverage (edges) | Corpus | Failures |"
echo "| --- | --- | --- | --- | --- | --- |"
for target in "${targets[@]}"; do
    log="$target.log"
    failures=$(cat "$target.failures")
    rm -f "$target.failures"
    # libFuzzer's last status line: `#<runs> DONE cov: <edges> ft: <features> corp: <n>/<size>`.
    status=$(grep -E '^#[0-9]+\s+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1)
    runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$status")
    corp=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$status")
    echo "| \`$target\` | ${seconds} s | ${runs:-?} | ${cov:-?} | ${corp:-?} | $failures |"
done
