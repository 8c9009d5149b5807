#!/usr/bin/env bash
# The benchmark of docs/performance.md: monolint beside dbtective, dbt-bouncer, dbt-score and
# the bare JSON parse, on a real monorepo and on monorepos scaled from its manifest.
#
#   scripts/bench/run.sh REPO PROJECT [SIZES...]
#
# REPO is a real dbt + Airflow monorepo and PROJECT its dbt project folder (relative to REPO),
# with `target/manifest.json` written by `dbt parse`. The figures in docs/performance.md use
# tnmy44/gitlab-analytics at eb2a578310e9f77e2b99ec51d61a718139d5f031 (a mirror of GitLab's data
# team monorepo), PROJECT transform/snowflake-dbt, parsed by dbt-core 1.11 with dbt-snowflake
# and dummy credentials (see docs/performance.md). SIZES are MODELS:DAG_FILES pairs for the
# scaled monorepos (default: 3000:100 12000:500 50000:2000); they are generated once under
# target/bench/. ROUNDS (default 5) sets the rounds of each interleaved run.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=${1:?usage: run.sh REPO PROJECT [SIZES...]}
project=${2:?usage: run.sh REPO PROJECT [SIZES...]}
shift 2
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(3000:100 12000:500 50000:2000)
rounds=${ROUNDS:-5}
# Absolute: the tools run from their own working folders.
target=$(realpath -m "${CARGO_TARGET_DIR:-target}")
bench=$target/bench

cargo build --release --locked --bin monolint --example parse-floor
venv=$bench/venv
if [ ! -x "$venv/bin/dbt-score" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'dbtective==0.3.5' 'dbt-bouncer==4.3.0' 'dbt-score==0.19.0'
fi
common=(--monolint "$target/release/monolint" --floor "$target/release/examples/parse-floor"
  --venv "$venv" --rounds "$rounds")

python3 scripts/bench/peers.py "${common[@]}" --work "$bench/peers-real" \
  --monorepo "$repo" --manifest "$repo/$project/target/manifest.json" \
  --label "real: $(basename "$repo") ($project)"

for size in "${sizes[@]}"; do
  models=${size%%:*}
  dags=${size##*:}
  out=$bench/scaled-$models-$dags
  if [ ! -f "$out/dbt/target/manifest.json" ]; then
    python3 scripts/bench/scale_manifest.py "$repo/$project" "$out" --models "$models" --dags "$dags"
  fi
  python3 scripts/bench/peers.py "${common[@]}" --work "$bench/peers-$models" --with-map-ls \
    --monorepo "$out" --manifest "$out/dbt/target/manifest.json"
done
