//! Malformed and hostile inputs, each in a fresh copy of the example: every one gives a clear
//! finding or error naming the file, never a panic, an abort or a hang; nothing outside the
//! checked folder is read (unless named on the command line); nothing is written to it.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use crate::support::{copy_dir, example, unique_temp_dir};

/// Longer than any case takes on a loaded machine; a run past it has hung.
const WATCHDOG: Duration = Duration::from_secs(180);

/// The first line of `/etc/passwd` on every Unix: must never reach the output.
const HOST_SECRET: &str = "root:x:0:0";

/// What a run printed, and how it ended.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Ended by itself with one of monolint's exit codes, without a panic.
    fn assert_orderly(&self) -> &Self {
        assert!(
            matches!(self.code, Some(0..=2)),
            "exit code {:?}\n{}",
            self.code,
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        assert!(
            !self.stdout.contains(HOST_SECRET) && !self.stderr.contains(HOST_SECRET),
            "a host file was printed"
        );
        self
    }

    /// Exit code 2 with a message naming `file` and saying `what`.
    fn assert_input_error(&self, file: &str, what: &str) -> &Self {
        self.assert_orderly();
        assert_eq!(self.code, Some(2), "{}", self.stderr);
        self.assert_says(file, what)
    }

    /// A message (error or warning) naming `file` and saying `what`.
    fn assert_says(&self, file: &str, what: &str) -> &Self {
        self.assert_orderly();
        let line = self
            .stderr
            .lines()
            .find(|line| line.contains(file) && line.contains(what));
        assert!(
            line.is_some(),
            "no message naming {file} with `{what}`:\n{}",
            self.stderr
        );
        self
    }
}

/// A copy of the example in a fresh temporary folder, removed on drop.
struct Scratch {
    root: PathBuf,
}

impl Scratch {
    fn example() -> Scratch {
        let root = unique_temp_dir("malformed");
        copy_dir(&example(), &root);
        Scratch { root }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    fn write(&self, relative: &str, contents: impl AsRef<[u8]>) {
        let path = self.path(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        let _ = std::fs::remove_file(&path);
        std::fs::write(path, contents).unwrap();
    }

    fn manifest(&self) -> Value {
        let text = std::fs::read(self.path("dbt/target/manifest.json")).unwrap();
        serde_json::from_slice(&text).unwrap()
    }

    fn write_manifest(&self, manifest: &Value) {
        self.write(
            "dbt/target/manifest.json",
            serde_json::to_vec(manifest).unwrap(),
        );
    }

    /// Runs monolint in the folder; checks that nothing in it changed.
    fn run(&self, args: &[&str]) -> Run {
        let before = state(&self.root);
        let run = run_in(&self.root, args);
        assert_eq!(
            state(&self.root),
            before,
            "monolint changed the checked folder\n{}",
            run.stderr
        );
        run
    }

    /// `check` with every rule, problems on one line each.
    fn check(&self) -> Run {
        self.run(&["check", "--select", "all", "--format", "concise"])
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            // Make every folder removable again.
            use std::os::unix::fs::PermissionsExt;
            for entry in walk(&self.root) {
                if entry.1.is_dir() {
                    let _ =
                        std::fs::set_permissions(&entry.0, std::fs::Permissions::from_mode(0o755));
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Every entry under `root` with its metadata, links not followed.
fn walk(root: &Path) -> Vec<(PathBuf, std::fs::FileType)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(entry.path());
            }
            out.push((entry.path(), kind));
        }
    }
    out
}

/// What "nothing written" compares: every path, its kind, size and modification time.
fn state(root: &Path) -> BTreeMap<PathBuf, (String, u64, Option<SystemTime>)> {
    walk(root)
        .into_iter()
        .map(|(path, kind)| {
            let metadata = std::fs::symlink_metadata(&path).ok();
            let size = metadata
                .as_ref()
                .map_or(0, |m| if kind.is_dir() { 0 } else { m.len() });
            let modified = metadata
                .filter(|_| !kind.is_dir())
                .and_then(|m| m.modified().ok());
            (path, (format!("{kind:?}"), size, modified))
        })
        .collect()
}

/// Runs monolint with a watchdog: a run past [`WATCHDOG`] is killed and the test fails.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_monolint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("monolint starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > WATCHDOG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("monolint {args:?} hung (killed after {WATCHDOG:?})");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    }
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: &Path) {
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// The example's findings, as a baseline for cases that must not change them.
fn example_findings() -> String {
    run_in(&example(), &["check", "--format", "concise", "--quiet"]).stdout
}

// ---------------------------------------------------------------------------------------------
// The manifest

#[cfg(unix)]
#[test]
fn fifo_manifest() {
    let scratch = Scratch::example();
    mkfifo(&scratch.path("dbt/target/manifest.json"));
    scratch.check().assert_input_error(
        "dbt/target/manifest.json",
        "FIFO (named pipe), not a regular file",
    );
}

#[cfg(unix)]
#[test]
fn device_manifest() {
    let scratch = Scratch::example();
    symlink("/dev/zero", &scratch.path("dbt/target/manifest.json"));
    scratch
        .check()
        .assert_input_error("dbt/target/manifest.json", "leads to /dev/zero, outside");
    // Named on the command line it may be anywhere, but it is still not read.
    scratch
        .run(&["check", "--manifest", "/dev/zero"])
        .assert_input_error("/dev/zero", "a device, not a regular file");
    // Named by the config, it must be in the repository.
    scratch.write("monolint.toml", "[dbt]\nmanifest = \"/dev/zero\"\n");
    scratch
        .check()
        .assert_input_error("[dbt] manifest", "/dev/zero is outside the checked folder");
    scratch.write(
        "monolint.toml",
        "[dbt]\nmanifest = \"../../../../../dev/zero\"\n",
    );
    scratch
        .check()
        .assert_input_error("[dbt] manifest", "outside the checked folder");
}

#[test]
fn truncated_and_empty_manifests() {
    let scratch = Scratch::example();
    let bytes = std::fs::read(scratch.path("dbt/target/manifest.json")).unwrap();
    for cut in [0, 1, 100, bytes.len() / 3, bytes.len() - 1] {
        scratch.write("dbt/target/manifest.json", &bytes[..cut]);
        scratch
            .check()
            .assert_input_error("dbt/target/manifest.json", "invalid manifest");
    }
}

#[test]
fn wrong_typed_manifests() {
    let scratch = Scratch::example();
    for (manifest, what) in [
        ("[]", "expected a dbt manifest object"),
        ("\"manifest\"", "expected a dbt manifest object"),
        ("null", "expected a dbt manifest object"),
        ("{\"nodes\": []}", "expected an object of dbt resources"),
        ("{\"nodes\": {\"model.a.b\": 5}}", "invalid type"),
        (
            "{\"nodes\": {\"model.a.b\": {\"unique_id\": 5}}}",
            "invalid type",
        ),
        ("{\"metadata\": [1, 2]}", "invalid type"),
        ("{\"disabled\": {\"x\": {}}}", "invalid type"),
    ] {
        scratch.write("dbt/target/manifest.json", manifest);
        scratch
            .check()
            .assert_input_error("dbt/target/manifest.json", what);
    }
}

#[test]
fn manifest_with_a_byte_order_mark_reads_as_without() {
    let scratch = Scratch::example();
    let bytes = std::fs::read(scratch.path("dbt/target/manifest.json")).unwrap();
    scratch.write(
        "dbt/target/manifest.json",
        [b"\xEF\xBB\xBF", &bytes[..]].concat(),
    );
    let run = scratch.run(&["check", "--format", "concise", "--quiet"]);
    run.assert_orderly();
    assert_eq!(run.stdout, example_findings());
}

#[test]
fn utf16_manifests_say_so() {
    let scratch = Scratch::example();
    let text = std::fs::read_to_string(scratch.path("dbt/target/manifest.json")).unwrap();
    let little: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let big: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (bytes, name) in [
        (
            [&[0xFF, 0xFE][..], &little].concat(),
            "UTF-16 (little-endian) text",
        ),
        (
            [&[0xFE, 0xFF][..], &big].concat(),
            "UTF-16 (big-endian) text",
        ),
        (little, "UTF-16 (little-endian) text"),
    ] {
        scratch.write("dbt/target/manifest.json", bytes);
        scratch
            .check()
            .assert_input_error("dbt/target/manifest.json", name);
    }
}

#[test]
fn unknown_schema_versions() {
    let scratch = Scratch::example();
    // Edited in place: dbt writes the metadata first, where monolint looks for the version.
    let text = std::fs::read_to_string(scratch.path("dbt/target/manifest.json")).unwrap();
    assert!(text.contains("/manifest/v12.json"));
    scratch.write(
        "dbt/target/manifest.json",
        text.replace("/manifest/v12.json", "/manifest/v99.json"),
    );
    let run = scratch.check();
    run.assert_says("dbt/target/manifest.json", "manifest schema v99 is newer");
    assert_eq!(run.code, Some(1), "a newer layout is read: {}", run.stderr);
    scratch.write(
        "dbt/target/manifest.json",
        text.replace("/manifest/v12.json", "/manifest/v3.json"),
    );
    scratch
        .check()
        .assert_input_error("dbt/target/manifest.json", "older than 1.3");
}

#[test]
fn deeply_nested_manifest_json() {
    let scratch = Scratch::example();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let manifest = scratch.manifest().to_string();
    // Where monolint reads (a node), and where it skips (an unknown key, a node's meta).
    let in_node = manifest.replacen(
        "\"resource_type\"",
        &format!("\"x\": {deep}, \"resource_type\""),
        1,
    );
    let skipped = manifest.replacen("{", &format!("{{\"unknown\": {deep},"), 1);
    let in_meta = manifest.replacen("\"meta\": {", &format!("\"meta\": {{\"x\": {deep},"), 1);
    for text in [in_node, skipped, in_meta] {
        scratch.write("dbt/target/manifest.json", text);
        let run = scratch.check();
        run.assert_orderly();
        if run.code == Some(2) {
            run.assert_says("dbt/target/manifest.json", "recursion limit exceeded");
        }
    }
}

#[test]
fn huge_strings_in_the_manifest() {
    let scratch = Scratch::example();
    let mut manifest = scratch.manifest();
    let huge = "x".repeat(20 << 20);
    let node = manifest["nodes"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .find(|node| node["resource_type"] == "model")
        .unwrap();
    node["description"] = json!(huge);
    node["tags"] = json!([huge]);
    scratch.write_manifest(&manifest);
    scratch.check().assert_orderly();
}

#[cfg(unix)]
#[test]
fn manifest_over_the_size_cap_is_not_read() {
    let scratch = Scratch::example();
    let path = scratch.path("dbt/target/manifest.json");
    // Sparse: takes no disk space, and is refused before a byte is read.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(5 << 30).unwrap();
    drop(file);
    scratch.check().assert_input_error(
        "dbt/target/manifest.json",
        "it is 5 GiB, more than the 4 GiB",
    );
    std::fs::remove_file(path).unwrap();
}

#[test]
fn duplicate_node_keys_keep_the_last_entry() {
    let scratch = Scratch::example();
    let manifest = std::fs::read_to_string(scratch.path("dbt/target/manifest.json")).unwrap();
    // A second `agg_tickets_daily`, tagged so that the support DAG's selector reaches it.
    let key = "\"model.acme.agg_tickets_daily\": ";
    let at = manifest.find(key).unwrap();
    let parsed: Value = serde_json::from_str(&manifest).unwrap();
    let mut last = parsed["nodes"]["model.acme.agg_tickets_daily"].clone();
    last["name"] = json!("agg_tickets_daily");
    last["description"] = json!("the last entry");
    let text = format!(
        "{}{key}{}, {}",
        &manifest[..at],
        serde_json::to_string(&last).unwrap(),
        &manifest[at..]
    );
    scratch.write("dbt/target/manifest.json", text);
    let run = scratch.run(&[
        "ls",
        "--project-dir",
        "dbt",
        "--select",
        "agg_tickets_daily",
        "--resource-type",
        "model",
    ]);
    run.assert_orderly();
    assert_eq!(run.stdout, "acme.marts.support.agg_tickets_daily\n");
    let run = scratch.run(&["check", "--format", "concise", "--quiet"]);
    run.assert_orderly();
    assert_eq!(run.stdout, example_findings(), "one node, as dbt reads it");
}

// ---------------------------------------------------------------------------------------------
// Staying inside the repository

#[test]
fn manifest_paths_outside_the_repository_are_refused() {
    let scratch = Scratch::example();
    for outside in ["/etc/passwd", "../../../../../../../../etc/passwd"] {
        let mut manifest = scratch.manifest();
        let node = &mut manifest["nodes"]["model.acme.agg_tickets_daily"];
        node["original_file_path"] = json!(outside);
        node["patch_path"] = json!(format!("acme://{outside}"));
        node["checksum"] = json!({"name": "sha256", "checksum": "0"});
        scratch.write_manifest(&manifest);
        let run = scratch.check();
        run.assert_says(outside, "outside the checked folder");
        assert_eq!(run.code, Some(1), "{}", run.stderr);
    }
    // A package name is a folder under dbt_packages/: it cannot climb out either.
    let mut manifest = scratch.manifest();
    let node = &mut manifest["nodes"]["model.acme.agg_tickets_daily"];
    node["package_name"] = json!("../../../../../../../../etc");
    node["original_file_path"] = json!("passwd");
    node["patch_path"] = json!("x://passwd");
    scratch.write_manifest(&manifest);
    scratch.check().assert_orderly();
}

#[cfg(unix)]
#[test]
fn links_out_of_the_repository_are_refused() {
    let scratch = Scratch::example();
    // A model file, a properties file and selectors.yml that lead to host files.
    symlink(
        "/etc/passwd",
        &scratch.path("dbt/models/marts/support/agg_tickets_daily.sql"),
    );
    symlink(
        "/etc/passwd",
        &scratch.path("dbt/models/marts/support/_support.yml"),
    );
    let run = scratch.check();
    run.assert_says(
        "dbt/models/marts/support/_support.yml",
        "leads to /etc/passwd",
    );
    run.assert_says(
        "dbt/models/marts/support/agg_tickets_daily.sql",
        "leads to /etc/passwd",
    );
    symlink("/etc/passwd", &scratch.path("dbt/selectors.yml"));
    scratch
        .check()
        .assert_input_error("dbt/selectors.yml", "leads to /etc/passwd");
    std::fs::remove_file(scratch.path("dbt/selectors.yml")).unwrap();
    // A whole folder of the project that leads out.
    std::fs::remove_dir_all(scratch.path("dbt/models/staging")).unwrap();
    symlink("/etc", &scratch.path("dbt/models/staging"));
    scratch
        .check()
        .assert_says("dbt/models/staging/", "leads to /etc/");
    // The config and the project file.
    symlink("/etc/passwd", &scratch.path("monolint.toml"));
    scratch
        .check()
        .assert_input_error("monolint.toml", "leads to /etc/passwd");
    std::fs::remove_file(scratch.path("monolint.toml")).unwrap();
    symlink("/etc/passwd", &scratch.path("dbt/dbt_project.yml"));
    scratch.check().assert_orderly();
}

#[test]
fn config_paths_outside_the_repository_are_refused() {
    let scratch = Scratch::example();
    for (config, key) in [
        (
            "[dbt]\nprojects = [\"../../../../../../..\"]\n",
            "[dbt] projects",
        ),
        ("[dbt]\nprojects = [\"/\"]\n", "[dbt] projects"),
        (
            "[dbt]\nmanifest = \"../../../../../../../etc/passwd\"\n",
            "[dbt] manifest",
        ),
        (
            "[airflow]\ndag-folders = [\"/\"]\n",
            "[airflow] dag-folders",
        ),
        (
            "[airflow]\ndag-folders = [\"dags/../../..\"]\n",
            "[airflow] dag-folders",
        ),
    ] {
        scratch.write("monolint.toml", config);
        scratch
            .check()
            .assert_input_error(key, "outside the checked folder");
    }
}

#[test]
fn model_paths_outside_the_repository_are_not_walked() {
    let scratch = Scratch::example();
    let project = std::fs::read_to_string(scratch.path("dbt/dbt_project.yml")).unwrap();
    scratch.write(
        "dbt/dbt_project.yml",
        project.replace(
            "model-paths: [\"models\"]",
            "model-paths: [\"models\", \"../../../../../../../../\", \"/\"]",
        ),
    );
    let started = Instant::now();
    let run = scratch.check();
    run.assert_says("dbt/dbt_project.yml", "`model-paths` entry `/` is refused");
    run.assert_says(
        "dbt/dbt_project.yml",
        "`model-paths` entry `../../../../../../../../` is refused",
    );
    assert_eq!(run.code, Some(1));
    assert!(started.elapsed() < WATCHDOG / 2);
}

#[test]
fn command_line_paths_may_be_anywhere() {
    let scratch = Scratch::example();
    let elsewhere = Scratch::example();
    let manifest = elsewhere.path("dbt/target/manifest.json");
    std::fs::remove_file(scratch.path("dbt/target/manifest.json")).unwrap();
    let run = scratch.run(&[
        "check",
        "--format",
        "concise",
        "--quiet",
        "--manifest",
        &manifest.to_string_lossy(),
    ]);
    run.assert_orderly();
    assert_eq!(run.stdout, example_findings());
}

#[cfg(unix)]
#[test]
fn init_never_writes_through_a_link() {
    let scratch = Scratch::example();
    let outside = std::env::temp_dir().join(format!("monolint-init-target-{}", std::process::id()));
    let _ = std::fs::remove_file(&outside);
    symlink(&outside, &scratch.path("monolint.toml"));
    let run = scratch.run(&["init"]);
    run.assert_input_error("monolint.toml", "already exists (as a symbolic link)");
    assert!(!outside.exists(), "init wrote through the link");
}

// ---------------------------------------------------------------------------------------------
// selectors.yml and dbt_project.yml

#[cfg(unix)]
#[test]
fn fifo_and_device_project_files() {
    let scratch = Scratch::example();
    mkfifo(&scratch.path("dbt/selectors.yml"));
    scratch
        .check()
        .assert_input_error("dbt/selectors.yml", "FIFO (named pipe)");
    std::fs::remove_file(scratch.path("dbt/selectors.yml")).unwrap();
    // A model file: the stale-manifest check reads every model.
    mkfifo(&scratch.path("dbt/models/staging/stg_orders.sql"));
    scratch
        .check()
        .assert_says("dbt/models/staging/stg_orders.sql", "FIFO (named pipe)");
    std::fs::remove_file(scratch.path("dbt/models/staging/stg_orders.sql")).unwrap();
    mkfifo(&scratch.path("dbt/dbt_project.yml"));
    // Discovery looks for regular files named dbt_project.yml: no project is found.
    scratch.check().assert_input_error("", "no dbt project");
}

#[test]
fn deep_yaml_is_refused_quickly() {
    let scratch = Scratch::example();
    let flow = format!(
        "selectors:\n  - name: deep\n    definition: {}tag:x{}\n",
        "{union: [".repeat(50_000),
        "]}".repeat(50_000)
    );
    let block: String = (0..400)
        .map(|level| format!("{}- \n", " ".repeat(level)))
        .collect();
    for text in [flow, format!("selectors:\n{block}")] {
        scratch.write("dbt/selectors.yml", text);
        scratch
            .check()
            .assert_input_error("dbt/selectors.yml", "nested more than 128 levels deep");
    }
}

#[test]
fn yaml_alias_bomb() {
    let scratch = Scratch::example();
    let mut bomb = String::from("lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        bomb.push_str(&format!(
            "lol{level}: &l{level} [{}]\n",
            vec![format!("*l{}", level - 1); 9].join(", ")
        ));
    }
    bomb.push_str("selectors: []\n");
    scratch.write("dbt/selectors.yml", &bomb);
    scratch
        .check()
        .assert_input_error("dbt/selectors.yml", "alias");
    let project = std::fs::read_to_string(scratch.path("dbt/dbt_project.yml")).unwrap();
    std::fs::remove_file(scratch.path("dbt/selectors.yml")).unwrap();
    scratch.write("dbt/dbt_project.yml", format!("{bomb}{project}"));
    scratch
        .check()
        .assert_input_error("dbt/dbt_project.yml", "alias");
}

#[test]
fn selectors_that_grow_when_inlined() {
    let scratch = Scratch::example();
    // Each uses the one before twice: 2^64 leaves once inlined.
    let mut doubling =
        String::from("selectors:\n  - name: s0\n    definition: tag:finance_daily\n");
    for n in 1..64 {
        doubling.push_str(&format!(
            "  - name: s{n}\n    definition:\n      union:\n        - method: selector\n          value: s{}\n        - method: selector\n          value: s{}\n",
            n - 1,
            n - 1
        ));
    }
    scratch.write("dbt/selectors.yml", doubling);
    scratch.check().assert_input_error(
        "dbt/selectors.yml",
        "is too large once the selectors it uses are inlined",
    );
    // Each nests the one before one level deeper.
    let mut chain = String::from("selectors:\n  - name: s0\n    definition: tag:finance_daily\n");
    for n in 1..2000 {
        chain.push_str(&format!(
            "  - name: s{n}\n    definition: {{union: [{{method: selector, value: s{}}}]}}\n",
            n - 1
        ));
    }
    scratch.write("dbt/selectors.yml", chain);
    scratch.check().assert_input_error(
        "dbt/selectors.yml",
        "is too large once the selectors it uses are inlined",
    );
}

#[test]
fn malformed_project_files() {
    let scratch = Scratch::example();
    for (text, what) in [
        ("", "invalid dbt_project.yml"),
        ("name: [1, 2]\n", "invalid dbt_project.yml"),
        ("name: a\nname: b\n", "duplicate"),
        ("\u{feff}name: acme\nprofile: acme\n", ""),
    ] {
        scratch.write("dbt/dbt_project.yml", text);
        let run = scratch.check();
        if what.is_empty() {
            run.assert_orderly();
            assert_eq!(run.code, Some(1), "{}", run.stderr);
        } else {
            run.assert_input_error("dbt/dbt_project.yml", what);
        }
    }
    scratch.write("dbt/dbt_project.yml", b"name: acme\nprofile: \xff\xfe\n");
    scratch
        .check()
        .assert_input_error("dbt/dbt_project.yml:2:10", "not UTF-8 text");
}

// ---------------------------------------------------------------------------------------------
// The config

#[test]
fn empty_and_malformed_configs() {
    let scratch = Scratch::example();
    scratch.write("monolint.toml", "");
    let run = scratch.run(&["check", "--format", "concise", "--quiet"]);
    run.assert_orderly();
    assert_eq!(
        run.stdout,
        example_findings(),
        "an empty config is the defaults"
    );
    for (text, what) in [
        ("fail-on = \"error\"\nfail-on = \"info\"\n", "duplicate key"),
        (
            &format!("a = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
            "recursion",
        ),
        (
            &format!("a = {}1{}\n", "{b = ".repeat(100_000), "}".repeat(100_000)),
            "recursion",
        ),
        ("\u{0}\u{0}", "binary file"),
    ] {
        scratch.write("monolint.toml", text);
        scratch.check().assert_input_error("monolint.toml", what);
    }
}

#[cfg(unix)]
#[test]
fn fifo_config() {
    let scratch = Scratch::example();
    mkfifo(&scratch.path("monolint.toml"));
    scratch
        .check()
        .assert_input_error("monolint.toml", "FIFO (named pipe)");
    std::fs::remove_file(scratch.path("monolint.toml")).unwrap();
    mkfifo(&scratch.path("pyproject.toml"));
    scratch
        .check()
        .assert_input_error("pyproject.toml", "FIFO (named pipe)");
}

// ---------------------------------------------------------------------------------------------
// DAG files

#[test]
fn undecodable_dag_files() {
    let scratch = Scratch::example();
    scratch.write("dags/latin1.py", b"# airflow dag\nx = \"caf\xe9\"\n");
    scratch.write(
        "dags/binary.py",
        b"\x7fELF\x02\x01\x01\x00airflow dag\x00\x00",
    );
    scratch.write(
        "dags/utf16.py",
        "# airflow dag\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<_>>(),
    );
    let run = scratch.run(&["check", "--format", "concise"]);
    // A DAG file that cannot be read is a warning, as one that does not parse.
    run.assert_says("dags/latin1.py:2:9", "not UTF-8 text");
    run.assert_says("dags/binary.py:1:8", "a NUL byte: this is a binary file");
    run.assert_says("dags/utf16.py", "UTF-16 (little-endian) text");
    assert!(
        run.stdout.contains("X002"),
        "the other files are still checked"
    );
}

#[cfg(unix)]
#[test]
fn special_files_and_loops_in_the_dag_folder() {
    let scratch = Scratch::example();
    mkfifo(&scratch.path("dags/pipe.py"));
    symlink("loop.py", &scratch.path("dags/loop.py"));
    symlink(".", &scratch.path("dags/again"));
    symlink("/etc/passwd", &scratch.path("dags/host.py"));
    // A folder named like a Python file is walked as a folder.
    scratch.write(
        "dags/folder.py/more.py",
        std::fs::read(scratch.path("dags/finance_daily.py")).unwrap(),
    );
    let run = scratch.check();
    run.assert_says("dags/pipe.py", "FIFO (named pipe), not a regular file");
    run.assert_says("dags/loop.py", "symbolic links");
    run.assert_says("dags/host.py", "leads to /etc/passwd");
    assert!(
        run.stdout.contains("; 6 DAGs."),
        "the copy in folder.py/ is read (5 DAGs in the example):\n{}",
        run.stdout
    );
}

#[cfg(unix)]
#[test]
fn fifo_ignore_files() {
    let scratch = Scratch::example();
    mkfifo(&scratch.path("dags/.gitignore"));
    let run = scratch.check();
    run.assert_says("dags/.gitignore", "FIFO (named pipe)");
    assert!(
        !run.stdout.contains("dags/"),
        "the folder is not checked:\n{}",
        run.stdout
    );
    let run = scratch.run(&["check"]);
    assert!(
        run.stderr.contains("the folder dags/ was not checked"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(scratch.path("dags/.gitignore")).unwrap();
    // In a model folder: the stale-manifest check looks for new files there too, and must
    // not open it either.
    mkfifo(&scratch.path("dbt/models/marts/.gitignore"));
    scratch
        .check()
        .assert_says("dbt/models/marts/.gitignore", "FIFO (named pipe)");
    std::fs::remove_file(scratch.path("dbt/models/marts/.gitignore")).unwrap();
    mkfifo(&scratch.path(".gitignore"));
    scratch
        .check()
        .assert_input_error(".gitignore", "FIFO (named pipe)");
}

#[cfg(unix)]
#[test]
fn unreadable_dag_folder_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = Scratch::example();
    let dags = scratch.path("dags");
    std::fs::set_permissions(&dags, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read_dir(&dags).is_ok() {
        // Running as root: permissions do not stop reading, nothing to test.
        eprintln!("skipped: permissions are not enforced for this user");
        return;
    }
    scratch
        .check()
        .assert_says("dags", "cannot walk the checked folder");
}

#[test]
fn python_syntax_errors_point_at_their_line() {
    let scratch = Scratch::example();
    for (source, position, what) in [
        (
            "from airflow import DAG\nx = 1\nprint(x))\n",
            "3:9",
            "invalid Python syntax",
        ),
        (
            "from airflow import DAG\n\ndef f():\n\tif x:\n        return 1\n",
            "5:1",
            "TabError",
        ),
        (
            "from airflow import DAG\n  x = 1\n",
            "2:1",
            "IndentationError: unexpected indent",
        ),
        (
            "from airflow import DAG\nprint \"dag\"\n",
            "2:1",
            "Python 2 syntax: the `print` statement",
        ),
        (
            "from airflow import DAG\nexec \"dag = 1\"\n",
            "2:1",
            "`exec` statement",
        ),
        ("from airflow import DAG\nx = `1`\n", "2:5", "backticks"),
        (
            "from airflow import DAG\nif 1 <> 2:\n    pass\n",
            "2:6",
            "`<>`",
        ),
        (
            "from airflow import DAG\ntry:\n    pass\nexcept ValueError, e:\n    pass\n",
            "4:1",
            "`except X, name`",
        ),
    ] {
        scratch.write("dags/broken.py", source);
        let run = scratch.run(&["check", "--format", "concise"]);
        // A warning: the run goes on, as Airflow imports the other files.
        run.assert_says(&format!("dags/broken.py:{position}"), what);
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        assert!(
            run.stdout.contains("X002"),
            "the rest of the repository is still checked"
        );
    }
    // Nesting deep enough to overflow a recursive walk, with a syntax error in it.
    scratch.write(
        "dags/broken.py",
        format!("from airflow import DAG\nx = {}1\n", "[".repeat(200_000)),
    );
    scratch
        .run(&["check", "--format", "concise"])
        .assert_says("dags/broken.py:2:", "invalid Python syntax");
}

#[test]
fn deeply_nested_folders() {
    let scratch = Scratch::example();
    // Folders inside folders until the path is too long for the system, in the DAG folder
    // (which discovery and the `.airflowignore` reader each walk) and elsewhere.
    for top in ["dags", "docs"] {
        let mut path = scratch.path(top);
        for _ in 0..4000 {
            path.push("d");
            if std::fs::create_dir(&path).is_err() {
                break;
            }
        }
    }
    scratch.write("dags/d/d/d/.airflowignore", "nothing_matches\n");
    let run = scratch.check();
    run.assert_orderly();
    assert!(run.stdout.contains("X002"), "the repository is checked");
}

#[test]
fn huge_python_string() {
    let scratch = Scratch::example();
    scratch.write(
        "dags/huge.py",
        format!(
            "from airflow import DAG\nDOC = \"{}\"\n",
            "x".repeat(30 << 20)
        ),
    );
    scratch.check().assert_orderly();
}

#[test]
fn long_import_chain() {
    let scratch = Scratch::example();
    for n in 0..3000 {
        scratch.write(
            &format!("dags/m{n}.py"),
            format!("from m{} import VALUE\n", n + 1),
        );
    }
    scratch.write("dags/m3000.py", "VALUE = 'tag:finance_daily'\n");
    scratch.check().assert_orderly();
}

/// Deep nesting in Python expressions: past the evaluator's depth bound, values are unknown
/// and the file gets one warning, never a stack overflow.
#[test]
fn deep_python_nesting() {
    let scratch = Scratch::example();
    for source in [
        format!("x = {}1{}\n", "f(".repeat(5_000), ")".repeat(5_000)),
        format!("x = {}1{}\n", "[".repeat(5_000), "]".repeat(5_000)),
        format!("x = {}1{}\n", "{'a': ".repeat(5_000), "}".repeat(5_000)),
    ] {
        scratch.write("dags/deep.py", format!("from airflow import DAG\n{source}"));
        // In a code frame: it points at the first token past the limit, not at the whole
        // line of code below it.
        let run = scratch.run(&["check", "--select", "all"]);
        run.assert_says("dags/deep.py", "code nested more than 200 levels deep");
        assert!(run.stderr.len() < 8_000, "{} bytes", run.stderr.len());
    }
    // Chains one level deeper per term are followed in loops: no limit is reached.
    for source in [
        format!("x = \"a\"{}\n", " + \"a\"".repeat(10_000)),
        format!("x = y{}\n", "[0]".repeat(20_000)),
        format!("x = {}0\n", "1 if c else ".repeat(20_000)),
    ] {
        scratch.write("dags/deep.py", format!("from airflow import DAG\n{source}"));
        let run = scratch.check();
        run.assert_orderly();
        assert!(!run.stderr.contains("nested more than"), "{}", run.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// Scale

#[test]
fn many_tokens_on_one_command_line() {
    let scratch = Scratch::example();
    let tokens: Vec<String> = (0..300_000).map(|n| format!("tag:t{n}")).collect();
    scratch.write(
        "dags/many.py",
        format!(
            "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\nwith DAG(\"many\", schedule=None) as dag:\n    BashOperator(task_id=\"t\", bash_command=\"dbt build --select {}\")\n",
            tokens.join(" ")
        ),
    );
    scratch
        .run(&["check", "--format", "concise", "--quiet"])
        .assert_orderly();
    // In code frames: one finding for the line, a bounded excerpt of it, a bounded number of
    // places.
    let run = scratch.run(&["check", "--quiet"]);
    run.assert_orderly();
    assert!(run.stdout.len() < 1 << 20, "{} bytes", run.stdout.len());
    assert!(
        run.stdout
            .contains("more places on this line are not shown")
    );
}

#[test]
fn many_findings_in_one_file_human_format() {
    let scratch = Scratch::example();
    let mut manifest = scratch.manifest();
    let template = manifest["nodes"]["model.acme.agg_tickets_daily"].clone();
    let mut yaml = String::from("version: 2\nmodels:\n");
    let nodes = manifest["nodes"].as_object_mut().unwrap();
    for n in 0..20_000 {
        let name = format!("unscheduled_{n}");
        let mut node = template.clone();
        node["name"] = json!(name);
        node["unique_id"] = json!(format!("model.acme.{name}"));
        node["fqn"] = json!(["acme", "many", name]);
        node["original_file_path"] = json!(format!("models/many/{name}.sql"));
        node["patch_path"] = json!("acme://models/many/_many.yml");
        node["checksum"] = json!({"name": "none", "checksum": ""});
        // Half of them are run by a DAG: the other half is not the folder's convention, so
        // each is its own finding.
        let tags = if n % 2 == 0 {
            json!(["many"])
        } else {
            json!([])
        };
        node["tags"] = tags.clone();
        node["config"]["tags"] = tags;
        nodes.insert(format!("model.acme.{name}"), node);
        yaml.push_str(&format!("  - name: {name}\n    description: one of many\n"));
    }
    scratch.write_manifest(&manifest);
    scratch.write("dbt/models/many/_many.yml", yaml);
    scratch.write(
        "dags/many.py",
        "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\nwith DAG(\"many\", schedule=\"@daily\") as dag:\n    BashOperator(task_id=\"t\", bash_command=\"dbt build --select tag:many\")\n",
    );
    let run = scratch.run(&["check", "--select", "X001"]);
    run.assert_orderly();
    assert!(run.stdout.contains("unscheduled_19999"));
    let findings = run.stdout.matches("is not run by any DAG").count();
    assert!(
        findings > 10_000,
        "one finding per unscheduled model: {findings}"
    );
}

#[test]
fn empty_repository() {
    let root = std::env::temp_dir().join(format!("monolint-empty-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    let run = run_in(&root, &["check"]);
    run.assert_input_error("", "no dbt project (dbt_project.yml) found");
    std::fs::remove_dir_all(&root).unwrap();
}
