//! dbt started from a Python task's own code: `dbtRunner().invoke([...])` (dbt ≥ 1.5),
//! `subprocess.run/call/check_call/check_output/Popen` with an argv list or a shell string,
//! Airflow's `SubprocessHook().run_command([...])`, and `os.system`/`os.popen`. The calls come
//! from the body of a `@task` function or of a `PythonOperator`'s `python_callable`, evaluated
//! statement by statement.

use super::argv::{calls_in_argv, calls_in_words, words};
use super::{Extraction, calls_in_command, items_of};
use crate::airflow::value::{Call, Item, Value};
use crate::source::Spanned;

/// The callee name monolint gives `<dbtRunner instance>.invoke(...)`.
pub const DBT_RUNNER_INVOKE: &str = "dbt.cli.main.dbtRunner.invoke";

/// The callee name monolint gives `<SubprocessHook instance>.run_command(...)`.
pub const SUBPROCESS_HOOK_RUN_COMMAND: &str = "airflow.hooks.subprocess.SubprocessHook.run_command";

/// The name monolint gives a method call that starts dbt, from the method's name and the
/// callee that created the instance (`dbtRunner`, `SubprocessHook`), asked for only when the
/// method is one of theirs.
pub fn method_callee(
    method: &str,
    instance: impl FnOnce() -> Option<String>,
) -> Option<&'static str> {
    match method {
        "invoke" => {
            let instance = instance()?;
            matches!(instance.as_str(), "dbt.cli.main.dbtRunner" | "dbtRunner")
                .then_some(DBT_RUNNER_INVOKE)
        }
        // Airflow 2 `airflow.hooks.subprocess`, Airflow 3 `airflow.providers.standard.hooks.
        // subprocess`; imported inside the task function, the name alone.
        "run_command" => {
            let instance = instance()?;
            (instance.rsplit('.').next() == Some("SubprocessHook"))
                .then_some(SUBPROCESS_HOOK_RUN_COMMAND)
        }
        _ => None,
    }
}

/// The dbt calls one Python call makes, if it starts dbt.
pub fn extract(call: &Call) -> Option<Extraction> {
    match call.callee.as_str() {
        DBT_RUNNER_INVOKE => Some(runner_invoke(call)),
        "subprocess.run"
        | "subprocess.call"
        | "subprocess.check_call"
        | "subprocess.check_output"
        | "subprocess.Popen" => subprocess(call, "args"),
        // `run_command(command, env=None, output_encoding="utf-8", cwd=None)`: no shell.
        SUBPROCESS_HOOK_RUN_COMMAND => subprocess(call, "command"),
        "os.system" | "os.popen" => match &call.arg("command", 0)?.value {
            Value::Str(text) => Some(calls_in_command(text)),
            _ => None,
        },
        _ => None,
    }
}

/// `invoke(args, **kwargs)`: `args` are the words after `dbt`; keyword arguments are flags
/// (`target="prod"` is `--target prod`, `full_refresh=True` is `--full-refresh`).
fn runner_invoke(call: &Call) -> Extraction {
    let Some(args) = call.arg("args", 0) else {
        return Extraction::default();
    };
    let Value::List(items) = &args.value else {
        // A dbt runner runs dbt, whatever its arguments.
        return Extraction {
            calls: Vec::new(),
            unresolved: vec![Spanned::new(
                format!(
                    "the arguments of `dbtRunner().invoke` are {}",
                    args.value.describe()
                ),
                args.span.clone(),
            )],
        };
    };
    let mut argv = vec![Spanned::new("dbt".to_owned(), call.span.clone())];
    argv.extend(words(&items.iter().collect::<Vec<_>>()));
    for (name, value) in &call.kwargs {
        let flag = format!("--{}", name.replace('_', "-"));
        match &value.value {
            Value::Bool(true) => argv.push(Spanned::new(flag, value.span.clone())),
            Value::Bool(false) => {}
            _ => {
                argv.push(Spanned::new(flag, value.span.clone()));
                argv.extend(words(&items_of(value)));
            }
        }
    }
    calls_in_words(&argv, false)
}

/// `subprocess.run(["dbt", ...], cwd=DIR)` or `subprocess.run("dbt ...", shell=True)`, the
/// argv first, named `argv`; the working directory is the project dir of calls without
/// `--project-dir`.
fn subprocess(call: &Call, argv: &str) -> Option<Extraction> {
    let args = call.arg(argv, 0)?;
    let shell = call
        .kwarg("shell")
        .is_some_and(|flag| flag.value.truthy() == Some(true));
    let mut extraction = match &args.value {
        Value::List(items) => calls_in_argv(&items.iter().collect::<Vec<_>>(), false),
        Value::Str(text) if shell => calls_in_command(text),
        // Without a shell, a string is the program alone.
        Value::Str(_) => calls_in_argv(&[args], false),
        _ => return Some(unresolved(args, "the command this subprocess runs")),
    };
    if let Some(cwd) = call.kwarg("cwd") {
        extraction.in_working_dir(cwd.value.as_str().as_deref());
    }
    if let Some(cwd) = call.kwarg("cwd")
        && let Value::Str(text) = &cwd.value
    {
        for dbt_call in &mut extraction.calls {
            if dbt_call.project_dir.is_none() {
                dbt_call.project_dir = Some(Spanned::new(text.render(), cwd.span.clone()));
            }
        }
    }
    Some(extraction)
}

/// An argument monolint cannot evaluate: unresolved when its code mentions dbt.
fn unresolved(item: &Item, what: &str) -> Extraction {
    let mut extraction = Extraction::default();
    if item.span.text().to_ascii_lowercase().contains("dbt") {
        extraction.unresolved.push(Spanned::new(
            format!("{what} is {}", item.value.describe()),
            item.span.clone(),
        ));
    }
    extraction
}
