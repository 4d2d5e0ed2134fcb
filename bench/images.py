#!/usr/bin/env python3
"""The Dev8 base image under Docker, three ways, side by side in one run:

- dev8-init: the image as shipped (ENTRYPOINT dev8-init);
- tini + entrypoint.sh: the same image started by tini (Debian's static
  build, mounted in) running bench/entrypoint.sh, the shell script dev8-init
  replaces, doing the same steps (git identity, authorized_keys, editor
  settings, a host key) and starting sshd in the background;
- sshd alone: the same image running only `ssh-keygen` and `sshd -D`: the
  floor for "run → SSH handshake".

Every run is a new container with `--network host` on free ports and new
anonymous volumes (so each start makes its own host key); the variants take
turns, run by run. Per run:

- run → SSH handshake: from just before `docker run -d` until `ssh-keyscan`
  completes a key exchange with the container's sshd (polled every 5 ms);
- run → healthy: until `docker inspect` says healthy (polled every 20 ms;
  every variant's health check runs every 2 s: `dev8-init health`, else a
  TCP connect to sshd), so it moves in 2 s steps;
- docker stop: how long `docker stop -t 10` takes, the exit code, and
  whether sshd was stopped gracefully (its own "Received signal 15" line).

Then the size of each dev8/* image there is. Prints markdown tables.

Usage: bench/images.py [RUNS]   (default 5; BENCH_IMAGE, default dev8/base:latest)
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE = os.environ.get("BENCH_IMAGE", "dev8/base:latest")
TINI = "/usr/bin/tini-static"
HEALTH = ["--health-interval", "2s", "--health-timeout", "3s", "--health-start-period", "60s",
          "--health-retries", "3"]
SSH_GOAL_MS = 10
STOP_GOAL_S = 1.0


def docker(*args, check=True):
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise RuntimeError(f"docker {args[0]}: {result.stderr.strip()}")
    return result.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tcp_health(port):
    return ["--health-cmd", f"bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}'", *HEALTH]


def variant_args(name, key, ssh_port, code_port):
    env = ["-e", f"SSH_PUBLIC_KEY={key}", "-e", "GIT_USER_NAME=Bench Mark",
           "-e", "GIT_USER_EMAIL=bench@example.com"]
    if name == "dev8-init":
        return [*env, "-e", f"DEV8_SSH_PORT={ssh_port}", "-e", f"DEV8_CODE_SERVER_PORT={code_port}",
                IMAGE]
    if name == "tini + entrypoint.sh":
        return [*env, "-e", f"SSH_PORT={ssh_port}", "-e", f"CODE_SERVER_PORT={code_port}",
                "-v", f"{TINI}:/sbin/tini:ro", "-v", f"{HERE}/entrypoint.sh:/entrypoint.sh:ro",
                *tcp_health(ssh_port), "--entrypoint", "/sbin/tini", IMAGE, "--", "/entrypoint.sh"]
    script = ("ssh-keygen -q -t ed25519 -N '' -f /tmp/host_key && mkdir -p /run/sshd && "
              f"exec /usr/sbin/sshd -D -e -p {ssh_port} -h /tmp/host_key "
              "-o PasswordAuthentication=no")
    return [*tcp_health(ssh_port), "--entrypoint", "/bin/sh", IMAGE, "-c", script]


def handshake(port):
    result = subprocess.run(["ssh-keyscan", "-T", "2", "-t", "ed25519", "-p", str(port),
                             "127.0.0.1"], capture_output=True, text=True)
    return "ssh-ed25519" in result.stdout


def one_run(name, key, number):
    ssh_port, code_port = free_port(), free_port()
    container = f"dev8-bench-{os.getpid()}-{number}-{name.split()[0]}"
    args = variant_args(name, key, ssh_port, code_port)
    started = time.monotonic()
    docker("run", "-d", "--name", container, "--network", "host", *args)
    try:
        ssh_at = healthy_at = None
        while time.monotonic() - started < 60 and (ssh_at is None or healthy_at is None):
            if ssh_at is None and handshake(ssh_port):
                ssh_at = time.monotonic()
            if healthy_at is None:
                state = json.loads(docker("inspect", "-f", "{{json .State}}", container))
                if state["Status"] != "running":
                    raise RuntimeError(f"{name}: the container stopped: "
                                       + docker("logs", container, check=False))
                if (state.get("Health") or {}).get("Status") == "healthy":
                    healthy_at = time.monotonic()
            time.sleep(0.005 if ssh_at is None else 0.02)
        if ssh_at is None or healthy_at is None:
            raise RuntimeError(f"{name}: not up within 60 s")
        stop_began = time.monotonic()
        docker("stop", "-t", "10", container)
        stopped = time.monotonic() - stop_began
        code = int(docker("inspect", "-f", "{{.State.ExitCode}}", container))
        logs = subprocess.run(["docker", "logs", container], capture_output=True, text=True)
        graceful = "Received signal 15" in logs.stdout + logs.stderr
        return {"ssh": ssh_at - started, "healthy": healthy_at - started, "stop": stopped,
                "code": code, "graceful": graceful}
    finally:
        docker("rm", "-f", "-v", container, check=False)


def fmt_ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    key_dir = subprocess.run(["mktemp", "-d"], capture_output=True, text=True).stdout.strip()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{key_dir}/k"],
                   check=True)
    key = open(f"{key_dir}/k.pub").read().strip()
    variants = ["dev8-init", "tini + entrypoint.sh", "sshd alone"]
    results = {v: [] for v in variants}
    for number in range(runs):
        for name in variants:
            results[name].append(one_run(name, key, number))
    subprocess.run(["rm", "-rf", key_dir])

    def median(name, field):
        return statistics.median(r[field] for r in results[name])

    floor = median("sshd alone", "ssh")
    print(f"Dev8 image {IMAGE}: medians of {runs} runs (--network host, new volumes each run)")
    print()
    header = ["measure", "goal (dev8-init)", *variants]
    rows = [
        ["run → SSH handshake", f"≤ sshd alone + {SSH_GOAL_MS} ms",
         *[fmt_ms(median(v, "ssh")) for v in variants]],
        ["  over sshd alone", "", *[f"{(median(v, 'ssh') - floor) * 1000:+.0f} ms"
                                    for v in variants]],
        ["run → healthy (2 s checks)", "", *[fmt_ms(median(v, "healthy")) for v in variants]],
        ["docker stop", f"< {STOP_GOAL_S:.0f} s", *[fmt_ms(median(v, "stop")) for v in variants]],
        ["  exit codes", "0", *[" ".join(sorted({str(r["code"]) for r in results[v]}))
                               for v in variants]],
        ["  sshd stopped by SIGTERM", "every run",
         *[f"{sum(r['graceful'] for r in results[v])}/{runs}" for v in variants]],
    ]
    print_table(header, rows)
    print()
    sizes = []
    for name in ["base", "nodejs", "python", "fullstack"]:
        out = docker("image", "inspect", "-f", "{{.Size}}", f"dev8/{name}:latest", check=False)
        if out.strip():
            sizes.append([f"dev8/{name}", f"{int(out) / 1e6:.0f} MB"])
    print_table(["image", "size"], sizes)
    ours = median("dev8-init", "ssh") - floor
    if ours * 1000 > SSH_GOAL_MS:
        print(f"\nnote: dev8-init's SSH handshake comes {ours * 1000:.0f} ms after sshd alone's "
              f"(goal {SSH_GOAL_MS} ms)")
    if median("dev8-init", "stop") > STOP_GOAL_S:
        print(f"\nnote: dev8-init's docker stop takes {median('dev8-init', 'stop'):.2f} s")


def print_table(header, rows):
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")


if __name__ == "__main__":
    main()
