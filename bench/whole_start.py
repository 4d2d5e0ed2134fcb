#!/usr/bin/env python3
"""The whole start of a workspace, every step active: from exec to sshd
completing a key exchange and to code-server answering /healthz, three ways,
each as PID 1 of fresh PID and mount namespaces on the host's network (the
loopback GitHub mock of the integration tests is the GitHub API). Prints one
table.

- sshd and code-server alone: both started at once, with a host key made
  beforehand and no step at all: the floor;
- the same with one more SSH handshake, as a supervisor's readiness probe
  makes it: the floor for anything that reports sshd ready;
- shell entrypoint: bench/entrypoint.sh, the script dev8-init replaces, doing
  the same steps one after another (curl for the token, gh, git, the keys,
  the settings, the AI keys), then both services;
- dev8-init: every step active (token, gh, git identity and helper, a key,
  settings, an AI key), sshd and code-server on; and the same without the
  token (no GitHub, no gh: the steps that only write files and run git).

Every variant is watched the same way from outside: bench/ssh_probe.c (the
libssh handshake of dev8-init's own readiness probe) every 5 ms until a
handshake completes, and `GET /healthz` every 1 ms until 200.

Usage: bench/whole_start.py [RUNS]   (DEV8_INIT, DEV8_CODE_SERVER_BIN)
"""

import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from conftest import UNSHARE_HOST_NET, developer_root  # noqa: E402
from init_steps import github_and_key  # noqa: E402
from service_ready import CODE_SERVER, DEV8_INIT, PATH, compile_probe, http_serves  # noqa: E402

TOKEN = "ghp_wholestart0123456789abcdefABCDEF01"

ALONE = r"""
mkdir -p /run/sshd
/usr/sbin/sshd -D -e -p "$SSH_PORT" -h "$SSH_HOST_KEY" -o PasswordAuthentication=no &
su dev8 -c "$CODE_SERVER_BIN --bind-addr 0.0.0.0:$CODE_SERVER_PORT --auth password $DEV8_WORKSPACE" &
wait
"""

# The same, and one readiness handshake the way a supervisor that keeps
# DESIGN's "ready when an SSH handshake completes" makes it: the floor for
# anything that reports sshd ready.
ALONE_AND_PROBE = ALONE.replace("wait\n", '"$SSH_PROBE" "$SSH_PORT" 60000 &\nwait\n')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def watch_ssh(probe, port, begun, found):
    if subprocess.run([probe, str(port), "60000"]).returncode == 0:
        found.append((time.monotonic() - begun) * 1000)


def watch(serves, interval, begun, found):
    deadline = begun + 60
    while time.monotonic() < deadline:
        if serves():
            found.append((time.monotonic() - begun) * 1000)
            return
        time.sleep(interval)


def kill_namespace(proc):
    """SIGKILL to the namespace's PID 1 (the kernel then ends every process in
    it), then to unshare. unshare's --kill-child alone does not do: a thread
    that changes its filesystem uid drops the parent-death signal."""
    try:
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
            for child in f.read().split():
                os.kill(int(child), 9)
    except OSError:
        pass
    proc.kill()
    proc.wait(10)


def one_start(argv, env, ssh_port, http_port, probe):
    """Milliseconds from exec to sshd serving and to code-server serving."""
    ssh_at, http_at = [], []
    begun = time.monotonic()
    proc = subprocess.Popen(UNSHARE_HOST_NET + argv, env=env, preexec_fn=developer_root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watchers = [threading.Thread(target=watch_ssh, args=(probe, ssh_port, begun, ssh_at)),
                threading.Thread(target=watch, args=(lambda: http_serves(http_port), 0.001, begun, http_at))]
    try:
        for w in watchers:
            w.start()
        for w in watchers:
            w.join()
    finally:
        kill_namespace(proc)
    if not ssh_at or not http_at:
        raise RuntimeError(f"{argv[0]}: not serving within 60 s")
    return ssh_at[0], http_at[0]


def environment(mock, work, public_key, probe):
    env = {"PATH": PATH, "LANG": "C.UTF-8", "HOME": "/root",
           "SSH_PORT": str(free_port()), "CODE_SERVER_PORT": str(free_port()),
           "SSH_HOST_KEY": work + "/host_key", "CODE_SERVER_BIN": CODE_SERVER,
           "SSH_PROBE": probe,
           "PASSWORD": "bench-password-0123456789",
           "DEV8_GITHUB_HOST": mock.host, "SSL_CERT_FILE": mock.ca, "GITHUB_TOKEN": TOKEN,
           "GIT_USER_NAME": "Bench Mark", "GIT_USER_EMAIL": "bench@example.com",
           "SSH_PUBLIC_KEY": public_key, "ANTHROPIC_API_KEY": "sk-ant-bench-0123456789",
           "DEV8_WORKSPACE": "/home/dev8"}  # the namespace's own tmpfs
    dev8 = {**env, "DEV8_STATE_DIR": work + "/state", "DEV8_SERVICES_DIR": work + "/none",
            "DEV8_SSHD": "on", "DEV8_SSH_PORT": env["SSH_PORT"], "DEV8_CODE_SERVER": "on",
            "DEV8_CODE_SERVER_BIN": CODE_SERVER, "DEV8_CODE_SERVER_PORT": env["CODE_SERVER_PORT"]}
    for name in ("SSH_PORT", "CODE_SERVER_PORT", "SSH_HOST_KEY", "CODE_SERVER_BIN", "SSH_PROBE"):
        del dev8[name]
    offline = {k: v for k, v in dev8.items() if k != "GITHUB_TOKEN"}
    return env, dev8, offline


def cell(xs):
    return f"{statistics.median(xs):.0f} ms ({min(xs):.0f}–{max(xs):.0f})"


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    if not os.access(CODE_SERVER, os.X_OK):
        sys.exit(f"whole_start.py: {CODE_SERVER} missing; run scripts/deps.sh code-server")
    work, mock, public_key = github_and_key(TOKEN)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", work + "/host_key"],
                   check=True)
    probe = compile_probe(work)
    variants = {
        "sshd and code-server alone": (["/bin/bash", "-c", ALONE], 0),
        "alone, and one readiness handshake": (["/bin/bash", "-c", ALONE_AND_PROBE], 0),
        "shell entrypoint (bench/entrypoint.sh)": (["/bin/bash", os.path.join(HERE, "entrypoint.sh")], 0),
        "dev8-init, every step": ([DEV8_INIT], 1),
        "dev8-init, offline steps (no token)": ([DEV8_INIT], 2),
    }
    results = {name: [] for name in variants}
    try:
        for _ in range(runs):  # interleaved, so a busy moment hits every variant alike
            for name, (argv, which) in variants.items():
                shutil.rmtree(work + "/state", ignore_errors=True)
                envs = environment(mock, work, public_key, probe)
                ports = int(envs[0]["SSH_PORT"]), int(envs[0]["CODE_SERVER_PORT"])
                results[name].append(one_start(argv, envs[which], *ports, probe))
    finally:
        mock.close()
        shutil.rmtree(work, ignore_errors=True)
    floor_ssh = statistics.median(r[0] for r in results["sshd and code-server alone"])
    floor_http = statistics.median(r[1] for r in results["sshd and code-server alone"])
    print(f"Whole start, every step active, median of {runs} (min–max)")
    print("| variant | exec → sshd key exchange | over alone | exec → code-server /healthz 200 "
          "| over alone |")
    print("|---|---|---|---|---|")
    for name, rows in results.items():
        ssh = [r[0] for r in rows]
        http = [r[1] for r in rows]
        print(f"| {name} | {cell(ssh)} | {statistics.median(ssh) - floor_ssh:+.0f} ms "
              f"| {cell(http)} | {statistics.median(http) - floor_http:+.0f} ms |")


if __name__ == "__main__":
    main()
