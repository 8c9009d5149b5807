#!/usr/bin/env python3
"""Runs the shell steps of a composite action (action.yml) locally, the way a runner would.

Each `run:` step is written to a file and run as `bash --noprofile --norc -eo pipefail FILE`
in the workspace, with the step's `env:` evaluated: `${{ inputs.NAME }}` (given with --input,
else the input's default), `${{ steps.ID.outputs.NAME }}` (from earlier steps'
`$GITHUB_OUTPUT`, or --step-output for steps that `uses:` another action, which are skipped)
and `${{ github.action_path }}`. A `run:` script itself must contain no `${{ }}`.

The caller sets the runner's environment (GITHUB_WORKSPACE, GITHUB_ACTION_PATH,
GITHUB_STEP_SUMMARY, GITHUB_PATH, RUNNER_OS, HOME, ...); each step gets a fresh
GITHUB_OUTPUT file. Like a runner, the first failing step stops the run. Prints the action's
outputs as JSON on the last line of stdout and exits with the failing step's exit code (0 when
every step passed).

Needs PyYAML.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def parse_outputs(path):
    """Reads a $GITHUB_OUTPUT file: `key=value` lines and `key<<DELIMITER` blocks."""
    outputs = {}
    with open(path, encoding="utf-8") as file:
        lines = file.read().splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            value = []
            while index < len(lines) and lines[index] != delimiter:
                value.append(lines[index])
                index += 1
            index += 1
            outputs[key] = "\n".join(value)
        elif "=" in line:
            key, value = line.split("=", 1)
            outputs[key] = value
    return outputs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", help="the action.yml to run")
    parser.add_argument("--input", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument(
        "--step-output",
        action="append",
        default=[],
        metavar="ID.NAME=VALUE",
        help="an output of a skipped `uses:` step, e.g. cache.cache-hit=true",
    )
    args = parser.parse_args()

    with open(args.action, encoding="utf-8") as file:
        action = yaml.safe_load(file)
    if action["runs"]["using"] != "composite":
        sys.exit("not a composite action")

    declared = action.get("inputs") or {}
    inputs = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    for item in args.input:
        name, value = item.split("=", 1)
        if name not in declared:
            sys.exit(f"unknown input {name!r}; the action declares {sorted(declared)}")
        inputs[name] = value
    step_outputs = {}
    for item in args.step_output:
        target, value = item.split("=", 1)
        step, name = target.split(".", 1)
        step_outputs.setdefault(step, {})[name] = value

    def evaluate(text):
        def replace(match):
            expression = match.group(1)
            parts = expression.split(".")
            if parts[0] == "inputs" and len(parts) == 2 and parts[1] in inputs:
                return inputs[parts[1]]
            if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
                return step_outputs.get(parts[1], {}).get(parts[3], "")
            if expression == "github.action_path":
                return os.environ["GITHUB_ACTION_PATH"]
            sys.exit(f"cannot evaluate `${{{{ {expression} }}}}` locally")

        return EXPRESSION.sub(replace, str(text))

    workspace = os.environ["GITHUB_WORKSPACE"]
    status = 0
    for number, step in enumerate(action["runs"]["steps"], 1):
        name = step.get("name") or step.get("id") or f"step {number}"
        if "uses" in step:
            print(f"::group::{name} (uses {step['uses']}: skipped locally)", flush=True)
            print("::endgroup::", flush=True)
            continue
        if "if" in step:
            sys.exit(f"{name}: `if:` on a run step is not evaluated locally; decide in the script")
        if EXPRESSION.search(step["run"]):
            sys.exit(f"{name}: pass inputs through `env:`, not `${{{{ }}}}` in the script")
        if step.get("shell") != "bash":
            sys.exit(f"{name}: only `shell: bash` steps are run locally")
        env = dict(os.environ)
        env.update({key: evaluate(value) for key, value in (step.get("env") or {}).items()})
        with tempfile.TemporaryDirectory() as scratch:
            script = os.path.join(scratch, "step.sh")
            with open(script, "w", encoding="utf-8") as file:
                file.write(step["run"])
            output_file = os.path.join(scratch, "output")
            open(output_file, "w", encoding="utf-8").close()
            env["GITHUB_OUTPUT"] = output_file
            cwd = os.path.join(workspace, evaluate(step.get("working-directory", ".")))
            print(f"::group::{name}", flush=True)
            status = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", script], cwd=cwd, env=env
            ).returncode
            print("::endgroup::", flush=True)
            if "id" in step:
                step_outputs[step["id"]] = parse_outputs(output_file)
        if status != 0:
            print(f"{name}: exit code {status}", file=sys.stderr)
            break

    outputs = {
        name: evaluate(spec.get("value", ""))
        for name, spec in (action.get("outputs") or {}).items()
    }
    print(json.dumps(outputs, sort_keys=True))
    sys.exit(status)


if __name__ == "__main__":
    main()
