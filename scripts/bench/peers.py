#!/usr/bin/env python3
"""monolint beside the other dbt linters and the bare JSON parse, in one interleaved run.

Every round runs each tool once, in turn, on the same inputs, so machine noise hits them alike;
the table shows the median wall time and peak memory of each. Tools:

- floor: `parse-floor` (serde_json reading the manifest into nothing), the least any reader does;
- monolint: `monolint check` with no configuration, on the whole monorepo (manifest + DAGs);
- dbtective (Rust), dbt-bouncer and dbt-score (Python), each reading the same manifest with a
  handful of its own rules (configs written under the work folder).

usage: peers.py --monorepo DIR --manifest PATH [--rounds 5] [--work DIR] [--skip TOOL ...]
                [--with-map-ls]

The peers are installed by scripts/bench/run.sh into a venv; their executables are found on
PATH or in `--venv`.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

DBT_BOUNCER_CHECKS = """\
manifest_checks:
  - name: check_model_description_populated
  - name: check_model_has_unique_test
  - name: check_model_access
    access: protected
  - name: check_source_has_meta_keys
    keys: [owner]
  - name: check_exposure_based_on_view
  - name: check_model_depends_on_multiple_sources
  - name: check_macro_name_matches_file_name
"""

DBTECTIVE_RULES = """\
manifest_tests:
  - name: models_have_descriptions
    type: has_description
  - name: models_have_tags
    type: has_tags
    required_tags: [daily]
  - name: models_not_orphaned
    type: is_not_orphaned
  - name: models_have_unique_test
    type: has_unique_test
  - name: models_have_refs
    type: has_refs
"""


def run(command, cwd):
    """Wall seconds and peak resident memory (MB) of one run; output discarded."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    # Linters exit 1 when they find something; anything else is a broken run.
    if process.returncode not in (0, 1):
        sys.exit(f"{command[0]} failed ({process.returncode}):\n{stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def find(executable, venv):
    """The peer's executable in the venv, else on PATH."""
    if venv:
        candidate = os.path.join(venv, "bin", executable)
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which(executable)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--monorepo", required=True, help="the folder monolint checks")
    parser.add_argument("--manifest", required=True, help="its dbt manifest.json")
    parser.add_argument("--monolint", default="target/release/monolint")
    parser.add_argument("--floor", default="target/release/examples/parse-floor")
    parser.add_argument("--venv", help="the venv holding the peers")
    parser.add_argument("--work", default="target/bench/peers")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip", nargs="*", default=[], help="tools left out")
    parser.add_argument("--label", default="", help="names the input in the table")
    parser.add_argument(
        "--with-map-ls", action="store_true", help="also time `monolint map` and `monolint ls`"
    )
    args = parser.parse_args()

    manifest = os.path.abspath(args.manifest)
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    # dbtective reads `<entry point>/target/manifest.json` and a `dbtective.yml` beside it.
    entry = os.path.join(work, "dbtective")
    os.makedirs(os.path.join(entry, "target"), exist_ok=True)
    link = os.path.join(entry, "target", "manifest.json")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(manifest, link)
    with open(os.path.join(entry, "dbtective.yml"), "w") as f:
        f.write(DBTECTIVE_RULES)
    bouncer_config = os.path.join(work, "dbt-bouncer.yml")
    with open(bouncer_config, "w") as f:
        f.write(f"dbt_artifacts_dir: {os.path.dirname(manifest)}\n" + DBT_BOUNCER_CHECKS)

    tools = {
        "bare serde_json parse (floor)": [os.path.abspath(args.floor), manifest],
        "monolint check": [
            os.path.abspath(args.monolint), "check", os.path.abspath(args.monorepo),
            "--exit-zero", "--output-format", "json",
        ],
        "dbtective run": [find("dbtective", args.venv), "run", "--entry-point", entry, "--only-manifest"],
        "dbt-bouncer": [find("dbt-bouncer", args.venv), "--config-file", bouncer_config],
        "dbt-score lint": [find("dbt-score", args.venv), "lint", "--manifest", manifest],
    }
    if args.with_map_ls:
        monolint = os.path.abspath(args.monolint)
        tools["monolint map (json)"] = [
            monolint, "map", os.path.abspath(args.monorepo), "--format", "json",
        ]
        project = os.path.dirname(os.path.dirname(manifest))
        tools["monolint ls (every node)"] = [
            monolint, "ls", "--project-dir", project, "--manifest", manifest,
        ]
    tools = {
        name: command
        for name, command in tools.items()
        if not any(skip in name for skip in args.skip)
    }
    for name, command in tools.items():
        if command[0] is None or not os.access(command[0], os.X_OK):
            sys.exit(f"{name}: not found ({command[0]}); see scripts/bench/run.sh")

    walls = {name: [] for name in tools}
    peaks = {name: [] for name in tools}
    for _ in range(args.rounds):
        for name, command in tools.items():
            wall, peak = run(command, work)
            walls[name].append(wall)
            peaks[name].append(peak)

    size = os.path.getsize(manifest) / 1e6
    summary_path = os.path.join(args.monorepo, "bench.json")
    if os.path.exists(summary_path):
        with open(summary_path) as f:
            summary = json.load(f)
        args.label = (
            f"scaled: {summary['models']} models, {summary['nodes']} nodes, "
            f"{summary['dag_files']} DAG files"
        )
    reference = statistics.median(walls["monolint check"]) if "monolint check" in walls else None
    print(f"\n{args.label or args.monorepo}: manifest {size:.0f} MB, {args.rounds} rounds, {os.cpu_count()} cores\n")
    print("| tool | wall (median) | peak RSS | wall vs monolint |")
    print("|---|---|---|---|")
    for name in tools:
        wall = statistics.median(walls[name])
        peak = max(peaks[name])
        ratio = f"{wall / reference:.1f}×" if reference else "–"
        print(f"| {name} | {wall * 1000:.0f} ms | {peak:.0f} MB | {ratio} |")


if __name__ == "__main__":
    main()
