#!/usr/bin/env bash
# Builds the Dev8 images, in dependency order, tagged dev8/<name>:latest.
#
#   docker/build.sh [NAME...]    NAME: base, nodejs, python, fullstack or all (the default)
#
# BASE_IMAGE         the base image's FROM (default debian:bookworm-slim). When
#                    it cannot be pulled, a Debian 12 base is made here with
#                    debootstrap and `docker import` (dev8/debian:bookworm);
#                    BASE_IMAGE=dev8/debian:bookworm makes and uses it at once.
# DEV8_IMAGE_REPO    what goes before each image's name (default dev8/, so
#                    dev8/base); e.g. ghcr.io/OWNER/dev8- for ghcr.io/OWNER/dev8-base
# DEV8_IMAGE_TAG     the tag each image gets (default latest)
# DEV8_BASE_TAG      the tag the language images build FROM (default DEV8_IMAGE_TAG)
# DEV8_BUILD_CACHE   gha: BuildKit's GitHub Actions layer cache, one scope per
#                    image (CI); unset: the engine's own layer cache
# DOCKER_BUILD_ARGS  extra `docker build` arguments (default "--network host",
#                    so the builds reach the archive and npm as this machine does)
#
# The host's extra CA certificates (/usr/local/share/ca-certificates/*.crt,
# e.g. a TLS-inspecting proxy's) are trusted by the npm stage of the nodejs
# image, so npm can reach its registry; they never reach an image.
set -euo pipefail

cd "$(dirname "$0")/.."
IMAGES=(base nodejs python fullstack)
LOCAL_BASE=dev8/debian:bookworm
BASE_IMAGE=${BASE_IMAGE:-debian:bookworm-slim}
DEV8_IMAGE_REPO=${DEV8_IMAGE_REPO:-dev8/}
DEV8_IMAGE_TAG=${DEV8_IMAGE_TAG:-latest}
DEV8_BASE_TAG=${DEV8_BASE_TAG:-$DEV8_IMAGE_TAG}
DEV8_BUILD_CACHE=${DEV8_BUILD_CACHE:-}
# Split on any blank or newline: a multi-line value from a CI file works too.
read -r -d '' -a EXTRA <<< "${DOCKER_BUILD_ARGS---network host}" || true

log() { printf 'build: %s\n' "$*" >&2; }

# The archive apt already uses here, so a firewalled machine's mirror works.
debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '/^deb / && !/security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

make_local_base() {
  scripts/deps.sh packages debootstrap
  local root status=0
  root=$(mktemp -d /tmp/dev8-debian.XXXXXX)
  log "making $LOCAL_BASE with debootstrap from $(debian_mirror) (about a minute)"
  if debootstrap --variant=minbase bookworm "$root" "$(debian_mirror)" >/dev/null; then
    slim "$root"
    tar -C "$root" -c . | docker import - "$LOCAL_BASE" >/dev/null || status=$?
  else
    status=$?
  fi
  rm -rf "$root"
  return "$status"
}

# What debian:bookworm-slim is beyond a minbase debootstrap: apt keeps no
# downloaded packages, and dpkg installs no documentation, manual pages or
# translations (copyright files stay), now and in every later layer.
slim() {
  local root=$1
  cat > "$root/etc/apt/apt.conf.d/docker-clean" <<'EOS'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOS
  cat > "$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOS'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOS
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
    "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin
}

# BASE_IMAGE as given when it is here or can be pulled; else the local base.
resolve_base() {
  # Asked for by name (as the tests do): made here, nothing is pulled.
  if [ "$BASE_IMAGE" = "$LOCAL_BASE" ]; then
    docker image inspect "$LOCAL_BASE" >/dev/null 2>&1 || make_local_base
    return 0
  fi
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 ||
     timeout 60 docker pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
    return 0
  fi
  docker image inspect "$LOCAL_BASE" >/dev/null 2>&1 || make_local_base
  log "$BASE_IMAGE cannot be pulled: using $LOCAL_BASE, a Debian 12 base made here with debootstrap"
  BASE_IMAGE=$LOCAL_BASE
}

stage_ca() {
  rm -f docker/ca/*.crt
  local crt
  for crt in /usr/local/share/ca-certificates/*.crt; do
    [ -f "$crt" ] && cp "$crt" docker/ca/
  done
  return 0
}

build_one() {
  local name=$1 from_arg cache=()
  case "$name" in
    base) from_arg=(--build-arg "BASE_IMAGE=$BASE_IMAGE") ;;
    nodejs) from_arg=(--build-arg "DEV8_BASE=${DEV8_IMAGE_REPO}base:$DEV8_BASE_TAG" --build-arg "BASE_IMAGE=$BASE_IMAGE") ;;
    python) from_arg=(--build-arg "DEV8_BASE=${DEV8_IMAGE_REPO}nodejs:$DEV8_BASE_TAG") ;;
    fullstack) from_arg=(--build-arg "DEV8_BASE=${DEV8_IMAGE_REPO}python:$DEV8_BASE_TAG") ;;
  esac
  case "$DEV8_BUILD_CACHE" in
    '') ;;
    gha) cache=(--cache-from "type=gha,scope=$name" --cache-to "type=gha,mode=max,scope=$name") ;;
    *) log "DEV8_BUILD_CACHE: \"$DEV8_BUILD_CACHE\" is not gha or empty"; exit 2 ;;
  esac
  log "${DEV8_IMAGE_REPO}$name:$DEV8_IMAGE_TAG"
  docker build "${from_arg[@]}" "${cache[@]}" "${EXTRA[@]}" -f "docker/$name/Dockerfile" \
    -t "${DEV8_IMAGE_REPO}$name:$DEV8_IMAGE_TAG" .
}

stage_ca
wanted=()
for target in "${@:-all}"; do
  case "$target" in
    all) wanted+=("${IMAGES[@]}") ;;
    base | nodejs | python | fullstack) wanted+=("$target") ;;
    *) log "usage: $0 [base|nodejs|python|fullstack|all]..."; exit 2 ;;
  esac
done
for name in "${wanted[@]}"; do
  case "$name" in base | nodejs) resolve_base ;; esac
  [ -f "docker/$name/Dockerfile" ] || { log "docker/$name/Dockerfile does not exist yet"; exit 1; }
  build_one "$name"
done
