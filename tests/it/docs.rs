//! Docs that cannot drift: every ` ```console ` block of the README and of `docs/` is run,
//! command by command, in a copy of the example, and must print what the block shows.
//!
//! A console block holds `$ monolint ARGS` lines (and `$ cd DIR`), each followed by an optional
//! `? CODE` line (the exit code; 0 when absent) and the output (stdout, then stderr). In the
//! output a line `...` stands for any number of lines and `[..]` for any text within a line.
//! Each block runs in a fresh folder holding `examples/acme-analytics`, from that folder, so
//! commands name the example as they do from the repository's root.
//!
//! Every fenced block says what it is (a block without a language fails), and `sh` blocks
//! show other tools' commands only (pip, dbt, cargo, scripts): a `monolint` command belongs
//! in a console block, where it is run.

use std::path::{Path, PathBuf};

use crate::support::{
    FencedBlock, Scratch, copy_dir, display, example, fenced_blocks, monolint_in, repo_root,
};

/// README.md and every page of docs/.
fn documentation() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(repo_root().join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    pages.sort();
    pages.insert(0, repo_root().join("README.md"));
    pages
}

/// A temporary folder holding a copy of the example at `examples/acme-analytics`, as the
/// repository's root does.
fn example_at_its_path() -> Scratch {
    let scratch = Scratch::empty();
    copy_dir(&example(), &scratch.path("examples/acme-analytics"));
    scratch
}

/// One `$ ...` line of a console block with what it must print.
struct Step {
    /// The line of the `$`, 1-based in its page.
    line: usize,
    command: String,
    exit_code: i32,
    output: Vec<String>,
}

/// The steps of a console block; an error names what is not a step.
fn steps(block: &FencedBlock) -> Result<Vec<Step>, String> {
    let mut steps: Vec<Step> = Vec::new();
    for (offset, line) in block.text.lines().enumerate() {
        let number = block.line + 1 + offset;
        if let Some(command) = line.strip_prefix("$ ") {
            steps.push(Step {
                line: number,
                command: command.trim().to_owned(),
                exit_code: 0,
                output: Vec::new(),
            });
            continue;
        }
        let Some(step) = steps.last_mut() else {
            return Err(format!("line {number}: a console block starts with `$ `"));
        };
        match line.strip_prefix("? ") {
            Some(code) if step.output.is_empty() => {
                step.exit_code = code
                    .trim()
                    .parse()
                    .map_err(|_| format!("line {number}: `? CODE` takes a number"))?;
            }
            _ => step.output.push(line.trim_end().to_owned()),
        }
    }
    if steps.is_empty() {
        return Err("an empty console block".to_owned());
    }
    Ok(steps)
}

/// Whether `actual` matches `expected`, where an expected line `...` matches any number of
/// lines and `[..]` any text within a line.
fn lines_match(expected: &[String], actual: &[&str]) -> bool {
    // matched[i][j]: expected[i..] matches actual[j..].
    let mut matched = vec![vec![false; actual.len() + 1]; expected.len() + 1];
    matched[expected.len()][actual.len()] = true;
    for i in (0..expected.len()).rev() {
        for j in (0..=actual.len()).rev() {
            matched[i][j] = if expected[i] == "..." {
                matched[i + 1][j] || (j < actual.len() && matched[i][j + 1])
            } else {
                j < actual.len() && line_matches(&expected[i], actual[j]) && matched[i + 1][j + 1]
            };
        }
    }
    matched[0][0]
}

/// Whether one output line matches its expected text, `[..]` matching any text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let mut parts = expected.split("[..]");
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Runs one step in `cwd` (a `cd` moves `cwd`); returns what went wrong, if anything.
fn run_step(step: &Step, root: &Path, cwd: &mut PathBuf) -> Option<String> {
    let Some(words) = shlex::split(&step.command) else {
        return Some("the command does not split into words".to_owned());
    };
    match words.split_first() {
        Some((cd, [dir])) if cd == "cd" => {
            let target = cwd.join(dir);
            if !target.starts_with(root) || !target.is_dir() {
                return Some(format!("`cd {dir}`: no such folder in the example"));
            }
            if step.exit_code != 0 || !step.output.is_empty() {
                return Some("`cd` prints nothing and exits 0".to_owned());
            }
            *cwd = target;
            None
        }
        Some((monolint, args)) if monolint == "monolint" => {
            let output = monolint_in(cwd).args(args).output().expect("monolint runs");
            let mut printed = String::from_utf8_lossy(&output.stdout).into_owned();
            printed.push_str(&String::from_utf8_lossy(&output.stderr));
            let actual: Vec<&str> = printed.trim_end().lines().map(str::trim_end).collect();
            let expected: Vec<String> = {
                let mut lines = step.output.clone();
                while lines.last().is_some_and(String::is_empty) {
                    lines.pop();
                }
                lines
            };
            let code = output.status.code().unwrap_or(-1);
            if code == step.exit_code && lines_match(&expected, &actual) {
                None
            } else {
                Some(format!(
                    "exit code {code} (the block says {}); it printed:\n{}",
                    step.exit_code,
                    actual.join("\n")
                ))
            }
        }
        _ => Some("console blocks run `monolint` and `cd` only".to_owned()),
    }
}

/// A `sh` line that runs monolint (after an optional `$ ` prompt).
fn runs_monolint(line: &str) -> bool {
    let line = line.trim_start();
    let line = line.strip_prefix("$ ").unwrap_or(line);
    line == "monolint" || line.starts_with("monolint ")
}

#[test]
fn documented_commands_print_what_the_docs_show() {
    let mut failures = Vec::new();
    let mut commands = 0;
    for page in documentation() {
        let markdown = std::fs::read_to_string(&page).unwrap();
        for block in fenced_blocks(&markdown) {
            let origin = format!("{}:{}", display(&page), block.line);
            let language = block.info.split_whitespace().next().unwrap_or_default();
            match language {
                "" => failures.push(format!(
                    "{origin}: a block without a language (`console` for commands the tests \
                     run, `text` for anything else)"
                )),
                "sh" => {
                    for (offset, line) in block.text.lines().enumerate() {
                        if runs_monolint(line) {
                            failures.push(format!(
                                "{}:{}: `{}` in a `sh` block: show it in a `console` block, \
                                 with its output, so that it is run",
                                display(&page),
                                block.line + 1 + offset,
                                line.trim()
                            ));
                        }
                    }
                }
                "console" => {
                    let steps = match steps(&block) {
                        Ok(steps) => steps,
                        Err(problem) => {
                            failures.push(format!("{origin}: {problem}"));
                            continue;
                        }
                    };
                    let scratch = example_at_its_path();
                    let mut cwd = scratch.0.clone();
                    for step in &steps {
                        commands += 1;
                        if let Some(problem) = run_step(step, &scratch.0, &mut cwd) {
                            failures.push(format!(
                                "{}:{}: `$ {}`: {problem}",
                                display(&page),
                                step.line,
                                step.command
                            ));
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(commands >= 10, "only {commands} documented commands ran");
}

/// The `monolint ...` commands of a page's inline code that hold no placeholder (`<rule>`,
/// `[PATH]`, `{...}`, `FORMAT`) and no shell syntax (`|| true`).
fn inline_commands(markdown: &str) -> Vec<String> {
    let placeholder = |word: &str| {
        word.contains(['<', '[', '{', '|'])
            || (word.len() > 1 && word.chars().all(|c| c.is_ascii_uppercase()))
    };
    markdown
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| span.starts_with("monolint ") && !span.split(' ').any(placeholder))
        .map(str::to_owned)
        .collect()
}

/// Commands shown inline (`monolint check --show-files`) run in the example without a usage
/// or input error: their output is not shown, but their options must exist.
#[test]
fn inline_commands_run_without_errors() {
    let scratch = example_at_its_path();
    let in_example = scratch.path("examples/acme-analytics");
    let mut ran = 0;
    for page in documentation() {
        let markdown = std::fs::read_to_string(&page).unwrap();
        for command in inline_commands(&markdown) {
            let args = shlex::split(&command).expect("inline commands split into words");
            // Paths in them name the example's files from the example or from the root.
            let cwd = if command.contains("examples/") {
                &scratch.0
            } else {
                &in_example
            };
            let output = monolint_in(cwd)
                .args(&args[1..])
                .output()
                .expect("monolint runs");
            assert_ne!(
                output.status.code(),
                Some(2),
                "{}: `{command}` fails: {}",
                display(&page),
                String::from_utf8_lossy(&output.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 15, "only {ran} inline commands ran");
}

/// The options a synopsis names, each with its subcommand (`monolint SUB ...` and the lines
/// under it, comments included).
fn synopsis_options(synopsis: &str) -> Vec<(String, String)> {
    let mut named = Vec::new();
    let mut subcommand = String::new();
    for line in synopsis.lines() {
        if let Some(rest) = line.strip_prefix("monolint ") {
            subcommand = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
        }
        for word in line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
            if word.starts_with("--") && word.len() > 2 {
                named.push((subcommand.clone(), word.to_owned()));
            }
        }
    }
    named
}

/// The README's usage synopsis names only options monolint has, and every option of `check`.
#[test]
fn readme_synopsis_matches_the_help() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let synopsis = fenced_blocks(&readme)
        .into_iter()
        .find(|block| block.info == "text" && block.text.starts_with("monolint check"))
        .expect("the README's usage synopsis");
    let help = |subcommand: &str| {
        let output = monolint_in(repo_root())
            .args([subcommand, "--help"])
            .output()
            .expect("monolint runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let named = synopsis_options(&synopsis.text);
    assert!(named.len() >= 20, "{named:?}");
    for (subcommand, option) in &named {
        assert!(
            help(subcommand).contains(option.as_str()),
            "README.md: `monolint {subcommand} {option}` is not in `monolint {subcommand} --help`"
        );
    }
    let check_help = help("check");
    for option in check_help
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|word| word.starts_with("--") && word.len() > 2)
    {
        assert!(
            ["--help", "--version"].contains(&option)
                || named
                    .iter()
                    .any(|(sub, named)| sub == "check" && named == option),
            "README.md: the synopsis of `monolint check` lacks `{option}`"
        );
    }
}

#[test]
fn the_matcher_is_not_vacuous() {
    let expected: Vec<String> = ["a", "...", "c [..] e"].map(String::from).to_vec();
    assert!(lines_match(&expected, &["a", "c d e"]));
    assert!(lines_match(&expected, &["a", "b", "b", "c x y e"]));
    assert!(!lines_match(&expected, &["a", "c d"]));
    assert!(!lines_match(&expected, &["b", "c d e"]));
    assert!(!lines_match(&expected, &["a", "c d e", "f"]));
    assert!(!line_matches("x[..]y", "xy!"));
    assert!(line_matches("x[..]y", "x and y"));
}
