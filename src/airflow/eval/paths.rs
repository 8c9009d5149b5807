//! `/`-separated paths as `pathlib` and `os.path` build them.

/// The folder of a `/`-separated path (`dags/x.py` → `dags`, `x.py` → ``).
pub(super) fn parent_dir(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    trimmed
        .rsplit_once('/')
        .map_or(String::new(), |(dir, _)| dir.to_owned())
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
