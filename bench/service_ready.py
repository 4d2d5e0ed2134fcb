#!/usr/bin/env python3
"""How soon the built-in services are ready under dev8-init, against the same
programs started by hand. Prints one table.

- by hand: sshd (or code-server) exec'd in a fresh network namespace, polled
  until it serves: a completed SSH handshake (bench/ssh_probe.c, the libssh
  handshake of dev8-init's own probe, every 5 ms) or a `GET /healthz` = 200
  (every 1 ms);
- dev8-init: dev8-init exec'd as PID 1 of fresh namespaces with only that
  service on, its status socket polled every 1 ms until the service is
  `ready`, which dev8-init decides the same way (an SSH handshake with
  libssh, or `GET /healthz` = 200).

"spawn → ready" is dev8-init's own log line; less the time the program
takes to serve by hand, it is how late dev8-init saw it ready. The
difference of the exec medians is what supervision costs: dev8-init's
start, writing the service's files (a new host key, a generated password),
the spawn and the readiness poll.
Both clocks are CLOCK_MONOTONIC, which namespaces share.

Usage: bench/service_ready.py [RUNS]   (DEV8_INIT, DEV8_CODE_SERVER_BIN)
"""

import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from conftest import UNSHARE, developer_root  # noqa: E402

DEV8_INIT = os.environ.get("DEV8_INIT", os.path.join(HERE, "..", "build", "dev8-init"))
CODE_SERVER = os.environ.get("DEV8_CODE_SERVER_BIN", "/var/cache/dev8-init/code-server/code-server")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
GOAL_MS = 10

# Inside the namespace: take the clock, then become the program (dev8-init).
EXEC = "import os, sys, time; print(time.monotonic(), flush=True); os.execv(sys.argv[1], sys.argv[1:])"

# Inside the namespace: start the program, watch until it serves, print both
# instants. sshd serves once an SSH handshake completes (bench/ssh_probe.c:
# the libssh handshake dev8-init's probe makes, every 5 ms); code-server once
# /healthz answers 200 (every 1 ms), not when it merely listens.
BY_HAND = r"""
import os, subprocess, sys, time
mode, port, probe, here = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
sys.path.insert(0, here)
from service_ready import http_serves
start = time.monotonic()
proc = subprocess.Popen(sys.argv[5:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        preexec_fn=os.setsid)
if mode == "ssh":
    subprocess.run([probe, str(port), "60000"])
else:
    while time.monotonic() - start < 60 and not http_serves(port):
        time.sleep(0.001)
print(start, time.monotonic(), flush=True)
os.killpg(proc.pid, 9)
proc.wait()
"""

SSHD_CONFIG = """Port 2222
HostKey {key}
PidFile {dir}/sshd.pid
PubkeyAuthentication yes
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers dev8
UsePAM yes
"""


def http_serves(port):
    """code-server serves: GET /healthz answers 200."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False


def compile_probe(work):
    """bench/ssh_probe.c, built against Debian's libssh."""
    out = os.path.join(work, "ssh_probe")
    subprocess.run(["cc", "-O2", "-Wall", "-o", out, os.path.join(HERE, "ssh_probe.c"), "-lssh"],
                   check=True)
    return out


def by_hand(mode, port, argv, probe=""):
    """Milliseconds from exec to serving (mode: ssh or http)."""
    out = subprocess.run(UNSHARE + ["/usr/bin/python3", "-c", BY_HAND, mode, str(port), probe, HERE,
                                    *argv],
                         capture_output=True, text=True, timeout=90, preexec_fn=developer_root)
    start, serving = map(float, out.stdout.split())
    return (serving - start) * 1000


def status(state_dir):
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(os.path.join(state_dir, "status.sock"))
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        return json.loads(data)
    except (OSError, ValueError):
        return None


def under_dev8(service, extra_env):
    state = tempfile.mkdtemp(prefix="d8b-", dir="/tmp")
    env = {"PATH": PATH, "LANG": "C.UTF-8", "DEV8_STATE_DIR": state, "DEV8_SSHD": "off",
           "DEV8_CODE_SERVER": "off", "DEV8_SERVICES_DIR": state + "/none",
           "DEV8_GITHUB_HOST": "127.0.0.1:9", **extra_env}
    log = open(os.path.join(state, "log"), "w+")
    proc = subprocess.Popen(UNSHARE + ["/usr/bin/python3", "-c", EXEC, DEV8_INIT], env=env,
                            stdout=subprocess.PIPE, stderr=log, text=True,
                            preexec_fn=developer_root)
    try:
        start = float(proc.stdout.readline())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            doc = status(state)
            states = {s["name"]: s["state"] for s in doc["services"]} if doc else {}
            if states.get(service) == "ready":
                ready = (time.monotonic() - start) * 1000
                break
            time.sleep(0.001)
        else:
            raise RuntimeError(f"{service} not ready within 60 s under dev8-init")
    finally:
        proc.kill()
        proc.wait()
    # dev8-init's own account of its spawn-to-ready time.
    log.seek(0)
    spawned = re.search(rf"{re.escape(service)}: ready after (\d+) ms", log.read())
    log.close()
    shutil.rmtree(state, ignore_errors=True)
    return ready, float(spawned.group(1)) if spawned else float("nan")


def sshd_runs(runs, work):
    key = os.path.join(work, "host_key")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    config = os.path.join(work, "sshd_config")
    with open(config, "w") as f:
        f.write(SSHD_CONFIG.format(key=key, dir=work))
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    probe = compile_probe(work)
    hand, dev8 = [], []
    for _ in range(runs):
        hand.append(by_hand("ssh", 2222, ["/usr/sbin/sshd", "-D", "-e", "-f", config], probe))
        dev8.append(under_dev8("sshd", {"DEV8_SSHD": "on"}))
    return hand, dev8


def code_server_runs(runs):
    as_dev8 = ["setpriv", "--reuid=1000", "--regid=1000", "--init-groups", "env",
               "HOME=/home/dev8", "USER=dev8", "PASSWORD=bench-password-0123456789"]
    argv = as_dev8 + [CODE_SERVER, "--bind-addr", "0.0.0.0:8080", "--auth", "password",
                      "--disable-telemetry", "--disable-update-check", "/home/dev8"]
    hand, dev8 = [], []
    for _ in range(runs):
        hand.append(by_hand("http", 8080, argv))
        # The password is generated and stored by dev8-init, as by default.
        dev8.append(under_dev8("code-server", {"DEV8_CODE_SERVER": "on",
                                               "DEV8_CODE_SERVER_BIN": CODE_SERVER}))
    return hand, dev8


def spread(xs):
    return f"{min(xs):.0f}–{max(xs):.0f}"


def row(name, hand, dev8):
    ready = [r for r, _ in dev8]
    spawned = [s for _, s in dev8]
    h, d, sp = statistics.median(hand), statistics.median(ready), statistics.median(spawned)
    verdict = "ok" if d - h < GOAL_MS else "over"
    return (f"| {name} | {h:.1f} ms ({spread(hand)}) | {d:.1f} ms ({spread(ready)}) "
            f"| {sp:.0f} ms | {sp - h:+.0f} ms | {d - h:+.1f} ms | < {GOAL_MS} ms: {verdict} |")


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    if not os.access(CODE_SERVER, os.X_OK):
        sys.exit(f"service_ready.py: {CODE_SERVER} missing; run scripts/deps.sh code-server")
    work = tempfile.mkdtemp(prefix="d8b-ready-", dir="/tmp")
    os.chmod(work, 0o755)
    try:
        sshd = sshd_runs(runs, work)
        code_server = code_server_runs(runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"Service readiness, median of {runs} (min–max)")
    print("| service | by hand: exec → serving | dev8-init: exec → ready "
          "| dev8-init: spawn → ready | spawn → ready, over by hand | overhead | goal |")
    print("|---|---|---|---|---|---|---|")
    print(row("sshd (ready: SSH handshake)", *sshd))
    print(row("code-server (ready: /healthz 200)", *code_server))


if __name__ == "__main__":
    main()
