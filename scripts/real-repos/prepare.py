#!/usr/bin/env python3
"""Prepare the checkouts that measure.py reads.

usage: scripts/real-repos/prepare.py REPOS_DIR [--mirror TEMPLATE] [--work DIR] [--only NAME ...]
                                     [--force]

For each repository of scripts/real-repos/repos.tsv it
  1. checks out the listed commit into REPOS_DIR/<owner>__<name>;
  2. installs each dbt project's packages into its packages-install-path (default
     dbt_packages/): the versions of package-lock.yml when there is one, else those of
     packages.yml / dependencies.yml and of the packages they bring in, each hub package
     taken from its GitHub repository (table HUB below) at the highest tag that satisfies
     every version range asked for, each git package at its revision;
  3. writes a profiles.yml with dummy credentials per project and runs `dbt parse`, which
     writes <project>/target/manifest.json without a warehouse connection, in a virtualenv
     with dbt-core 1.11 and the projects' adapters (created first when missing).
What already exists (a checkout, an installed package, the virtualenv, a manifest) is left
as it is, so the script can be run again after a failure; --force parses again.
A package that cannot be obtained is reported and replaced by an empty placeholder project,
so that dbt still parses the rest; when a clone has no tag that satisfies a version range
(a clone older than the release), the newest older release stands in and is reported so.
Environment variables the project reads with env_var('NAME') and no default are set to a
dummy value, as is any other that dbt reports missing.

Repositories are cloned from https://github.com/<owner>/<name> (package repositories as bare
clones in WORK/clones). With --mirror, they are taken from a folder of existing clones
instead: TEMPLATE names the git directory of each, e.g. '/srv/git/{owner}/{name}.git'; a
checkout then is a `git worktree` of it. A clone that lacks some file contents (large files
left out) is checked out without those files, and the script lists them.

WORK (default: the parent of REPOS_DIR) holds venv/, clones/ and profiles/<owner>__<name>/
<project>/ with profiles.yml and dbt's log. Every command run is printed, and a table of
manifests, node counts and parse times ends the output.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# dbt hub package -> GitHub repository it is published from
HUB = {
    "dbt-labs/dbt_utils": "dbt-labs/dbt-utils",
    "dbt-labs/codegen": "dbt-labs/dbt-codegen",
    "dbt-labs/audit_helper": "dbt-labs/dbt-audit-helper",
    "dbt-labs/snowplow": "dbt-labs/snowplow",
    "dbt-labs/dbt_external_tables": "dbt-labs/dbt-external-tables",
    "dbt-labs/dbt_project_evaluator": "dbt-labs/dbt-project-evaluator",
    "dbt-labs/spark_utils": "dbt-labs/spark-utils",
    "brooklyn-data/dbt_artifacts": "brooklyn-data/dbt_artifacts",
    "get-select/dbt_snowflake_query_tags": "get-select/dbt-snowflake-query-tags",
    "metaplane/dbt_expectations": "metaplane/dbt-expectations",
    "calogica/dbt_expectations": "calogica/dbt-expectations",
    "calogica/dbt_date": "calogica/dbt-date",
    "godatadriven/dbt_date": "godatadriven/dbt-date",
    "elementary-data/elementary": "elementary-data/dbt-data-reliability",
    "yu-iskw/dbt_airflow_macros": "yu-iskw/dbt-airflow-macros",
    "entechlog/dbt_snow_mask": "entechlog/dbt-snow-mask",
}
HUB_RENAMED = {"fishtown-analytics/": "dbt-labs/"}
# git packages hosted outside GitHub -> a GitHub mirror of the same repository
GIT_MIRRORS = {"gitlab.com/gitlab-data/snowflake_spend": "gitlabhq/snowflake_spend"}

# adapter each repository's dbt profile uses (dbt parse loads it, but connects to nothing)
ADAPTER = {
    "tnmy44/gitlab-analytics": "snowflake",
    "mattermost/mattermost-data-warehouse": "snowflake",
    "cal-itp/data-infra": "bigquery",
    "pass-culture/data-gcp": "bigquery",
    "akanowhere/git_plataforma_dados_alloha_airflow": "databricks",
    "meltano/squared": "snowflake",
    "datacoves/balboa": "snowflake",
    "rajeswarivadivel-cf/cf-airflow": "redshift",
    "datawaves-xyz/blockchain-dbt-airflow": "spark",
    "MattTriano/analytics_data_where_house": "postgres",
    "niteshsharoff/dbt-napo": "bigquery",
    "thegoodparty/gp-data-platform": "databricks",
    "anshul-garg27/google-interview-prep": "postgres",
    "coderxio/sagerx": "postgres",
}
# target name and database the production runs use, where the project's config reads them
TARGET = {
    "akanowhere/git_plataforma_dados_alloha_airflow": {"name": "prd"},
    "datacoves/balboa": {"name": "prd", "database": "balboa"},
}
PIP_NAME = {"spark": "dbt-spark[PyHive]"}
DUMMY_OUTPUT = {
    "snowflake": {"account": "dummy", "user": "dummy", "password": "dummy", "role": "dummy",
                  "database": "dummy", "warehouse": "dummy", "schema": "dummy"},
    "bigquery": {"method": "oauth", "project": "dummy", "dataset": "dummy"},
    "databricks": {"host": "dummy.cloud.databricks.com", "http_path": "/sql/1.0/warehouses/dummy",
                   "token": "dummy", "catalog": "dummy", "schema": "dummy"},
    "postgres": {"host": "localhost", "port": 5432, "user": "dummy", "password": "dummy",
                 "dbname": "dummy", "schema": "dummy"},
    "redshift": {"host": "localhost", "port": 5439, "user": "dummy", "password": "dummy",
                 "dbname": "dummy", "schema": "dummy"},
    "spark": {"method": "thrift", "host": "localhost", "port": 10000, "schema": "dummy"},
    "duckdb": {"path": ":memory:", "schema": "dummy"},
}
BASE_ENV = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
DUMMY_VALUE = "dummy"


def run(cmd, check=True, quiet=False, **kw):
    if not quiet:
        print("  $", " ".join(shlex.quote(str(c)) for c in cmd), flush=True)
    return subprocess.run(cmd, check=check, **kw)


def git(gitdir, *args, **kw):
    return run(["git", "-C", gitdir, *args], capture_output=True, text=True, quiet=True, **kw)


class Sources:
    """Git directories of repositories, from a folder of existing clones or from GitHub."""

    def __init__(self, mirror, clones):
        self.mirror, self.clones = mirror, clones

    def gitdir(self, repo):
        owner, name = repo.split("/")
        if self.mirror:
            path = self.mirror.format(owner=owner, name=name)
            return path if os.path.isdir(path) else None
        path = os.path.join(self.clones, f"{owner}__{name}.git")
        if not os.path.isdir(path):
            os.makedirs(self.clones, exist_ok=True)
            if run(["git", "clone", "--bare", "-q", f"https://github.com/{repo}", path], check=False).returncode:
                return None
        return path


def checkout(sources, repo, commit, dest):
    if os.path.isdir(dest):
        print(f"  checkout exists: {dest}")
        return True
    if not sources.mirror:
        return run(["git", "clone", "-q", "--no-checkout", f"https://github.com/{repo}", dest], check=False).returncode == 0 \
            and run(["git", "-C", dest, "checkout", "-q", "--detach", commit], check=False).returncode == 0
    gitdir = sources.gitdir(repo)
    if not gitdir or git(gitdir, "cat-file", "-e", f"{commit}^{{commit}}", check=False).returncode:
        print(f"  no clone of {repo} with commit {commit}")
        return False
    if run(["git", "-C", gitdir, "worktree", "add", "-q", "--detach", dest, commit], check=False).returncode == 0:
        return True
    # some blobs are absent: check out every file whose content the clone has
    run(["git", "-C", gitdir, "worktree", "prune"])
    run(["git", "-C", gitdir, "worktree", "add", "-q", "--no-checkout", "--detach", dest, commit])
    run(["git", "-C", dest, "reset", "-q"])
    entries = []
    for entry in git(dest, "ls-files", "-s", "-z").stdout.split("\0"):
        if entry:
            meta, path = entry.split("\t", 1)
            mode, sha, _ = meta.split()
            if mode != "160000":
                entries.append((sha, path))
    status = git(dest, "cat-file", "--batch-check", input="".join(sha + "\n" for sha, _ in entries)).stdout.splitlines()
    present = [path for (_, path), line in zip(entries, status) if not line.endswith(" missing")]
    missing = [path for (_, path), line in zip(entries, status) if line.endswith(" missing")]
    run(["git", "-C", dest, "checkout-index", "-z", "--stdin"], input="\0".join(present) + "\0", text=True)
    print(f"  checked out without {len(missing)} file(s) absent from the clone:")
    for path in missing:
        print(f"    {path}")
    return True


def ensure_venv(venv, adapters):
    python = os.path.join(venv, "bin", "python")
    have = os.path.exists(os.path.join(venv, "bin", "dbt")) and all(
        run([python, "-c", f"import dbt.adapters.{a}"], check=False, quiet=True, capture_output=True).returncode == 0
        for a in adapters)
    if have:
        print(f"  virtualenv ready: {venv}")
        return python
    if not os.path.exists(python):
        run(["nice", "-n", "10", sys.executable, "-m", "venv", venv])
    packages = ["dbt-core>=1.11,<1.12", "dbt-duckdb"] + [PIP_NAME.get(a, f"dbt-{a}") for a in sorted(adapters)]
    run(["nice", "-n", "10", python, "-m", "pip", "install", "-q", *packages])
    return python


class Yaml:
    """Reads YAML with the PyYAML that dbt brings into the virtualenv."""

    def __init__(self, python):
        self.python = python

    def loads(self, text):
        code = "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))"
        out = run([self.python, "-c", code], input=text, capture_output=True, text=True, quiet=True).stdout
        return json.loads(out) or {}

    def load(self, path):
        with open(path) as f:
            return self.loads(f.read())


def parse_version(text):
    m = re.fullmatch(r"v?(\d+(?:\.\d+)*)", text.strip())
    return tuple(int(x) for x in m.group(1).split(".")) if m else None


def constraints_of(specs):
    """(operator, version) pairs of dbt version specs such as "1.2.0" or [">=1.0.0", "<2.0.0"]."""
    for spec in specs:
        for part in re.split(r"[,\s]+", str(spec).strip()):
            m = re.fullmatch(r"(>=|<=|==|=|>|<)?v?(\d+(?:\.\d+)*)", part)
            if m:
                yield m.group(1) or "=", parse_version(m.group(2))


def satisfies(version, specs):
    ops = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
           "<": lambda a, b: a < b, "=": lambda a, b: a == b, "==": lambda a, b: a == b}
    for op, wanted in constraints_of(specs):
        n = max(len(version), len(wanted))
        if not ops[op](version + (0,) * (n - len(version)), wanted + (0,) * (n - len(wanted))):
            return False
    return True


def hub_name(spec):
    name = spec["package"]
    for old, new in HUB_RENAMED.items():
        name = name.replace(old, new)
    return name


def git_package_repo(url):
    url = re.sub(r"\.git$", "", url.strip())
    m = re.match(r"(?:https?://|ssh://)?(?:git@)?([^/:]+)[:/](.+)$", url)
    if not m:
        return None
    host, path = m.groups()
    if host == "github.com":
        return path
    return GIT_MIRRORS.get(f"{host}/{path}")


class Installer:
    def __init__(self, sources, yaml):
        self.sources, self.yaml = sources, yaml

    def package_specs(self, text):
        return [p for p in (self.yaml.loads(text) or {}).get("packages") or [] if isinstance(p, dict)]

    def read_at(self, gitdir, rev, path):
        result = git(gitdir, "show", f"{rev}:{path}", check=False)
        return result.stdout if result.returncode == 0 else None

    def locate(self, spec, constraints):
        """(label, git dir, revision, subdirectory) of one package; git dir None when not found."""
        if "package" in spec:
            hub = label = hub_name(spec)
            gitdir = HUB.get(hub) and self.sources.gitdir(HUB[hub])
            if not gitdir:
                return label, None, None, ""
            tags = {v: t for t in git(gitdir, "tag").stdout.split() if (v := parse_version(t))}
            fits = [v for v in tags if satisfies(v, constraints[hub])]
            if fits:
                tag = tags[max(fits)]
                return f"{label}@{tag.lstrip('v')}", gitdir, tag, ""
            # a clone older than the release asked for: the newest release before it
            floor = min((v for op, v in constraints_of(constraints[hub]) if op[0] in "=>"), default=(0,))
            older = [v for v in tags if v < floor]
            if not older:
                return f"{label} {constraints[hub]} (no tag fits)", None, None, ""
            tag = tags[max(older)]
            return f"{label}@{tag.lstrip('v')} (STAND-IN: no tag fits {constraints[hub]})", gitdir, tag, ""
        repo = git_package_repo(spec["git"])
        rev = str(spec.get("revision", "HEAD"))
        label = f"{spec['git']}@{rev}"
        gitdir = repo and self.sources.gitdir(repo)
        if not gitdir:
            return label, None, None, ""
        for candidate in (rev, f"origin/{rev}", f"refs/tags/{rev}"):
            if git(gitdir, "rev-parse", "-q", "--verify", f"{candidate}^{{commit}}", check=False).returncode == 0:
                return label, gitdir, candidate, spec.get("subdirectory", "")
        return f"{label} (no such revision)", None, None, ""

    def resolve(self, root):
        """Every package to install, the root's and those they bring in, as locate() tuples."""
        chosen = None
        for _ in range(10):
            specs = list(root)
            for _, gitdir, rev, sub in chosen or []:
                if gitdir:
                    for name in ("packages.yml", "dependencies.yml"):
                        text = self.read_at(gitdir, rev, os.path.join(sub, name).lstrip("/"))
                        if text:
                            specs += [s for s in self.package_specs(text) if "local" not in s]
            constraints, unique = {}, {}
            for spec in specs:
                if "package" in spec:
                    hub = hub_name(spec)
                    version = spec.get("version", [])
                    constraints.setdefault(hub, []).extend(version if isinstance(version, list) else [version])
                    unique.setdefault(("hub", hub), spec)
                elif "git" in spec:
                    unique.setdefault(("git", git_package_repo(spec["git"]) or spec["git"]), spec)
            found = [self.locate(spec, constraints) for spec in unique.values()]
            if found == chosen:
                break
            chosen = found
        return chosen

    def install(self, project_dir, dest_root):
        lock = os.path.join(project_dir, "package-lock.yml")
        files = [lock] if os.path.exists(lock) else [
            os.path.join(project_dir, n) for n in ("packages.yml", "dependencies.yml")]
        root = []
        for path in files:
            if os.path.exists(path):
                with open(path) as f:
                    root += [s for s in self.package_specs(f.read()) if "local" not in s]
        if not root:
            return [], []
        print(f"  packages from {', '.join(os.path.basename(f) for f in files if os.path.exists(f))}")
        installed, missing = [], []
        for label, gitdir, rev, sub in self.resolve(root):
            if not gitdir:
                missing.append(label)
                placeholder(dest_root, label)
                continue
            text = self.read_at(gitdir, rev, os.path.join(sub, "dbt_project.yml").lstrip("/"))
            name = text and self.yaml.loads(text).get("name")
            if not name:
                missing.append(f"{label} (no dbt_project.yml)")
                continue
            dest = os.path.join(dest_root, name)
            installed.append(f"{name}={label}")
            if os.path.isdir(dest) and not is_placeholder(dest):
                continue
            shutil.rmtree(dest, ignore_errors=True)
            os.makedirs(dest)
            archive = ["git", "-C", gitdir, "archive", "--format=tar", f"{rev}:{sub}" if sub else rev]
            print("  $", shlex.join(archive), "| tar -x -C", shlex.quote(dest), flush=True)
            tar = subprocess.Popen(["tar", "-x", "-C", dest], stdin=subprocess.PIPE)
            subprocess.run(archive, stdout=tar.stdin, check=True)
            tar.stdin.close()
            if tar.wait():
                raise RuntimeError(f"tar failed for {label}")
        return installed, missing


PLACEHOLDER = "# placeholder for "


def is_placeholder(dest):
    try:
        with open(os.path.join(dest, "dbt_project.yml")) as f:
            return f.read().startswith(PLACEHOLDER)
    except OSError:
        return False


def placeholder(dest_root, label):
    name = re.sub(r"\W", "_", re.sub(r"(\.git)?@[^@]*$", "", label.split()[0]).split("/")[-1])
    dest = os.path.join(dest_root, name)
    if not os.path.exists(dest):
        os.makedirs(dest)
        with open(os.path.join(dest, "dbt_project.yml"), "w") as f:
            f.write(f"{PLACEHOLDER}{label}, which could not be obtained\n"
                    f"name: {name}\nversion: '0.0.0'\nconfig-version: 2\n")


def install_path(project):
    path = str(project.get("packages-install-path") or "dbt_packages")
    # "{{ env_var('X', 'default') }}": the default
    m = re.search(r"env_var\([^,]+,\s*['\"]([^'\"]*)['\"]\s*\)", path)
    return m.group(1) if m else path


def write_profile(folder, profile, adapter, target):
    os.makedirs(folder, exist_ok=True)
    target = dict(target)
    name = target.pop("name", "prod")
    output = {"type": adapter, "threads": 1, **DUMMY_OUTPUT[adapter], **target}
    with open(os.path.join(folder, "profiles.yml"), "w") as f:
        f.write(f"{json.dumps(profile)}:\n  target: {name}\n  outputs:\n    {name}:\n")
        for key, value in output.items():
            f.write(f"      {key}: {json.dumps(value)}\n")


def required_env_vars(project_dir, skip):
    """Names the project reads with env_var('NAME') and no default."""
    names = set()
    for root, dirs, files in os.walk(project_dir):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in skip and not d.startswith(".")]
        for file in files:
            if file.endswith((".sql", ".yml", ".yaml", ".py")):
                with open(os.path.join(root, file), errors="replace") as f:
                    names.update(re.findall(r"env_var\(\s*['\"](\w+)['\"]\s*\)", f.read()))
    return sorted(n for n in names if n not in os.environ)


def dbt_parse(venv, project_dir, profiles_dir, packages_dir):
    skip = {os.path.join(project_dir, d) for d in ("target", "logs")} | {packages_dir}
    added = {name: DUMMY_VALUE for name in required_env_vars(project_dir, skip)}
    env = dict(os.environ, **BASE_ENV, **added, DBT_LOG_PATH=os.path.join(profiles_dir, "logs"))
    cmd = ["nice", "-n", "10", os.path.join(venv, "bin", "dbt"), "parse", "--no-partial-parse", "--no-version-check",
           "--profiles-dir", profiles_dir, "--project-dir", project_dir,
           "--target-path", os.path.join(project_dir, "target")]
    started = time.monotonic()
    for _ in range(30):
        print("  $", " ".join(f"{k}={v}" for k, v in {**BASE_ENV, **added}.items()),
              " ".join(shlex.quote(c) for c in cmd), flush=True)
        result = subprocess.run(cmd, env=env, capture_output=True, text=True)
        wanted = re.findall(r"Env var required but not provided: '(\w+)'", result.stdout + result.stderr)
        if result.returncode == 0 or not wanted or wanted[0] in added:
            break
        added[wanted[0]] = env[wanted[0]] = DUMMY_VALUE
    seconds = time.monotonic() - started
    if result.returncode:
        print("\n".join("    " + line for line in (result.stdout + result.stderr).splitlines()[-15:]))
    return result.returncode == 0, added, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repos_dir")
    parser.add_argument("--mirror", help="git directory of each repository, with {owner} and {name}")
    parser.add_argument("--work", help="folder for venv/, clones/ and profiles/ (default: parent of REPOS_DIR)")
    parser.add_argument("--only", nargs="*", help="repositories to prepare (owner/name), default all")
    parser.add_argument("--force", action="store_true", help="run dbt parse even where a manifest exists")
    args = parser.parse_args()
    repos_dir = os.path.abspath(args.repos_dir)
    work = os.path.abspath(args.work or os.path.dirname(repos_dir))
    sources = Sources(args.mirror, os.path.join(work, "clones"))

    rows = []
    with open(os.path.join(HERE, "repos.tsv")) as listing:
        for line in listing:
            if line.strip() and not line.startswith("#"):
                repo, commit, projects = line.rstrip("\n").split("\t")[:3]
                if not args.only or repo in args.only:
                    rows.append((repo, commit, projects.split(",")))

    venv = os.path.join(work, "venv")
    print("virtualenv")
    yaml = Yaml(ensure_venv(venv, {ADAPTER.get(repo, "duckdb") for repo, _, _ in rows}))
    installer = Installer(sources, yaml)
    report = []
    for repo, commit, projects in rows:
        folder = repo.replace("/", "__")
        dest = os.path.join(repos_dir, folder)
        print(f"\n{repo}")
        if not checkout(sources, repo, commit, dest):
            report.append((repo, "-", "not checked out", "", ""))
            continue
        for project in projects:
            project_dir = os.path.join(dest, project)
            print(f" {project}")
            config = yaml.load(os.path.join(project_dir, "dbt_project.yml"))
            packages_dir = os.path.join(project_dir, install_path(config))
            installed, missing = installer.install(project_dir, packages_dir)
            for label in installed:
                print(f"  installed {label}")
            for label in missing:
                print(f"  MISSING {label} (placeholder written)")
            manifest = os.path.join(project_dir, "target", "manifest.json")
            profiles_dir = os.path.join(work, "profiles", folder, project.replace("/", "__"))
            adapter = ADAPTER.get(repo, "duckdb")
            write_profile(profiles_dir, config.get("profile", "default"), adapter, TARGET.get(repo, {}))
            note = f"{adapter}; packages: {', '.join(installed) or 'none'}"
            if missing:
                note += f"; missing: {', '.join(missing)}"
            if os.path.exists(manifest) and not args.force:
                print("  manifest exists")
                status, seconds = "exists", None
            else:
                ok, added, seconds = dbt_parse(venv, project_dir, profiles_dir, packages_dir)
                status = "parsed" if ok and os.path.exists(manifest) else "FAILED"
                if added:
                    note += f"; dummy env: {', '.join(added)}"
            nodes = ""
            if os.path.exists(manifest):
                with open(manifest) as f:
                    nodes = len(json.load(f)["nodes"])
            report.append((repo, project, status, nodes, f"{seconds:.0f}s" if seconds else ""))
            print(f"  {status} {nodes} nodes {note}")

    print("\nrepository\tproject\tmanifest\tnodes\tparse time")
    for row in report:
        print("\t".join(map(str, row)))
    return 0 if all(row[2] in ("parsed", "exists") for row in report) else 1


if __name__ == "__main__":
    sys.exit(main())
