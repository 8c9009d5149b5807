"""Replicates a dbt manifest written by real dbt into a larger project of the same shape.

Each replica puts its nodes, sources and exposures under a folder of its own and suffixes
their names and ids, with dependencies, fqns and the parent and child maps rewritten; each
node's file is written with the checksum dbt records, so the project on disk matches its
manifest. Used by scripts/bench/scale_manifest.py and scripts/generate-map-monorepo.py.
"""

import copy
import hashlib
import json
import os

REPLICATED = ("nodes", "sources", "exposures")


def checksum(code):
    """The checksum dbt records for a file: sha256 of its text after Python's str.strip()."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


def suffix_id(unique_id, suffix, package=None):
    """`model.shop.orders` -> `model.shop.orders<suffix>`, for `package`'s ids when given."""
    parts = unique_id.split(".")
    if len(parts) > 2 and not parts[0].startswith("macro") and package in (None, parts[1]):
        parts[2] = f"{parts[2]}{suffix}"
    return ".".join(parts)


def insert_folder(path, folder, rename_file, suffix):
    """`models/staging/stg_orders.sql` -> `models/<folder>/staging/stg_orders<suffix>.sql`."""
    top, _, rest = path.partition("/")
    if not rest:
        top, rest = "", path
    if rename_file:
        stem, dot, ext = rest.rpartition(".")
        rest = f"{stem}{suffix}.{ext}" if dot else f"{rest}{suffix}"
    return f"{top}/{folder}/{rest}" if top else f"{folder}/{rest}"


def rewrite(entry, folder, suffix, package=None):
    """A copy of a manifest entry for one replica."""
    entry = copy.deepcopy(entry)
    is_source = entry.get("resource_type") == "source"
    entry["unique_id"] = suffix_id(entry["unique_id"], suffix, package)
    if is_source:
        entry["source_name"] = f"{entry.get('source_name', '')}{suffix}"
    else:
        entry["name"] = f"{entry.get('name', '')}{suffix}"
    for key in ("path", "original_file_path"):
        if isinstance(entry.get(key), str):
            entry[key] = insert_folder(entry[key], folder, not is_source, suffix)
    if isinstance(entry.get("patch_path"), str):
        owner, sep, file = entry["patch_path"].partition("://")
        if sep:
            entry["patch_path"] = f"{owner}://{insert_folder(file, folder, False, suffix)}"
    fqn = entry.get("fqn")
    if isinstance(fqn, list) and len(fqn) > 1:
        fqn[1:1] = folder.split("/")
        if not is_source:
            fqn[-1] = f"{fqn[-1]}{suffix}"
    depends = (entry.get("depends_on") or {}).get("nodes")
    if isinstance(depends, list):
        entry["depends_on"]["nodes"] = [suffix_id(d, suffix, package) for d in depends]
    if isinstance(entry.get("attached_node"), str):
        entry["attached_node"] = suffix_id(entry["attached_node"], suffix, package)
    return entry


def write_node_file(project, entry):
    """Writes a node's file under `project`: its code for SQL and Python (the entry's checksum
    set to it), an empty file for a seed's CSV or a properties YAML."""
    file = entry.get("original_file_path")
    if not isinstance(file, str) or not file:
        return
    path = os.path.join(project, file)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    generic_test = entry.get("resource_type") == "test" and entry.get("test_metadata")
    if file.endswith((".sql", ".py")) and not generic_test:
        code = entry.get("raw_code") or ""
        with open(path, "w") as out:
            out.write(code)
        entry["checksum"] = {"name": "sha256", "checksum": checksum(code)}
    elif not os.path.exists(path):
        open(path, "w").close()
        if file.endswith(".csv"):
            entry["checksum"] = {"name": "sha256", "checksum": checksum("")}


def replicate(manifest, project, replicas, folder_of, suffix_of, package=None):
    """The manifest with `replicas` copies of its nodes, sources and exposures (of `package`'s
    only when given: the others are kept once), replica `r` under `folder_of(r)` with names
    suffixed `suffix_of(r)`; writes each copy's file under `project`, and the manifest to
    `project/target/manifest.json`."""
    scaled = {}
    parents = {}
    for key, value in manifest.items():
        if key in REPLICATED and isinstance(value, dict):
            entries = {}
            for replica in range(replicas):
                for entry in value.values():
                    if package is not None and entry.get("package_name") != package:
                        entries.setdefault(entry["unique_id"], entry)
                        continue
                    entry = rewrite(entry, folder_of(replica), suffix_of(replica), package)
                    if key == "nodes":
                        write_node_file(project, entry)
                    entries[entry["unique_id"]] = entry
            for unique_id, entry in entries.items():
                parents[unique_id] = list((entry.get("depends_on") or {}).get("nodes") or [])
            scaled[key] = entries
        else:
            # The dependency maps keep their place; they are rebuilt below.
            scaled[key] = {} if key in ("parent_map", "child_map") else value
    children = {unique_id: [] for unique_id in parents}
    for unique_id, deps in parents.items():
        for dep in deps:
            children.setdefault(dep, []).append(unique_id)
    scaled["parent_map"] = parents
    scaled["child_map"] = children
    os.makedirs(os.path.join(project, "target"), exist_ok=True)
    with open(os.path.join(project, "target", "manifest.json"), "w") as out:
        json.dump(scaled, out)
    return scaled
