//! `cargo bench`: monolint on a synthetic monorepo, against a bare `serde_json` parse of the
//! same manifest. Sizes: `MONOLINT_BENCH_MODELS` (default 50000) and `MONOLINT_BENCH_DAGS`
//! (default 2000). The monorepo is generated once under `target/bench/`.

mod synth;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use monolint::dbt::graph::{DbtGraph, ResourceType};
use monolint::dbt::select::{self, Request, split_tokens};
use serde::de::IgnoredAny;

fn env_size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Best of `runs` timings of `f`.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let value = f();
        best = best.min(start.elapsed());
        last = Some(value);
    }
    (best, last.expect("at least one run"))
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument is a filter we do not use.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sizes = synth::Sizes {
        models: env_size("MONOLINT_BENCH_MODELS", 50_000),
        dag_files: env_size("MONOLINT_BENCH_DAGS", 2_000),
    };
    let dir: PathBuf = root
        .join("target/bench")
        .join(format!("monorepo-{}-{}", sizes.models, sizes.dag_files));
    let manifest_path = dir.join("dbt/target/manifest.json");
    if !manifest_path.is_file() {
        eprintln!("generating {} ...", dir.display());
        let template = root.join("examples/acme-analytics/dbt/target/manifest.json");
        synth::generate(&template, &dir, &sizes).expect("generate the synthetic monorepo");
    }
    let bytes = std::fs::read(&manifest_path).expect("read the manifest");
    let runs = 3;
    if std::env::var_os("MONOLINT_BENCH_LOAD_ONLY").is_some() {
        // Alternate the two so machine noise hits both alike.
        let (mut bare, mut load) = (Duration::MAX, Duration::MAX);
        for _ in 0..10 {
            bare = bare.min(
                best(1, || {
                    serde_json::from_slice::<IgnoredAny>(&bytes).expect("json")
                })
                .0,
            );
            let mut text = Some(bytes.clone());
            load = load.min(
                best(1, || {
                    DbtGraph::load(text.take().expect("text"), &manifest_path)
                        .expect("manifest")
                        .0
                })
                .0,
            );
        }
        println!(
            "  bare {}  load {}  ratio {:.2}",
            ms(bare),
            ms(load),
            load.as_secs_f64() / bare.as_secs_f64()
        );
        return;
    }

    let (bare, _) = best(runs, || {
        serde_json::from_slice::<IgnoredAny>(&bytes).expect("valid JSON")
    });
    // Each run gets its own copy of the text, made outside the timing.
    let mut copies: Vec<Vec<u8>> = (0..runs).map(|_| bytes.clone()).collect();
    let (load, graph) = best(runs, || {
        let text = copies.pop().expect("one copy per run");
        DbtGraph::load(text, &manifest_path).expect("manifest").0
    });
    let models = graph
        .nodes()
        .filter(|(_, n)| n.resource_type == ResourceType::Model)
        .count();

    let selectors = selector_mix(&graph, 1000);
    let (selection, selected) = best(runs, || {
        selectors
            .iter()
            .map(|text| {
                let request = Request {
                    select: split_tokens(text).map(|(_, t)| t).collect(),
                    resource_types: vec![ResourceType::Model],
                    ..Request::default()
                };
                select::select(&graph, &request).map_or(0, |s| s.nodes.count_ones(..))
            })
            .sum::<usize>()
    });

    if std::env::var_os("MONOLINT_BENCH_SELECT_ONLY").is_some() {
        for kind in 0..8 {
            let start = Instant::now();
            for text in selectors.iter().skip(kind).step_by(8) {
                let request = Request {
                    select: split_tokens(text).map(|(_, t)| t).collect(),
                    resource_types: vec![ResourceType::Model],
                    ..Request::default()
                };
                let _ = select::select(&graph, &request);
            }
            println!("  {:<50} x125 {:>10}", selectors[kind], ms(start.elapsed()));
        }
        return;
    }
    let workspace_files =
        monolint::workspace::discover(&dir, &Default::default(), None).expect("discover");
    let (dags, dag_files) = best(runs, || {
        monolint::airflow::parse::parse_dag_files(
            &workspace_files.dag_files,
            None,
            &monolint::airflow::invocations::wrapper::DbtWrappers::default(),
        )
    });
    let tasks: usize = dag_files.iter().map(|f| f.tasks.len()).sum();

    let options = monolint::CheckOptions {
        root: dir.clone(),
        ..Default::default()
    };
    let (check, report) = best(runs, || monolint::check(&options).expect("check"));

    println!("synthetic monorepo: {}", dir.display());
    println!(
        "  manifest {:.0} MB, {} nodes ({} models); {} DAG files, {} tasks; {} findings",
        bytes.len() as f64 / 1e6,
        graph.len(),
        models,
        dag_files.len(),
        tasks,
        report.diagnostics.len()
    );
    println!("  threads: {}", rayon::current_num_threads());
    println!("  bare serde_json parse (IgnoredAny)   {:>10}", ms(bare));
    println!(
        "  manifest load (parse + graph)        {:>10}   {:.2}x bare",
        ms(load),
        load.as_secs_f64() / bare.as_secs_f64()
    );
    println!(
        "  {} selections after load          {:>10}   ({} nodes selected)",
        selectors.len(),
        ms(selection),
        selected
    );
    println!("  DAG files parse + extract            {:>10}", ms(dags));
    println!(
        "  whole `check` (read, load, link, rules) {:>7}   {:.2}x bare",
        ms(check),
        check.as_secs_f64() / bare.as_secs_f64()
    );
}

/// A mix of the selectors DAGs use, spread over the replicas.
fn selector_mix(graph: &DbtGraph, count: usize) -> Vec<String> {
    let replicas = graph
        .nodes()
        .filter(|(_, n)| {
            n.resource_type == ResourceType::Model && n.name.starts_with("fct_revenue_r")
        })
        .count()
        .max(1);
    (0..count)
        .map(|i| {
            let r = (i * 7919) % replicas;
            match i % 8 {
                0 => format!("tag:finance_daily,path:models/r{r}/marts/finance"),
                1 => format!("+fct_revenue_r{r}"),
                2 => format!("r{r}.staging"),
                3 => format!("path:models/r{r}"),
                4 => format!("@stg_orders_r{r}"),
                5 => format!("fct_sessions_r{r}+ dim_products_r{r}"),
                6 => format!("source:raw_r{r}+1"),
                _ => format!("2+fct_order_items_r{r} --exclude dim_products_r{r}")
                    .replace(" --exclude ", " "),
            }
        })
        .collect()
}

/// The allocator the `monolint` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: monolint::allocator::Mimalloc = monolint::allocator::Mimalloc;
