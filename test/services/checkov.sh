#!/usr/bin/env bash
# Checkov: a policy scanner nobody here wrote, run over the synthesized CloudFormation templates
# (test/infra/checkov.test.ts). Installed from PyPI into a virtual environment under the
# git-ignored .services/checkov/, so a clean clone (and .ci/run) gets the same pinned version.
# Usage: test/services/checkov.sh install | path | run ARGS...
#   install  create the venv and pip-install checkov (idempotent: a marker holds the version)
#   path     print the checkov executable's path (after install)
#   run      install, then run checkov with ARGS
set -euo pipefail
LS_SERVICE=checkov
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Pinned so every machine reports the same checks.
CHECKOV_VERSION="${CHECKOV_VERSION:-3.3.30}"
PYTHON="${LAKESTREAM_PYTHON:-python3}"

DIR="$(ls_service_dir checkov)"
VENV="$DIR/venv"
MARKER="$VENV/.complete"
BIN="$VENV/bin/checkov"

install() {
  if [[ -f "$MARKER" && "$(<"$MARKER")" == "$CHECKOV_VERSION" && -x "$BIN" ]]; then
    return 0
  fi
  command -v "$PYTHON" >/dev/null || ls_die "$PYTHON not found: install Python 3.9+ (Debian packages 'python3' and 'python3-venv')"
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
    ls_die "checkov needs Python 3.9+, $PYTHON is $("$PYTHON" --version 2>&1)"
  ls_log "installing checkov $CHECKOV_VERSION from PyPI into $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV" || ls_die "could not create a venv (Debian package 'python3-venv')"
  local log
  log="$(mktemp)"
  # The download cache sits next to the venv, so a reinstall (new version) reuses what it can.
  if ! PIP_CACHE_DIR="$DIR/pip-cache" "$VENV/bin/python" -m pip install --disable-pip-version-check \
    --no-input -q "checkov==$CHECKOV_VERSION" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    ls_die "pip could not install checkov $CHECKOV_VERSION"
  fi
  rm -f "$log"
  "$BIN" --version >/dev/null || ls_die "checkov $CHECKOV_VERSION does not start"
  printf '%s' "$CHECKOV_VERSION" >"$MARKER"
}

case "${1:-}" in
install) install ;;
path) printf '%s\n' "$BIN" ;;
run)
  shift
  install
  exec "$BIN" "$@"
  ;;
*) ls_die "usage: $0 install|path|run ARGS..." ;;
esac
