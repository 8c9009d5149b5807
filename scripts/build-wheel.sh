#!/usr/bin/env bash
# Builds the Python wheel (maturin, binary only) and checks that it works: installs it into a
# fresh virtual environment and runs `monolint --version` and `monolint check` on the example
# from there. Then checks that `pip install .` from the source tree does the same.
# Needs python3 (3.8 or newer), cargo and access to PyPI. The wheel is left in target/wheels/.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
fail() {
  echo "FAILED: $*" >&2
  exit 1
}

# check_install VENV: the installed monolint is the one of this version, and checks the
# example as the cargo-built binary does.
check_install() {
  local bin=$1/bin/monolint
  [ -x "$bin" ] || fail "$bin is missing"
  local said
  said=$("$bin" --version)
  echo "$said"
  [ "$said" = "monolint $version" ] || fail "expected 'monolint $version'"
  local status=0
  NO_COLOR=1 "$bin" check examples/acme-analytics --format concise >"$work/out.txt" || status=$?
  tail -n 2 "$work/out.txt"
  [ "$status" = 1 ] || fail "monolint check exited with $status, not 1"
  grep -q '^Found 5 problems (1 error, 4 warnings): ' "$work/out.txt" || fail "5 findings expected"
}

echo "== maturin build --release"
python3 -m venv "$work/build"
"$work/build/bin/pip" install --quiet --disable-pip-version-check 'maturin>=1.9,<2.0'
"$work/build/bin/maturin" --version
rm -f target/wheels/monolint-"$version"-*.whl
"$work/build/bin/maturin" build --release --out target/wheels
wheel=$(ls target/wheels/monolint-"$version"-*.whl)
echo "built $wheel"
"$work/build/bin/python" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
print("\n".join(names))
assert any(n.endswith(".data/scripts/monolint") for n in names), "no monolint script in the wheel"
assert not any(n.endswith(".py") for n in names), "the wheel should hold no Python code"
PY

echo "== the wheel in a fresh virtual environment"
python3 -m venv "$work/wheel-env"
"$work/wheel-env/bin/pip" install --quiet --disable-pip-version-check "$wheel"
check_install "$work/wheel-env"
"$work/wheel-env/bin/pip" show monolint | sed -n '1,3p'

echo "== pip install . (the source tree, built by pip through maturin)"
python3 -m venv "$work/source-env"
CARGO_TARGET_DIR="$repo/target" "$work/source-env/bin/pip" install --quiet \
  --disable-pip-version-check "$repo"
check_install "$work/source-env"

echo
echo "wheel checks passed: $wheel"
