//! `/`-separated paths as `pathlib` and `os.path` build them.

/// The folder of a `/`-separated path (`dags/x.py` → `dags`, `x.py` → ``).
pub(super) fn parent_dir(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    trimmed
        .rsplit_once('/')
        .map_or(String::new(), |(dir, _)| dir.to_owned())
}

/// The last segment of a `/`-separated path (`dags/x.py` → `x.py`), as `os.path.basename`
/// and `Path.name` give it: DAGs named after their file read it from `__file__`.
pub(super) fn file_name(path: &str) -> String {
    path.rsplit_once('/')
        .map_or(path, |(_, name)| name)
        .to_owned()
}

/// The last segment without its suffix (`dags/x.py` → `x`), as `Path.stem` gives it.
pub(super) fn file_stem(path: &str) -> String {
    let name = file_name(path);
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
        _ => name,
    }
}

/// Joins paths the way `pathlib` does (an absolute part restarts), resolving `.` and `..`.
pub(super) fn join_path(base: &str, part: &str) -> String {
    let joined = if part.starts_with('/') || base.is_empty() {
        part.to_owned()
    } else {
        format!("{}/{part}", base.trim_end_matches('/'))
    };
    let absolute = joined.starts_with('/');
    let mut segments: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." if segments.last().is_some_and(|s| *s != "..") => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let body = segments.join("/");
    if absolute { format!("/{body}") } else { body }
}
