#!/bin/bash
# make bench: dev8-init against tini, dumb-init and s6-svscan, each as PID 1 of
# fresh namespaces, then the init phase's own overhead, then how soon the
# built-in sshd and code-server are ready, then the whole start against the
# shell entrypoint and the services alone, then the base image under Docker
# against tini with a shell entrypoint; prints the tables (stdout). See
# bench/bench.py, bench/init_steps.py, bench/service_ready.py,
# bench/whole_start.py and bench/images.py for what is measured and the
# BENCH_* knobs (BENCH_IDLE_SECONDS=60 by default).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")

if [ "$(id -u)" != 0 ]; then
    echo "bench/run.sh: must run as root (it creates PID, mount and network namespaces)" >&2
    exit 1
fi

# The inits to compare (Debian packages) and the tools the bench uses.
need=()
command -v tini >/dev/null || need+=(tini)
command -v dumb-init >/dev/null || need+=(dumb-init)
command -v s6-svscan >/dev/null || need+=(s6)
command -v unshare >/dev/null || need+=(util-linux)
command -v strip >/dev/null || need+=(binutils)
command -v cc >/dev/null || need+=(gcc)
[ -x /usr/bin/python3 ] || need+=(python3)
command -v gh >/dev/null || need+=(gh)
command -v git >/dev/null || need+=(git)
command -v openssl >/dev/null || need+=(openssl)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
[ -f /usr/lib/python3/dist-packages/pytest/__init__.py ] || need+=(python3-pytest)
if [ ${#need[@]} -gt 0 ]; then
    echo "bench/run.sh: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${need[@]}" >&2 ||
        { apt-get update >&2 && apt-get install -y --no-install-recommends "${need[@]}" >&2; }
fi

export DEV8_INIT=${DEV8_INIT:-$repo/build/dev8-init}
if [ ! -x "$DEV8_INIT" ]; then
    echo "bench/run.sh: $DEV8_INIT not found; run 'make build' first" >&2
    exit 1
fi
/usr/bin/python3 "$here/bench.py" "$@"
echo
# The init steps against the loopback GitHub mock of the integration tests.
/usr/bin/python3 "$here/init_steps.py"
echo
# The built-in services: needs code-server (scripts/deps.sh code-server).
"$repo/scripts/deps.sh" code-server >&2
/usr/bin/python3 "$here/service_ready.py"
echo
# The whole start, every step active: dev8-init against the shell entrypoint
# it replaces and against sshd and code-server alone.
/usr/bin/python3 "$here/whole_start.py"
echo
# The base image under Docker (an engine started, the image built, if need be).
if "$repo/scripts/deps.sh" docker >&2; then
    "$repo/docker/build.sh" base >&2
    exec /usr/bin/python3 "$here/images.py"
fi
echo "images: skipped, no Docker engine can be started here"
