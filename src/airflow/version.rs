//! The Airflow major version of the repository, one for all its DAG files: from the pins in
//! its requirements, constraints, `pyproject.toml` and Docker images (Astro Runtime included),
//! unless `[airflow] version` says it.

use super::schedule::AirflowVersion;

/// Whether a file of the repository may pin Airflow's version.
pub fn may_pin(file_name: &str) -> bool {
    (file_name.ends_with(".txt")
        && (file_name.starts_with("requirements") || file_name.starts_with("constraints")))
        || file_name == "pyproject.toml"
        || file_name == "Dockerfile"
        || file_name.starts_with("Dockerfile.")
}

/// The Airflow version a file pins, if it pins one.
pub fn pinned_in(file_name: &str, text: &str) -> Option<AirflowVersion> {
    let versions: Vec<AirflowVersion> = text
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .filter_map(|line| {
            if file_name.starts_with("Dockerfile") {
                from_image(line)
            } else {
                from_requirement(line)
            }
        })
        .collect();
    agreed(versions)
}

/// One version when all hints agree.
pub fn agreed<T: PartialEq + Copy>(versions: impl IntoIterator<Item = T>) -> Option<T> {
    let mut versions = versions.into_iter();
    let first = versions.next()?;
    versions.all(|v| v == first).then_some(first)
}

/// `apache-airflow==2.10.5`, `apache-airflow[celery]~=3.0`, `apache-airflow>=3.0,<4`, poetry's
/// `apache-airflow = "^2.9"`. A bare lower bound below 3 (`>=2.7`) may install Airflow 3: not
/// a pin.
fn from_requirement(line: &str) -> Option<AirflowVersion> {
    major_version(requirement_major(line, "apache-airflow", 3)?)
}

/// The major version of `package` a requirement line pins. A lower bound alone pins nothing
/// unless it is already the newest major version, `newest`.
fn requirement_major(line: &str, package: &str, newest: u32) -> Option<u32> {
    let at = line.find(package)?;
    if line[..at].ends_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_') {
        return None; // another package whose name ends with this one
    }
    let rest = &line[at + package.len()..];
    if rest.starts_with(['-', '_']) {
        return None; // a provider or a plugin, not the package itself
    }
    let rest = match rest.strip_prefix('[') {
        Some(extras) => extras.split_once(']')?.1,
        None => rest,
    };
    let digit = rest.find(|c: char| c.is_ascii_digit())?;
    let (operator, version) = rest.split_at(digit);
    if operator.chars().any(char::is_alphanumeric) {
        return None;
    }
    let major: u32 = version
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    let lower_bound_only = operator.contains('>');
    if lower_bound_only && major < newest && !version.contains(&format!("<{newest}")) {
        return None;
    }
    Some(major)
}

/// The major version of dag-factory a requirements, constraints or `pyproject.toml` file pins
/// (its YAML files and loader differ between 0.x and 1.x).
pub fn dag_factory_pinned_in(file_name: &str, text: &str) -> Option<u32> {
    if file_name.starts_with("Dockerfile") {
        return None;
    }
    let majors = text
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .filter_map(|line| requirement_major(line, "dag-factory", 1));
    agreed(majors)
}

/// `FROM apache/airflow:3.0.2`, `FROM astrocrpublic.azurecr.io/runtime:3.0-4` (Astro Runtime 3
/// is Airflow 3), `FROM quay.io/astronomer/astro-runtime:12.6.0` (every Astro Runtime on
/// quay.io, 3 to 12, runs Airflow 2).
fn from_image(line: &str) -> Option<AirflowVersion> {
    let line = line.trim();
    let image = line
        .strip_prefix("FROM ")
        .or_else(|| line.strip_prefix("from "))?
        .split_whitespace()
        .find(|word| !word.starts_with("--"))?;
    let (name, tag) = image.rsplit_once(':')?;
    let tag_major = |tag: &str| -> Option<u32> {
        tag.trim_start_matches(|c: char| !c.is_ascii_digit())
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    if name.ends_with("astronomer/astro-runtime") {
        return Some(AirflowVersion::V2);
    }
    if name.ends_with("astrocrpublic.azurecr.io/runtime") {
        return (tag_major(tag)? >= 3).then_some(AirflowVersion::V3);
    }
    if name.ends_with("apache/airflow") {
        // `slim-2.9.3-python3.11` or `3.0.2`: the first number is Airflow's.
        return major_version(tag_major(tag)?);
    }
    None
}

fn major_version(major: u32) -> Option<AirflowVersion> {
    match major {
        2 => Some(AirflowVersion::V2),
        3 => Some(AirflowVersion::V3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AirflowVersion::{V2, V3};

    #[test]
    fn requirement_pins() {
        let pin = |text| pinned_in("requirements.txt", text);
        assert_eq!(pin("apache-airflow==2.10.5\n"), Some(V2));
        assert_eq!(pin("apache-airflow[celery,google]==3.0.2"), Some(V3));
        assert_eq!(pin("apache-airflow~=3.1"), Some(V3));
        assert_eq!(pin("apache-airflow>=2.7,<3"), Some(V2));
        assert_eq!(pin("apache-airflow>=2.7"), None);
        assert_eq!(pin("apache-airflow-providers-google==10.1.0"), None);
        assert_eq!(pin("apache-airflow==2.9.1\napache-airflow==3.0.0"), None);
        assert_eq!(
            pinned_in(
                "pyproject.toml",
                "dependencies = [\"apache-airflow>=3.0.1\"]"
            ),
            Some(V3)
        );
        assert_eq!(
            pinned_in("pyproject.toml", "apache-airflow = \"^2.9\""),
            Some(V2)
        );
    }

    #[test]
    fn docker_images() {
        let image = |text| pinned_in("Dockerfile", text);
        assert_eq!(
            image("FROM astrocrpublic.azurecr.io/runtime:3.0-4\n"),
            Some(V3)
        );
        assert_eq!(
            image("FROM quay.io/astronomer/astro-runtime:12.6.0"),
            Some(V2)
        );
        assert_eq!(image("FROM apache/airflow:slim-2.9.3-python3.11"), Some(V2));
        assert_eq!(
            image("FROM --platform=linux/amd64 apache/airflow:3.0.2"),
            Some(V3)
        );
        assert_eq!(image("FROM python:3.11"), None);
    }
}
