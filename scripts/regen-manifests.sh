#!/usr/bin/env bash
# Regenerate target/manifest.json for every dbt project in the repository with a
# pinned dbt-core + dbt-duckdb, so the manifests the tests and examples read are
# the ones real `dbt parse` writes.
#
# Usage:
#   scripts/regen-manifests.sh              # every dbt project under examples/ and tests/
#   scripts/regen-manifests.sh DIR [DIR...] # only these project directories
#
# - dbt lives in .venv-dbt/ at the repository root (created on first use, gitignored).
#   Bump the versions below, and the constraints, to move to a newer dbt.
# - A project's own profiles.yml is used when it has one; otherwise
#   tests/fixtures/dbt-profiles/profiles.yml (profile `monolint_fixture`, duckdb in memory).
# - Only target/manifest.json is kept: every other file in target/, logs/ and any
#   .duckdb file the parse created are removed.
# - A project directory that contains a file named `.no-regen` is skipped (for
#   fixtures that are broken on purpose or carry a hand-written manifest).
#
# Environment: PYTHON (default python3, must be 3.11 or newer).
set -euo pipefail

DBT_CORE_VERSION="1.11.16"
DBT_DUCKDB_VERSION="1.11.1"

# The full dependency closure, as resolved for the two pins above on Python 3.11.
# Applied as pip constraints so a rerun installs exactly the same packages.
CONSTRAINTS="
agate==1.9.1
annotated-types==0.8.0
attrs==26.1.0
babel==2.18.0
certifi==2026.10.18
charset-normalizer==3.5.2
click==8.5.1
colorama==0.4.6
daff==1.4.2
dbt-adapters==1.24.5
dbt-common==1.39.0
dbt-core==${DBT_CORE_VERSION}
dbt-duckdb==${DBT_DUCKDB_VERSION}
dbt-extractor==0.6.0
dbt-protos==1.0.615
dbt-semantic-interfaces==0.9.0
deepdiff==8.6.2
duckdb==2.0.0
idna==3.20
importlib-metadata==8.9.0
isodate==0.7.2
jinja2==3.1.6
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
leather==0.4.1
markupsafe==3.0.4
mashumaro==3.14
more-itertools==10.8.0
msgpack==1.2.4
networkx==3.6.1
opentelemetry-api==1.45.2
orderly-set==5.5.0
packaging==26.3
parsedatetime==2.6
pathspec==0.12.1
protobuf==6.33.6
pydantic==2.14.3
pydantic-core==2.50.4
python-dateutil==2.9.0.post0
python-slugify==9.2.0
pytimeparse==1.1.10
pytz==2026.6
pyyaml==6.0.3
referencing==0.37.0
requests==2.34.2
rpds-py==2026.9.1
six==1.17.0
snowplow-tracker==1.1.0
sqlparse==0.6.1
text-unidecode==1.3
typing-extensions==4.16.0
typing-inspection==0.4.5
urllib3==2.8.0
zipp==4.1.2
"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-dbt"
DBT="$VENV/bin/dbt"
FIXTURE_PROFILES="$ROOT/tests/fixtures/dbt-profiles"
PYTHON="${PYTHON:-python3}"

export DBT_SEND_ANONYMOUS_USAGE_STATS=false
export DBT_NO_VERSION_CHECK=true

# shellcheck source=lib/dbt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/dbt.sh"

ensure_venv() {
  local stamp="$VENV/.pins"
  # The venv is reused while it was installed from exactly these pins.
  if [[ -x "$DBT" && -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$(printf '%s' "$CONSTRAINTS")" ]]; then
    return
  fi

  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$PYTHON is $("$PYTHON" --version 2>&1); dbt ${DBT_CORE_VERSION} with these pins needs Python 3.11 or newer (set PYTHON=...)"

  if [[ ! -x "$VENV/bin/python" ]]; then
    log "Creating $VENV"
    "$PYTHON" -m venv "$VENV" || die "could not create a venv (on Debian/Ubuntu: apt-get install python3-venv)"
  fi

  log "Installing dbt-core==${DBT_CORE_VERSION} dbt-duckdb==${DBT_DUCKDB_VERSION} into $VENV"
  printf '%s\n' "$CONSTRAINTS" > "$VENV/constraints.txt"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --constraint "$VENV/constraints.txt" \
    "dbt-core==${DBT_CORE_VERSION}" "dbt-duckdb==${DBT_DUCKDB_VERSION}"
  printf '%s' "$CONSTRAINTS" > "$stamp"
}

ensure_fixture_profiles() {
  [[ -f "$FIXTURE_PROFILES/profiles.yml" ]] && return
  mkdir -p "$FIXTURE_PROFILES"
  cat > "$FIXTURE_PROFILES/profiles.yml" <<'YAML'
# Shared profile for the small dbt projects under tests/fixtures/.
# A fixture project without its own profiles.yml declares `profile: monolint_fixture`.
monolint_fixture:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: ":memory:"
      threads: 1
YAML
}

# Every dbt project under examples/ and tests/, one directory per line, sorted.
discover_projects() {
  local d
  for d in examples tests; do
    [[ -d "$ROOT/$d" ]] || continue
    find "$ROOT/$d" \
      \( -name dbt_packages -o -name target -o -name '.venv*' -o -name node_modules -o -name .git \) -prune \
      -o -name dbt_project.yml -type f -print
  done | while IFS= read -r f; do dirname "$f"; done | LC_ALL=C sort -u
}

# Paths of the duckdb files under a directory (to delete only the ones dbt creates).
duckdb_files() {
  find "$1" \( -name target -o -name dbt_packages \) -prune -o -type f \
    \( -name '*.duckdb' -o -name '*.duckdb.wal' \) -print 2>/dev/null | LC_ALL=C sort
}


parse_project() {
  local dir="$1" profiles rel status=0
  rel="${dir#"$ROOT"/}"
  if [[ -f "$dir/.no-regen" ]]; then
    log "skip   $rel (.no-regen)"
    return 0
  fi
  if [[ -f "$dir/profiles.yml" ]]; then
    profiles="$dir"
  else
    profiles="$FIXTURE_PROFILES"
  fi

  local before
  before="$(duckdb_files "$dir")"

  log "parse  $rel (profiles: ${profiles#"$ROOT"/})"
  (
    cd "$dir"
    # A project that installs packages (e.g. `- local: ../utils_pkg`) needs them in
    # dbt_packages/ (gitignored) before it can parse: install them first.
    if has_packages "$dir"; then
      "$DBT" deps \
        --project-dir "$dir" \
        --profiles-dir "$profiles" \
        --log-path "$dir/logs"
    fi
    "$DBT" parse \
      --project-dir "$dir" \
      --profiles-dir "$profiles" \
      --target-path target \
      --log-path "$dir/logs" \
      --no-partial-parse
  ) || status=$?

  # Keep target/manifest.json only.
  if [[ -d "$dir/target" ]]; then
    find "$dir/target" -mindepth 1 -maxdepth 1 ! -name manifest.json -exec rm -rf {} +
  fi
  rm -rf "$dir/logs"
  LC_ALL=C comm -13 <(printf '%s\n' "$before") <(duckdb_files "$dir") | while IFS= read -r f; do
    if [[ -n "$f" ]]; then rm -f "$f"; fi
  done

  if ((status != 0)); then
    log "error: dbt parse failed for $rel"
    return "$status"
  fi
  [[ -f "$dir/target/manifest.json" ]] || die "dbt parse wrote no manifest for $rel"
  PARSED+=("$rel")
}

main() {
  local projects=()
  if (($#)); then
    for arg in "$@"; do
      [[ -f "$arg/dbt_project.yml" ]] || die "$arg: no dbt_project.yml there"
      projects+=("$(cd "$arg" && pwd)")
    done
  else
    while IFS= read -r dir; do
      projects+=("$dir")
    done < <(discover_projects)
  fi
  ((${#projects[@]} > 0)) || die "no dbt_project.yml found under examples/ or tests/"

  ensure_venv
  ensure_fixture_profiles

  PARSED=()
  local failed=0
  for dir in "${projects[@]}"; do
    parse_project "$dir" || failed=1
  done

  echo
  "$VENV/bin/python" - <<'PY'
from importlib.metadata import version
print(f"dbt-core {version('dbt-core')}, dbt-duckdb {version('dbt-duckdb')}, duckdb {version('duckdb')}")
PY
  echo
  echo "Parsed ${#PARSED[@]} project(s):"
  for p in ${PARSED[@]+"${PARSED[@]}"}; do
    echo "  $p/target/manifest.json"
  done
  ((failed == 0)) || die "some projects failed to parse (see above)"
}

main "$@"
