#!/usr/bin/env bash
# Local Apache Kafka 4.x for tests and `lakestream services up`: one KRaft node in combined
# mode (broker + controller) on 127.0.0.1:9092, installed from Maven Central with Maven, cached
# under the git-ignored .services/kafka/.
#
#   kafka.sh install   resolve kafka_2.13 + its runtime jars + a log4j2 binding (idempotent)
#   kafka.sh start     format the log dir once, start the broker, wait until it is ready
#   kafka.sh stop      stop the broker by its recorded pid
#   kafka.sh status    exit 0 when the broker runs and answers on its port
#   kafka.sh reset     stop, then delete the data (topics, offsets) so the next start is fresh
#
# Listeners, all on 127.0.0.1 (tests connect the way production would, with each security mode):
#   9092 PLAINTEXT                      the default for tests and `lakestream run`
#   9093 CONTROLLER                     KRaft quorum, not for clients
#   9094 SASL_PLAINTEXT  SCRAM-SHA-256/512, user lakestream / lakestream-secret (created at format)
#   9095 SSL             self-signed certificate for IP 127.0.0.1; CA in .services/kafka/tls/ca.pem
# Environment: LAKESTREAM_KAFKA_VERSION (default below), LAKESTREAM_KAFKA_PORT (9092; the other
# listeners follow it: +1 controller, +2 SCRAM, +3 TLS), LAKESTREAM_KAFKA_HEAP (default 512m: the
# machine is shared with the S3 server and the tests), LAKESTREAM_KAFKA_INSTANCE (a name: a second,
# separate broker with its own data under .services/kafka-<name>/, e.g. for a test that restarts
# its broker without disturbing the shared one; the jars stay shared).
set -euo pipefail
LS_SERVICE=kafka
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VERSION="${LAKESTREAM_KAFKA_VERSION:-4.1.2}"
# Kafka 4 logs through slf4j 1.7 to log4j2, but kafka_2.13's pom brings neither log4j-core nor
# the slf4j binding (the binary distribution ships them in libs/), so we add both.
LOG4J_VERSION=2.24.3
PORT="${LAKESTREAM_KAFKA_PORT:-9092}"
CONTROLLER_PORT="$((PORT + 1))"
SASL_PORT="$((PORT + 2))"
SSL_PORT="$((PORT + 3))"
SCRAM_USER=lakestream
SCRAM_PASSWORD=lakestream-secret
TLS_PASSWORD=lakestream-tls
HEAP="${LAKESTREAM_KAFKA_HEAP:-512m}"
INSTANCE="${LAKESTREAM_KAFKA_INSTANCE:-}"
[[ "$INSTANCE" =~ ^[a-z0-9-]*$ ]] || ls_die "LAKESTREAM_KAFKA_INSTANCE must be lower-case letters, digits and dashes"
DIR="$(ls_service_dir "kafka${INSTANCE:+-$INSTANCE}")"
LIB="$(ls_service_dir kafka)/lib"
DATA="$DIR/data"
CONF="$DIR/conf"
TLS="$DIR/tls"
PIDFILE="$DIR/kafka.pid"
LOG="$DIR/kafka.out"
# Guards the pid file against a recycled pid: only our broker has this on its command line.
PATTERN="kafka.Kafka $CONF/server.properties"

install() {
  command -v java >/dev/null || ls_die "java not found: Kafka 4 needs Java 17+ (Debian 'openjdk-17-jre-headless')"
  ls_maven_fetch "$LIB" \
    "org.apache.kafka:kafka_2.13:$VERSION" \
    "org.apache.logging.log4j:log4j-core:$LOG4J_VERSION" \
    "org.apache.logging.log4j:log4j-slf4j-impl:$LOG4J_VERSION"
}

make_tls() {
  [[ -f "$TLS/broker.p12" && -f "$TLS/ca.pem" ]] && return 0
  command -v keytool >/dev/null || ls_die "keytool not found (it comes with the JDK)"
  mkdir -p "$TLS"
  # One self-signed certificate for the IP the broker advertises, so clients verify it by IP
  # against ca.pem exactly as they would verify a real CA-signed broker certificate.
  keytool -genkeypair -alias broker -keyalg RSA -keysize 2048 -validity 3650 \
    -dname "CN=127.0.0.1" -ext "SAN=IP:127.0.0.1" -keystore "$TLS/broker.p12" \
    -storetype PKCS12 -storepass "$TLS_PASSWORD" -keypass "$TLS_PASSWORD" >/dev/null 2>&1 ||
    ls_die "keytool could not create the broker certificate"
  keytool -exportcert -rfc -alias broker -keystore "$TLS/broker.p12" -storetype PKCS12 \
    -storepass "$TLS_PASSWORD" -file "$TLS/ca.pem" >/dev/null 2>&1 || ls_die "keytool export failed"
}

write_config() {
  mkdir -p "$CONF" "$DATA"
  make_tls
  # Single node: every replication factor and min ISR is 1, including the internal topics
  # (__consumer_offsets, __transaction_state, __share_group_state), or group coordination and
  # idempotent/transactional producers wait forever for replicas that do not exist.
  cat >"$CONF/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT,SASL_PLAINTEXT://127.0.0.1:$SASL_PORT,SSL://127.0.0.1:$SSL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT,SASL_PLAINTEXT://127.0.0.1:$SASL_PORT,SSL://127.0.0.1:$SSL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS/broker.p12
ssl.keystore.password=$TLS_PASSWORD
ssl.key.password=$TLS_PASSWORD
ssl.client.auth=none
log.dirs=$DATA
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=true
# Tests create many short-lived consumer groups: start rebalances at once instead of after 3 s.
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
log.retention.hours=24
log.segment.bytes=67108864
EOF
  cat >"$CONF/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $DIR/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
EOF
}

java_cmd() {
  printf '%s\n' java "-Xms$HEAP" "-Xmx$HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$CONF/log4j2.properties" -cp "$LIB/*" "$@"
}

format_storage() {
  [[ -f "$DATA/meta.properties" ]] && return 0
  ls_log "formatting $DATA (KRaft, standalone controller)"
  # Kafka 4 moved StorageTool to org.apache.kafka.tools but kafka_2.13 still ships
  # kafka.tools.StorageTool; --standalone makes this node the whole controller quorum.
  local cluster_id
  cluster_id="$(java -cp "$LIB/*" "-Dlog4j2.configurationFile=$CONF/log4j2.properties" \
    kafka.tools.StorageTool random-uuid)"
  local -a cmd
  # SCRAM users live in the metadata log; in KRaft they are added when the storage is formatted.
  mapfile -t cmd < <(java_cmd kafka.tools.StorageTool format --standalone \
    --cluster-id "$cluster_id" --config "$CONF/server.properties" \
    --add-scram "SCRAM-SHA-256=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]")
  "${cmd[@]}" >>"$LOG" 2>&1 || {
    ls_tail_log "$LOG"
    ls_die "storage format failed"
  }
}

ready() {
  ls_pid_alive "$PIDFILE" "$PATTERN" || return 1
  ls_port_open 127.0.0.1 "$PORT" || return 1
  # The port opens before the broker has caught up with the metadata log; this line is logged
  # once it serves requests (KafkaRaftServer "Kafka Server started").
  grep -q "Kafka Server started" "$DIR/server.log" 2>/dev/null
}

start() {
  install
  if ls_pid_alive "$PIDFILE" "$PATTERN"; then
    ls_wait_until 60 "Kafka on 127.0.0.1:$PORT" ready || ls_die "running but not ready; see $DIR/server.log"
    return 0
  fi
  if ls_port_open 127.0.0.1 "$PORT"; then
    ls_die "127.0.0.1:$PORT is taken by a process this script did not start"
  fi
  write_config
  format_storage
  : >"$DIR/server.log"
  local -a cmd
  mapfile -t cmd < <(java_cmd kafka.Kafka "$CONF/server.properties")
  ls_log "starting Kafka $VERSION on 127.0.0.1:$PORT"
  ls_start_bg "$PIDFILE" "$LOG" "${cmd[@]}"
  if ! ls_wait_until 90 "Kafka on 127.0.0.1:$PORT" ready; then
    ls_tail_log "$LOG"
    ls_tail_log "$DIR/server.log"
    ls_die "Kafka did not become ready"
  fi
  ls_log "ready (pid $(<"$PIDFILE")): PLAINTEXT :$PORT, SASL/SCRAM :$SASL_PORT, TLS :$SSL_PORT"
}

stop() {
  # A clean shutdown (SIGTERM) lets the next start skip log recovery.
  ls_stop_pid "$PIDFILE" "$PATTERN" 30
}

status() {
  if ready; then
    ls_log "running (pid $(<"$PIDFILE")) on 127.0.0.1:$PORT"
  else
    ls_log "not running"
    return 1
  fi
}

reset() {
  stop
  rm -rf "$DATA"
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
status) status ;;
reset) reset ;;
*)
  echo "usage: $0 install|start|stop|status|reset" >&2
  exit 2
  ;;
esac
