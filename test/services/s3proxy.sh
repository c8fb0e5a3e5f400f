#!/usr/bin/env bash
# S3Proxy: the real S3-compatible server used by tests and local runs (no Docker here).
# Usage: test/services/s3proxy.sh install|start|stop|status|reset
#   reset: stop the server (if this checkout started it) and delete every bucket's data; tests
#   make a fresh bucket each (test/helpers/services.ts), so data piles up on a developer machine.
# Listens on 127.0.0.1:${S3PROXY_PORT:-9000}, path-style, AWS v4 auth with identity `lakestream`
# and credential `lakestream-secret`; buckets are folders under .services/s3proxy/data.
set -euo pipefail
LS_SERVICE=s3proxy
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Pinned so every machine runs the same server; 4.x needs Java 17+.
S3PROXY_VERSION="${S3PROXY_VERSION:-4.1.0}"
S3PROXY_PORT="${S3PROXY_PORT:-9000}"
S3PROXY_STORE="${S3PROXY_STORE:-filesystem-nio2}"
MAIN_CLASS=org.gaul.s3proxy.Main

DIR="$(ls_service_dir s3proxy)"
LIB="$DIR/lib"
DATA="$DIR/data"
# Per port, so a second server (S3PROXY_PORT=9100) can run beside the default one.
PIDFILE="$DIR/s3proxy-$S3PROXY_PORT.pid"
LOG="$DIR/s3proxy-$S3PROXY_PORT.log"
PROPS="$DIR/s3proxy-$S3PROXY_PORT.properties"
URL="http://127.0.0.1:$S3PROXY_PORT/"

healthy() { ls_pid_alive "$PIDFILE" "$MAIN_CLASS" && ls_http_answers "$URL"; }

# Another checkout on this machine (a second clone, CI beside a developer) may already serve S3
# on the port: use it rather than fail, and leave its stopping to whoever started it.
foreign_s3() { curl -s -m 2 -D - -o /dev/null "$URL" 2>/dev/null | grep -qi '^x-amz-request-id:'; }

install() {
  command -v java >/dev/null || ls_die "java not found: install a JDK 17+ (Debian package 'default-jdk-headless')"
  # The self-contained jar S3Proxy publishes: resolving the plain jar's dependency tree with
  # Maven's nearest-wins rule mixes Jackson 2 and 3 versions that do not start.
  ls_maven_copy "$LIB" "org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies"
}

write_properties() {
  cat >"$PROPS" <<EOF
s3proxy.endpoint=http://127.0.0.1:$S3PROXY_PORT
s3proxy.authorization=aws-v4
s3proxy.identity=lakestream
s3proxy.credential=lakestream-secret
jclouds.provider=$S3PROXY_STORE
jclouds.identity=lakestream
jclouds.credential=lakestream-secret
jclouds.filesystem.basedir=$DATA
EOF
}

start() {
  if healthy; then
    ls_log "already running (pid $(<"$PIDFILE")) on $URL"
    return 0
  fi
  if foreign_s3; then
    ls_log "an S3 server started elsewhere answers on $URL; using it"
    return 0
  fi
  if ls_port_open 127.0.0.1 "$S3PROXY_PORT"; then
    ls_die "port $S3PROXY_PORT is taken by a process this script did not start; stop it or set S3PROXY_PORT"
  fi
  install
  mkdir -p "$DATA"
  write_properties
  [[ -f "$LOG" ]] && mv -f "$LOG" "$LOG.1"
  ls_log "starting S3Proxy $S3PROXY_VERSION ($S3PROXY_STORE) on $URL, log $LOG"
  # Small heap and fast-start JIT settings: the machine is shared with Kafka and the tests.
  ls_start_bg "$PIDFILE" "$LOG" java -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -cp "$LIB/*" "$MAIN_CLASS" --properties "$PROPS"
  if ! ls_wait_ready 60 "S3Proxy on $URL" "$PIDFILE" "$MAIN_CLASS" healthy; then
    ls_tail_log "$LOG"
    ls_stop_pid "$PIDFILE" "$MAIN_CLASS"
    ls_die "S3Proxy did not become ready"
  fi
  ls_log "ready (pid $(<"$PIDFILE"))"
}

stop() { ls_stop_pid "$PIDFILE" "$MAIN_CLASS"; }

status() {
  if healthy; then
    ls_log "running (pid $(<"$PIDFILE")) on $URL"
  elif foreign_s3; then
    ls_log "an S3 server started elsewhere answers on $URL"
  else
    ls_log "not running"
    return 1
  fi
}

reset() {
  stop
  ls_log "deleting $DATA"
  rm -rf "$DATA"
}

case "${1:-}" in
install | start | stop | status | reset) "$1" ;;
*) ls_die "usage: $0 install|start|stop|status|reset" ;;
esac
