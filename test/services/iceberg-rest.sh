#!/usr/bin/env bash
# Apache Iceberg's REST catalog server (org.apache.iceberg.rest.RESTCatalogServer, published on
# Maven Central as iceberg-open-api's test-fixtures), the real catalog tests publish to. Two
# instances, each a JDBC catalog in its own sqlite file:
#   disk  warehouse in a local folder (HadoopFileIO), port ICEBERG_REST_PORT (default 8181)
#   s3    warehouse s3://<bucket>/warehouse on S3Proxy (S3FileIO, path-style, S3Proxy's keys),
#         port ICEBERG_REST_S3_PORT (default 8182); needs S3Proxy running (s3proxy.sh start)
#
#   iceberg-rest.sh install                  resolve the server's jars into .services/iceberg-rest/lib
#   iceberg-rest.sh start|stop|status [disk|s3]   both instances when none is named
#   iceberg-rest.sh reset [disk|s3]          stop, then delete the catalog database and warehouse
#
# The server binds every interface (it has no host setting): use ports in the loopback-only test
# range. It is configured only by CATALOG_* environment variables (RCKUtils: CATALOG_IO__IMPL ->
# io-impl), which this script sets for the server process alone.
# Environment: ICEBERG_VERSION (default below), ICEBERG_REST_PORT, ICEBERG_REST_S3_PORT,
# ICEBERG_REST_DISK_WAREHOUSE (a folder; default .services/iceberg-rest/warehouse-disk-<port>),
# ICEBERG_REST_S3_BUCKET (default iceberg-warehouse), S3PROXY_PORT (default 9000).
set -euo pipefail
LS_SERVICE=iceberg-rest
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ICEBERG_VERSION="${ICEBERG_VERSION:-1.10.1}"
JETTY_VERSION=11.0.25 # the Jetty line RESTCatalogServer is built against (jakarta servlet 5)
HADOOP_VERSION=3.4.1  # only for org.apache.hadoop.conf.Configuration and HadoopFileIO on file://
MAIN_CLASS=org.apache.iceberg.rest.RESTCatalogServer
DISK_PORT="${ICEBERG_REST_PORT:-8181}"
S3_PORT="${ICEBERG_REST_S3_PORT:-8182}"
S3PROXY_PORT="${S3PROXY_PORT:-9000}"
S3_ENDPOINT="http://127.0.0.1:$S3PROXY_PORT"
S3_BUCKET="${ICEBERG_REST_S3_BUCKET:-iceberg-warehouse}"
# The keys test/services/s3proxy.sh configures.
S3_KEY=lakestream
S3_SECRET=lakestream-secret

DIR="$(ls_service_dir iceberg-rest)"
LIB="$DIR/lib"

. "$(dirname "${BASH_SOURCE[0]}")/iceberg-rest-pom.sh"

install() {
  command -v java >/dev/null || ls_die "java not found: install a JDK 17+ (Debian package 'default-jdk-headless')"
  write_server_pom "$DIR/server-pom.xml"
  ls_maven_fetch_pom "$LIB" "$DIR/server-pom.xml"
}

# Instance settings: sets PORT, PORT_VAR, NAME, PIDFILE, LOG, DB, WAREHOUSE and PATTERN for $1 (disk or s3).
instance() {
  case "$1" in
  disk)
    PORT="$DISK_PORT" PORT_VAR=ICEBERG_REST_PORT
    WAREHOUSE="${ICEBERG_REST_DISK_WAREHOUSE:-$DIR/warehouse-disk-$PORT}"
    ;;
  s3)
    PORT="$S3_PORT" PORT_VAR=ICEBERG_REST_S3_PORT
    WAREHOUSE="s3://$S3_BUCKET/warehouse"
    ;;
  *) ls_die "unknown instance '$1' (disk or s3)" ;;
  esac
  NAME="$1-$PORT"
  PIDFILE="$DIR/$NAME.pid"
  LOG="$DIR/$NAME.log"
  DB="$DIR/catalog-$NAME.db"
  # On the java command line, so a recycled pid or the other instance is never mistaken for this one.
  PATTERN="-Dlakestream.iceberg-rest=$NAME"
  URL="http://127.0.0.1:$PORT/v1/config"
}

healthy() { ls_pid_alive "$PIDFILE" "$PATTERN" && curl -sf -m 2 -o /dev/null "$URL"; }

# S3Proxy checks SigV4 like S3; curl signs (curl 7.88 sends no payload hash, so it is named: the
# empty body is not signed). 200 creates the bucket, 409 means it is there.
make_bucket() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' -m 10 -X PUT --user "$S3_KEY:$S3_SECRET" \
    --aws-sigv4 "aws:amz:us-east-1:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
    "$S3_ENDPOINT/$S3_BUCKET")" || true
  [[ "$code" == 200 || "$code" == 409 ]] ||
    ls_die "could not create bucket $S3_BUCKET on $S3_ENDPOINT (HTTP $code); is S3Proxy running? (s3proxy.sh start)"
}

start_one() {
  instance "$1"
  if healthy; then
    ls_log "$NAME already running (pid $(<"$PIDFILE")) on $URL"
    return 0
  fi
  if ls_port_open 127.0.0.1 "$PORT"; then
    ls_die "port $PORT is taken by a process this script did not start; stop it or set $PORT_VAR"
  fi
  install
  local env=(
    "CATALOG_REST_PORT=$PORT"
    "CATALOG_URI=jdbc:sqlite:file:$DB"
    "CATALOG_JDBC_SCHEMA__VERSION=V1"
    "CATALOG_WAREHOUSE=$WAREHOUSE"
    # Iceberg's JdbcCatalog pools two connections by default. Two sqlite connections that
    # both read and then write in a transaction deadlock, and sqlite answers one at once with
    # SQLITE_BUSY (no lock wait helps), which clients see as HTTP 500 when commits race. One
    # connection serializes the catalog's writes, as a single sqlite file can anyway.
    "CATALOG_CLIENTS=1"
  )
  if [[ "$1" == disk ]]; then
    mkdir -p "$WAREHOUSE"
    env[3]="CATALOG_WAREHOUSE=file://$WAREHOUSE"
  else
    make_bucket
    env+=(
      "CATALOG_IO__IMPL=org.apache.iceberg.aws.s3.S3FileIO"
      "CATALOG_S3_ENDPOINT=$S3_ENDPOINT"
      "CATALOG_S3_PATH__STYLE__ACCESS=true"
      "CATALOG_S3_ACCESS__KEY__ID=$S3_KEY"
      "CATALOG_S3_SECRET__ACCESS__KEY=$S3_SECRET"
      "CATALOG_CLIENT_REGION=us-east-1"
    )
  fi
  [[ -f "$LOG" ]] && mv -f "$LOG" "$LOG.1"
  ls_log "starting $NAME (Iceberg $ICEBERG_VERSION, warehouse $WAREHOUSE) on $URL, log $LOG"
  # Only this script's CATALOG_* variables reach the server: any in the caller's environment
  # would become catalog properties too.
  local unset_catalog=() var
  for var in $(compgen -e); do
    [[ "$var" == CATALOG_* ]] && unset_catalog+=(-u "$var")
  done
  ls_start_bg "$PIDFILE" "$LOG" env "${unset_catalog[@]}" "${env[@]}" \
    java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "$PATTERN" \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=info -cp "$LIB/*" "$MAIN_CLASS"
  if ! ls_wait_ready 60 "$NAME on $URL" "$PIDFILE" "$PATTERN" healthy; then
    ls_tail_log "$LOG"
    ls_stop_pid "$PIDFILE" "$PATTERN"
    ls_die "$NAME did not become ready"
  fi
  ls_log "$NAME ready (pid $(<"$PIDFILE"))"
}

stop_one() {
  instance "$1"
  ls_stop_pid "$PIDFILE" "$PATTERN"
}

status_one() {
  instance "$1"
  if healthy; then
    ls_log "$NAME running (pid $(<"$PIDFILE")) on $URL"
  else
    ls_log "$NAME not running"
    return 1
  fi
}

reset_one() {
  stop_one "$1"
  ls_log "deleting $DB"
  rm -f "$DB"
  if [[ "$1" == disk ]]; then
    ls_log "deleting $WAREHOUSE"
    rm -rf "$WAREHOUSE"
  else
    ls_log "the warehouse in bucket $S3_BUCKET stays; s3proxy.sh reset deletes it"
  fi
}

instances=("${2:-disk}")
[[ -n "${2:-}" ]] || instances=(disk s3)

case "${1:-}" in
install) install ;;
start | stop | status | reset)
  status=0
  for i in "${instances[@]}"; do
    "${1}_one" "$i" || status=1
  done
  exit "$status"
  ;;
*) ls_die "usage: $0 install | start|stop|status|reset [disk|s3]" ;;
esac
