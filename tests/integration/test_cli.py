"""DESIGN §2/§3: the command line, logging settings, the main command's stdio,
the state dir."""

import json
import os
import signal
import subprocess
import time

from conftest import private_root, DEV8_INIT, wait_until


def test_version_and_help_exit_0(dev8):
    for args in (["version"], ["--version"]):
        r = dev8.cli(*args)
        assert r.returncode == 0 and r.stdout.startswith("dev8-init "), r
    r = dev8.cli("--help")
    assert r.returncode == 0
    for word in ("run", "plan", "health", "status", "version"):
        assert word in r.stdout


def test_an_unknown_subcommand_fails_and_suggests_double_dash(dev8):
    r = dev8.cli("bash")
    assert r.returncode != 0
    assert "-- bash" in r.stderr


def test_plan_lists_services_and_main_command_and_runs_nothing(dev8):
    dev8.add_service("jupyter", ["sh", "-c", ': > "$T/ran"'])
    r = dev8.cli("plan", "--", "bash", "-l")
    assert r.returncode == 0, r.stderr
    assert "jupyter" in r.stdout and "bash" in r.stdout
    assert not os.path.exists(dev8.path("ran"))
    assert not os.path.exists(os.path.join(dev8.state_dir, "status.sock"))


def test_the_default_subcommand_is_run(dev8):
    dev8.start("sh", "-c", "exit 9", args=(), wait_ready=False)
    assert dev8.wait(5) == 9


def test_the_main_command_keeps_the_callers_stdio_unprefixed(dev8):
    dev8.start("sh", "-c", 'cat; echo to-stderr >&2', stdin=subprocess.PIPE, wait_ready=False)
    dev8.proc.stdin.write(b"hello from stdin\n")
    dev8.proc.stdin.close()
    assert dev8.wait(5) == 0
    assert "hello from stdin" in dev8.stdout.splitlines()
    assert "to-stderr" in dev8.stderr.splitlines()


def test_log_level_error_hides_info_lines_and_json_logs_are_objects(dev8):
    dev8.add_service("quiet", ["sh", "-c", "echo relayed; exec sleep 1000"])
    dev8.start(env=dev8.base_env(DEV8_LOG_LEVEL="error"))
    # relayed output is not a log level matter
    wait_until(lambda: "[quiet] relayed" in dev8.stdout, 5, message=dev8.diag)
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0
    assert "starting as pid" not in dev8.stderr and "info" not in dev8.stderr, dev8.stderr

    empty = os.path.join(dev8.workdir, "no-services")
    os.mkdir(empty)
    d2_env = dev8.base_env(DEV8_LOG_FORMAT="json", DEV8_SERVICES_DIR=empty)
    r = subprocess.run([DEV8_INIT, "--", "true"], env=d2_env, capture_output=True, text=True,
                       timeout=10, preexec_fn=private_root)
    assert r.returncode == 0
    logs = [json.loads(l) for l in r.stderr.splitlines() if l.strip()]
    assert logs and all({"time", "level", "msg"} <= set(o) for o in logs), r.stderr


def test_a_missing_state_dir_is_created(dev8):
    nested = os.path.join(dev8.state_dir, "a", "b")
    env = dev8.base_env(DEV8_STATE_DIR=nested)
    dev8.start("sleep", "1000", env=env, wait_ready=False)
    wait_until(lambda: dev8.cli("health", env=env).returncode == 0, 5, message=dev8.diag)
    assert os.path.exists(os.path.join(nested, "status.sock"))
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 143


def test_a_stale_socket_from_a_killed_supervisor_is_replaced(dev8):
    dev8.start("sleep", "1000")
    os.kill(dev8.pid1, signal.SIGKILL)
    dev8.wait(5)
    assert os.path.exists(os.path.join(dev8.state_dir, "status.sock"))
    assert dev8.cli("health").returncode == 2  # nobody answers on the stale socket
    dev8._pid1 = None
    dev8.start("sleep", "1000")
    assert dev8.cli("health").returncode == 0
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 143


def test_when_the_main_command_exits_services_are_stopped_and_its_code_returned(dev8):
    dev8.add_service("bg", ["sleep", "1000"])
    dev8.add_service("stubborn", ["sh", "-c", "trap '' TERM; exec sleep 1000"])
    dev8.start("sh", "-c", 'while [ ! -e "$T/go" ]; do sleep 0.02; done; exit 5',
               env=dev8.base_env(DEV8_STOP_TIMEOUT=1))
    dev8.wait_service("stubborn", lambda s: s["state"] == "ready")
    t0 = time.monotonic()
    open(dev8.path("go"), "w").close()
    assert dev8.wait(5) == 5, dev8.diag()
    # the stubborn service needed the SIGKILL after the timeout; code is still 5
    assert 0.9 <= time.monotonic() - t0 < 4


def test_an_idle_supervisor_does_not_wake_up(dev8):
    """Zero periodic wake-ups: over an idle second no thread of dev8-init is
    scheduled (context switches unchanged)."""
    dev8.add_service("idle", ["sleep", "1000"])
    dev8.start("sleep", "1000")
    dev8.wait_service("idle", lambda s: s["state"] == "ready")

    # Let it settle after the last status query (it goes back to epoll_wait).
    last = [dev8.context_switches()]

    def settled():
        time.sleep(0.1)
        now = dev8.context_switches()
        same = now == last[0]
        last[0] = now
        return same

    wait_until(settled, 5, interval=0)
    before = dev8.context_switches()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:  # an idle window, nothing to poll on
        time.sleep(deadline - time.monotonic())
    after = dev8.context_switches()
    assert after == before, f"(context switches, threads) went from {before} to {after}"
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 143
