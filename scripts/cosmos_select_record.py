"""Run astronomer-cosmos' own node selection on a dbt manifest and write what it selects as JSON.

Run by scripts/record-cosmos-select.sh inside the Airflow 2 virtualenv (which has Cosmos), once
per fixture project:

    python scripts/cosmos_select_record.py --root REPO --project shop \
        --manifest tests/fixtures/dbt/shop/target/manifest.json \
        --project-dir /usr/local/airflow/dbt/shop \
        --cases tests/oracle/cosmos-select/shop.cases --out tests/oracle/cosmos-select/shop.json

The record is the oracle for monolint's re-implementation of Cosmos' selector
(src/dbt/select/cosmos/). Each case goes through the code a `DbtDag`/`DbtTaskGroup` runs when it
renders from a manifest (`RenderConfig(load_method=LoadMode.DBT_MANIFEST)`): a real
`cosmos.dbt.graph.DbtGraph` is built with `ProjectConfig(manifest_path=...)`,
`RenderConfig(select=..., exclude=..., selector=...)` and `ExecutionConfig(dbt_project_path=...)`,
and `load_from_dbt_manifest()` selects (`cosmos.dbt.selector.select_nodes`, or the manifest's
YAML selectors through `YamlSelectors`). `--project-dir` is the path the project would have on an
Airflow worker: Cosmos joins it to every node's file path, so bare names and `path:` values see it.
Every case gets a fresh DbtGraph, because Cosmos mutates the nodes it selects (tests inherit their
first parent's tags) and a real DAG file renders each group from a fresh load too.

Cases file: one case per line, a JSON object with any of "select" (list of strings), "exclude"
(list of strings) and "selector" (a YAML selector name); blank lines and lines starting with `#`
are ignored.

Output: {"cosmos_version", "project", "manifest", "project_dir", "cases": [...]}, one record per
case, in the order of the cases file:
  case      the line as written
  select, exclude, selector   as given (null when absent)
  selected  the unique_ids Cosmos selected (`DbtGraph.filtered_nodes` after selection), sorted;
            null when Cosmos raised
  rendered  `filtered_nodes` after `DbtGraph.update_node_dependency()`, which adds every test of
            a selected node (Cosmos renders those tests with their models), sorted; null when
            Cosmos raised
  error     null, or {"type": exception class name, "message": str(exception)}: the error that
            makes the DAG file fail to import
The output is deterministic (PYTHONHASHSEED is fixed by the caller; keys are sorted).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from importlib.metadata import version
from pathlib import Path


def load_cases(path: Path) -> list[tuple[str, dict]]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            case = json.loads(text)
        except json.JSONDecodeError as error:
            raise SystemExit(f"{path}:{number}: not a JSON object: {error}")
        unknown = set(case) - {"select", "exclude", "selector"}
        if not isinstance(case, dict) or unknown:
            raise SystemExit(f"{path}:{number}: expected select/exclude/selector keys, got {text}")
        cases.append((text, case))
    return cases


def run_case(manifest: Path, project: str, project_dir: str, case: dict) -> dict:
    # Imported here so that a broken install fails with Cosmos' own traceback, not ours.
    from cosmos.config import ExecutionConfig, ProjectConfig, RenderConfig
    from cosmos.constants import LoadMode
    from cosmos.dbt.graph import DbtGraph

    record: dict = {
        "select": case.get("select"),
        "exclude": case.get("exclude"),
        "selector": case.get("selector"),
        "selected": None,
        "rendered": None,
        "error": None,
    }
    try:
        graph = DbtGraph(
            project=ProjectConfig(manifest_path=manifest, project_name=project),
            render_config=RenderConfig(
                select=case.get("select") or [],
                exclude=case.get("exclude") or [],
                selector=case.get("selector"),
                load_method=LoadMode.DBT_MANIFEST,
            ),
            execution_config=ExecutionConfig(dbt_project_path=project_dir),
        )
        graph.load_from_dbt_manifest()
        record["selected"] = sorted(graph.filtered_nodes)
        graph.update_node_dependency()
        record["rendered"] = sorted(graph.filtered_nodes)
    except Exception as error:  # noqa: BLE001 - any exception fails the DAG import; record it
        record["error"] = {"type": type(error).__name__, "message": str(error)}
    return record


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, type=Path, help="the repository root")
    parser.add_argument("--project", required=True, help="the record's name (the fixture project)")
    parser.add_argument("--manifest", required=True, help="manifest.json, relative to --root")
    parser.add_argument("--project-dir", required=True, help="the project's path on the Airflow worker")
    parser.add_argument("--cases", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()

    # Cosmos logs a line per load and a warning per unknown selector; the record says it all.
    logging.disable(logging.WARNING)
    manifest = args.root / args.manifest
    with open(manifest, encoding="utf-8") as f:
        project_name = json.load(f)["metadata"]["project_name"]
    cases = [
        {"case": text, **run_case(manifest, project_name, args.project_dir, case)}
        for text, case in load_cases(args.cases)
    ]
    record = {
        "cosmos_version": version("astronomer-cosmos"),
        "project": args.project,
        "manifest": args.manifest,
        "project_dir": args.project_dir,
        "cases": cases,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    failed = sum(1 for case in cases if case["error"])
    print(f"{args.project}: {len(cases)} cases, {failed} raise", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
