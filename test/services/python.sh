#!/usr/bin/env bash
# Python engines for the interop tests: pyiceberg (+ pyarrow), PySpark, DuckDB with its iceberg and
# avro extensions as wheels, fastavro; and the jars Spark needs for Iceberg (iceberg-spark-runtime,
# iceberg-aws-bundle for S3FileIO), resolved from Maven Central. Nothing is downloaded at run time:
# Spark gets the jars through spark.jars, DuckDB loads the extension files the wheels ship.
#
#   python.sh install   create .services/python/venv and install test/interop/python/requirements.txt
#                       at the versions of constraints.txt (pip cache in .services/pip-cache;
#                       PySpark's wheel is built once and then comes from it), fetch the Spark jars into
#                       .services/spark-jars and hadoop-aws with its AWS SDK bundle into
#                       .services/hadoop-aws-jars; skipped when complete (marker files)
#   python.sh status    exit 0 when everything is installed
#   python.sh path      print the venv's python (what test/helpers/python.ts runs)
#   python.sh start|stop  nothing to run: engines start inside each test's process
#
# Environment: LAKESTREAM_PYTHON (the interpreter that creates the venv, default python3),
# ICEBERG_VERSION (default below; the server in iceberg-rest.sh uses the same).
set -euo pipefail
LS_SERVICE=python
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ICEBERG_VERSION="${ICEBERG_VERSION:-1.10.1}"
# Must match the pyspark pin in requirements.txt: the runtime jar is built per Spark minor line.
SPARK_LINE=4.0
SCALA=2.13
PYTHON="${LAKESTREAM_PYTHON:-python3}"

ROOT="$(ls_root)"
REQUIREMENTS="$ROOT/test/interop/python/requirements.txt"
CONSTRAINTS="$ROOT/test/interop/python/constraints.txt"
DIR="$(ls_service_dir python)"
VENV="$DIR/venv"
MARKER="$VENV/.complete"
JARS="$ROOT/.services/spark-jars"
JAR_COORDS=(
  "org.apache.iceberg:iceberg-spark-runtime-${SPARK_LINE}_$SCALA:$ICEBERG_VERSION"
  "org.apache.iceberg:iceberg-aws-bundle:$ICEBERG_VERSION"
)
# Hadoop's S3A file system for Spark's s3a:// paths: hadoop-aws of the Hadoop that PySpark ships
# (3.4.1 in pyspark 4.0.x) and the AWS SDK v2 bundle its pom names (about 500 MB). Kept apart from
# spark-jars, so only the tests that read s3a:// pay for loading it.
HADOOP_VERSION=3.4.1
AWS_SDK_BUNDLE=2.24.6
HADOOP_AWS="$ROOT/.services/hadoop-aws-jars"
HADOOP_AWS_COORDS=(
  "org.apache.hadoop:hadoop-aws:$HADOOP_VERSION"
  "software.amazon.awssdk:bundle:$AWS_SDK_BUNDLE"
)

# What the venv was built from: a change of pins or interpreter rebuilds it.
want() { "$PYTHON" --version 2>&1 && sha256sum "$REQUIREMENTS" "$CONSTRAINTS" | cut -d' ' -f1; }

venv_complete() { [[ -x "$VENV/bin/python" && -f "$MARKER" && "$(<"$MARKER")" == "$(want)" ]]; }

jars_complete() { [[ -f "$JARS/.complete" && "$(<"$JARS/.complete")" == "${JAR_COORDS[*]}" ]]; }

hadoop_aws_complete() {
  [[ -f "$HADOOP_AWS/.complete" && "$(<"$HADOOP_AWS/.complete")" == "${HADOOP_AWS_COORDS[*]}" ]]
}

install_venv() {
  venv_complete && return 0
  command -v "$PYTHON" >/dev/null || ls_die "$PYTHON not found: install Python 3.10+ (Debian 'python3')"
  "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null ||
    ls_die "$PYTHON cannot create a venv with pip: install Debian 'python3-venv'"
  ls_log "creating $VENV from $REQUIREMENTS (first run downloads about 600 MB from PyPI)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  local pip=("$VENV/bin/python" -m pip --disable-pip-version-check --no-input -q)
  export PIP_CACHE_DIR="$ROOT/.services/pip-cache"
  "${pip[@]}" install -r "$REQUIREMENTS" -c "$CONSTRAINTS" || ls_die "pip could not install $REQUIREMENTS"
  want >"$MARKER"
}

install_jars() {
  jars_complete && return 0
  local coord
  rm -rf "$JARS"
  mkdir -p "$JARS"
  # Both are self-contained (shaded) jars: copy them without their declared dependencies, which
  # Spark already ships.
  for coord in "${JAR_COORDS[@]}"; do
    ls_maven_copy "$JARS/$(cut -d: -f2 <<<"$coord")" "$coord"
  done
  printf '%s' "${JAR_COORDS[*]}" >"$JARS/.complete"
}

install_hadoop_aws() {
  hadoop_aws_complete && return 0
  local coord
  rm -rf "$HADOOP_AWS"
  mkdir -p "$HADOOP_AWS"
  # hadoop-aws's other dependencies are in PySpark's hadoop-client jars already.
  for coord in "${HADOOP_AWS_COORDS[@]}"; do
    ls_maven_copy "$HADOOP_AWS/$(cut -d: -f2 <<<"$coord")" "$coord"
  done
  printf '%s' "${HADOOP_AWS_COORDS[*]}" >"$HADOOP_AWS/.complete"
}

install() {
  command -v java >/dev/null || ls_die "java not found: Spark needs Java 17+ (Debian 'default-jdk-headless')"
  # Two runs in one checkout (two terminals, a test run beside an install) would delete each
  # other's half-built venv: the second waits, then finds the first's work complete.
  exec 9>"$DIR/install.lock"
  flock 9
  install_venv
  install_jars
  install_hadoop_aws
}

status() {
  if venv_complete && jars_complete && hadoop_aws_complete; then
    ls_log "installed: $VENV, $JARS, $HADOOP_AWS"
  else
    ls_log "not installed (run: $0 install)"
    return 1
  fi
}

case "${1:-}" in
install | status) "$1" ;;
path) printf '%s\n' "$VENV/bin/python" ;;
start | stop) ;;
*) ls_die "usage: $0 install|status|path|start|stop" ;;
esac
