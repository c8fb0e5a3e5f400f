# shellcheck shell=bash
# Shared helpers for the service scripts in test/services/ (s3proxy.sh, kafka.sh, ...).
#
# Every service script is sourced-free bash with the same interface:
#   <service>.sh install   fetch what the service needs into .services/<service>/ (idempotent)
#   <service>.sh start     start it on 127.0.0.1, wait until it answers; no-op when already healthy
#   <service>.sh stop      stop the process recorded in its pid file (only that pid)
#   <service>.sh status    exit 0 when the service is up and answering
# Caches, data, pid files and logs live under the git-ignored .services/ at the repository root.
#
# Source this file from a service script:  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Functions (all prefixed ls_ so they do not clash with the caller's names):
#   ls_log MSG...                    print "[service] MSG" to stderr (set LS_SERVICE first)
#   ls_die MSG...                    ls_log, then exit 1
#   ls_root                          absolute path of the repository root
#   ls_service_dir NAME              .services/NAME (created), the cache/data/pid/log folder of NAME
#   ls_pid_alive PIDFILE [PATTERN]   0 when the pid in PIDFILE runs (and its command line contains
#                                    PATTERN, which guards against a recycled pid)
#   ls_start_bg PIDFILE LOG CMD...   start CMD detached (own session, stdin closed, output to LOG),
#                                    record its pid in PIDFILE
#   ls_stop_pid PIDFILE [PATTERN] [GRACE_SECONDS]
#                                    SIGTERM the recorded pid, SIGKILL after GRACE (default 15 s),
#                                    remove PIDFILE; never touches any other process
#   ls_port_open HOST PORT           0 when a TCP connection to HOST:PORT succeeds
#   ls_http_answers URL              0 when URL gives any HTTP response (any status code)
#   ls_wait_until SECONDS WHAT CMD...
#                                    poll CMD every 0.25 s until it succeeds; fail with a message
#                                    naming WHAT after SECONDS
#   ls_maven_fetch DEST COORD...     resolve Maven coordinates (group:artifact:version) and all
#                                    their runtime dependencies into DEST as jars, via a generated pom
#                                    and `mvn dependency:copy-dependencies`; skipped when DEST is
#                                    complete (marker file), so it is safe to call on every run
#   ls_maven_fetch_pom DEST POM      resolve the runtime dependencies of the given pom file into DEST
#                                    as jars: for classifiers and exclusions that ls_maven_fetch's
#                                    coordinates cannot say; skipped when DEST was resolved from
#                                    the same pom contents (sha256 in a marker file)
#   ls_maven_copy DEST COORD         copy one artifact without its dependencies into DEST, e.g. a
#                                    self-contained jar: group:artifact:version[:type[:classifier]];
#                                    skipped when already there (marker file)
#   ls_wait_ready SECONDS WHAT PIDFILE PATTERN CMD...
#                                    like ls_wait_until, but fails at once when the recorded
#                                    process has died, instead of waiting out the deadline
#   ls_tail_log LOG [LINES]          print the last lines of LOG to stderr (for failed starts)
#   ls_mvn ARGS...                   mvn in batch mode with the project's own local repository
#                                    (.services/m2, or LAKESTREAM_MAVEN_REPO), so every Maven
#                                    download is cached under the ignored services folder

LS_SERVICE="${LS_SERVICE:-services}"

ls_mvn() {
  command -v mvn >/dev/null || ls_die "mvn not found: install Maven (Debian package 'maven')"
  local repo="${LAKESTREAM_MAVEN_REPO:-$(ls_root)/.services/m2}"
  mkdir -p "$repo"
  mvn -B -Dmaven.repo.local="$repo" "$@"
}

ls_log() { printf '[%s] %s\n' "$LS_SERVICE" "$*" >&2; }

ls_die() {
  ls_log "$@"
  exit 1
}

ls_root() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); }

ls_service_dir() {
  local dir
  dir="$(ls_root)/.services/$1"
  mkdir -p "$dir"
  printf '%s\n' "$dir"
}

ls_pid_alive() {
  local pidfile="$1" pattern="${2:-}" pid
  [[ -s "$pidfile" ]] || return 1
  pid="$(<"$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -n "$pattern" ]]; then
    # /proc/PID/cmdline is NUL-separated; compare against the flattened command line.
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern" || return 1
  fi
}

ls_start_bg() {
  local pidfile="$1" log="$2"
  shift 2
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$log")"
  # A pid file left by a process that died uncleanly would pass the wait below at once and name
  # a dead (or reused) pid; callers start only after finding the service not running.
  rm -f "$pidfile"
  # The inner bash records its own pid and then execs CMD, so the pid file names CMD itself
  # whether or not setsid had to fork. setsid keeps a Ctrl-C in the caller's terminal from
  # reaching the service; it is stopped by pid instead.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$log" 2>&1 &
  local deadline=$((SECONDS + 5))
  until [[ -s "$pidfile" ]]; do
    ((SECONDS < deadline)) || ls_die "could not start: $*"
    sleep 0.05
  done
}

ls_stop_pid() {
  local pidfile="$1" pattern="${2:-}" grace="${3:-15}" pid
  if ! ls_pid_alive "$pidfile" "$pattern"; then
    rm -f "$pidfile"
    return 0
  fi
  pid="$(<"$pidfile")"
  ls_log "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      ls_log "pid $pid still running after ${grace}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$pidfile"
}

ls_port_open() {
  # bash's /dev/tcp needs no extra tool; the subshell closes the socket right away.
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

ls_http_answers() {
  local code
  code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null)" || true
  [[ -n "$code" && "$code" != "000" ]]
}

ls_wait_until() {
  local seconds="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      ls_log "gave up waiting ${seconds}s for $what"
      return 1
    fi
    sleep 0.25
  done
}

ls_wait_ready() {
  local seconds="$1" what="$2" pidfile="$3" pattern="$4"
  shift 4
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if ! ls_pid_alive "$pidfile" "$pattern"; then
      ls_log "$what exited before it became ready"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      ls_log "gave up waiting ${seconds}s for $what"
      return 1
    fi
    sleep 0.25
  done
}

ls_maven_copy() {
  local dest="$1" coord="$2"
  local marker="$dest/.complete"
  if [[ -f "$marker" && "$(<"$marker")" == "$coord" ]]; then
    return 0
  fi
  ls_log "fetching $coord from Maven Central into $dest"
  rm -rf "$dest"
  mkdir -p "$dest"
  local log
  log="$(mktemp)"
  if ! ls_mvn -q dependency:copy -Dartifact="$coord" -DoutputDirectory="$dest" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    ls_die "Maven could not fetch $coord"
  fi
  rm -f "$log"
  printf '%s' "$coord" >"$marker"
}

ls_maven_fetch() {
  local dest="$1"
  shift
  local marker="$dest/.complete" want="$*"
  if [[ -f "$marker" && "$(<"$marker")" == "$want" ]]; then
    return 0
  fi
  ls_log "resolving $want from Maven Central into $dest"
  local work deps="" coord group artifact version
  work="$(mktemp -d)"
  for coord in "$@"; do
    IFS=: read -r group artifact version <<<"$coord"
    [[ -n "$group" && -n "$artifact" && -n "$version" ]] || ls_die "bad Maven coordinate: $coord"
    deps+="<dependency><groupId>$group</groupId><artifactId>$artifact</artifactId>"
    deps+="<version>$version</version></dependency>"
  done
  cat >"$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>lakestream.services</groupId>
  <artifactId>fetch</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>$deps</dependencies>
</project>
EOF
  rm -rf "$dest"
  mkdir -p "$dest"
  if ! ls_mvn -q -f "$work/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$dest" >"$work/mvn.log" 2>&1; then
    cat "$work/mvn.log" >&2
    rm -rf "$work"
    ls_die "Maven could not resolve $want"
  fi
  rm -rf "$work"
  printf '%s' "$want" >"$marker"
}

ls_maven_fetch_pom() {
  local dest="$1" pom="$2"
  [[ -f "$pom" ]] || ls_die "no pom file: $pom"
  local marker="$dest/.complete" want
  want="pom sha256 $(sha256sum "$pom" | cut -d' ' -f1)"
  if [[ -f "$marker" && "$(<"$marker")" == "$want" ]]; then
    return 0
  fi
  ls_log "resolving the dependencies of $pom from Maven Central into $dest"
  local log
  log="$(mktemp)"
  rm -rf "$dest"
  mkdir -p "$dest"
  if ! ls_mvn -q -f "$pom" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$dest" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    ls_die "Maven could not resolve the dependencies of $pom"
  fi
  rm -f "$log"
  printf '%s' "$want" >"$marker"
}

ls_tail_log() {
  [[ -f "$1" ]] || return 0
  ls_log "last lines of $1:"
  tail -n "${2:-40}" "$1" >&2
}
