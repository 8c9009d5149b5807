//! Resolving every node's refs and sources, and writing the manifest `dbt parse` would write.

use super::*;

impl Assembly {
    /// Resolves every ref and source, and writes the manifest.
    pub(super) fn finish(
        self,
        root: &Package,
        macros: &[MacroDef],
        unknown: &mut BTreeMap<String, String>,
    ) -> Vec<u8> {
        let Assembly { drafts, groups, .. } = self;
        // Refable nodes by name: (package, version, latest version, unique id).
        type Refable = (String, Option<String>, Option<String>, String);
        let mut refable: HashMap<String, Vec<Refable>> = HashMap::new();
        let mut sources: HashMap<(String, String), Vec<(String, String)>> = HashMap::new();
        for draft in drafts.iter().filter(|d| d.enabled) {
            let field = |key: &str| draft.node.get(key).and_then(Value::as_str);
            let (Some(resource_type), Some(name), Some(package), Some(id)) = (
                field("resource_type"),
                field("name"),
                field("package_name"),
                field("unique_id"),
            ) else {
                continue;
            };
            match resource_type {
                "model" | "seed" | "snapshot" => {
                    refable.entry(name.to_owned()).or_default().push((
                        package.to_owned(),
                        field("version").map(str::to_owned),
                        field("latest_version").map(str::to_owned),
                        id.to_owned(),
                    ))
                }
                "source" => {
                    if let Some(source) = field("source_name") {
                        sources
                            .entry((source.to_owned(), name.to_owned()))
                            .or_default()
                            .push((package.to_owned(), id.to_owned()));
                    }
                }
                _ => {}
            }
        }
        let root_name = root.name.as_str();
        let search = |node_package: &str, wanted: Option<&str>| -> Vec<Option<String>> {
            match wanted {
                Some(package) => vec![Some(package.to_owned())],
                None if node_package == root_name => vec![Some(root_name.to_owned()), None],
                None => vec![
                    Some(root_name.to_owned()),
                    Some(node_package.to_owned()),
                    None,
                ],
            }
        };
        let resolve_ref = |call: &RefCall, node_package: &str| -> Option<String> {
            let candidates = refable.get(call.name.as_str())?;
            search(node_package, call.package.as_deref())
                .into_iter()
                .find_map(|package| {
                    candidates
                        .iter()
                        .filter(|(p, ..)| package.as_deref().is_none_or(|wanted| wanted == *p))
                        .find(|(_, version, latest, _)| match (&call.version, version) {
                            (Some(wanted), Some(version)) => wanted == version,
                            (Some(_), None) => false,
                            (None, Some(version)) => latest.as_ref() == Some(version),
                            (None, None) => true,
                        })
                        .map(|(.., id)| id.clone())
                })
        };
        let resolve_source = |(source, table): &(String, String), node_package: &str| {
            let candidates = sources.get(&(source.clone(), table.clone()))?;
            search(node_package, None).into_iter().find_map(|package| {
                candidates
                    .iter()
                    .find(|(p, _)| package.as_deref().is_none_or(|wanted| wanted == *p))
                    .map(|(_, id)| id.clone())
            })
        };
        let enabled_by_jinja: HashSet<String> = drafts
            .iter()
            .filter(|d| d.unknown.as_deref() == Some(ENABLED_BY_JINJA))
            .filter_map(|d| Some(d.node.get("unique_id")?.as_str()?.to_owned()))
            .collect();
        let group_of: HashMap<String, Value> = drafts
            .iter()
            .filter_map(|d| {
                let group = d.node.get("group")?.clone();
                Some((d.node.get("unique_id")?.as_str()?.to_owned(), group))
            })
            .collect();
        let resolved: Vec<(Draft, Vec<String>, bool, Option<String>)> = drafts
            .into_par_iter()
            .map(|mut draft| {
                let package = draft
                    .node
                    .get("package_name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let mut depends_on = std::mem::take(&mut draft.depends_on);
                let attached = draft
                    .attached
                    .as_ref()
                    .and_then(|call| resolve_ref(call, &package));
                let mut missing = false;
                for call in &draft.refs {
                    match resolve_ref(call, &package) {
                        Some(id) => depends_on.push(id),
                        None => missing = true,
                    }
                }
                for call in &draft.sources {
                    match resolve_source(call, &package) {
                        Some(id) => depends_on.push(id),
                        None => missing = true,
                    }
                }
                depends_on.sort();
                depends_on.dedup();
                (draft, depends_on, missing, attached)
            })
            .collect();
        let mut collections: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
        let mut disabled: Vec<(String, String)> = Vec::new();
        let entries: Vec<(bool, &str, String, String)> = resolved
            .into_par_iter()
            .map(|(mut draft, depends_on, missing, attached)| {
                let is_test =
                    draft.node.get("resource_type").and_then(Value::as_str) == Some("test");
                // A test of a disabled or missing node is disabled, as dbt does.
                let enabled = draft.enabled && !(is_test && missing);
                if let Some(group) = attached.as_ref().and_then(|id| group_of.get(id))
                    && !draft.node.contains_key("group")
                {
                    draft.node.insert("group".into(), group.clone());
                }
                draft
                    .node
                    .insert("depends_on".into(), json!({ "nodes": depends_on }));
                let id = draft
                    .node
                    .get("unique_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let collection = match draft.node.get("resource_type").and_then(Value::as_str) {
                    Some("source") => "sources",
                    Some("exposure") => "exposures",
                    Some("unit_test") => "unit_tests",
                    _ => "nodes",
                };
                let text = serde_json::to_string(&draft.node).unwrap_or_else(|_| "{}".into());
                let tests_unknown_node = attached
                    .iter()
                    .chain(is_test.then_some(&depends_on).into_iter().flatten())
                    .any(|id| enabled_by_jinja.contains(id));
                if tests_unknown_node {
                    draft
                        .unknown
                        .get_or_insert("it tests a node whose `enabled` is computed by Jinja".into());
                }
                let reason = draft.unknown.or_else(|| {
                    missing.then(|| {
                        "it refers to a node the files read do not define (a package not installed?)"
                            .to_owned()
                    })
                });
                (
                    enabled,
                    collection,
                    format!("{id}\u{0}{}", reason.unwrap_or_default()),
                    text,
                )
            })
            .collect();
        let mut emitted: HashSet<String> = HashSet::new();
        for (enabled, collection, id_and_reason, text) in entries {
            let (id, reason) = id_and_reason
                .split_once('\u{0}')
                .map_or((id_and_reason.as_str(), ""), |(id, reason)| (id, reason));
            if !reason.is_empty() {
                unknown.insert(id.to_owned(), reason.to_owned());
            }
            // Two enabled definitions of one name (adapter-specific models enabled by Jinja):
            // dbt keeps the one rendering enables; which one is unknown here.
            if enabled && !emitted.insert(id.to_owned()) {
                unknown.insert(
                    id.to_owned(),
                    "it is defined more than once, each enabled by Jinja".to_owned(),
                );
                disabled.push((id.to_owned(), text));
                continue;
            }
            if enabled {
                collections
                    .entry(collection)
                    .or_default()
                    .push((id.to_owned(), text));
            } else {
                disabled.push((id.to_owned(), text));
            }
        }
        let size: usize = collections
            .values()
            .flatten()
            .chain(&disabled)
            .map(|(id, text)| id.len() + text.len() + 8)
            .sum();
        let mut out = String::with_capacity(size + (1 << 20));
        out.push('{');
        out.push_str(&format!(
            "\"metadata\": {{\"project_name\": {}}}",
            json!(root.name)
        ));
        for (collection, mut entries) in collections {
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            out.push_str(&format!(", {}: {{", json!(collection)));
            for (i, (id, text)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&json!(id).to_string());
                out.push_str(": ");
                out.push_str(text);
            }
            out.push('}');
        }
        disabled.sort_by(|a, b| a.0.cmp(&b.0));
        out.push_str(", \"disabled\": {");
        for (i, (id, text)) in disabled.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("{}: [{text}]", json!(id)));
        }
        out.push('}');
        let groups: Map<String, Value> = groups
            .into_iter()
            .filter_map(|g| Some((g.get("unique_id")?.as_str()?.to_owned(), g)))
            .collect();
        out.push_str(&format!(", \"groups\": {}", Value::Object(groups)));
        let macros: Map<String, Value> = macros
            .iter()
            .map(|m| {
                (
                    format!("macro.{}.{}", m.package, m.name),
                    json!({"name": m.name, "package_name": m.package, "original_file_path": m.file, "macro_sql": m.sql}),
                )
            })
            .collect();
        out.push_str(&format!(", \"macros\": {}", Value::Object(macros)));
        out.push('}');
        out.into_bytes()
    }
}
