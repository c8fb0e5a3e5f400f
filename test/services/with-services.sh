#!/usr/bin/env bash
# Runs a command with the real services up: `bash test/services/with-services.sh vitest run`.
# For each service script present (s3proxy, then kafka): install, then start it unless it is
# already running. After the command, stops only the services this run started, so a developer
# who started them by hand keeps them. Exits with the command's status.
# LAKESTREAM_KEEP_SERVICES=1 leaves the started services running for the next run.
set -euo pipefail
LS_SERVICE=with-services
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib.sh"

(($# > 0)) || ls_die "usage: $0 <command> [args...]"

export LAKESTREAM_S3_ENDPOINT="${LAKESTREAM_S3_ENDPOINT:-http://127.0.0.1:${S3PROXY_PORT:-9000}}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-lakestream}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-lakestream-secret}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export LAKESTREAM_KAFKA_BROKERS="${LAKESTREAM_KAFKA_BROKERS:-127.0.0.1:${LAKESTREAM_KAFKA_PORT:-9092}}"

started=()

stop_started() {
  local i
  if [[ "${LAKESTREAM_KEEP_SERVICES:-}" == 1 ]]; then
    ((${#started[@]} == 0)) || ls_log "leaving running: ${started[*]}"
    return 0
  fi
  # Reverse order: Kafka first, then S3Proxy.
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    bash "$HERE/${started[$i]}.sh" stop || ls_log "could not stop ${started[$i]}"
  done
}
trap stop_started EXIT

for service in s3proxy kafka; do
  script="$HERE/$service.sh"
  [[ -f "$script" ]] || continue
  bash "$script" install
  if bash "$script" status >/dev/null 2>&1; then
    ls_log "$service already running; leaving it as it is"
    continue
  fi
  # Record before starting: a start that fails half-way still gets its stop.
  started+=("$service")
  bash "$script" start
done

# Not a server: DuckDB's iceberg extension, so tests read Iceberg tables in process.
bash "$HERE/duckdb-extensions.sh" install
LAKESTREAM_DUCKDB_EXTENSIONS="$(bash "$HERE/duckdb-extensions.sh" dir)"
export LAKESTREAM_DUCKDB_EXTENSIONS

status=0
"$@" || status=$?
exit "$status"
