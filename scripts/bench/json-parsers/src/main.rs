//! Parses a dbt manifest with serde_json, sonic-rs and simd-json: the whole file skipped
//! (IgnoredAny) and read into the fields monolint reads from each node.

// The fields are there to be parsed; only their count is used.
#![allow(dead_code)]
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Instant;

#[derive(Deserialize)]
struct Manifest<'a> {
    #[serde(borrow)]
    nodes: HashMap<Cow<'a, str>, Node<'a>>,
    #[serde(borrow, default)]
    sources: HashMap<Cow<'a, str>, Node<'a>>,
    #[serde(borrow, default)]
    exposures: HashMap<Cow<'a, str>, Node<'a>>,
    #[serde(borrow, default)]
    macros: HashMap<Cow<'a, str>, Macro<'a>>,
}

#[derive(Deserialize)]
struct Macro<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    package_name: Cow<'a, str>,
    #[serde(borrow, default)]
    macro_sql: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Node<'a> {
    #[serde(borrow)]
    unique_id: Cow<'a, str>,
    #[serde(borrow)]
    resource_type: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    package_name: Cow<'a, str>,
    #[serde(borrow, default)]
    original_file_path: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    patch_path: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    fqn: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    tags: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    config: Option<Config<'a>>,
    #[serde(borrow, default)]
    depends_on: Option<DependsOn<'a>>,
    #[serde(borrow, default)]
    raw_code: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    description: Option<Cow<'a, str>>,
    #[serde(default)]
    columns: Option<IgnoredAny>,
    #[serde(default)]
    meta: Option<IgnoredAny>,
    #[serde(borrow, default)]
    group: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    access: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    checksum: Option<Checksum<'a>>,
}

#[derive(Deserialize)]
struct Checksum<'a> {
    #[serde(borrow)]
    checksum: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Config<'a> {
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(borrow, default)]
    materialized: Option<Cow<'a, str>>,
    #[serde(default)]
    meta: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct DependsOn<'a> {
    #[serde(borrow, default)]
    nodes: Vec<Cow<'a, str>>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn time<F: FnMut() -> usize>(rounds: usize, mut f: F) -> (f64, usize) {
    let mut times = Vec::new();
    let mut out = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        out = f();
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    (median(times), out)
}

fn count(m: &Manifest) -> usize {
    m.nodes.len()
        + m.sources.len()
        + m.exposures.len()
        + m.macros.len()
        + m.nodes
            .values()
            .map(|n| n.depends_on.as_ref().map_or(0, |d| d.nodes.len()))
            .sum::<usize>()
}

fn main() {
    let path = std::env::args().nth(1).expect("manifest path");
    let rounds: usize = std::env::args()
        .nth(2)
        .and_then(|r| r.parse().ok())
        .unwrap_or(7);
    let bytes = std::fs::read(&path).expect("read");
    println!(
        "{path}: {:.1} MB, {rounds} rounds, medians in ms (one thread)",
        bytes.len() as f64 / 1e6
    );
    println!("| parser | skip the whole file (IgnoredAny) | read monolint's fields |");
    println!("|---|---:|---:|");
    let (a, _) = time(rounds, || {
        serde_json::from_slice::<IgnoredAny>(&bytes).unwrap();
        0
    });
    let (b, n1) = time(rounds, || {
        count(&serde_json::from_slice::<Manifest>(&bytes).unwrap())
    });
    println!("| serde_json 1 | {a:.1} | {b:.1} |");
    let (a, _) = time(rounds, || {
        sonic_rs::from_slice::<IgnoredAny>(&bytes).unwrap();
        0
    });
    let (b, n2) = time(rounds, || {
        count(&sonic_rs::from_slice::<Manifest>(&bytes).unwrap())
    });
    println!("| sonic-rs 0.5 | {a:.1} | {b:.1} |");
    // simd-json parses in place: each round works on a fresh copy, whose time is counted.
    let (a, _) = time(rounds, || {
        let mut copy = bytes.clone();
        simd_json::serde::from_slice::<IgnoredAny>(&mut copy).unwrap();
        0
    });
    let (b, n3) = time(rounds, || {
        let mut copy = bytes.clone();
        count(&simd_json::serde::from_slice::<Manifest>(&mut copy).unwrap())
    });
    let (c, _) = time(rounds, || {
        let copy = std::hint::black_box(bytes.clone());
        copy.len()
    });
    println!(
        "| simd-json 0.17 (parses a copy in place; the copy alone: {c:.1}) | {a:.1} | {b:.1} |"
    );
    assert_eq!(n1, n2);
    assert_eq!(n1, n3);
    println!("same {n1} nodes, sources, exposures, macros and edges read by each");
}
