"""The idle stop as PID 1 (DEV8_IDLE_TIMEOUT), with timeouts of a second or
two: what keeps a workspace up (an ssh session, code-server's heartbeat, a
busy developer process, `dev8-init keepalive`), the warning on the
developer's terminal, the stop with exit 0, DEV8_IDLE_ACTION, and nothing
at all while it is off."""

import os
import re
import signal
import subprocess
import time

import pytest

from conftest import DEV8_INIT, DEV8_UID, private_devpts, wait_until
from test_code_server import CODE_SERVER, HTTP
from test_code_server import make_workspace as code_server_workspace
from test_sshd import keys, known_hosts, ssh  # noqa: F401 (keys is a fixture)
from test_sshd import start as start_sshd

AS_DEV8 = ["setpriv", f"--reuid={DEV8_UID}", f"--regid={DEV8_UID}", "--init-groups"]
HEARTBEAT = "/home/dev8/.local/share/code-server/heartbeat"

# Runs as dev8 inside dev8-init's namespaces: opens a terminal, says which,
# then prints what reaches it until the idle warning has.
PTY_READER = r"""
import os, select, sys, time
master, slave = os.openpty()
print(os.ttyname(slave), flush=True)
data, deadline = b"", time.monotonic() + 30
while time.monotonic() < deadline and b"keepalive" not in data:
    if select.select([master], [], [], 0.2)[0]:
        data += os.read(master, 4096)
print(data.decode(errors="replace"), flush=True)
"""


def activity(dev8):
    return (dev8.status() or {}).get("activity", {})


def running(dev8):
    return dev8.proc.poll() is None


def idle_env(dev8, timeout, warning="0", **extra):
    return dev8.base_env(DEV8_IDLE_TIMEOUT=timeout, DEV8_IDLE_WARNING=warning, **extra)


def stop_line(dev8):
    lines = [line for line in dev8.stderr.splitlines() if "DEV8_IDLE_TIMEOUT" in line]
    assert len(lines) == 1, dev8.diag()
    return lines[0]


def test_an_idle_workspace_warns_on_the_developers_terminal_then_stops_with_exit_0(dev8):
    dev8.start("sleep", "1000", env=idle_env(dev8, "2", warning="1"), developer=True,
               preexec_fn=private_devpts)
    reader = subprocess.Popen(["nsenter", "-t", str(dev8.pid1), "-m", "-p", "--", *AS_DEV8,
                               "python3", "-c", PTY_READER],
                              stdout=subprocess.PIPE, text=True)
    tty = reader.stdout.readline().strip()
    assert re.match(r"^/dev/pts/\d+$", tty), tty
    # The main command was killed by the stop's SIGTERM: still exit 0.
    assert dev8.wait(15) == 0, dev8.diag()
    told = reader.communicate(timeout=10)[0]
    assert "this workspace has been idle for" in told and "stops in 1s" in told, told
    assert "dev8-init keepalive" in told, told
    log = dev8.stderr
    assert re.search(r"idle for \S+: the workspace stops in 1s unless there is activity", log), log
    line = stop_line(dev8)
    assert "DEV8_IDLE_TIMEOUT 2s" in line and line.rstrip().endswith("stopping"), line
    assert "ssh never" in line and "keepalive never" in line, line
    assert "exiting with code 0" in log


def test_an_open_ssh_session_keeps_it_up_and_its_end_starts_the_clock(dev8, keys, tmp_path):  # noqa: F811
    start_sshd(dev8, [keys[0][1]], DEV8_IDLE_TIMEOUT="1.5", DEV8_IDLE_WARNING="0")
    kh = known_hosts(dev8, tmp_path)
    session = ssh(dev8, keys[0][0], "sleep 3.5; echo still-here", kh)
    ended = time.monotonic()
    assert session.returncode == 0 and session.stdout.strip() == "still-here", session
    assert running(dev8), f"stopped during an ssh session\n{dev8.diag()}"
    seen = activity(dev8)
    assert seen["ssh"] is not None and seen["idle_timeout_s"] == 1.5, seen
    assert dev8.wait(10) == 0, dev8.diag()
    assert time.monotonic() - ended >= 1.0, "the clock did not start again at the session's end"
    assert "ssh 0s ago" not in stop_line(dev8)


def test_code_servers_heartbeat_is_activity_and_health_checks_are_not(dev8):
    if not (CODE_SERVER and os.access(CODE_SERVER, os.X_OK)):
        pytest.fail("DEV8_TEST_CODE_SERVER must name code-server (scripts/deps.sh code-server)")
    env = idle_env(dev8, "4", DEV8_CODE_SERVER="on", DEV8_CODE_SERVER_BIN=CODE_SERVER,
                   DEV8_WORKSPACE="/home/dev8/project")
    dev8.start(env=env, developer=True, preexec_fn=code_server_workspace)
    dev8.wait_service("code-server", lambda s: s["state"] == "ready", timeout=30)
    # dev8-init's own readiness probe asked /healthz: code-server does not beat for that.
    assert activity(dev8)["code_server"] is None, activity(dev8)
    page = dev8.in_network("python3", "-c", HTTP, "GET", "http://127.0.0.1:8080/login")
    assert page.returncode == 0 and '"status": 200' in page.stdout, page
    assert wait_until(lambda: activity(dev8)["code_server"], 5, message=lambda: activity(dev8))
    beat = dev8.in_namespace("stat", "-c", "%U %s", HEARTBEAT)
    assert beat.stdout.split() == ["dev8", "0"], beat
    # A browser keeps code-server touching the file: each touch holds the workspace up.
    begun = time.monotonic()
    while time.monotonic() - begun < 6:
        touched = dev8.in_namespace(*AS_DEV8, "touch", HEARTBEAT)
        assert touched.returncode == 0 and running(dev8), f"{touched}\n{dev8.diag()}"
        wait_until(lambda: time.monotonic() - begun > 6 or activity(dev8)["idle_for_s"] < 1, 2)
    assert dev8.wait(15) == 0, dev8.diag()
    assert "code-server " in stop_line(dev8)


def test_a_busy_developer_process_keeps_it_up(dev8):
    dev8.start(env=idle_env(dev8, "1.5"), developer=True)
    busy = dev8.in_namespace(*AS_DEV8, "timeout", "3.5", "sh", "-c", "while :; do :; done")
    ended = time.monotonic()
    assert busy.returncode == 124, busy
    assert running(dev8), f"stopped while a build was running\n{dev8.diag()}"
    assert activity(dev8)["processes"] is not None
    assert dev8.wait(10) == 0, dev8.diag()
    assert time.monotonic() - ended >= 1.0


def test_keepalive_for_holds_the_workspace_up_and_the_developer_may_send_it(dev8):
    dev8.start(env=idle_env(dev8, "1"), developer=True)
    sent = dev8.cli("keepalive", "--for", "3")
    begun = time.monotonic()
    assert sent.returncode == 0 and "counts as active for 3s" in sent.stdout, sent
    os.chmod(dev8.state_dir, 0o755)
    own = dev8.in_namespace(*AS_DEV8, "env", f"DEV8_STATE_DIR={dev8.state_dir}", DEV8_INIT,
                            "keepalive")
    assert own.returncode == 0 and "activity recorded" in own.stdout, own
    held = activity(dev8)
    assert held["keepalive_until"] is not None and held["keepalive"] is not None, held
    text = dev8.cli("status").stdout
    assert "activity: idle" in text and "kept alive until" in text, text
    wait_until(lambda: time.monotonic() - begun > 2.5 or not running(dev8), 5)
    assert running(dev8), f"stopped while kept alive\n{dev8.diag()}"
    assert dev8.wait(10) == 0, dev8.diag()
    assert time.monotonic() - begun >= 3.0
    assert "keepalive: the workspace counts as active for 3s" in dev8.stderr


def test_the_idle_action_runs_instead_of_stopping_and_the_clock_starts_again(dev8):
    action = 'echo "idle $DEV8_IDLE_TIMEOUT" >> "$T/actions"; echo "password:${PASSWORD:-withheld}"'
    dev8.start(env=idle_env(dev8, "0.5", DEV8_IDLE_ACTION=action,
                            PASSWORD="hunter2-not-for-the-action"), developer=True)

    def actions():
        try:
            with open(dev8.path("actions")) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    wait_until(lambda: len(actions()) >= 2, 10, message=dev8.diag)
    assert actions()[:2] == ["idle 0.5", "idle 0.5"]
    assert running(dev8)
    log = dev8.stderr
    assert "[idle-action] password:withheld" in log, log
    assert "DEV8_IDLE_ACTION exited with code 0; the idle clock starts again" in log, log
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(10) == 0


def test_bad_idle_settings_stop_start_up_with_exit_78_naming_them(dev8):
    dev8.start(env=dev8.base_env(DEV8_IDLE_TIMEOUT="soon", DEV8_IDLE_CPU_PERCENT="lots"),
               wait_ready=False)
    assert dev8.wait(10) == 78
    log = dev8.stderr
    assert 'DEV8_IDLE_TIMEOUT: "soon" must be seconds or a duration like 30m' in log, log
    assert "DEV8_IDLE_CPU_PERCENT" in log, log


def settled_switches(dev8):
    """dev8-init's context switches once it has gone back to waiting."""
    last = [dev8.context_switches()]

    def settled():
        time.sleep(0.1)
        now = dev8.context_switches()
        same, last[0] = now == last[0], now
        return same

    wait_until(settled, 5, interval=0)
    return last[0]


@pytest.mark.parametrize("timeout", [None, "30m"])
def test_the_idle_stop_adds_no_wake_up_off_and_none_within_a_minute_on(dev8, timeout):
    dev8.start("sleep", "1000", env=dev8.base_env(DEV8_IDLE_TIMEOUT=timeout), developer=True)
    if timeout:
        wait_until(lambda: "checking every 1m" in dev8.stderr, 5, message=dev8.diag)
    else:
        assert activity(dev8)["idle_timeout_s"] is None
        assert not os.path.exists(os.path.join(dev8.state_dir, "keepalive.sock"))
        off = dev8.cli("keepalive")
        assert off.returncode == 0 and "the idle stop is off" in off.stdout, off
    before = settled_switches(dev8)
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:  # an idle window: nothing to poll on
        time.sleep(deadline - time.monotonic())
    assert dev8.context_switches() == before
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(10) == 128 + signal.SIGTERM  # the main command's end, unlike an idle stop


def test_keepalive_without_a_supervisor_exits_2(dev8):
    r = dev8.cli("keepalive")
    assert r.returncode == 2 and "no supervisor reachable" in r.stderr, r
    bad = dev8.cli("keepalive", "--for", "a while")
    assert bad.returncode == 64 and '--for "a while"' in bad.stderr, bad
