# Helpers shared by the scripts that run dbt on the fixture projects. Sourced, not run.

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# A clean dbt environment: nothing from the caller's DBT_* settings.
clean_dbt_env() {
  local var
  while IFS= read -r var; do
    unset "$var"
  done < <(compgen -e | grep '^DBT_' || true)
  export DBT_SEND_ANONYMOUS_USAGE_STATS=false
  export DBT_NO_VERSION_CHECK=true
}

# True when the project's packages.yml or dependencies.yml lists at least one package.
has_packages() {
  local f
  for f in "$1/packages.yml" "$1/dependencies.yml"; do
    [[ -f "$f" ]] || continue
    grep -Eq '^[[:space:]]*-[[:space:]]*(package|local|git|tarball|private):' "$f" && return 0
  done
  return 1
}
