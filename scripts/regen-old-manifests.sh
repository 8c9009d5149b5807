#!/usr/bin/env bash
# Write manifests with older dbt-core lines, so the loader is tested on the layouts real users
# still have (schema v7 from dbt 1.3, v8 from 1.4, v9 from 1.5, v10 from 1.6, v11 from 1.7, v12
# from 1.8 on), not only on what the pinned dbt 1.11 of scripts/regen-manifests.sh writes.
#
# Usage:
#   scripts/regen-old-manifests.sh            # every line below
#   scripts/regen-old-manifests.sh 1.8 1.3    # only these lines
#
# Output: tests/fixtures/manifests/dbt-<line>/<project>/manifest.json for every project the
# line lists below (tests/fixtures/dbt/<project>). The projects' own target/ is never touched.
#
# - Each line has its own venv at the repository root, .venv-dbt-<line>/ (gitignored), created on
#   first use and reinstalled when its pins below change. scripts/record-dbt-ls.sh uses them too
#   (DBT_LINE=1.8).
# - dbt runs on a temporary copy of tests/fixtures/dbt/, so `dbt deps` (its dbt_packages/ and
#   package-lock.yml), logs and duckdb files never land in the repository. The copy's
#   package-lock.yml files are removed first: every line resolves the packages itself (dbt 1.8
#   cannot read the lock file dbt 1.11 writes).
# - Profiles: the project's own profiles.yml, else tests/fixtures/dbt-profiles/profiles.yml.
# - The manifest is what `dbt parse --no-partial-parse` wrote (dbt 1.3 and 1.4, whose command
#   line predates 1.5's: `dbt --no-partial-parse parse --write-manifest`), with dbt's own formatting
#   (Python's json.dumps, as dbt writes it), except, so that a rerun rewrites identical bytes
#   and the files stay small:
#     * metadata.generated_at, invocation_started_at, run_started_at, invocation_id and every
#       `created_at` are set to fixed values (they change with every run);
#     * absolute paths into the temporary copy (a seed's `root_path`, every node's before 1.5)
#       become `tests/fixtures/dbt/<project>`, and those into the venv (the `root_path` of
#       dbt's own docs before 1.5) `.venv-dbt-<line>` (they change with every run or machine);
#     * the entries of `nodes`, `sources`, `macros` and the other top-level collections are
#       sorted by unique_id (dbt's order can change from one run to the next);
#     * the macros of dbt itself and of the adapter (package `dbt`, `dbt_<adapter_type>`; about
#       85% of the file) are dropped. Nodes still name them in `depends_on.macros`; monolint
#       reads neither.
#
# Environment: PYTHON_3_10 (default python3.10) and PYTHON_3_11 (default python3.11), the
# Python each line's pins were resolved on: 3.11 from dbt 1.5 on (1.5 and 1.6 do not support
# 3.12), 3.10 for dbt 1.3 and 1.4 (which do not support 3.11).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FIXTURES="$ROOT/tests/fixtures/dbt"
FIXTURE_PROFILES="$ROOT/tests/fixtures/dbt-profiles"
OUT="$ROOT/tests/fixtures/manifests"

LINES=(1.3 1.4 1.5 1.6 1.7 1.8 1.9 1.10)

# Sets CORE, DUCKDB (dbt-duckdb of the same line, as dbt requires), PY (the Python version),
# PROJECTS and CONSTRAINTS (the full dependency closure as pip resolved it for the two pins on
# that Python, applied as constraints so a rerun installs exactly the same packages) for
# line $1.
#
# shop_legacy parses from dbt 1.5 on; shop_dbt13 is the part of it dbt 1.3 and 1.4 can parse.
# jaffle (semantic models, metrics, a saved query) needs dbt 1.10 for the `arguments:` of its
# generic tests, and shop as well; shop_legacy is shop written for older dbt.
line_pins() {
  PY=3.11
  case "$1" in
  1.3)
    CORE=1.3.8 DUCKDB=1.3.4 PY=3.10 PROJECTS=(shop_dbt13)
    CONSTRAINTS="
agate==1.6.3
attrs==26.1.0
babel==2.18.0
certifi==2026.10.18
cffi==1.17.1
charset-normalizer==3.5.2
click==8.1.3
colorama==0.4.5
dbt-core==1.3.8
dbt-duckdb==1.3.4
dbt-extractor==0.4.1
duckdb==1.5.6
future==1.0.0
hologram==0.0.15
idna==3.20
isodate==0.6.1
jinja2==3.1.2
jsonschema==3.2.0
leather==0.4.1
logbook==1.5.3
markupsafe==3.0.4
mashumaro==3.0.4
minimal-snowplow-tracker==0.0.2
msgpack==1.2.4
networkx==2.8.8
packaging==26.3
parsedatetime==2.4
pathspec==0.9.0
pycparser==3.11
pyrsistent==0.20.0
python-dateutil==2.8.2
python-slugify==9.2.0
pytimeparse==1.1.8
pytz==2026.6
pyyaml==6.0.3
requests==2.34.2
six==1.17.0
sqlparse==0.4.3
text-unidecode==1.3
typing-extensions==4.16.0
urllib3==2.8.0
werkzeug==2.3.8
"
    ;;
  1.4)
    CORE=1.4.10 DUCKDB=1.4.2 PY=3.10 PROJECTS=(shop_dbt13)
    CONSTRAINTS="
agate==1.7.0
attrs==26.1.0
babel==2.18.0
betterproto==1.2.5
certifi==2026.10.18
cffi==1.17.1
charset-normalizer==3.5.2
click==8.1.3
colorama==0.4.6
dbt-core==1.4.10
dbt-duckdb==1.4.2
dbt-extractor==0.4.1
duckdb==1.5.6
future==1.0.0
grpclib==0.4.9
h2==4.4.1
hologram==0.0.16
hpack==4.2.0
hyperframe==6.1.0
idna==3.20
isodate==0.6.1
jinja2==3.1.2
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
leather==0.4.1
logbook==1.5.3
markupsafe==3.0.4
mashumaro==3.3.1
minimal-snowplow-tracker==0.0.2
msgpack==1.2.4
multidict==7.1.0
networkx==2.8.8
packaging==26.3
parsedatetime==2.4
pathspec==0.10.3
pycparser==3.11
python-dateutil==2.8.2
python-slugify==9.2.0
pytimeparse==1.1.8
pytz==2026.6
pyyaml==6.0.3
referencing==0.37.0
requests==2.34.2
rpds-py==0.30.0
six==1.17.0
sqlparse==0.4.3
stringcase==1.2.0
text-unidecode==1.3
typing-extensions==4.16.0
urllib3==2.8.0
werkzeug==2.3.8
"
    ;;
  1.5)
    CORE=1.5.12 DUCKDB=1.5.2 PROJECTS=(shop_legacy)
    CONSTRAINTS="
agate==1.7.0
attrs==26.1.0
babel==2.18.0
certifi==2026.10.18
cffi==1.17.1
charset-normalizer==3.5.2
click==8.5.1
colorama==0.4.6
dbt-core==1.5.12
dbt-duckdb==1.5.2
dbt-extractor==0.4.1
duckdb==2.0.0
future==1.0.0
hologram==0.0.16
idna==3.20
isodate==0.6.1
jinja2==3.1.6
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
leather==0.4.1
logbook==1.5.3
markupsafe==3.0.4
mashumaro==3.6
minimal-snowplow-tracker==0.0.2
msgpack==1.2.4
networkx==2.8.8
packaging==26.3
parsedatetime==2.4
pathspec==0.11.2
protobuf==4.25.9
pycparser==3.12
python-dateutil==2.8.2
python-slugify==9.2.0
pytimeparse==1.1.10
pytz==2026.6
pyyaml==6.0.3
referencing==0.37.0
requests==2.34.2
rpds-py==2026.9.1
six==1.17.0
sqlparse==0.4.4
text-unidecode==1.3
typing-extensions==4.16.0
urllib3==2.8.0
werkzeug==2.3.8
"
    ;;
  1.6)
    CORE=1.6.19 DUCKDB=1.6.2 PROJECTS=(shop_legacy)
    CONSTRAINTS="
agate==1.7.1
attrs==26.1.0
babel==2.18.0
certifi==2026.10.18
cffi==1.17.1
charset-normalizer==3.5.2
click==8.5.1
colorama==0.4.6
dbt-core==1.6.19
dbt-duckdb==1.6.2
dbt-extractor==0.4.1
dbt-semantic-interfaces==0.2.3
duckdb==2.0.0
hologram==0.0.16
idna==3.20
importlib-metadata==6.11.0
isodate==0.6.1
jinja2==3.1.6
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
leather==0.4.1
logbook==1.5.3
markupsafe==3.0.4
mashumaro==3.8.1
minimal-snowplow-tracker==0.0.2
more-itertools==8.14.0
msgpack==1.2.4
networkx==3.6.1
packaging==26.3
parsedatetime==2.6
pathspec==0.11.2
protobuf==4.25.9
pycparser==3.12
pydantic==1.10.27
python-dateutil==2.8.2
python-slugify==9.2.0
pytimeparse==1.1.10
pytz==2026.6
pyyaml==6.0.3
referencing==0.37.0
requests==2.34.2
rpds-py==2026.9.1
six==1.17.0
sqlparse==0.5.5
text-unidecode==1.3
typing-extensions==4.16.0
urllib3==1.26.20
zipp==4.1.2
"
    ;;
  1.7)
    CORE=1.7.20 DUCKDB=1.7.5 PROJECTS=(shop_legacy)
    CONSTRAINTS="
agate==1.7.1
annotated-types==0.8.0
attrs==26.1.0
babel==2.18.0
certifi==2026.10.18
cffi==1.17.1
charset-normalizer==3.5.2
click==8.5.1
colorama==0.4.6
dbt-core==1.7.20
dbt-duckdb==1.7.5
dbt-extractor==0.5.1
dbt-semantic-interfaces==0.4.4
duckdb==2.0.0
idna==3.20
importlib-metadata==6.11.0
isodate==0.6.1
jinja2==3.1.6
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
leather==0.4.1
logbook==1.5.3
markupsafe==3.0.4
mashumaro==3.14
minimal-snowplow-tracker==0.0.2
more-itertools==10.8.0
msgpack==1.2.4
networkx==3.6.1
packaging==26.3
parsedatetime==2.6
pathspec==0.11.2
protobuf==4.25.9
pycparser==3.12
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
sqlparse==0.5.5
text-unidecode==1.3
typing-inspection==0.4.5
typing-extensions==4.16.0
urllib3==1.26.20
zipp==4.1.2
"
    ;;
  1.8)
    CORE=1.8.10 DUCKDB=1.8.4 PROJECTS=(shop_legacy)
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
dbt-adapters==1.16.3
dbt-common==1.27.1
dbt-core==1.8.10
dbt-duckdb==1.8.4
dbt-extractor==0.6.0
dbt-protos==1.0.615
dbt-semantic-interfaces==0.5.1
deepdiff==7.0.1
duckdb==2.0.0
idna==3.20
importlib-metadata==6.11.0
isodate==0.6.1
jinja2==3.1.6
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
leather==0.4.1
logbook==1.5.3
markupsafe==3.0.4
mashumaro==3.14
minimal-snowplow-tracker==0.0.2
more-itertools==10.8.0
msgpack==1.2.4
networkx==3.6.1
ordered-set==4.1.0
packaging==26.3
parsedatetime==2.6
pathspec==0.12.1
protobuf==5.29.6
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
sqlparse==0.5.5
text-unidecode==1.3
typing-inspection==0.4.5
typing-extensions==4.16.0
urllib3==2.8.0
zipp==4.1.2
"
    ;;
  1.9)
    CORE=1.9.11 DUCKDB=1.9.6 PROJECTS=(shop_legacy)
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
dbt-core==1.9.11
dbt-duckdb==1.9.6
dbt-extractor==0.6.0
dbt-protos==1.0.615
dbt-semantic-interfaces==0.7.5
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
sqlparse==0.5.5
text-unidecode==1.3
typing-inspection==0.4.5
typing-extensions==4.16.0
urllib3==2.8.0
zipp==4.1.2
"
    ;;
  1.10)
    CORE=1.10.23 DUCKDB=1.10.1 PROJECTS=(shop_legacy jaffle)
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
dbt-core==1.10.23
dbt-duckdb==1.10.1
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
sqlparse==0.5.4
text-unidecode==1.3
typing-inspection==0.4.5
typing-extensions==4.16.0
urllib3==2.8.0
zipp==4.1.2
"
    ;;
  *)
    die "unknown dbt line '$1' (known: ${LINES[*]})"
    ;;
  esac
}


# shellcheck source=lib/dbt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/dbt.sh"
clean_dbt_env

# Installs dbt-core $CORE and dbt-duckdb $DUCKDB into $1, unless it holds exactly these pins.
ensure_venv() {
  local venv="$1" stamp="$1/.pins"
  if [[ -x "$venv/bin/dbt" && -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$(printf '%s' "$CONSTRAINTS")" ]]; then
    return
  fi
  local var="PYTHON_${PY/./_}"
  local python="${!var:-python$PY}"
  "$python" -c "import sys; sys.exit('%d.%d' % sys.version_info[:2] != '$PY')" 2>/dev/null \
    || die "$python is not Python $PY, which the pins of dbt $CORE were resolved on (set $var=...)"
  if [[ ! -x "$venv/bin/python" ]]; then
    log "Creating ${venv#"$ROOT"/}"
    "$python" -m venv "$venv" || die "could not create a venv (on Debian/Ubuntu: apt-get install python3-venv)"
  fi
  log "Installing dbt-core==$CORE dbt-duckdb==$DUCKDB into ${venv#"$ROOT"/}"
  printf '%s\n' "$CONSTRAINTS" > "$venv/constraints.txt"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --constraint "$venv/constraints.txt" "dbt-core==$CORE" "dbt-duckdb==$DUCKDB"
  printf '%s' "$CONSTRAINTS" > "$stamp"
}


# Copies tests/fixtures/dbt/ to $1 without build output, so local packages (`../utils_pkg`)
# resolve as in the repository.
copy_fixtures() {
  mkdir -p "$1"
  tar -C "$FIXTURES" \
    --exclude=./*/target --exclude=./*/dbt_packages --exclude=./*/logs \
    --exclude=./*/package-lock.yml --exclude='*.duckdb' --exclude='*.duckdb.wal' \
    -cf - . | tar -C "$1" -xf -
}

# Parses project $2 of the copy $1 with the dbt of venv $3; writes the normalised manifest.
parse_project() {
  local copy="$1" name="$2" venv="$3" line="$4"
  local dir="$copy/$name" work="$copy/.work-$name" profiles="$FIXTURE_PROFILES"
  [[ -f "$dir/dbt_project.yml" ]] || die "tests/fixtures/dbt/$name: no dbt_project.yml there"
  [[ -f "$dir/profiles.yml" ]] && profiles="$dir"
  log "parse  $name with dbt $CORE"
  (
    cd "$dir"
    if [[ "$line" == 1.[34] ]]; then
      # The command line before dbt 1.5: no --target-path or --log-path (the copy's own
      # target/ and logs/ are used), global flags before the command, and `parse` writes the
      # manifest only when asked.
      if has_packages "$dir"; then
        "$venv/bin/dbt" --quiet deps --project-dir "$dir" --profiles-dir "$profiles" >&2
      fi
      "$venv/bin/dbt" --quiet --no-partial-parse parse --write-manifest \
        --project-dir "$dir" --profiles-dir "$profiles" >&2
      mkdir -p "$work"
      mv "$dir/target" "$work/target"
    else
      if has_packages "$dir"; then
        "$venv/bin/dbt" --quiet deps --project-dir "$dir" --profiles-dir "$profiles" \
          --log-path "$work/logs" >&2
      fi
      "$venv/bin/dbt" --quiet parse --project-dir "$dir" --profiles-dir "$profiles" \
        --target-path "$work/target" --log-path "$work/logs" --no-partial-parse >&2
    fi
  ) || die "dbt $CORE could not parse $name"

  local out="$OUT/dbt-$line/$name/manifest.json"
  mkdir -p "$(dirname "$out")"
  "$venv/bin/python" - "$work/target/manifest.json" "$out" "$copy" "tests/fixtures/dbt" \
    "$venv" ".venv-dbt-$line" <<'PY'
import json
import os
import sys

source, out, copy_root, repo_root, venv, venv_relative = sys.argv[1:]
# Absolute path prefixes that differ per run or machine, and what they become.
PREFIXES = ((copy_root + "/", repo_root + "/"), (venv + "/", venv_relative + "/"))
with open(source, encoding="utf-8") as f:
    manifest = json.load(f)

# Values that change with every run: fixed, so a rerun writes identical bytes.
metadata = manifest["metadata"]
for key, value in (
    ("generated_at", "2000-01-01T00:00:00.000000Z"),
    ("invocation_started_at", "2000-01-01T00:00:00.000000Z"),
    ("run_started_at", "2000-01-01T00:00:00.000000+00:00"),
    ("invocation_id", "00000000-0000-0000-0000-000000000000"),
):
    if metadata.get(key) is not None:
        metadata[key] = value

# dbt's own macros and the adapter's are most of the file and the same in every project.
builtin = {"dbt", f"dbt_{metadata.get('adapter_type')}"}
manifest["macros"] = {
    uid: macro
    for uid, macro in manifest.get("macros", {}).items()
    if macro.get("package_name") not in builtin
}


def relative(text):
    for prefix, replacement in PREFIXES:
        if text.startswith(prefix):
            return replacement + text[len(prefix):]
    return text


def normalise(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "created_at" and isinstance(item, (int, float)):
                value[key] = 0.0
            elif isinstance(item, str):
                value[key] = relative(item)
            else:
                normalise(item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, str):
                value[i] = relative(item)
            else:
                normalise(item)


normalise(manifest)
# dbt writes the nodes of some projects (jaffle) in another order from one run to the next:
# the entries of each top-level collection are sorted by unique_id. Selectors keep the order
# of selectors.yml.
for key, value in manifest.items():
    if key not in ("metadata", "selectors") and isinstance(value, dict):
        manifest[key] = dict(sorted(value.items()))
# dbt writes json.dumps(...) with default separators and no trailing newline.
text = json.dumps(manifest)
for path in (copy_root, venv):
    if path in text:
        raise SystemExit(f"{out}: still names {path}")
tmp = out + ".tmp"
with open(tmp, "w", encoding="utf-8") as f:
    f.write(text)
os.replace(tmp, out)
PY
  WROTE+=("${out#"$ROOT"/}")
}

main() {
  local lines=("$@")
  ((${#lines[@]} > 0)) || lines=("${LINES[@]}")
  [[ -f "$FIXTURE_PROFILES/profiles.yml" ]] || die "no $FIXTURE_PROFILES/profiles.yml"

  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  WROTE=()
  local line name copy
  for line in "${lines[@]}"; do
    line_pins "$line"
    ensure_venv "$ROOT/.venv-dbt-$line"
    # A fresh copy per line: nothing one dbt wrote (dbt_packages/, lock files) reaches another.
    copy="$WORK/dbt-$line"
    copy_fixtures "$copy"
    for name in "${PROJECTS[@]}"; do
      parse_project "$copy" "$name" "$ROOT/.venv-dbt-$line" "$line"
    done
  done

  echo "Wrote ${#WROTE[@]} manifest(s):"
  printf '  %s\n' "${WROTE[@]}"
}

main "$@"
