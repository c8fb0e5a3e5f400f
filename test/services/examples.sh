#!/usr/bin/env bash
# Builds the example projects users copy (examples/flink, examples/storm) with Maven, so the
# interop tests run them against the real broker: `examples.sh build flink|storm`.
# Jars come from Maven Central into the project's local repository (ls_mvn: .services/m2 or
# LAKESTREAM_MAVEN_REPO); target/lib gets every runtime jar, target/classpath the class path.
# A build is skipped when nothing under the example changed since the last one.
set -euo pipefail
LS_SERVICE=examples
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib.sh"

cmd="${1:-}"
name="${2:-}"
[[ "$cmd" == build && ( "$name" == flink || "$name" == storm ) ]] || ls_die "usage: $0 build flink|storm"
dir="$(ls_root)/examples/$name"
stamp="$dir/target/.lakestream-built"

if [[ -f "$stamp" && -z "$(find "$dir/pom.xml" "$dir/src" -newer "$stamp" -print -quit)" ]]; then
  ls_log "$name example is up to date"
else
  ls_log "building the $name example (Maven Central, first time: ~200 MB of jars)"
  # Stale jars of an older pom would stay on the class path: start from an empty lib folder.
  rm -rf "$dir/target/lib" "$dir/target/classes"
  log="$(mktemp)"
  if ! ls_mvn -q -f "$dir/pom.xml" package -DskipTests >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    ls_die "Maven could not build examples/$name"
  fi
  rm -f "$log"
  touch "$stamp"
fi
printf '%s\n' "$dir/target/classes:$dir/target/lib/*" >"$dir/target/classpath"
cat "$dir/target/classpath"
