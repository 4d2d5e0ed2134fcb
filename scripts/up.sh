#!/usr/bin/env bash
# Runs build/dev8-init for real, as PID 1 of a private PID namespace, with its
# built-in sshd the developer can log in to: what a Dev8 container does,
# without Docker.
# `make up-ns` builds the binary first; run as root on Debian 12.
#
# The host is left as it was: the `dev8` account exists only inside the
# namespace (bind-mounted copies of /etc/passwd, /etc/shadow and /etc/group),
# and everything else lives in the up dir. The client key is generated once
# there and the host key lives in the developer's home there, so a second run
# accepts the same client key and shows the same host key.
#
#   DEV8_UP_DIR   state, keys and the developer's home (default /tmp/dev8-up)
#   DEV8_UP_PORT  sshd's port (default 2222; sshd listens on every interface,
#                 key-only, as in a container)
#   DEV8_LOG_FORMAT, DEV8_LOG_LEVEL, DEV8_STOP_TIMEOUT are passed to dev8-init.
#
# With a terminal on stdin the main command is a login shell as dev8 (leave it
# to stop everything); without one dev8-init supervises sshd until Ctrl-C or
# SIGTERM.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF="$ROOT/scripts/up.sh"
DEV8_INIT=${DEV8_INIT:-$ROOT/build/dev8-init}
UP_DIR=${DEV8_UP_DIR:-/tmp/dev8-up}
PORT=${DEV8_UP_PORT:-2222}
DEV_USER=dev8
HOME_DIR=$UP_DIR/home/$DEV_USER
STATE_DIR=$UP_DIR/state
SERVICES_DIR=$UP_DIR/services.d
HOST_KEY=$HOME_DIR/.local/state/dev8/ssh/ssh_host_ed25519_key
CLIENT_KEY=$UP_DIR/id_ed25519
SSHD=/usr/sbin/sshd

die() {
    printf 'up: %s\n' "$*" >&2
    exit 1
}

check_host() {
    [ "$(id -u)" -eq 0 ] || die "must run as root (it uses unshare and bind mounts): sudo make up-ns"
    [ -x "$DEV8_INIT" ] || die "$DEV8_INIT not found: run \`make up-ns\`, which builds it first"
    [[ "$UP_DIR" =~ ^/[A-Za-z0-9._/-]+$ ]] ||
        die "DEV8_UP_DIR must be an absolute path of letters, digits, '.', '_', '-' and '/' (got '$UP_DIR')"
    if ! [[ "$PORT" =~ ^[0-9]{1,5}$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
        die "DEV8_UP_PORT must be a port number from 1 to 65535 (got '$PORT')"
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
        die "127.0.0.1:$PORT is already in use (another \`make up-ns\`, or the Docker workspace?); stop it or set DEV8_UP_PORT"
    fi
    if ! unshare --fork --pid --mount-proc --mount true 2>/dev/null; then
        die "unshare --pid --mount is not permitted here; in a container it needs" \
            "--cap-add SYS_ADMIN --security-opt seccomp=unconfined"
    fi
}

install_openssh() {
    [ -x "$SSHD" ] && command -v ssh-keygen >/dev/null && command -v ssh >/dev/null && return 0
    printf 'up: installing openssh-server and openssh-client\n' >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        openssh-server openssh-client >/dev/null ||
        die "apt-get install openssh-server openssh-client failed"
}

generate_client_key() {
    [ -f "$CLIENT_KEY" ] || ssh-keygen -q -t ed25519 -N '' -C dev8-up -f "$CLIENT_KEY"
    chmod 0600 "$CLIENT_KEY"
}

# The lowest id >= 1000 that no line of FILE uses in field 3.
first_free_id() {
    awk -F: -v want=1000 '{ used[$3] = 1 } END { while (want in used) want++; print want }' "$1"
}

# Copies of the account files with a `dev8` account; the host's stay untouched.
write_account_files() {
    mkdir -p "$UP_DIR/etc"
    local passwd=$UP_DIR/etc/passwd group=$UP_DIR/etc/group shadow=$UP_DIR/etc/shadow
    grep -v "^$DEV_USER:" /etc/passwd >"$passwd" || true
    grep -v "^$DEV_USER:" /etc/group >"$group" || true
    grep -v "^$DEV_USER:" /etc/shadow >"$shadow" || true
    DEV_UID=$(first_free_id "$passwd")
    DEV_GID=$DEV_UID
    if awk -F: -v id="$DEV_GID" '$3 == id { found = 1 } END { exit !found }' "$group"; then
        DEV_GID=$(first_free_id "$group")
    fi
    # Locked with `!` as useradd leaves an account: key logins still work.
    echo "$DEV_USER:x:$DEV_UID:$DEV_GID:Dev8 developer:$HOME_DIR:/bin/bash" >>"$passwd"
    echo "$DEV_USER:x:$DEV_GID:" >>"$group"
    echo "$DEV_USER:!:$(($(date +%s) / 86400)):0:99999:7:::" >>"$shadow"
    chmod 0644 "$passwd" "$group"
    chmod 0640 "$shadow"
    chgrp shadow "$shadow" 2>/dev/null || true
}

write_home() {
    if [ ! -d "$HOME_DIR" ]; then
        mkdir -p "$HOME_DIR"
        cp -a /etc/skel/. "$HOME_DIR/"
        chown -R "$DEV_UID:$DEV_GID" "$HOME_DIR"
    fi
    chmod 0755 "$HOME_DIR"
    if [ ! -d "$HOME_DIR/workspace" ]; then
        mkdir "$HOME_DIR/workspace"
        chown "$DEV_UID:$DEV_GID" "$HOME_DIR/workspace"
    fi
    mkdir -p "$SERVICES_DIR"
    # Earlier versions of this script ran their own sshd from services.d.
    rm -f "$SERVICES_DIR/sshd-demo.json"
}

print_instructions() {
    local host_key="generated at the first start: see status"
    if [ -f "$HOST_KEY.pub" ]; then
        host_key=$(ssh-keygen -l -f "$HOST_KEY.pub" | awk '{ print $2 }')
    fi
    cat <<EOF
dev8-init starts as PID 1 of a private PID namespace; its sshd listens on port $PORT.

  log in:   ssh -p $PORT -i $CLIENT_KEY $DEV_USER@127.0.0.1
            (host key $host_key)
  status:   DEV8_STATE_DIR=$STATE_DIR $DEV8_INIT status
  health:   DEV8_STATE_DIR=$STATE_DIR $DEV8_INIT health
EOF
    if [ "$1" = shell ]; then
        echo "  stop:     leave this shell (exit or Ctrl-D)"
    else
        echo "  stop:     Ctrl-C, or from another shell: pkill -TERM -P $$"
    fi
    echo
}

# Runs as the namespace's PID 1 until it execs dev8-init, which takes its place.
in_namespace() {
    local mode=$1
    for f in passwd shadow group; do
        mount --bind "$UP_DIR/etc/$f" "/etc/$f"
    done
    local env=(
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        "LANG=${LANG:-C.UTF-8}"
        "TERM=${TERM:-dumb}"
        "DEV8_USER=$DEV_USER"
        "DEV8_STATE_DIR=$STATE_DIR"
        "DEV8_SERVICES_DIR=$SERVICES_DIR"
        "DEV8_WORKSPACE=$HOME_DIR/workspace"
        "DEV8_SSHD=on"
        "DEV8_SSH_PORT=$PORT"
        "DEV8_CODE_SERVER=off"
        "SSH_PUBLIC_KEY=$(cat "$CLIENT_KEY.pub")"
    )
    for v in DEV8_LOG_FORMAT DEV8_LOG_LEVEL DEV8_STOP_TIMEOUT; do
        if [ -n "${!v:-}" ]; then env+=("$v=${!v}"); fi
    done
    # The main command starts in the caller's directory: make it the developer's home.
    cd "$HOME_DIR"
    if [ "$mode" = shell ]; then
        exec env -i "${env[@]}" "$DEV8_INIT" -- bash -l
    fi
    exec env -i "${env[@]}" "$DEV8_INIT"
}

if [ "${1:-}" = --in-namespace ]; then
    in_namespace "$2"
fi

check_host
install_openssh
mkdir -p "$UP_DIR"
chmod 0755 "$UP_DIR"
generate_client_key
write_account_files
write_home
mode="wait"
if [ -t 0 ]; then mode="shell"; fi
print_instructions "$mode"
# --mount keeps the bind mounts private; no --net, so sshd is reachable from the
# host. unshare itself holds SIGTERM/SIGINT back; if it dies, dev8-init gets SIGTERM.
exec unshare --fork --kill-child=SIGTERM --pid --mount-proc --mount -- "$SELF" --in-namespace "$mode"
