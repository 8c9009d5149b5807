#!/usr/bin/env bash
# Record what real `dbt ls` prints for a list of selections, as an oracle for monolint's
# re-implementation of dbt node selection.
#
# Usage:
#   scripts/record-dbt-ls.sh                 # every fixture project listed in PROJECTS below
#   scripts/record-dbt-ls.sh shop [jaffle]   # only these
#   DBT_LINE=1.8 scripts/record-dbt-ls.sh    # the same with an older dbt line (see below)
#
# Inputs, per project NAME (tests/fixtures/dbt/NAME):
#   tests/oracle/dbt-ls/CASES.cases  one case per line: the exact arguments that follow `dbt ls`,
#                                    in shell syntax (e.g. `--select "tag:a tag:b" --exclude x`).
#                                    Blank lines and lines starting with `#` are ignored. The
#                                    line `(no arguments)` stands for a bare `dbt ls`.
#                                    CASES is NAME, unless PROJECTS lists the project as
#                                    NAME:CASES (a project written for older dbt reuses the
#                                    cases of the project it is a version of).
# Output:
#   OUT/NAME.json                    {"dbt_version", "project", "cases": [...]}, one record per
#                                    case, in the order of the .cases file:
#     args               the line as written
#     argv               the line split with POSIX shell rules
#     exit_code          dbt's exit code (0 ok, 2 error)
#     lines              stdout of `dbt --quiet --no-use-colors ls ARGS` (default
#                        `--output selector`), one entry per line, in dbt's own order;
#                        [] when dbt fails (stdout then only holds the error)
#     unique_ids         the unique_ids of `ls ARGS --output json --output-keys unique_id`, sorted
#     no_match_warnings  the criteria of dbt's "The selection criterion 'X' does not match any
#                        enabled nodes" warnings (event NoNodesForSelectionCriteria), in the
#                        order dbt emitted them
#     warnings           the messages of every other warning dbt logged (e.g. "No nodes
#                        selected!"), in order
#     error              when dbt fails: the error it printed after "Encountered an error:"
#                        (e.g. "Runtime Error\n  'foo' is not a valid method name"), or for a
#                        command-line usage error the "Error: ..." line; else null
#
# How: every case runs dbt twice, each time as its own process running dbt's CLI entry point:
#   1. dbt --quiet --no-use-colors ls ARGS <common options>
#        -> stdout is exactly the listed nodes (the --quiet flag keeps log lines out)
#   2. dbt --no-use-colors --log-format json ls ARGS <common options> --output json --output-keys unique_id
#        -> structured events: the listed unique_ids, warnings and the error
#   <common options> = --project-dir P --profiles-dir X --target-path TMP --log-path TMP
#   (they go right after `ls`, before ARGS).
# Both runs must agree on the exit code and on the number of nodes, or the script fails.
# Importing dbt costs about two seconds per process, so a parent Python process imports
# `dbt.cli.main` once and forks a child per call; the child runs the same
# `sys.exit(cli())` as the `dbt` console script, with its own argv, cwd, stdout and stderr.
# dbt writes its target/ and logs/ to a temporary directory, so the committed
# target/manifest.json of each fixture is left alone. JOBS children run at a time (default:
# the number of CPUs), each in its own target directory, so dbt's partial parsing applies.
#
# dbt itself comes from .venv-dbt/ (pinned dbt-core + dbt-duckdb), created by
# scripts/regen-manifests.sh when missing, and OUT is tests/oracle/dbt-ls/. With DBT_LINE=X.Y
# (an older line of scripts/regen-old-manifests.sh), dbt comes from .venv-dbt-X.Y/, created by
# that script when missing, OUT is tests/oracle/dbt-ls-X.Y/, and PROJECTS are those of the
# line below; tests/it/oracle.rs compares those records with monolint on the manifest that script
# wrote with the same dbt (tests/fixtures/manifests/dbt-X.Y/NAME/manifest.json).
# Projects that install packages get `dbt deps` first.
# Every DBT_* variable of the calling environment is cleared, so that e.g. DBT_INDIRECT_SELECTION
# or DBT_RESOURCE_TYPES cannot leak into the records.
#
# The output is deterministic: rerunning on unchanged inputs rewrites identical bytes.
set -euo pipefail
# shellcheck source=lib/dbt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/dbt.sh"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FIXTURES="$ROOT/tests/fixtures/dbt"
FIXTURE_PROFILES="$ROOT/tests/fixtures/dbt-profiles"
CASES_DIR="$ROOT/tests/oracle/dbt-ls"


DBT_LINE="${DBT_LINE:-}"
case "$DBT_LINE" in
  "")
    PROJECTS=(shop jaffle)
    VENV="$ROOT/.venv-dbt"
    ORACLE="$ROOT/tests/oracle/dbt-ls"
    ;;
  1.8)
    # shop as written for dbt 1.8 (`tests:`, generic test arguments at the top level).
    PROJECTS=(shop_legacy:shop)
    VENV="$ROOT/.venv-dbt-$DBT_LINE"
    ORACLE="$ROOT/tests/oracle/dbt-ls-$DBT_LINE"
    ;;
  *)
    die "DBT_LINE=$DBT_LINE: no projects are recorded with that line (known: 1.8)"
    ;;
esac
DBT="$VENV/bin/dbt"

clean_dbt_env
export NO_COLOR=1

# The .cases file of project NAME: the CASES of a NAME:CASES entry of PROJECTS, else NAME.
cases_of() {
  local entry
  for entry in "${PROJECTS[@]}"; do
    if [[ "$entry" == "$1:"* ]]; then
      printf '%s\n' "$CASES_DIR/${entry#*:}.cases"
      return
    fi
  done
  printf '%s\n' "$CASES_DIR/$1.cases"
}

if [[ ! -x "$DBT" ]]; then
  if [[ -z "$DBT_LINE" ]]; then
    log "No $DBT yet: creating it with scripts/regen-manifests.sh"
    names=("${PROJECTS[@]%%:*}")
    "$ROOT/scripts/regen-manifests.sh" "${names[@]/#/$FIXTURES/}"
  else
    log "No $DBT yet: creating it with scripts/regen-old-manifests.sh $DBT_LINE"
    "$ROOT/scripts/regen-old-manifests.sh" "$DBT_LINE"
  fi
fi


selected=("$@")
((${#selected[@]} > 0)) || selected=("${PROJECTS[@]%%:*}")

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

start=$SECONDS
for name in "${selected[@]}"; do
  dir="$FIXTURES/$name"
  cases="$(cases_of "$name")"
  [[ -f "$dir/dbt_project.yml" ]] || die "$dir: no dbt_project.yml there"
  [[ -f "$cases" ]] || die "$cases: no such file"
  profiles="$FIXTURE_PROFILES"
  [[ -f "$dir/profiles.yml" ]] && profiles="$dir"

  if has_packages "$dir"; then
    log "deps   $name"
    "$DBT" --quiet deps --project-dir "$dir" --profiles-dir "$profiles" --log-path "$WORK/deps-logs" >&2
  fi

  log "record $name ($(grep -cvE '^[[:space:]]*(#|$)' "$cases") cases)"
  "$VENV/bin/python" - "$DBT" "$name" "$dir" "$profiles" "$cases" "$ORACLE/$name.json" "$WORK/$name" <<'PY'
import atexit
import json
import os
import shlex
import sys
from importlib.metadata import version

dbt, project, project_dir, profiles_dir, cases_path, out_path, work = sys.argv[1:]
jobs = int(os.environ.get("JOBS") or os.cpu_count() or 1)
BARE = "(no arguments)"

cases = []
with open(cases_path, encoding="utf-8") as f:
    for n, raw in enumerate(f, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        argv = [] if line == BARE else shlex.split(line)
        cases.append((n, line, argv))

# The dbt console script is `sys.exit(dbt.cli.main.cli())`. Importing dbt takes most of the
# time of a `dbt ls` call, so import it once here and fork one child process per call: each
# child runs that same entry point with its own argv, cwd, stdout and stderr (redirected at
# the file-descriptor level) and exit code, exactly as the `dbt` command would.
from dbt.cli.main import cli  # noqa: E402


class Done:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def start(argv, slot):
    """Fork a child running `dbt ARGV` in worker slot SLOT; return (pid, out path, err path)."""
    slot_dir = os.path.join(work, f"slot{slot}")
    os.makedirs(slot_dir, exist_ok=True)
    out, err = os.path.join(slot_dir, "stdout"), os.path.join(slot_dir, "stderr")
    common = [
        "--project-dir", project_dir,
        "--profiles-dir", profiles_dir,
        # One target/log directory per slot: partial parsing state is never shared.
        "--target-path", os.path.join(slot_dir, "target"),
        "--log-path", os.path.join(slot_dir, "logs"),
    ]
    # argv is [global flags..., "ls", case args...]: the common options go right after "ls".
    i = argv.index("ls") + 1
    full = [dbt, *argv[:i], *common, *argv[i:]]
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            for fd, path in ((1, out), (2, err)):
                target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(target, fd)
                os.close(target)
            os.chdir(project_dir)
            sys.argv = full
            try:
                sys.exit(cli())
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        finally:
            # Shut down as the interpreter would (atexit handlers, flushed streams), but
            # never return into this loop.
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return pid, out, err


def run_all(invocations):
    """Run every argv of INVOCATIONS, at most `jobs` at a time; return Done results in order."""
    results = [None] * len(invocations)
    free = list(range(jobs))
    running = {}
    todo = list(enumerate(invocations))
    while todo or running:
        while todo and free:
            index, argv = todo.pop(0)
            slot = free.pop(0)
            pid, out, err = start(argv, slot)
            running[pid] = (index, slot, out, err)
        pid, status = os.wait()
        index, slot, out, err = running.pop(pid)
        with open(out, encoding="utf-8") as f:
            stdout = f.read()
        with open(err, encoding="utf-8") as f:
            stderr = f.read()
        results[index] = Done(os.waitstatus_to_exitcode(status), stdout, stderr)
        free.append(slot)
    return results


def record(case, text, js):
    n, line, argv = case
    where = f"{os.path.basename(cases_path)}:{n}: {line}"

    if text.returncode != js.returncode:
        raise SystemExit(f"{where}: exit codes differ between the text run ({text.returncode}) "
                         f"and the json run ({js.returncode})\n{text.stdout}{text.stderr}")

    unique_ids, no_match, warnings, errors = [], [], [], []
    for raw in js.stdout.splitlines():
        try:
            event = json.loads(raw)
        except json.JSONDecodeError:
            raise SystemExit(f"{where}: a line of the json run is not an event: {raw!r}")
        info, data = event["info"], event.get("data") or {}
        name = info["name"]
        # dbt 1.8 prints the listed nodes as ListCmdOut events, later lines as PrintEvent.
        if name in ("PrintEvent", "ListCmdOut"):
            unique_ids.append(json.loads(data["msg"])["unique_id"])
        elif name == "NoNodesForSelectionCriteria":
            no_match.append(data["spec_raw"])
        elif name == "MainEncounteredError":
            errors.append(data["exc"])
        elif info["level"] == "warn":
            warnings.append(info["msg"])
        # Other error events are the stack trace of an unexpected exception (MainStackTrace),
        # which names files on this machine: the error message above is what is kept.

    if text.returncode != 0 and not errors:
        # A command-line usage error is reported by the CLI parser on stderr, before any
        # event is logged: keep its "Error: ..." line.
        errors = [l for l in js.stderr.splitlines() if l.startswith("Error: ")][-1:]

    if text.returncode == 0:
        lines = text.stdout.splitlines()
        if errors:
            raise SystemExit(f"{where}: exit code 0 but dbt logged errors: {errors}")
        if len(lines) != len(unique_ids):
            raise SystemExit(f"{where}: {len(lines)} lines in the text run but "
                             f"{len(unique_ids)} unique_ids in the json run:\n{text.stdout}")
        error = None
    else:
        lines = []
        if len(errors) != 1 or unique_ids:
            raise SystemExit(f"{where}: exit code {text.returncode}, expected exactly one error "
                             f"and no nodes; got errors={errors} nodes={unique_ids}\n"
                             f"{js.stdout}{js.stderr}")
        error = errors[0]
        if error not in text.stdout + text.stderr:
            raise SystemExit(f"{where}: the text run did not print the error {error!r}:\n"
                             f"{text.stdout}{text.stderr}")

    return {
        "args": "" if line == BARE else line,
        "argv": argv,
        "exit_code": text.returncode,
        "lines": lines,
        "unique_ids": sorted(unique_ids),
        "no_match_warnings": no_match,
        "warnings": warnings,
        "error": error,
    }


invocations = []
for _, _, argv in cases:
    invocations.append(["--quiet", "--no-use-colors", "ls", *argv])
    invocations.append(["--no-use-colors", "--log-format", "json", "ls", *argv,
                        "--output", "json", "--output-keys", "unique_id"])
done = run_all(invocations)
records = [record(case, done[2 * i], done[2 * i + 1]) for i, case in enumerate(cases)]

doc = {"dbt_version": version("dbt-core"), "project": project, "cases": records}
os.makedirs(os.path.dirname(out_path), exist_ok=True)
tmp = out_path + ".tmp"
with open(tmp, "w", encoding="utf-8") as f:
    json.dump(doc, f, indent=2, ensure_ascii=False)
    f.write("\n")
os.replace(tmp, out_path)

failed = sum(1 for r in records if r["exit_code"] != 0)
print(f"wrote {os.path.relpath(out_path)}: {len(records)} cases ({failed} exit non-zero)",
      file=sys.stderr)
PY
done
log "done in $((SECONDS - start))s"
