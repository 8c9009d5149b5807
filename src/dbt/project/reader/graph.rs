//! Resolving every node's refs and sources as dbt does, and handing the nodes to the graph as
//! the manifest reader hands over what `dbt parse` writes: the same entries (`RawNode`s) built
//! into the same node table, without writing a manifest and reading it back. Only the fields
//! the graph keeps as JSON text (config, descriptions, columns, ...) are written, and the code
//! copied as written.

use std::borrow::Cow;
use std::ops::Range;

use serde::Deserialize;

use super::*;
use crate::dbt::graph::{CodeText, DbtGraph, GraphBuilder, Member, NodeId};
use crate::dbt::json_string;
use crate::dbt::manifest::{
    Contract, DependsOn, JsonText, ManifestSink, Metadata, NodeConfig, RawConfig, RawGroup,
    RawMacro, RawNode, RawOwner, StringOrList, TestMetadata, VersionLabel,
};

impl<'f> Assembly<'f> {
    /// Resolves every ref and source, and builds the graph.
    pub(super) fn finish(
        self,
        root: &Package,
        macros: &[MacroDef],
        unknown: &mut BTreeMap<String, String>,
    ) -> std::result::Result<DbtGraph, serde_json::Error> {
        let Assembly {
            mut drafts, groups, ..
        } = self;
        // The config keys set by code the reader does not run: the graph answers no default
        // for them.
        let computed_config: Vec<(String, Vec<String>)> = (drafts.iter_mut())
            .filter(|draft| !draft.computed_config.is_empty())
            .map(|draft| {
                let keys = std::mem::take(&mut draft.computed_config);
                (draft.node.unique_id.clone(), keys)
            })
            .collect();
        // Refable nodes by name: (package, version, latest version, unique id).
        type Refable = (String, Option<String>, Option<String>, String);
        let mut refable: HashMap<String, Vec<Refable>> = HashMap::default();
        let mut sources: HashMap<(String, String), Vec<(String, String)>> = HashMap::default();
        for draft in drafts.iter().filter(|d| d.enabled) {
            let node = &draft.node;
            match node.resource_type {
                "model" | "seed" | "snapshot" => {
                    refable.entry(node.name.clone()).or_default().push((
                        node.package_name.clone(),
                        node.version.clone(),
                        node.latest_version.clone(),
                        node.unique_id.clone(),
                    ))
                }
                "source" => {
                    if let Some(source) = &node.source_name {
                        sources
                            .entry((source.clone(), node.name.clone()))
                            .or_default()
                            .push((node.package_name.clone(), node.unique_id.clone()));
                    }
                }
                _ => {}
            }
        }
        let root_name = root.name.as_str();
        let resolve_ref = |call: &RefCall, node_package: &str| -> Option<String> {
            let candidates = refable.get(call.name.as_str())?;
            let (order, count) = search_order(root_name, node_package, call.package.as_deref());
            order[..count].iter().find_map(|package| {
                candidates
                    .iter()
                    .filter(|(p, ..)| package.is_none_or(|wanted| wanted == *p))
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
            let (order, count) = search_order(root_name, node_package, None);
            order[..count].iter().find_map(|package| {
                candidates
                    .iter()
                    .find(|(p, _)| package.is_none_or(|wanted| wanted == *p))
                    .map(|(_, id)| id.clone())
            })
        };
        let enabled_by_jinja: HashSet<String> = drafts
            .iter()
            .filter(|d| d.unknown.as_deref() == Some(ENABLED_BY_JINJA))
            .map(|d| d.node.unique_id.clone())
            .collect();
        let group_of: HashMap<String, String> = drafts
            .iter()
            .filter_map(|d| Some((d.node.unique_id.clone(), d.node.group.clone()?)))
            .collect();
        let mut collections: BTreeMap<&str, Vec<Finished<'f>>> = BTreeMap::new();
        let mut disabled: Vec<Finished<'f>> = Vec::new();
        let entries: Vec<(bool, &str, Option<String>, Finished<'f>)> = drafts
            .into_par_iter()
            .map(|mut draft| {
                let package = draft.node.package_name.as_str();
                let mut depends_on = std::mem::take(&mut draft.depends_on);
                let attached = draft
                    .attached
                    .as_ref()
                    .and_then(|call| resolve_ref(call, package));
                let mut missing = false;
                for call in &draft.refs {
                    match resolve_ref(call, package) {
                        Some(id) => depends_on.push(id),
                        None => missing = true,
                    }
                }
                for call in &draft.sources {
                    match resolve_source(call, package) {
                        Some(id) => depends_on.push(id),
                        None => missing = true,
                    }
                }
                depends_on.sort();
                depends_on.dedup();
                let resource_type = draft.node.resource_type;
                let is_test = resource_type == "test";
                // A test of a disabled or missing node is disabled, as dbt does.
                let enabled = draft.enabled && !(is_test && missing);
                if let Some(group) = attached.as_ref().and_then(|id| group_of.get(id))
                    && draft.node.group.is_none()
                {
                    draft.node.group = Some(group.clone());
                }
                let collection = match resource_type {
                    "source" => "sources",
                    "exposure" => "exposures",
                    "unit_test" => "unit_tests",
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
                    node: draft.node,
                    depends_on,
                };
                (enabled, collection, reason, finished)
            })
            .collect();
        let mut emitted: HashSet<String> = HashSet::default();
        for (enabled, collection, reason, finished) in entries {
            let id = &finished.node.unique_id;
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
        let count = collections.values().map(Vec::len).sum::<usize>() + disabled.len();
        let mut ordered: Vec<(bool, Finished<'f>)> = Vec::with_capacity(count);
        // A stable sort: definitions of one id stay in the order read. Nodes are boxed, so the
        // sort moves small values; each comparison reads two boxes, in parallel.
        for (_, mut entries) in collections {
            entries.par_sort_by(|a, b| a.node.unique_id.cmp(&b.node.unique_id));
            ordered.extend(entries.into_iter().map(|finished| (true, finished)));
        }
        disabled.par_sort_by(|a, b| a.node.unique_id.cmp(&b.node.unique_id));
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

        // The texts: each node's prepared in parallel, then written in parallel, each straight
        // into its place in the graph's one text (written into a buffer each and joined, the texts
        // took twice their memory, and the joining ran alone on one core).
        let mut prepared: Vec<(bool, Prepared<'f>)> = ordered
            .into_par_iter()
            .map(|(enabled, finished)| (enabled, Prepared::new(finished)))
            .collect();
        let macro_list: Vec<&MacroDef> = macros.values().copied().collect();
        let sizes: Vec<usize> = (prepared.iter().map(|(_, p)| p.size))
            .chain(macro_list.iter().map(|m| m.sql.len()))
            .collect();
        let mut text = vec![0u8; sizes.iter().sum()];
        let mut ranges: Vec<Range<usize>> = Vec::with_capacity(sizes.len());
        let mut places: Vec<&mut [u8]> = Vec::with_capacity(sizes.len());
        let mut rest: &mut [u8] = &mut text;
        for size in sizes {
            let start = ranges.last().map_or(0, |range| range.end);
            ranges.push(start..start + size);
            // The text is the sum of the sizes: every place fits.
            if let Some((place, after)) = std::mem::take(&mut rest).split_at_mut_checked(size) {
                places.push(place);
                rest = after;
            }
        }
        let macro_places = places.split_off(prepared.len().min(places.len()));
        let macro_ranges = ranges.split_off(prepared.len().min(ranges.len()));
        for ((_, node), range) in prepared.iter_mut().zip(&ranges) {
            node.offset = range.start;
        }
        rayon::join(
            || {
                prepared
                    .par_iter_mut()
                    .zip(places)
                    .for_each(|((_, node), place)| node.write(place))
            },
            || {
                macro_list
                    .par_iter()
                    .zip(macro_places)
                    .for_each(|(m, place)| place.copy_from_slice(m.sql.as_bytes()))
            },
        );
        let text = String::from_utf8(text).unwrap_or_default();

        // Taken apart into what the manifest reader reads (moved, not copied) and made into
        // graph members, in parallel, each into its place (collecting into a `Result` would
        // gather the nodes in chunks and copy them into one list after); handed over in order.
        let members: Vec<std::result::Result<Member<'_>, serde_json::Error>> = prepared
            .into_par_iter()
            .map(|(enabled, node)| {
                let raw = node.into_raw_node(&text)?;
                Ok(match enabled {
                    true => Member::of(text.as_bytes(), CodeText::AsWritten, raw),
                    false => Member::disabled(raw),
                })
            })
            .collect();
        let built = {
            let mut builder =
                GraphBuilder::for_nodes(text.as_bytes(), members.len(), CodeText::AsWritten);
            builder.metadata(Metadata {
                project_name: Some(Cow::Borrowed(&root.name)),
                ..Metadata::default()
            });
            for member in members {
                builder.push(member?);
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
        let graph = DbtGraph::from_built(text.into_bytes().into(), built);
        let mut computed: HashMap<NodeId, Vec<String>> = HashMap::default();
        for (unique_id, keys) in computed_config {
            if let Some(id) = graph.get(&unique_id) {
                computed.entry(id).or_default().extend(keys);
            }
        }
        Ok(graph.with_implied_config_defaults(computed))
    }
}

/// The packages a ref or source is looked up in, in dbt's order (`None`: any package), and
/// how many there are: the package named, else the root project first, then the node's own.
fn search_order<'s>(
    root: &'s str,
    node_package: &'s str,
    wanted: Option<&'s str>,
) -> ([Option<&'s str>; 3], usize) {
    match wanted {
        Some(package) => ([Some(package), None, None], 1),
        None if node_package == root => ([Some(root), None, None], 2),
        None => ([Some(root), Some(node_package), None], 3),
    }
}

/// A node with its dependencies resolved.
struct Finished<'f> {
    node: Box<NodeFields<'f>>,
    depends_on: Vec<String>,
}

/// A node ready for the graph: the fields the graph keeps as JSON text written, but for its
/// code, which is most of the text and is copied as written straight into its place in the
/// graph's text (see [`CodeText::AsWritten`]).
struct Prepared<'f> {
    node: Box<NodeFields<'f>>,
    depends_on: Vec<String>,
    /// The texts but the code, until copied into the graph's text at `offset`.
    text: Vec<u8>,
    /// The length of the node's texts, code included (which comes last).
    size: usize,
    offset: usize,
    texts: Texts,
}

/// Where each text of a node is, from the start of its texts.
#[derive(Default)]
struct Texts {
    meta: Option<Range<usize>>,
    source_meta: Option<Range<usize>>,
    raw_code: Option<Range<usize>>,
    description: Option<Range<usize>>,
    source_description: Option<Range<usize>>,
    columns: Option<Range<usize>>,
    freshness: Option<Range<usize>>,
    column_name: Option<Range<usize>>,
    config: Option<Range<usize>>,
    config_meta: Option<Range<usize>>,
}

impl<'f> Prepared<'f> {
    fn new(finished: Finished<'f>) -> Prepared<'f> {
        let Finished {
            mut node,
            depends_on,
        } = finished;
        // The config and columns are written already; the rest is mostly short.
        let written = node.config.text.len() + node.columns.as_ref().map_or(0, String::len);
        let mut text = Vec::with_capacity(written + 256);
        // `null` reads as absent, except for a source's freshness (it turns the check off).
        let mut write = |value: Option<Value>, keep_null: bool| match value {
            None => None,
            Some(Value::Null) if !keep_null => None,
            Some(value) => Some(json_string::write_value(&mut text, &value)),
        };
        let mut texts = Texts {
            meta: write(node.meta.take(), false),
            source_meta: write(node.source_meta.take(), false),
            description: write(node.description.take(), false),
            source_description: write(node.source_description.take(), false),
            freshness: write(node.freshness.take(), true),
            column_name: write(node.column_name.take().map(Value::String), false),
            ..Texts::default()
        };
        if let Some(columns) = node.columns.take() {
            let start = text.len();
            text.extend_from_slice(columns.as_bytes());
            texts.columns = Some(start..text.len());
        }
        let start = text.len();
        text.extend_from_slice(&node.config.text);
        texts.config = Some(start..text.len());
        texts.config_meta =
            (node.config.meta.take()).map(|meta| start + meta.start..start + meta.end);
        let mut size = text.len();
        if let Some(code) = &node.raw_code {
            texts.raw_code = Some(size..size + code.len());
            size += code.len();
        }
        Prepared {
            node,
            depends_on,
            text,
            size,
            offset: 0,
            texts,
        }
    }

    /// Writes the node's texts into their place, of the size measured.
    fn write(&mut self, place: &mut [u8]) {
        let (texts, code_place) = place.split_at_mut(self.text.len().min(place.len()));
        texts.copy_from_slice(&self.text[..texts.len()]);
        self.text = Vec::new();
        if let Some(code) = self.node.raw_code.take() {
            code_place.copy_from_slice(code.as_bytes());
        }
    }

    /// The node as the manifest reader would have read it, its texts ranges of `text`.
    fn into_raw_node(self, text: &str) -> std::result::Result<RawNode<'_>, serde_json::Error> {
        let at = |range: Option<Range<usize>>| {
            let range = range?;
            text.get(self.offset + range.start..self.offset + range.end)
                .map(JsonText::written)
        };
        let Prepared {
            node,
            depends_on,
            texts,
            ..
        } = self;
        let mut config_fields = node.config.fields;
        config_fields.meta = at(texts.config_meta);
        let owned = |text: String| Cow::Owned(text);
        Ok(RawNode {
            unique_id: owned(node.unique_id),
            resource_type: Cow::Borrowed(node.resource_type),
            name: owned(node.name),
            package_name: owned(node.package_name),
            original_file_path: Some(owned(node.original_file_path)),
            patch_path: node.patch_path.map(owned),
            fqn: node.fqn.into_iter().map(owned).collect(),
            tags: node
                .tags
                .map(|tags| StringOrList::deserialize(Value::Array(tags)))
                .transpose()?,
            config: NodeConfig {
                fields: config_fields,
                text: at(texts.config),
            },
            meta: at(texts.meta),
            source_meta: at(texts.source_meta),
            depends_on: DependsOn {
                nodes: depends_on.into_iter().map(owned).collect(),
            },
            raw_code: at(texts.raw_code),
            description: at(texts.description),
            source_description: at(texts.source_description),
            columns: at(texts.columns),
            freshness: at(texts.freshness),
            column_name: at(texts.column_name),
            // Of a shape dbt would not write, as if absent (as the manifest reader reads it).
            contract: node
                .contract
                .and_then(|contract| Contract::deserialize(contract).ok()),
            group: node.group.map(owned),
            access: node.access.map(owned),
            version: node.version.map(VersionLabel),
            latest_version: node.latest_version.map(VersionLabel),
            test_metadata: node.test_name.map(|name| TestMetadata {
                name: Some(owned(name)),
            }),
            source_name: node.source_name.map(owned),
            owner: match node.owner {
                None | Some(Value::Null) => None,
                Some(owner) => Some(RawOwner::deserialize(owner)?),
            },
            checksum: None,
        })
    }
}

/// A node's config as the graph keeps it: its JSON text, and the fields the graph reads taken
/// out. Written as soon as the node is drafted, on the core that drafted it: the map it is
/// written from (a dozen small allocations) is freed there, not held until the graph is built.
#[derive(Debug, Default, Clone)]
pub(super) struct WrittenConfig {
    /// UTF-8: strings and serde_json's output.
    text: Vec<u8>,
    /// Where `meta` is in the text.
    meta: Option<Range<usize>>,
    fields: RawConfig<'static>,
}

impl WrittenConfig {
    /// Writes a config [`completed_config`] sanitized, as serde_json writes an object.
    pub(super) fn new(config: Map<String, Value>) -> WrittenConfig {
        // Most configs take a few hundred bytes: one or two allocations, not one per doubling.
        let mut text = Vec::with_capacity(256);
        text.push(b'{');
        let mut meta = None;
        for (i, (key, value)) in config.iter().enumerate() {
            if i > 0 {
                text.push(b',');
            }
            json_string::write(&mut text, key);
            text.push(b':');
            let range = json_string::write_value(&mut text, value);
            if key == "meta" && !value.is_null() {
                meta = Some(range);
            }
        }
        text.push(b'}');
        WrittenConfig {
            text,
            meta,
            fields: config_fields(config),
        }
    }
}

/// The config fields the graph reads, taken out of a config [`completed_config`] sanitized:
/// each of the type dbt holds, so nothing is left to a deserializer to refuse.
fn config_fields(mut config: Map<String, Value>) -> RawConfig<'static> {
    fn text(config: &mut Map<String, Value>, key: &str) -> Option<Cow<'static, str>> {
        match config.remove(key) {
            Some(Value::String(text)) => Some(Cow::Owned(text)),
            _ => None,
        }
    }
    fn list(config: &mut Map<String, Value>, key: &str) -> StringOrList<'static> {
        StringOrList(match config.remove(key) {
            Some(Value::String(text)) => vec![Cow::Owned(text)],
            Some(Value::Array(items)) => (items.into_iter())
                .filter_map(|item| match item {
                    Value::String(text) => Some(Cow::Owned(text)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        })
    }
    RawConfig {
        enabled: config.get("enabled").and_then(Value::as_bool),
        materialized: text(&mut config, "materialized"),
        tags: list(&mut config, "tags"),
        meta: None,
        group: text(&mut config, "group"),
        access: text(&mut config, "access"),
        unique_key: list(&mut config, "unique_key"),
        incremental_strategy: text(&mut config, "incremental_strategy"),
    }
}
