#!/usr/bin/env bash
# Compares the graph monolint reads from a dbt project's files (no manifest) with the graph
# of the manifest real `dbt parse` wrote, on real public projects.
#
# usage: scripts/project-oracle.sh REPOS_DIR
#
# REPOS_DIR holds one checkout per repository of scripts/real-repos/repos.tsv, in a folder
# named <owner>__<name>, each dbt project with its target/manifest.json (dbt-core 1.11). The
# repositories' code is not part of monolint; check them out yourself. For each project it
# prints the nodes equal, unknown (a fact only rendering tells, reported as such) and
# different, the first differences, and the time the reader took (a debug build: time the
# release binary with `monolint ls --no-manifest` for speed).
set -euo pipefail

repos_dir=${1:?usage: scripts/project-oracle.sh REPOS_DIR}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
cargo test --quiet --test it --no-run

grep -v '^#' scripts/real-repos/repos.tsv | while IFS=$'\t' read -r repo _commit projects _rest; do
    [ -n "$repo" ] || continue
    for project in ${projects//,/ }; do
        dir="$repos_dir/${repo//\//__}/$project"
        if [ ! -f "$dir/target/manifest.json" ]; then
            echo "$repo/$project: no target/manifest.json, skipped"
            continue
        fi
        echo "== $repo/$project"
        MONOLINT_PROJECT_ORACLE="$dir" cargo test --quiet --test it \
            project_oracle::project_named_by_the_environment -- --ignored --nocapture 2>&1 |
            grep -E '^(read from files|project|/|unknown:|problem|different|extra)' |
            head -n "${ORACLE_LINES:-20}" || true
    done
done
