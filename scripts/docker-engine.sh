#!/usr/bin/env bash
# A Docker engine that can run containers, for `make up`, `make images`, the
# image tests and the images benchmark:
#
#   scripts/docker-engine.sh      (also: scripts/deps.sh docker)
#
# Debian's docker.io, docker-compose, debootstrap and the image tests' tools
# are installed when missing, and dockerd is started when no engine answers.
# Exit 1, with the reason, when no engine that can run a container is to be
# had here (inside an unprivileged container, for one).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { printf 'docker-engine: %s\n' "$*" >&2; }

docker_answers() { timeout 20 docker info >/dev/null 2>&1; }

# What `make up` and the image tests need. An engine that already answers
# (Docker CE, a rootless one through DOCKER_HOST) is used as it is.
install_docker() {
  # debootstrap for the local Debian base; an ssh client and key for `make up`
  # and the image tests, which also need openssl (the mock's CA) and pytest.
  local wanted=(debootstrap openssh-client openssl python3 python3-pytest tini)
  command -v docker >/dev/null && command -v dockerd >/dev/null || wanted+=(docker.io)
  docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null ||
    wanted+=(docker-compose)
  "$HERE/deps.sh" packages "${wanted[@]}"
  docker_answers && { docker_runs; return; }
  [ "$(id -u)" -eq 0 ] || { log "run as root to start dockerd: sudo $0"; return 1; }
  local log_file=/var/log/dev8-dockerd.log
  # A dockerd killed with its machine's last session leaves its pid file.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  log "starting dockerd (its log: $log_file)"
  nohup dockerd >"$log_file" 2>&1 </dev/null &
  local pid=$! deadline=$((SECONDS + 60))
  while ! docker_answers; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      log "no Docker engine can be started here; dockerd said:"
      tail -n 5 "$log_file" | sed 's/^/  /' >&2
      return 1
    fi
    sleep 0.5
  done
  docker_runs
}

# An engine that answers may still be unable to run a container (inside
# another container: no cgroups of its own, no overlay mounts). One static
# binary as an image, run with no network, tells.
docker_runs() {
  local probe=dev8/engine-probe:1 error
  if ! docker image inspect "$probe" >/dev/null 2>&1; then
    tar -C /usr/bin -c tini-static | docker import - "$probe" >/dev/null
  fi
  if ! error=$(docker run --rm --network none "$probe" /tini-static --version 2>&1 >/dev/null); then
    log "the Docker engine answers but cannot run a container here: ${error:0:300}"
    return 1
  fi
}

install_docker
