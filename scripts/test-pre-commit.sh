#!/usr/bin/env bash
# Checks the pre-commit hooks of .pre-commit-hooks.yaml with `pre-commit try-repo` on a git
# repository made from a copy of examples/acme-analytics:
#   - `monolint` (language: rust) builds monolint from this checkout as it is on disk (a
#     snapshot of its tracked and untracked, not ignored, files), and fails with the example's
#     findings;
#   - it is skipped when no DAG, SQL, YAML or config file changes;
#   - it passes once the config accepts the findings;
#   - `monolint-system` runs the monolint on the PATH, with the same findings;
#   - the mirror (pre-commit-mirror/, `language: python`, like astral-sh/ruff-pre-commit)
#     installs the monolint wheel and compiles nothing: run offline, with pip pointed at a
#     folder holding the wheel built here by maturin (PIP_NO_INDEX, PIP_FIND_LINKS), and timed.
# Needs python3, git, cargo and access to PyPI and crates.io. Shares target/ with cargo so the
# hook's release build is incremental.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAILED: $*" >&2
  exit 1
}

echo "== pre-commit"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check pre-commit 'maturin>=1.9,<2.0'
"$work/venv/bin/pre-commit" --version
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)
export PRE_COMMIT_HOME="$work/pre-commit-home"
export CARGO_TARGET_DIR="$repo/target"
export NO_COLOR=1

# The hook repository: this checkout as it is on disk. (try-repo on the checkout itself would
# leave out files that are not yet added to git.)
hooks_repo="$work/monolint"
mkdir -p "$hooks_repo"
(
  cd "$repo"
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' file; do
      if [ -f "$file" ]; then printf '%s\0' "$file"; fi
    done |
    xargs -0 cp --parents -t "$hooks_repo"
)
(
  cd "$hooks_repo"
  git init --quiet
  git add -A
  git -c user.name=test -c user.email=test@example.com commit --quiet -m snapshot
)
echo "hook repository: a snapshot of $repo ($(cd "$hooks_repo" && git ls-files | wc -l) files)"

project="$work/project"
cp -r "$repo/examples/acme-analytics" "$project"
cd "$project"
git init --quiet
git add -A
git -c user.name=test -c user.email=test@example.com commit --quiet -m "acme analytics"

# try HOOK ARGS...: runs `pre-commit try-repo` for HOOK; output in $work/out, code in $status.
try() {
  status=0
  "$work/venv/bin/pre-commit" try-repo "$hooks_repo" "$@" >"$work/out" 2>&1 || status=$?
}
show() {
  cat "$work/out" >&2
  fail "$*"
}

echo "== monolint (language: rust) on all files"
try monolint --all-files
[ "$status" = 1 ] || show "exit code $status, not 1"
grep -q '^monolint\.*Failed$' "$work/out" || show "the hook did not fail"
grep -q 'Found 5 problems (1 error, 4 warnings): ' "$work/out" || show "5 findings expected"
grep -q 'selector `tag:prodcut_weekly` matches no enabled node' "$work/out" || show "no X002 finding"
sed -n '/^monolint\./,$p' "$work/out" | grep -E '^(monolint|- |Found|Coverage)'

echo "== monolint with only a README changed: skipped"
try monolint --files README.md
[ "$status" = 0 ] || show "exit code $status, not 0"
grep -q '^monolint\.*(no files to check)Skipped$' "$work/out" || show "the hook was not skipped"
grep '^monolint' "$work/out"

echo "== monolint with a config that accepts the findings: passes"
printf 'ignore = ["X002"]\nfail-on = "error"\n' >monolint.toml
git add monolint.toml
try monolint --files monolint.toml
[ "$status" = 0 ] || show "exit code $status, not 0"
grep -q '^monolint\.*Passed$' "$work/out" || show "the hook did not pass"
grep '^monolint' "$work/out"
git rm --quiet --cached monolint.toml
rm monolint.toml

echo "== monolint-system (language: system) with monolint on the PATH"
[ -x "$CARGO_TARGET_DIR/release/monolint" ] || fail "no release build in $CARGO_TARGET_DIR"
PATH="$CARGO_TARGET_DIR/release:$PATH" try monolint-system --all-files
[ "$status" = 1 ] || show "exit code $status, not 1"
grep -q 'Found 5 problems (1 error, 4 warnings): ' "$work/out" || show "5 findings expected"
grep '^monolint' "$work/out"

echo "== the mirror (language: python): the wheel, offline, nothing compiled"
# The only packages pip may use: the wheel and what building the mirror's empty package needs.
wheels="$work/wheels"
"$work/venv/bin/maturin" build --release --quiet --manifest-path "$repo/Cargo.toml" \
  --out "$wheels" 2>&1 | tail -n 1
"$work/venv/bin/pip" download --quiet --disable-pip-version-check --dest "$wheels" \
  'setuptools>=61'
ls "$wheels"
mirror="$work/monolint-pre-commit"
cp -r "$repo/pre-commit-mirror" "$mirror"
(
  cd "$mirror"
  git init --quiet
  git add -A
  git -c user.name=test -c user.email=test@example.com commit --quiet -m "v$version"
)
# A real config (not try-repo, whose store is temporary), so the hook's environment can be
# looked at afterwards.
cat >.pre-commit-config.yaml <<YAML
repos:
  - repo: $mirror
    rev: $(git -C "$mirror" rev-parse HEAD)
    hooks:
      - id: monolint
YAML
git add .pre-commit-config.yaml
export PRE_COMMIT_HOME="$work/pre-commit-home-mirror"
# No cargo on the PATH: a hook that tried to compile would fail.
no_cargo=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '\.cargo' | paste -sd: -)
PATH="$no_cargo" command -v cargo >/dev/null && fail "cargo is still on the PATH"
started=$(date +%s)
status=0
PIP_NO_INDEX=1 PIP_FIND_LINKS="$wheels" PATH="$no_cargo" \
  "$work/venv/bin/pre-commit" run monolint --all-files >"$work/out" 2>&1 || status=$?
seconds=$(($(date +%s) - started))
[ "$status" = 1 ] || show "exit code $status, not 1"
grep -q '^monolint\.*Failed$' "$work/out" || show "the hook did not fail"
grep -q 'Found 5 problems (1 error, 4 warnings): ' "$work/out" || show "5 findings expected"
installed=$(ls -d "$PRE_COMMIT_HOME"/repo*/py_env-*/bin/monolint)
[ "$("$installed" --version)" = "monolint $version" ] || fail "$installed is not monolint $version"
grep '^monolint' "$work/out"
echo "mirror hook: installed from the wheel and ran offline in ${seconds}s (no cargo on PATH)"

echo
echo "pre-commit checks passed"
