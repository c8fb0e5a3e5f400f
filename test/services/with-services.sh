#!/usr/bin/env bash
# Runs a command with the real services up: `bash test/services/with-services.sh vitest run`.
# Installs the Python engines (python.sh: pyiceberg, PySpark + Iceberg jars, DuckDB), then for each
# service (s3proxy, kafka, then the two Iceberg REST catalogs, whose S3 warehouse needs S3Proxy):
# install, then start it unless it is already running. After the command, stops only the services
# this run started, so a developer who started them by hand keeps them. Exits with the command's
# status. LAKESTREAM_KEEP_SERVICES=1 leaves the started services running for the next run.
#
# Exported for the tests (each has a default, so a developer can set only the ports):
#   LAKESTREAM_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION   S3Proxy
#   LAKESTREAM_KAFKA_BROKERS                    the Kafka broker
#   ICEBERG_REST_URI                            REST catalog with its warehouse on local disk
#   ICEBERG_REST_DISK_WAREHOUSE                 that warehouse: an absolute folder path
#   ICEBERG_REST_S3_URI                         REST catalog with its warehouse on S3Proxy
#   ICEBERG_REST_S3_WAREHOUSE                   that warehouse: s3://<bucket>/warehouse
#   LAKESTREAM_INTEROP_PYTHON                   the venv python with pyiceberg, pyspark, duckdb
#   LAKESTREAM_SPARK_JARS                       folder of the jars Spark needs for Iceberg
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
export ICEBERG_REST_URI="${ICEBERG_REST_URI:-http://127.0.0.1:${ICEBERG_REST_PORT:-8181}}"
export ICEBERG_REST_DISK_WAREHOUSE="${ICEBERG_REST_DISK_WAREHOUSE:-$(ls_root)/.services/iceberg-rest/warehouse-disk-${ICEBERG_REST_PORT:-8181}}"
export ICEBERG_REST_S3_URI="${ICEBERG_REST_S3_URI:-http://127.0.0.1:${ICEBERG_REST_S3_PORT:-8182}}"
export ICEBERG_REST_S3_WAREHOUSE="s3://${ICEBERG_REST_S3_BUCKET:-iceberg-warehouse}/warehouse"
export LAKESTREAM_INTEROP_PYTHON="${LAKESTREAM_INTEROP_PYTHON:-$(bash "$HERE/python.sh" path)}"
export LAKESTREAM_SPARK_JARS="${LAKESTREAM_SPARK_JARS:-$(ls_root)/.services/spark-jars}"

started=()

stop_started() {
  local i
  if [[ "${LAKESTREAM_KEEP_SERVICES:-}" == 1 ]]; then
    ((${#started[@]} == 0)) || ls_log "leaving running: ${started[*]}"
    return 0
  fi
  # Reverse order: the catalogs, Kafka, then S3Proxy. An entry is "script [instance]".
  local entry args
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    entry="${started[$i]}"
    read -r -a args <<<"$entry"
    bash "$HERE/${args[0]}.sh" stop "${args[@]:1}" || ls_log "could not stop $entry"
  done
}
trap stop_started EXIT

# Engines run inside the tests' processes: only installed here.
bash "$HERE/python.sh" install

for service in s3proxy kafka "iceberg-rest disk" "iceberg-rest s3"; do
  read -r -a words <<<"$service"
  script="$HERE/${words[0]}.sh"
  instance=("${words[@]:1}")
  [[ -f "$script" ]] || continue
  bash "$script" install
  if bash "$script" status "${instance[@]}" >/dev/null 2>&1; then
    ls_log "$service already running; leaving it as it is"
    continue
  fi
  # Record before starting: a start that fails half-way still gets its stop.
  started+=("$service")
  bash "$script" start "${instance[@]}"
done

# Not a server: DuckDB's iceberg extension, so tests read Iceberg tables in process.
bash "$HERE/duckdb-extensions.sh" install
LAKESTREAM_DUCKDB_EXTENSIONS="$(bash "$HERE/duckdb-extensions.sh" dir)"
export LAKESTREAM_DUCKDB_EXTENSIONS

status=0
"$@" || status=$?
exit "$status"
