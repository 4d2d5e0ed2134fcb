#!/usr/bin/env bash
# A Dev8 workspace on this machine's Docker engine, with docker compose:
#
#   docker/workspace.sh up     (make up)    start it and print how to log in
#   docker/workspace.sh down   (make down)  stop it; the volumes are kept
#
# `up` starts a Docker engine when none answers (Debian's docker.io), builds
# the images (docker/build.sh; a rebuild with nothing changed takes seconds),
# makes .env from .env.example and the secret files in secrets/ when they are
# missing, generates an ssh key for you in secrets/ the first time, starts the
# workspace and waits until Docker says it is healthy.
#
#   DEV8_UP_IMAGE   nodejs (default), base, python or fullstack
#   DEV8_HOST_SSH_PORT, DEV8_HOST_CODE_SERVER_PORT, DEV8_BIND_ADDRESS
#                   as in docker/docker-compose.yml (2222, 8080, 127.0.0.1)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
IMAGE=${DEV8_UP_IMAGE:-nodejs}
SECRETS=secrets
CLIENT_KEY=$SECRETS/dev8_ed25519
SSH_PORT=${DEV8_HOST_SSH_PORT:-2222}
CODE_SERVER_PORT=${DEV8_HOST_CODE_SERVER_PORT:-8080}
BIND=${DEV8_BIND_ADDRESS:-127.0.0.1}
PROFILES=(--profile nodejs --profile python --profile fullstack)

log() { printf 'workspace: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

images_for() {
  case "$1" in
    base) echo base ;;
    nodejs) echo base nodejs ;;
    python) echo base nodejs python ;;
    fullstack) echo base nodejs python fullstack ;;
    *) die "DEV8_UP_IMAGE must be base, nodejs, python or fullstack (got '$1')" ;;
  esac
}

# Every secret the compose file mounts exists (an empty one counts as unset),
# readable by root alone; the first run gets a key pair to log in with.
prepare_files() {
  [ -f .env ] || { cp .env.example .env; log "made .env from .env.example (edit it for settings)"; }
  install -d -m 0700 "$SECRETS"
  local name
  for name in github_token ssh_public_key anthropic_api_key openai_api_key; do
    [ -e "$SECRETS/$name" ] || install -m 0600 /dev/null "$SECRETS/$name"
  done
  if [ ! -f "$CLIENT_KEY" ]; then
    ssh-keygen -q -t ed25519 -N "" -C "dev8 workspace key" -f "$CLIENT_KEY"
    log "generated an ssh key for the workspace: $CLIENT_KEY"
  fi
  if ! grep -qF "$(cut -d' ' -f2 "$CLIENT_KEY.pub")" "$SECRETS/ssh_public_key"; then
    cat "$CLIENT_KEY.pub" >> "$SECRETS/ssh_public_key"
  fi
}

container_id() {
  docker/compose.sh "${PROFILES[@]}" ps -q "$IMAGE" 2>/dev/null | head -n 1
}

wait_healthy() {
  local id=$1 deadline=$((SECONDS + 120)) health
  while :; do
    health=$(docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id")
    case "$health" in
      running/healthy) return 0 ;;
      exited/* | dead/*) docker logs --tail 20 "$id" >&2; die "the workspace stopped ($health)" ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || { docker logs --tail 20 "$id" >&2; die "not healthy after 120 s ($health)"; }
    sleep 0.5
  done
}

up() {
  local wanted
  read -r -a wanted <<< "$(images_for "$IMAGE")"
  [ "$(id -u)" -eq 0 ] || die "run as root (it may install and start Docker): sudo make up"
  scripts/deps.sh docker || die "no Docker engine can be started on this machine"
  docker/build.sh "${wanted[@]}"
  prepare_files
  # The env file and the secrets are read once, at start: re-create to apply edits.
  docker/compose.sh "${PROFILES[@]}" up -d --force-recreate "$IMAGE"
  local id
  id=$(container_id)
  [ -n "$id" ] || die "compose started no $IMAGE container"
  wait_healthy "$id"
  local host=$BIND
  [ "$host" = 0.0.0.0 ] && host=127.0.0.1
  cat <<EOF

The Dev8 $IMAGE workspace is up (container $(docker inspect -f '{{.Name}}' "$id" | tr -d /)).

  ssh:          ssh -i $CLIENT_KEY -p $SSH_PORT dev8@$host
EOF
  if [ "$IMAGE" != base ]; then
    cat <<EOF
  code-server:  http://$host:$CODE_SERVER_PORT/
  password:     in /home/dev8/.config/dev8/code-server-password of the workspace:
                docker/compose.sh exec $IMAGE cat /home/dev8/.config/dev8/code-server-password
EOF
  fi
  cat <<EOF
  status:       docker/compose.sh exec $IMAGE dev8-init status
  GitHub:       echo YOUR_TOKEN > $SECRETS/github_token   (picked up at once)
  stop:         make down (the home and workspace volumes are kept)
EOF
}

down() {
  docker/compose.sh "${PROFILES[@]}" down
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) die "usage: $0 up|down" ;;
esac
