//! Container operators that run dbt in an image: Kubernetes pods (also GKE and EKS), Docker,
//! ECS tasks, Cloud Run jobs and Azure Container Instances.

use super::argv::{calls_in_argv, calls_in_words, opaque_if_mentions_dbt, split_text};
use super::{Extraction, Family, calls_in_command, items_of};
use crate::airflow::value::{Call, Item, Value};

pub const KUBERNETES_POD: Family = Family {
    name: "KubernetesPodOperator",
    recognizes: |call| {
        matches!(
            call.name(),
            "KubernetesPodOperator" | "GKEStartPodOperator" | "EksPodOperator"
        )
    },
    extract: kubernetes,
};

pub const DOCKER: Family = Family {
    name: "DockerOperator",
    recognizes: |call| call.name() == "DockerOperator",
    extract: docker,
};

pub const ECS: Family = Family {
    name: "EcsRunTaskOperator",
    recognizes: |call| {
        matches!(
            call.name(),
            "EcsRunTaskOperator" | "ECSOperator" | "EcsOperator"
        )
    },
    extract: |call| {
        container_overrides(
            call,
            "containerOverrides",
            "command",
            "the ECS task definition's command",
        )
    },
};

pub const CLOUD_RUN: Family = Family {
    name: "CloudRunExecuteJobOperator",
    recognizes: |call| call.name() == "CloudRunExecuteJobOperator",
    extract: |call| {
        container_overrides(
            call,
            "container_overrides",
            "args",
            "the Cloud Run job's command",
        )
    },
};

pub const AZURE_CONTAINER: Family = Family {
    name: "AzureContainerInstancesOperator",
    recognizes: |call| call.name() == "AzureContainerInstancesOperator",
    extract: |call| {
        let mut extraction = match call.kwarg("command") {
            Some(command) => calls_in_argv(&items_of(command), true),
            None => Extraction::default(),
        };
        opaque_if_mentions_dbt(
            &mut extraction,
            call.span.text(),
            &call.span,
            "the container's command is not visible here",
        );
        extraction.in_image()
    },
};

/// `cmds` (the entrypoint) and `arguments`; with no `cmds`, the image's entrypoint may be dbt.
/// An entrypoint script may read the command line from an environment variable.
fn kubernetes(call: &Call) -> Extraction {
    let cmds = call.kwarg("cmds").map(items_of).unwrap_or_default();
    let arguments = call.kwarg("arguments").map(items_of).unwrap_or_default();
    let argv: Vec<&Item> = cmds.iter().chain(&arguments).copied().collect();
    let mut extraction = calls_in_argv(&argv, cmds.is_empty());
    if extraction.calls.is_empty()
        && let Some(Item {
            value: Value::Dict(pairs),
            ..
        }) = call.kwarg("env_vars")
    {
        for (_, value) in pairs.iter() {
            if let Value::Str(text) = &value.value
                && text.render().trim_start().starts_with("dbt ")
            {
                let found = calls_in_command(text);
                extraction.calls.extend(found.calls);
                extraction.unresolved.extend(found.unresolved);
            }
        }
    }
    opaque_if_mentions_dbt(
        &mut extraction,
        call.span.text(),
        &call.span,
        "the pod's dbt command is not visible statically",
    );
    extraction.in_image()
}

/// `command` (a string split like a shell, or a list) after an optional `entrypoint`.
fn docker(call: &Call) -> Extraction {
    let entrypoint = call.kwarg("entrypoint").map(|e| match &e.value {
        Value::List(_) => super::argv::words(&items_of(e)),
        _ => split_text(e),
    });
    let command = call.kwarg("command").map(|c| match &c.value {
        Value::List(_) => super::argv::words(&items_of(c)),
        _ => split_text(c),
    });
    let mut words = entrypoint.clone().unwrap_or_default();
    words.extend(command.unwrap_or_default());
    // `entrypoint="/bin/sh -c"` with a script as the command.
    let shell_script = words.len() >= 3
        && matches!(words[0].value.rsplit('/').next(), Some("sh" | "bash"))
        && words[1].value.starts_with('-')
        && words[1].value.contains('c');
    let mut extraction = if shell_script {
        let script = words[2..]
            .iter()
            .map(|w| w.value.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let source = crate::airflow::value::Text::literal(script, words[2].span.clone(), false);
        calls_in_command(&source)
    } else {
        calls_in_words(&words, entrypoint.is_none())
    };
    opaque_if_mentions_dbt(
        &mut extraction,
        call.span.text(),
        &call.span,
        "the container's dbt command is not visible statically",
    );
    extraction.in_image()
}

/// ECS `overrides={"containerOverrides": [{"command": [...]}]}` and Cloud Run
/// `overrides={"container_overrides": [{"args": [...]}]}`.
fn container_overrides(call: &Call, list_key: &str, command_key: &str, hidden: &str) -> Extraction {
    let mut extraction = Extraction::default();
    let containers = call
        .kwarg("overrides")
        .and_then(|overrides| overrides.value.get(list_key))
        .map(items_of)
        .unwrap_or_default();
    for container in containers {
        if let Some(command) = container.value.get(command_key) {
            let found = calls_in_argv(&items_of(command), true);
            extraction.calls.extend(found.calls);
            extraction.unresolved.extend(found.unresolved);
        }
    }
    opaque_if_mentions_dbt(
        &mut extraction,
        call.span.text(),
        &call.span,
        &format!("{hidden} is not visible here"),
    );
    extraction.in_image()
}
