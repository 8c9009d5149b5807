#!/usr/bin/env bash
# Record what astronomer-cosmos' own selector selects on the fixture manifests, as an oracle
# for monolint's re-implementation of it (src/dbt/select/cosmos/). Cosmos renders a
# DbtDag/DbtTaskGroup from a manifest (LoadMode.DBT_MANIFEST, CUSTOM, or AUTOMATIC with a
# manifest) with this selector, not dbt's, so it decides which Airflow tasks exist.
#
# Usage:
#   scripts/record-cosmos-select.sh                  # every project listed in PROJECTS below
#   scripts/record-cosmos-select.sh shop [jaffle]    # only these
#
# Inputs, per project NAME:
#   tests/oracle/cosmos-select/NAME.cases   one case per line, a JSON object with "select" and
#                                           "exclude" (lists of strings, as RenderConfig takes
#                                           them) or "selector" (a YAML selector name); blank
#                                           lines and `#` comments are ignored
#   the project's committed manifest (see PROJECTS; written by real dbt via
#   scripts/regen-manifests.sh, never by this script)
# Output:
#   tests/oracle/cosmos-select/NAME.json    per case: the unique_ids Cosmos selected and
#                                           rendered, or the exception it raised (see
#                                           scripts/cosmos_select_record.py for the fields)
#
# Cosmos comes from .venv-airflow2/ (Airflow 2.11 + astronomer-cosmos 1.15.1 on Python 3.11),
# the venv scripts/record-dagbag.sh builds from its exact pins. That script owns the pins: this
# one loads its functions (all of it but the final `main "$@"`) and calls its `ensure_venv 2`,
# which reuses the venv when it was installed from those pins and (re)builds it otherwise
# (5 to 12 minutes).
#
# Each project is recorded in a fresh process with a temporary AIRFLOW_HOME, the caller's
# AIRFLOW*, DBT_* and PYTHON* settings cleared, Cosmos' caches off and PYTHONHASHSEED=0 (Cosmos
# iterates Python sets in places), so the output is deterministic: rerunning on unchanged
# inputs rewrites identical bytes. Recording all projects takes about 20 s.
#
# Environment: PYTHON (default python3; 3.11), used only when the venv has to be built.
set -euo pipefail

# name | manifest (relative to the repository) | the project's path on the Airflow worker.
# The worker paths follow the Astronomer layout the fixture DAGs use; Cosmos joins them to
# every node's file path, so bare names such as `dbt` or `airflow` match those folders.
PROJECTS=(
  "shop|tests/fixtures/dbt/shop/target/manifest.json|/usr/local/airflow/dbt/shop"
  "jaffle|tests/fixtures/dbt/jaffle/target/manifest.json|/usr/local/airflow/dbt/jaffle"
  "warehouse|tests/fixtures/airflow/dbt/target/manifest.json|/usr/local/airflow/dbt"
)

SELF_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DAGBAG_SCRIPT="$SELF_ROOT/scripts/record-dagbag.sh"

# The venv, its pins and how it is built are record-dagbag.sh's: load its definitions (it sets
# ROOT, ORACLE, HELPER, ... for itself) without running it, then set this script's own below.
[[ "$(tail -n 1 "$DAGBAG_SCRIPT")" == 'main "$@"' ]] || {
  echo 'error: scripts/record-dagbag.sh no longer ends with `main "$@"`; update this script' >&2
  exit 1
}
# shellcheck source=/dev/null
source <(sed '$d' "$DAGBAG_SCRIPT")
declare -F ensure_venv > /dev/null || { echo "error: scripts/record-dagbag.sh has no ensure_venv" >&2; exit 1; }

ROOT="$SELF_ROOT"
ORACLE="$ROOT/tests/oracle/cosmos-select"
HELPER="$ROOT/scripts/cosmos_select_record.py"

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

record_project() {
  local name="$1" manifest="$2" project_dir="$3" venv="$4" home="$5" var
  [[ -f "$ORACLE/$name.cases" ]] || die "tests/oracle/cosmos-select/$name.cases is missing"
  [[ -f "$ROOT/$manifest" ]] || die "$manifest is missing: run scripts/regen-manifests.sh"
  mkdir -p "$home"
  (
    while IFS= read -r var; do
      unset "$var"
    done < <(compgen -e | grep -E '^(AIRFLOW|DBT_|PYTHON)' || true)
    export PATH="$venv/bin:/usr/local/bin:/usr/bin:/bin"
    export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 TZ=UTC LC_ALL=C.UTF-8
    export AIRFLOW_HOME="$home"
    export AIRFLOW__CORE__LOAD_EXAMPLES=False
    export AIRFLOW__LOGGING__BASE_LOG_FOLDER="$home/logs"
    export AIRFLOW__COSMOS__ENABLE_CACHE=False
    export AIRFLOW__COSMOS__CACHE_DIR="$home/cosmos"
    export AIRFLOW__COSMOS__ENABLE_TELEMETRY=False
    export DO_NOT_TRACK=1 SCARF_ANALYTICS=false
    cd "$ROOT"
    "$venv/bin/python" "$HELPER" \
      --root "$ROOT" \
      --project "$name" \
      --manifest "$manifest" \
      --project-dir "$project_dir" \
      --cases "$ORACLE/$name.cases" \
      --out "$ORACLE/$name.json" \
      2> "$home/stderr.log"
  ) || {
    log "error: recording $name failed; the last lines Cosmos logged:"
    tail -n 40 "$home/stderr.log" >&2
    return 1
  }
  grep -v -e 'Warning' -e '^ *warnings.warn' "$home/stderr.log" | tail -n 1 >&2 || true
}

main() {
  local selected=("$@") entry name manifest project_dir venv found start=$SECONDS
  if ((${#selected[@]} == 0)); then
    for entry in "${PROJECTS[@]}"; do
      selected+=("${entry%%|*}")
    done
  fi
  venv="$(ensure_venv 2)"

  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  for name in "${selected[@]}"; do
    found=""
    for entry in "${PROJECTS[@]}"; do
      [[ "${entry%%|*}" == "$name" ]] && found="$entry"
    done
    [[ -n "$found" ]] || die "unknown project $name (known: ${PROJECTS[*]%%|*})"
    IFS='|' read -r _ manifest project_dir <<< "$found"
    record_project "$name" "$manifest" "$project_dir" "$venv" "$WORK/$name"
  done
  log "Recorded ${#selected[@]} project(s) in $((SECONDS - start))s"
}

main "$@"
