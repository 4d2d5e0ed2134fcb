#!/usr/bin/env bash
# docker compose, or Debian's docker-compose 1.29 where the plugin is missing,
# on docker/docker-compose.yml with the project name dev8 (COMPOSE_PROJECT_NAME
# overrides it):
#
#   docker/compose.sh --profile nodejs up -d nodejs
set -euo pipefail
file="$(cd "$(dirname "$0")" && pwd)/docker-compose.yml"
project=${COMPOSE_PROJECT_NAME:-dev8}
if docker compose version >/dev/null 2>&1; then
  exec docker compose -f "$file" -p "$project" "$@"
elif command -v docker-compose >/dev/null; then
  exec docker-compose -f "$file" -p "$project" "$@"
fi
echo "compose: neither \`docker compose\` nor docker-compose is installed (scripts/deps.sh docker installs it)" >&2
exit 1
