#!/usr/bin/env bash
# End-to-end tests of the Dev8 images in a real Docker engine (tests/docker/).
#
#   docker/test.sh [pytest arguments]
#
# Starts a Docker engine when none answers (scripts/deps.sh docker), builds
# dev8/base and dev8/nodejs with docker/build.sh (layers cached by the
# engine, so a second run rebuilds only what changed), then runs the tests
# against them. When no engine can be started here, it says so and exits 0
# without testing anything, unless DEV8_REQUIRE_DOCKER=1 makes that a failure.
#
# BASE_IMAGE         as for docker/build.sh; default dev8/debian:bookworm, the
#                    Debian 12 base made here with debootstrap (nothing pulled)
# DEV8_TEST_NO_BUILD=1   test the dev8/base and dev8/nodejs images already built
# DOCKER_BUILD_ARGS  as for docker/build.sh
set -euo pipefail

cd "$(dirname "$0")/.."
log() { printf 'docker-test: %s\n' "$*" >&2; }

if ! scripts/deps.sh docker; then
  if [ "${DEV8_REQUIRE_DOCKER:-0}" = 1 ]; then
    log "FAILED: no Docker engine can be started here, and DEV8_REQUIRE_DOCKER=1"
    exit 1
  fi
  log "SKIPPED: no Docker engine that can run containers is available here (reason above);" \
    "the image end-to-end tests did not run"
  exit 0
fi

if [ "${DEV8_TEST_NO_BUILD:-0}" != 1 ]; then
  export BASE_IMAGE=${BASE_IMAGE:-dev8/debian:bookworm}
  started=$SECONDS
  docker/build.sh base nodejs
  log "images built in $((SECONDS - started)) s"
fi

# The Kubernetes pod test renders deploy/kubernetes with kustomize.
tools=$(scripts/deploy-tools.sh)
eval "$tools"
exec /usr/bin/python3 -m pytest -q tests/docker "$@"
