#!/usr/bin/env python3
"""The init phase with every step active, against the loopback GitHub mock,
vs the external work it is made of (the GET /user, gh and git commands run by
hand): the difference is dev8-init's own overhead. Prints one table.

Usage: bench/init_steps.py [RUNS]   (DEV8_INIT: the binary, default build/dev8-init)
"""

import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import http.client

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from conftest import UNSHARE_HOST_NET, developer_root  # noqa: E402
from github_mock import GitHubMock, Token  # noqa: E402

DEV8_INIT = os.environ.get("DEV8_INIT", os.path.join(HERE, "..", "build", "dev8-init"))
TOKEN = "ghp_benchtoken0123456789abcdefABCDEF012"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def status(state_dir):
    r = subprocess.run([DEV8_INIT, "status", "--json"], capture_output=True, text=True,
                       env={"DEV8_STATE_DIR": state_dir, "PATH": PATH})
    if r.returncode != 0:
        return None
    import json
    return json.loads(r.stdout)


def one_init(mock, public_key):
    """Seconds from exec to the end of the init phase, and the steps' own sum."""
    state = tempfile.mkdtemp(prefix="d8b-", dir="/tmp")
    env = {"PATH": PATH, "LANG": "C.UTF-8", "DEV8_STATE_DIR": state, "DEV8_SSHD": "off",
           "DEV8_CODE_SERVER": "off", "DEV8_SERVICES_DIR": state + "/none",
           "DEV8_GITHUB_HOST": mock.host, "SSL_CERT_FILE": mock.ca, "GITHUB_TOKEN": TOKEN,
           "GIT_USER_NAME": "Bench Mark", "GIT_USER_EMAIL": "bench@example.com",
           "SSH_PUBLIC_KEY": public_key, "ANTHROPIC_API_KEY": "sk-ant-bench-0123456789",
           "DEV8_VSCODE_SETTINGS": '{"editor.tabSize": 2}'}
    begun = time.monotonic()
    proc = subprocess.Popen(UNSHARE_HOST_NET + [DEV8_INIT], env=env, preexec_fn=developer_root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = begun + 30
        while time.monotonic() < deadline:
            doc = status(state)
            if doc and doc["phase"] != "init":
                elapsed = time.monotonic() - begun
                states = {s["name"]: s["state"] for s in doc["steps"]}
                assert all(v == "ok" or k == "copilot" for k, v in states.items()), states
                return elapsed, sum(s["duration_ms"] for s in doc["steps"]) / 1000
            time.sleep(0.002)
        raise RuntimeError("init did not finish in 30 s")
    finally:
        proc.kill()  # unshare --kill-child takes the namespace with it
        proc.wait(10)
        shutil.rmtree(state, ignore_errors=True)


def by_hand(mock):
    """The same external work, run directly: GET /user, gh and git as dev8 would."""
    home = tempfile.mkdtemp(prefix="d8h-", dir="/tmp")
    env = {"PATH": PATH, "HOME": home, "SSL_CERT_FILE": mock.ca, "GH_HOST": mock.host,
           "GH_PROMPT_DISABLED": "1", "GIT_CONFIG_NOSYSTEM": "1"}
    begun = time.monotonic()
    context = ssl.create_default_context(cafile=mock.ca)
    conn = http.client.HTTPSConnection("localhost", mock.port, context=context, timeout=10)
    conn.request("GET", "/api/v3/user", headers={"Authorization": "token " + TOKEN})
    conn.getresponse().read()
    conn.close()
    run = lambda *argv, **kw: subprocess.run(argv, env=env, capture_output=True, **kw)  # noqa: E731
    run("gh", "auth", "token", "--hostname", mock.host)
    run("gh", "auth", "login", "--with-token", input=(TOKEN + "\n").encode())
    for key, values in (("user.name", ["Bench Mark"]), ("user.email", ["bench@example.com"]),
                        (f"credential.https://{mock.host}.helper", ["", "x git-credential"])):
        run("git", "config", "--global", "--get-all", key)
        run("git", "config", "--global", "--unset-all", key)
        for value in values:
            run("git", "config", "--global", "--add", key, value)
    elapsed = time.monotonic() - begun
    shutil.rmtree(home, ignore_errors=True)
    return elapsed


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    work = tempfile.mkdtemp(prefix="d8gh-", dir="/tmp")
    os.chmod(work, 0o755)
    mock = GitHubMock(work)
    os.chmod(mock.ca, 0o644)
    mock.tokens[TOKEN] = Token("valid", login="bench")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", work + "/key"], check=True)
    with open(work + "/key.pub") as f:
        public_key = f.read().strip()
    try:
        inits = [one_init(mock, public_key) for _ in range(runs)]
        hands = [by_hand(mock) for _ in range(runs)]
    finally:
        mock.close()
        shutil.rmtree(work, ignore_errors=True)
    wall = statistics.median(i[0] for i in inits) * 1000
    steps = statistics.median(i[1] for i in inits) * 1000
    hand = statistics.median(hands) * 1000
    rows = [
        ("exec to end of init (wall), median", f"{wall:.1f} ms"),
        ("sum of the six steps' durations, median", f"{steps:.1f} ms"),
        ("the same GET /user, gh and git commands by hand, median", f"{hand:.1f} ms"),
        ("dev8-init's own overhead (steps - by hand)", f"{steps - hand:.1f} ms"),
        ("start-up before the first step (wall - steps)", f"{wall - steps:.1f} ms"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"| {'init phase, every step active, {} runs'.format(runs):<{width}} | {'value':>10} |")
    print(f"|{'-' * (width + 2)}|{'-' * 12}|")
    for name, value in rows:
        print(f"| {name:<{width}} | {value:>10} |")


if __name__ == "__main__":
    main()
