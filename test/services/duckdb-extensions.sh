#!/usr/bin/env bash
# DuckDB's iceberg and avro extensions for the DuckDB the tests embed (@duckdb/node-api), so
# tests read Iceberg tables with `iceberg_scan` in process. DuckDB downloads extensions at run
# time from a site this machine cannot reach; DuckDB also publishes them as Python wheels on
# PyPI, which it can. The wheels are zip files: this fetches them with pip and unpacks the
# extension binaries into .services/duckdb-extensions/<duckdb version>/.
# Usage: test/services/duckdb-extensions.sh install|dir
set -euo pipefail
LS_SERVICE=duckdb-extensions
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROOT="$(ls_root)"
# The extension must match the embedded DuckDB exactly: its version comes from the package.
VERSION="$(node -p "require('$ROOT/node_modules/@duckdb/node-api/package.json').version.split('-')[0]")"
DIR="$(ls_service_dir duckdb-extensions)/$VERSION"

install() {
  local marker="$DIR/.complete" work
  [[ -f "$marker" ]] && return 0
  command -v python3 >/dev/null || ls_die "python3 not found"
  ls_log "fetching the iceberg and avro extensions for DuckDB $VERSION from PyPI"
  work="$(mktemp -d)"
  python3 -m pip download -q --no-deps --only-binary=:all: --dest "$work" \
    --cache-dir "$(ls_service_dir pip-cache)" \
    "duckdb-extension-iceberg==$VERSION" "duckdb-extension-avro==$VERSION" >&2
  mkdir -p "$DIR"
  for wheel in "$work"/*.whl; do python3 -m zipfile -e "$wheel" "$work/unpacked"; done
  find "$work/unpacked" -name '*.duckdb_extension' -exec cp {} "$DIR/" \;
  rm -rf "$work"
  [[ -f "$DIR/iceberg.duckdb_extension" && -f "$DIR/avro.duckdb_extension" ]] || ls_die "the wheels held no extension"
  touch "$marker"
}

case "${1:-}" in
install) install ;;
dir) echo "$DIR" ;;
*) ls_die "usage: $0 install|dir" ;;
esac
