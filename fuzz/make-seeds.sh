#!/usr/bin/env bash
# Writes the fuzz targets' seed inputs (fuzz/seeds/<target>/) from the repository's
# fixtures: real dbt manifests (cut down to a few nodes, so each run is fast), real DAG files,
# the dbt command lines and selectors they hold, the selectors.yml and config files.
# Run from anywhere; needs python3. The seeds are committed; rerun after fixtures change.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf fuzz/seeds
mkdir -p fuzz/seeds/{manifest,dag,dbt_command_line,selector,selectors_yml,properties_yml,config}

python3 - <<'PY'
import ast, glob, hashlib, json, os, re

def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(f"fuzz/seeds/{target}/{name}", "wb") as out:
        out.write(data)

# Manifests: the metadata and a few entries of each collection, in dbt's key order.
manifests = sorted(
    glob.glob("tests/fixtures/manifests/*/*/manifest.json")
    + glob.glob("tests/fixtures/dbt/*/target/manifest.json")
    + glob.glob("examples/*/dbt/target/manifest.json")
)
for path in manifests:
    manifest = json.load(open(path))
    small = {}
    for key, value in manifest.items():
        if isinstance(value, dict) and key != "metadata":
            keep = {"nodes": 12, "sources": 3, "disabled": 2}.get(key, 2)
            value = dict(list(value.items())[:keep])
        small[key] = value
    write("manifest", json.dumps(small, separators=(",", ":")))

# DAG files, and the dbt command lines and selectors written in them.
dags = sorted(
    glob.glob("examples/*/dags/**/*.py", recursive=True)
    + glob.glob("tests/fixtures/**/*.py", recursive=True)
    + glob.glob("tests/rules/**/*.py", recursive=True)
)
for path in dags:
    text = open(path, encoding="utf-8").read()
    write("dag", text)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        continue
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "dbt " in node.value:
            write("dbt_command_line", node.value)
            for match in re.finditer(r"(?:--select|-s|--models|-m) ([^-]+?)(?: --|$)", node.value):
                write("selector", match.group(1).strip())

# Selections of the dbt ls oracle: `--select` line, `--exclude` line.
for path in sorted(glob.glob("tests/oracle/*/*.cases")):
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        select = " ".join(re.findall(r"(?:-s|--select|-m|--models) ((?:[^-\s]\S*\s?)+)", line)).strip()
        exclude = " ".join(re.findall(r"--exclude ((?:[^-\s]\S*\s?)+)", line)).strip()
        if select or exclude:
            write("selector", f"{select}\n{exclude}")
            write("dbt_command_line", f"dbt ls {line}")

for path in sorted(glob.glob("tests/**/selectors.yml", recursive=True)):
    write("selectors_yml", open(path).read())

# The properties files of the fixtures' and the example's dbt projects.
properties = glob.glob("tests/**/models/**/*.yml", recursive=True) + glob.glob("examples/**/models/**/*.yml", recursive=True)
for path in sorted(properties):
    write("properties_yml", open(path).read())

configs = sorted(glob.glob("tests/**/monolint.toml", recursive=True) + glob.glob("examples/**/monolint.toml", recursive=True))
for path in configs:
    write("config", open(path).read())
# The TOML blocks of the configuration reference.
for block in re.findall(r"```toml\n(.*?)```", open("docs/configuration.md").read(), re.S):
    write("config", block)
PY
for target in fuzz/seeds/*; do
  echo "$(ls "$target" | wc -l) seeds in $target"
done
