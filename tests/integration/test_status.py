"""DESIGN §2/§8/§10: `health`, `status [--json]` and the status socket."""

import json
import os
import re
import signal
import socket
import stat

from conftest import wait_until

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def test_health_is_0_when_healthy(dev8):
    dev8.add_service("svc", ["sleep", "1000"])
    dev8.start("sleep", "1000")
    dev8.wait_service("main", lambda s: s["state"] == "ready")
    wait_until(lambda: dev8.cli("health").returncode == 0, 5,
               message=lambda: f"{dev8.cli('health')}\n{dev8.status()}")
    r = dev8.cli("health")
    assert r.returncode == 0 and "healthy" in r.stdout
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 143


def test_health_is_0_with_no_services_at_all(dev8):
    dev8.start()
    wait_until(lambda: dev8.cli("health").returncode == 0, 5, message=lambda: str(dev8.status()))
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


def test_health_is_1_while_an_essential_tcp_probed_service_is_not_ready(dev8):
    dev8.add_service("never-listens", ["sleep", "1000"], ready={"tcp": 9}, restart="always",
                     essential=True)
    dev8.start()
    dev8.wait_service("never-listens", lambda s: s["pid"] is not None)
    r = dev8.cli("health")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "unhealthy" in r.stdout
    st = dev8.status()
    assert st["healthy"] is False
    assert [s["state"] for s in st["services"] if s["name"] == "never-listens"] == ["starting"]
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


def test_health_and_status_are_2_when_no_supervisor_runs(dev8):
    r = dev8.cli("health")
    assert r.returncode == 2, (r.stdout, r.stderr)
    r = dev8.cli("status")
    assert r.returncode == 2
    r = dev8.cli("status", "--json")
    assert r.returncode == 2
    # And after a supervisor has come and gone (stale socket file or none).
    dev8.start()
    assert dev8.cli("health").returncode == 0
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0
    assert dev8.cli("health").returncode == 2


def test_status_json_has_the_documented_fields(dev8):
    dev8.add_service("worker", ["sleep", "1000"])
    dev8.add_service("oneshot", ["sh", "-c", "exit 3"], restart="never")
    dev8.add_service("killed", ["sh", "-c", "kill -KILL $$"], restart="never")
    dev8.start("sleep", "1000")
    dev8.wait_service("oneshot", lambda s: s["state"] == "failed")
    dev8.wait_service("killed", lambda s: s["state"] == "failed")
    st = dev8.status()
    assert st["phase"] in ("init", "starting", "running", "stopping")
    assert isinstance(st["healthy"], bool)
    assert isinstance(st["degraded"], list)
    assert isinstance(st["uptime_s"], (int, float)) and st["uptime_s"] >= 0
    assert isinstance(st["orphans_reaped"], int)
    assert isinstance(st["steps"], list)
    for step in st["steps"]:
        assert set(step) >= {"name", "state", "duration_ms", "message"}
        assert step["state"] in ("ok", "skipped", "failed", "running", "pending")
    assert st["github"]["state"] in ("valid", "invalid", "expired", "rate_limited", "unreachable",
                                     "unchecked", "absent")
    assert st["github"]["state"] == "absent"  # no token configured
    assert isinstance(st["ssh"]["host_key_fingerprints"], list)
    services = {s["name"]: s for s in st["services"]}
    assert {"main", "worker", "oneshot", "killed"} <= set(services)
    # Every service is listed: the built-in ones too, disabled (DEV8_SSHD/CODE_SERVER=off).
    for builtin in ("sshd", "code-server"):
        assert builtin in services, f"{builtin} missing from {sorted(services)}"
        assert services[builtin]["state"] == "disabled"
        assert services[builtin]["pid"] is None
    for s in services.values():
        assert set(s) >= {"name", "state", "pid", "restarts", "last_exit"}
        assert s["state"] in ("starting", "ready", "backoff", "stopping", "stopped", "failed",
                              "disabled")
        assert isinstance(s["restarts"], int)
    assert services["main"]["state"] == "ready" and isinstance(services["main"]["pid"], int)
    assert services["worker"]["state"] == "ready" and services["worker"]["last_exit"] is None
    one = services["oneshot"]
    assert one["pid"] is None and one["restarts"] == 0
    assert one["last_exit"]["code"] == 3 and one["last_exit"]["signal"] is None
    assert RFC3339.match(one["last_exit"]["at"]), one["last_exit"]["at"]
    k = services["killed"]["last_exit"]
    assert k["code"] is None and k["signal"] == signal.SIGKILL
    # The pid is the service's pid as seen inside the namespace.
    assert services["worker"]["pid"] > 1
    # Text status renders the same services.
    text = dev8.cli("status")
    assert text.returncode == 0
    for name in ("main", "worker", "oneshot", "killed"):
        assert name in text.stdout
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 143


def test_status_socket_is_mode_0660_and_answers_without_a_request(dev8):
    dev8.start()
    path = os.path.join(dev8.state_dir, "status.sock")
    st = os.stat(path)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660, oct(stat.S_IMODE(st.st_mode))
    # Connect, read to EOF, one JSON document.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(path)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    doc = json.loads(data)
    assert doc["phase"] == "running" and doc["healthy"] is True
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


def test_uptime_and_restarts_progress(dev8):
    dev8.add_service("flaky", ["sh", "-c", "exit 1"], restart="on-failure")
    dev8.start()
    svc = dev8.wait_service("flaky", lambda s: s["restarts"] >= 1, timeout=5)
    assert svc["last_exit"]["code"] == 1
    assert dev8.status()["uptime_s"] >= 0.9
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


def test_a_slow_status_client_does_not_block_the_supervisor(dev8):
    """The socket is served from the event loop: a client that connects and
    never reads must not stop signal handling."""
    dev8.start("sleep", "1000")
    path = os.path.join(dev8.state_dir, "status.sock")
    idle = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(20)]
    try:
        for s in idle:
            s.connect(path)
        assert dev8.cli("health").returncode == 0
        dev8.signal(signal.SIGTERM)
        assert dev8.wait(5) == 143
    finally:
        for s in idle:
            s.close()


def test_builtin_services_whose_binary_is_missing_under_auto_are_disabled(dev8):
    env = dev8.base_env(DEV8_SSHD="auto", DEV8_CODE_SERVER="auto",
                        DEV8_SSHD_BIN="/nonexistent/sshd", DEV8_CODE_SERVER_BIN="/nonexistent/code-server")
    dev8.start("sleep", "1000", env=env)
    services = {s["name"]: s for s in dev8.status()["services"]}
    assert services["sshd"]["state"] == "disabled"
    assert services["code-server"]["state"] == "disabled"
    assert dev8.cli("health").returncode == 0, "disabled services do not make the container unhealthy"
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 143


def test_a_crash_looping_side_service_degrades_but_keeps_health_and_liveness(dev8):
    dev8.add_service("flaky", ["sh", "-c", "exit 3"], restart="always")
    dev8.add_service("steady", ["sleep", "1000"], essential=True)
    dev8.start()
    dev8.wait_service("flaky", lambda s: s["restarts"] >= 2, timeout=15)
    st = dev8.status()
    assert st["healthy"] is True and st["phase"] == "running", st
    assert any(d.startswith("service flaky: ") for d in st["degraded"]), st["degraded"]
    health = dev8.cli("health")
    assert health.returncode == 0, (health.stdout, health.stderr)
    assert "flaky" in health.stdout  # what is degraded is said
    assert dev8.cli("health", "--live").returncode == 0
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


def test_a_failed_one_shot_side_service_only_degrades(dev8):
    dev8.add_service("once", ["sh", "-c", "exit 3"], restart="never")
    dev8.start("sleep", "1000")
    dev8.wait_service("once", lambda s: s["state"] == "failed")
    assert dev8.cli("health").returncode == 0
    assert "service once: failed" in dev8.status()["degraded"]
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 143


def test_health_waits_for_init_while_liveness_answers_at_once(dev8):
    # The init steps hold: a GitHub that accepts the connection and never answers.
    hold = socket.socket()
    hold.bind(("127.0.0.1", 0))
    hold.listen(4)
    try:
        env = dev8.base_env(GITHUB_TOKEN="ghp_slowinit0123456789abcdefABCDEFGHIJ",
                            DEV8_GITHUB_HOST=f"127.0.0.1:{hold.getsockname()[1]}")
        from conftest import UNSHARE_HOST_NET
        dev8.start(env=env, unshare=UNSHARE_HOST_NET)
        wait_until(lambda: hold.accept(), 10, message=dev8.diag)
        st = dev8.status()
        assert st["phase"] == "init" and st["healthy"] is False, st
        health = dev8.cli("health")
        assert health.returncode == 1, (health.stdout, health.stderr)
        live = dev8.cli("health", "--live")
        assert live.returncode == 0, (live.stdout, live.stderr)
        dev8.signal(signal.SIGTERM)
        assert dev8.wait(5) == 0
    finally:
        hold.close()
    assert dev8.cli("health", "--live").returncode == 2
