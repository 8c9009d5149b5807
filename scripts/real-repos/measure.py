#!/usr/bin/env python3
"""Measure monolint's default run on real public dbt + Airflow monorepos.

usage: scripts/real-repos/measure.py REPOS_DIR [--monolint PATH] [--labels DIR] [--json OUT]

REPOS_DIR holds one checkout per repository listed in scripts/real-repos/repos.tsv, in a
folder named <owner>__<name>, at the listed commit, each dbt project with the
target/manifest.json that `dbt parse` (dbt-core 1.11) writes. The repositories' code is not
part of monolint; check them out yourself.

For each repository it runs `monolint check . --format json` with no configuration, as a new
user would, and prints its exit code, findings per rule, duplicates (a rule reported twice at
one file and line), coverage and time. With labels (default: scripts/real-repos/labels), it
also scores the run against findings judged by hand:

  labels/<repo>.jsonl         {"code", "file", "line", "verdict", "reason"}: a finding of an
                              earlier run, judged tp (true and wanted), fp (false), noise (true
                              but unwanted by default) or dup (the same place again)
  labels/<repo>.missed.jsonl  {"kind", "file", "line", "what"}: real drift; found when the run
                              reports any finding at that file and line

A labelled finding is "shown" when the run reports that rule at that file and line. The
summary gives the judged precision of the run (tp shown / judged findings shown), tp kept,
fp and noise gone, missed drift found, duplicates and exit codes 2. Exits 1 when a run
reports a duplicate, ends with exit code 2, or shows a finding judged false.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def repositories():
    with open(os.path.join(HERE, "repos.tsv")) as listing:
        for line in listing:
            if line.startswith("#") or not line.strip():
                continue
            name, commit, projects, dag_folders, patterns = line.rstrip("\n").split("\t")
            yield name, commit, projects.split(","), dag_folders, patterns


def head_commit(path):
    try:
        return subprocess.run(
            ["git", "-C", path, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None


def run_monolint(monolint, path):
    started = time.monotonic()
    process = subprocess.run(
        [monolint, "check", ".", "--format", "json"],
        cwd=path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    elapsed = time.monotonic() - started
    try:
        document = json.loads(process.stdout) if process.stdout.strip() else {}
    except json.JSONDecodeError:
        document = {}
    return process.returncode, document, elapsed, process.stderr


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as rows:
        return [json.loads(row) for row in rows if row.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repos_dir")
    parser.add_argument("--monolint", default="monolint", type=lambda p: os.path.abspath(p) if os.sep in p else p)
    parser.add_argument("--labels", default=os.path.join(HERE, "labels"))
    parser.add_argument("--json", help="write every run's findings per repository to this file")
    args = parser.parse_args()

    totals = collections.Counter()
    by_rule = collections.Counter()
    rows = []
    runs = {}
    for name, commit, _projects, _dags, _patterns in repositories():
        folder = name.replace("/", "__")
        path = os.path.join(args.repos_dir, folder)
        if not os.path.isdir(path):
            rows.append(f"| {name} | not checked out | | | | |")
            continue
        head = head_commit(path)
        note = "" if head in (None, commit) else f" (at {head[:12]}, not {commit[:12]})"
        code, document, elapsed, stderr = run_monolint(args.monolint, path)
        findings = document.get("diagnostics", [])
        runs[folder] = {"exit": code, "findings": findings, "summary": document.get("summary")}
        places = collections.Counter((f["code"], f["file"], f["line"]) for f in findings)
        duplicates = sum(n - 1 for n in places.values())
        codes = collections.Counter(f["code"] for f in findings)
        by_rule.update(codes)
        totals["findings"] += len(findings)
        totals["duplicates"] += duplicates
        totals["exit2"] += code == 2
        summary = document.get("summary") or {}
        coverage = (
            f"{summary.get('models_scheduled', '?')}/{summary.get('models', '?')} run, "
            f"{summary.get('models_unknown', 0)} unknown; "
            f"{summary.get('dbt_tasks_resolved', '?')}/{summary.get('dbt_tasks', '?')} tasks; "
            f"{summary.get('dags', '?')} DAGs"
        )
        per_rule = ", ".join(f"{c} {n}" for c, n in sorted(codes.items())) or "none"
        rows.append(
            f"| {name}{note} | {code} | {len(findings)} ({per_rule}) | {duplicates} | {coverage} | {elapsed:.2f} s |"
        )

        # Scoring against the labels.
        shown = {(f["code"], f["file"], f["line"]) for f in findings}
        at = {(f["file"], f["line"]) for f in findings}
        judged = set()
        for label in read_jsonl(os.path.join(args.labels, folder + ".jsonl")):
            key = (label["code"], label["file"], label["line"])
            if label["verdict"] == "dup" or key in judged:
                continue
            judged.add(key)
            verdict = label["verdict"]
            totals[verdict] += 1
            if key in shown:
                totals[verdict + "_shown"] += 1
        # Findings of this run nobody judged yet.
        totals["unjudged"] += len(shown - judged)
        for missed in read_jsonl(os.path.join(args.labels, folder + ".missed.jsonl")):
            totals["missed"] += 1
            totals["missed_found"] += (missed["file"], missed["line"]) in at

    print("| repository | exit | findings (per rule) | duplicates | coverage | time |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    print()
    print(f"findings: {totals['findings']} ({', '.join(f'{c} {n}' for c, n in sorted(by_rule.items()))})")
    shown_judged = totals["tp_shown"] + totals["fp_shown"] + totals["noise_shown"]
    precision = totals["tp_shown"] / shown_judged if shown_judged else 1.0
    print(
        f"judged precision: {totals['tp_shown']}/{shown_judged} = {precision:.1%} true and wanted; "
        f"{totals['unjudged']} findings not judged yet"
    )
    print(
        f"labels: tp kept {totals['tp_shown']}/{totals['tp']}, "
        f"fp gone {totals['fp'] - totals['fp_shown']}/{totals['fp']}, "
        f"noise gone {totals['noise'] - totals['noise_shown']}/{totals['noise']}, "
        f"missed drift found {totals['missed_found']}/{totals['missed']}"
    )
    print(f"duplicates: {totals['duplicates']}; runs ending with exit code 2: {totals['exit2']}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(runs, out, indent=1, sort_keys=True)
    failed = totals["duplicates"] or totals["exit2"] or totals["fp_shown"]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
