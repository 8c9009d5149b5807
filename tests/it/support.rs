//! What the integration tests share: the repository's folders, copies of them in temporary
//! folders, and runs of the monolint binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The repository's root (where Cargo.toml is).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The example monorepo the README runs.
pub fn example() -> PathBuf {
    repo_root().join("examples/acme-analytics")
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A fresh folder under the system's temporary folder, unique within the test run
/// (`monolint-<label>-<pid>-<n>`), left for the caller to fill and remove.
pub fn unique_temp_dir(label: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "monolint-{label}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A temporary folder removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// An empty temporary folder.
    pub fn empty() -> Scratch {
        let dir = unique_temp_dir("scratch");
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// A copy of the example in a temporary folder.
    pub fn example() -> Scratch {
        let scratch = Scratch::empty();
        copy_dir(&example(), &scratch.0);
        scratch
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }

    /// Puts `text` before the file's contents.
    pub fn prepend(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        let old = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}{old}")).unwrap();
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The monolint binary, run in `dir` without colors.
pub fn monolint_in(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_monolint"));
    command.current_dir(dir).env("NO_COLOR", "1");
    command
}

/// Runs monolint with `args` in `dir`: exit code, stdout and stderr.
pub fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run_with_env(dir, args, &[])
}

/// Runs monolint with `args` and the environment variables `env` in `dir`.
pub fn run_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = monolint_in(dir);
    command.args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("monolint runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).expect("utf-8 stdout"),
        String::from_utf8(output.stderr).expect("utf-8 stderr"),
    )
}

/// Exit code, stdout and stderr of a run, as one text for a snapshot.
pub fn transcript(dir: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = run_in(dir, args);
    format!("exit code: {code}\n----- stdout -----\n{stdout}----- stderr -----\n{stderr}")
}

/// A fenced code block of a Markdown text.
pub struct FencedBlock {
    /// What follows the opening fence: the language and anything after it.
    pub info: String,
    /// The line of the opening fence, 1-based.
    pub line: usize,
    /// The block's lines, each ending with a newline.
    pub text: String,
}

/// Every fenced code block of a Markdown text, in order.
pub fn fenced_blocks(markdown: &str) -> Vec<FencedBlock> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let Some(info) = line.trim().strip_prefix("```") else {
            continue;
        };
        let body: Vec<&str> = lines
            .by_ref()
            .map(|(_, l)| l)
            .take_while(|l| l.trim() != "```")
            .collect();
        let mut text = body.join("\n");
        text.push('\n');
        blocks.push(FencedBlock {
            info: info.trim().to_owned(),
            line: number + 1,
            text,
        });
    }
    blocks
}

/// A path as the tests name it: relative to the repository's root.
pub fn display(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}
