#!/usr/bin/env python3
"""The init phase with every step active, against the loopback GitHub mock,
vs the external work it is made of (the GET /user, gh and git commands
dev8-init runs, run by hand): the difference is dev8-init's own overhead.
dev8-init runs its GitHub and git lanes side by side, so it is compared with
the same two lanes run by hand side by side; start-up is exec to the status socket answering (the
socket is bound just before the first step), next to the same namespaces
running /bin/true. Prints one table.

Usage: bench/init_steps.py [RUNS]   (DEV8_INIT: the binary, default build/dev8-init)
"""

import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import http.client

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from conftest import UNSHARE_HOST_NET, developer_root  # noqa: E402
from github_mock import GitHubMock, Token  # noqa: E402
from service_ready import status  # noqa: E402

DEV8_INIT = os.environ.get("DEV8_INIT", os.path.join(HERE, "..", "build", "dev8-init"))
TOKEN = "ghp_benchtoken0123456789abcdefABCDEF012"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def one_init(mock, public_key):
    """Seconds from exec to the status socket answering (start-up, before the
    first step) and to the end of the init phase."""
    state = tempfile.mkdtemp(prefix="d8b-", dir="/tmp")
    env = {"PATH": PATH, "LANG": "C.UTF-8", "DEV8_STATE_DIR": state, "DEV8_SSHD": "off",
           "DEV8_CODE_SERVER": "off", "DEV8_SERVICES_DIR": state + "/none",
           "DEV8_GITHUB_HOST": mock.host, "SSL_CERT_FILE": mock.ca, "GITHUB_TOKEN": TOKEN,
           "GIT_USER_NAME": "Bench Mark", "GIT_USER_EMAIL": "bench@example.com",
           "SSH_PUBLIC_KEY": public_key, "ANTHROPIC_API_KEY": "sk-ant-bench-0123456789",
           "DEV8_VSCODE_SETTINGS": '{"editor.tabSize": 2}'}
    socket_path = os.path.join(state, "status.sock")
    begun = time.monotonic()
    proc = subprocess.Popen(UNSHARE_HOST_NET + [DEV8_INIT], env=env, preexec_fn=developer_root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = begun + 30
        started = None
        while time.monotonic() < deadline and started is None:
            with socket.socket(socket.AF_UNIX) as s:
                try:
                    s.connect(socket_path)
                    started = time.monotonic() - begun
                except OSError:
                    time.sleep(0.0005)
        while time.monotonic() < deadline:
            doc = status(state)
            if doc and doc["phase"] != "init":
                elapsed = time.monotonic() - begun
                states = {s["name"]: s["state"] for s in doc["steps"]}
                assert all(v == "ok" or k == "copilot" for k, v in states.items()), states
                return started, elapsed
            time.sleep(0.001)
        raise RuntimeError("init did not finish in 30 s")
    finally:
        proc.kill()  # unshare --kill-child takes the namespace with it
        proc.wait(10)
        shutil.rmtree(state, ignore_errors=True)


def namespace_floor():
    """Seconds for the same unshare to run /bin/true: what start-up includes
    before dev8-init runs its first instruction."""
    begun = time.monotonic()
    subprocess.run(UNSHARE_HOST_NET + ["/bin/true"], preexec_fn=developer_root, check=True)
    return time.monotonic() - begun


def by_hand(mock):
    """The external work dev8-init's steps do, run directly as dev8 would:
    seconds for the GitHub lane (GET /user, gh auth login) and for the git
    lane (one read, then each value written), each run on its own, then both
    side by side (two threads, as dev8-init's lanes run them)."""
    home = tempfile.mkdtemp(prefix="d8h-", dir="/tmp")
    env = {"PATH": PATH, "HOME": home, "SSL_CERT_FILE": mock.ca, "GH_HOST": mock.host,
           "GH_PROMPT_DISABLED": "1", "GIT_CONFIG_NOSYSTEM": "1"}
    run = lambda *argv, **kw: subprocess.run(argv, env=env, capture_output=True, **kw)  # noqa: E731

    def github_lane():
        context = ssl.create_default_context(cafile=mock.ca)
        conn = http.client.HTTPSConnection("localhost", mock.port, context=context, timeout=10)
        conn.request("GET", "/api/v3/user", headers={"Authorization": "token " + TOKEN})
        conn.getresponse().read()
        conn.close()
        run("gh", "auth", "login", "--with-token", input=(TOKEN + "\n").encode())

    def git_lane():
        run("git", "config", "--global", "--list", "--null")
        for key, values in (("user.name", ["Bench Mark"]), ("user.email", ["bench@example.com"]),
                            (f"credential.https://{mock.host}.helper", ["", "x git-credential"])):
            for i, value in enumerate(values):
                run("git", "config", "--global", "--replace-all" if i == 0 else "--add", key, value)

    def timed(*lanes):
        shutil.rmtree(home, ignore_errors=True)
        os.mkdir(home)
        threads = [threading.Thread(target=lane) for lane in lanes]
        begun = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.monotonic() - begun

    github, git, both = timed(github_lane), timed(git_lane), timed(github_lane, git_lane)
    shutil.rmtree(home, ignore_errors=True)
    return github, git, both


def github_and_key(token):
    """A work folder, the loopback GitHub mock (its CA readable by dev8)
    accepting `token`, and a client key pair in the folder: (work, mock,
    public key line)."""
    work = tempfile.mkdtemp(prefix="d8gh-", dir="/tmp")
    os.chmod(work, 0o755)
    mock = GitHubMock(work)
    os.chmod(mock.ca, 0o644)
    mock.tokens[token] = Token("valid", login="bench")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", work + "/key"], check=True)
    with open(work + "/key.pub") as f:
        return work, mock, f.read().strip()


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    work, mock, public_key = github_and_key(TOKEN)
    try:
        inits, hands, floors = [], [], []
        for _ in range(runs):  # interleaved, so a busy moment hits both alike
            inits.append(one_init(mock, public_key))
            hands.append(by_hand(mock))
            floors.append(namespace_floor())
    finally:
        mock.close()
        shutil.rmtree(work, ignore_errors=True)
    ms = lambda xs: [x * 1000 for x in xs]  # noqa: E731
    start = ms(i[0] for i in inits)
    wall = ms(i[1] for i in inits)
    github = ms(h[0] for h in hands)
    git = ms(h[1] for h in hands)
    both = ms(h[2] for h in hands)
    cell = lambda xs: f"{statistics.median(xs):.1f} ms ({min(xs):.0f}–{max(xs):.0f})"  # noqa: E731
    rows = [
        ("start-up: exec to the status socket answering, before the first step", cell(start)),
        ("the same namespaces running /bin/true instead", cell(ms(floors))),
        ("dev8-init: exec to the end of init", cell(wall)),
        ("by hand: GET /user and gh auth login", cell(github)),
        ("by hand: the git config commands", cell(git)),
        ("by hand: both in sequence, as a shell script runs them",
         cell([a + b for a, b in zip(github, git)])),
        ("by hand: both side by side, as dev8-init's lanes run them", cell(both)),
        ("dev8-init over both side by side, less the namespaces' own start",
         f"{statistics.median(wall) - statistics.median(both) - statistics.median(ms(floors)):+.1f} ms"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"Init phase, every step active, median of {runs} (min–max)")
    print(f"| {'measure':<{width}} | {'value':>22} |")
    print(f"|{'-' * (width + 2)}|{'-' * 24}|")
    for name, value in rows:
        print(f"| {name:<{width}} | {value:>22} |")


if __name__ == "__main__":
    main()
