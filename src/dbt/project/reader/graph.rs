//! Resolving every node's refs and sources as dbt does, and handing the nodes to the graph as
//! the manifest reader hands over what `dbt parse` writes: the same entries (`RawNode`s) built
//! into the same node table, without writing a manifest and reading it back. Only the fields
//! the graph keeps as JSON text (code, config, descriptions, columns, ...) are written.

use std::borrow::Cow;
use std::ops::Range;

use serde::Deserialize;

use super::json;
use super::*;
use crate::dbt::graph::{DbtGraph, GraphBuilder};
use crate::dbt::manifest::{
    Contract, JsonText, ManifestSink, Metadata, NodeConfig, RawConfig, RawGroup, RawMacro, RawNode,
};

/// The fields of a node the graph keeps as JSON text, as `RawNode` reads them.
const TEXT_FIELDS: [&str; 8] = [
    "meta",
    "source_meta",
    "raw_code",
    "description",
    "source_description",
    "columns",
    "freshness",
    "column_name",
];

impl Assembly {
    /// Resolves every ref and source, and builds the graph.
    pub(super) fn finish(
        self,
        root: &Package,
        macros: &[MacroDef],
        unknown: &mut BTreeMap<String, String>,
    ) -> std::result::Result<DbtGraph, serde_json::Error> {
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
        let mut collections: BTreeMap<&str, Vec<Finished>> = BTreeMap::new();
        let mut disabled: Vec<Finished> = Vec::new();
        let entries: Vec<(bool, &str, Option<String>, Finished)> = resolved
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
                let finished = Finished {
                    id,
                    node: draft.node,
                    depends_on,
                };
                (enabled, collection, reason, finished)
            })
            .collect();
        let mut emitted: HashSet<String> = HashSet::new();
        for (enabled, collection, reason, finished) in entries {
            let id = &finished.id;
            if let Some(reason) = reason {
                unknown.insert(id.clone(), reason);
            }
            // Two enabled definitions of one name (adapter-specific models enabled by Jinja):
            // dbt keeps the one rendering enables; which one is unknown here.
            if enabled && !emitted.insert(id.clone()) {
                unknown.insert(
                    id.clone(),
                    "it is defined more than once, each enabled by Jinja".to_owned(),
                );
                disabled.push(finished);
                continue;
            }
            if enabled {
                collections.entry(collection).or_default().push(finished);
            } else {
                disabled.push(finished);
            }
        }
        // In the manifest's order: each collection by unique id, then the disabled nodes.
        let mut ordered: Vec<(bool, Finished)> = Vec::new();
        for (_, mut entries) in collections {
            entries.sort_by(|a, b| a.id.cmp(&b.id));
            ordered.extend(entries.into_iter().map(|finished| (true, finished)));
        }
        disabled.sort_by(|a, b| a.id.cmp(&b.id));
        ordered.extend(disabled.into_iter().map(|finished| (false, finished)));
        // A key written twice in the manifest's `groups` and `macros` keeps its last value.
        let groups: BTreeMap<String, Value> = groups
            .into_iter()
            .filter_map(|g| Some((g.get("unique_id")?.as_str()?.to_owned(), g)))
            .collect();
        let macros: BTreeMap<String, &MacroDef> = macros
            .iter()
            .map(|m| (format!("macro.{}.{}", m.package, m.name), m))
            .collect();

        // The JSON texts, written in parallel, then joined into the graph's one text.
        let mut prepared: Vec<(bool, Prepared)> = ordered
            .into_par_iter()
            .map(|(enabled, finished)| (enabled, Prepared::new(finished)))
            .collect();
        let macro_texts: Vec<Vec<u8>> = macros
            .par_iter()
            .map(|(_, m)| {
                let mut text = Vec::new();
                json::write_str(&mut text, &m.sql);
                text
            })
            .collect();
        let size = prepared.iter().map(|(_, p)| p.text.len()).sum::<usize>()
            + macro_texts.iter().map(Vec::len).sum::<usize>();
        let mut text = Vec::with_capacity(size);
        for (_, node) in &mut prepared {
            node.offset = text.len();
            text.append(&mut node.text);
        }
        let mut macro_ranges = Vec::with_capacity(macro_texts.len());
        for written in macro_texts {
            macro_ranges.push(text.len()..text.len() + written.len());
            text.extend(written);
        }
        let text = String::from_utf8(text).unwrap_or_default();

        let built = {
            let mut builder = GraphBuilder::for_nodes(text.as_bytes(), prepared.len());
            builder.metadata(Metadata {
                project_name: Some(Cow::Borrowed(&root.name)),
                ..Metadata::default()
            });
            for (enabled, node) in &prepared {
                let raw = node.raw_node(&text)?;
                if *enabled {
                    builder.node(raw);
                } else {
                    builder.disabled(raw);
                }
            }
            for group in groups.values() {
                builder.group(RawGroup::deserialize(group)?);
            }
            for ((_, m), range) in macros.iter().zip(macro_ranges) {
                builder.macro_def(RawMacro {
                    name: Cow::Borrowed(&m.name),
                    package_name: Cow::Borrowed(&m.package),
                    macro_sql: text.get(range).map(JsonText::written),
                });
            }
            builder.finish()
        };
        Ok(DbtGraph::from_built(
            text.into_bytes().into_boxed_slice(),
            built,
        ))
    }
}

/// A node with its dependencies resolved.
struct Finished {
    id: String,
    node: Map<String, Value>,
    depends_on: Vec<String>,
}

/// A node ready for the graph: its JSON texts written, the rest as `RawNode` reads it.
struct Prepared {
    /// The node without its text fields and `config`.
    node: Map<String, Value>,
    /// The config without `meta` (which is one of the texts).
    config: Option<Map<String, Value>>,
    /// `contract`, which the manifest reader reads leniently.
    contract: Option<Value>,
    depends_on: Vec<String>,
    /// The texts, until joined into the graph's text at `offset`.
    text: Vec<u8>,
    offset: usize,
    /// Where each of [`TEXT_FIELDS`] is in `text`.
    fields: [Option<Range<usize>>; TEXT_FIELDS.len()],
    config_range: Option<Range<usize>>,
    config_meta: Option<Range<usize>>,
}

impl Prepared {
    fn new(finished: Finished) -> Prepared {
        let Finished {
            mut node,
            depends_on,
            ..
        } = finished;
        let mut text = Vec::new();
        let mut fields: [Option<Range<usize>>; TEXT_FIELDS.len()] = Default::default();
        for (slot, key) in fields.iter_mut().zip(TEXT_FIELDS) {
            match node.remove(key) {
                // `null` reads as absent, except for a source's freshness (it turns the
                // check off).
                None => {}
                Some(Value::Null) if key != "freshness" => {}
                Some(value) => *slot = Some(json::write_value(&mut text, &value)),
            }
        }
        let (config, config_range, config_meta) = match node.remove("config") {
            Some(Value::Object(mut config)) => {
                // Written as serde_json writes an object, keeping where `meta` is.
                let start = text.len();
                let mut meta = None;
                text.push(b'{');
                for (i, (key, value)) in config.iter().enumerate() {
                    if i > 0 {
                        text.push(b',');
                    }
                    json::write_str(&mut text, key);
                    text.push(b':');
                    let range = json::write_value(&mut text, value);
                    if key == "meta" && !value.is_null() {
                        meta = Some(range);
                    }
                }
                text.push(b'}');
                config.remove("meta");
                (Some(config), Some(start..text.len()), meta)
            }
            _ => (None, None, None),
        };
        Prepared {
            contract: node.remove("contract"),
            node,
            config,
            depends_on,
            text,
            offset: 0,
            fields,
            config_range,
            config_meta,
        }
    }

    /// The node as the manifest reader would have read it, its texts ranges of `text`.
    fn raw_node<'a>(
        &'a self,
        text: &'a str,
    ) -> std::result::Result<RawNode<'a>, serde_json::Error> {
        let at = |range: &Option<Range<usize>>| {
            let range = range.as_ref()?;
            text.get(self.offset + range.start..self.offset + range.end)
                .map(JsonText::written)
        };
        let mut raw = RawNode::deserialize(&self.node)?;
        let [
            meta,
            source_meta,
            raw_code,
            description,
            source_description,
            columns,
            freshness,
            column_name,
        ] = &self.fields;
        raw.meta = at(meta);
        raw.source_meta = at(source_meta);
        raw.raw_code = at(raw_code);
        raw.description = at(description);
        raw.source_description = at(source_description);
        raw.columns = at(columns);
        raw.freshness = at(freshness);
        raw.column_name = at(column_name);
        if let Some(config) = &self.config {
            let mut fields = RawConfig::deserialize(config)?;
            fields.meta = at(&self.config_meta);
            raw.config = NodeConfig {
                fields,
                text: at(&self.config_range),
            };
        }
        // Of a shape dbt would not write, as if absent (as the manifest reader reads it).
        raw.contract = self
            .contract
            .as_ref()
            .and_then(|contract| Contract::deserialize(contract).ok());
        raw.depends_on.nodes = self
            .depends_on
            .iter()
            .map(|id| Cow::Borrowed(id.as_str()))
            .collect();
        Ok(raw)
    }
}
