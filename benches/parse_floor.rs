//! The floor every manifest reader stands on: read `manifest.json` and check it is JSON with
//! `serde_json`, building nothing (`IgnoredAny`). `scripts/bench/peers.py` times it beside
//! monolint and the other dbt linters.
//!
//! usage: parse-floor MANIFEST

use serde::de::IgnoredAny;

fn main() {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: parse-floor MANIFEST");
        std::process::exit(2);
    };
    let parsed = std::fs::read(&path)
        .map_err(|error| error.to_string())
        .and_then(|bytes| {
            serde_json::from_slice::<IgnoredAny>(&bytes).map_err(|error| error.to_string())
        });
    if let Err(error) = parsed {
        eprintln!("{}: {error}", path.to_string_lossy());
        std::process::exit(1);
    }
}
