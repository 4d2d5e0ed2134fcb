"""DESIGN §5/§10: services.d services: restart with exponential backoff,
essential services, output relay, readiness probes."""

import json
import os
import signal
import time

import pytest

from conftest import PY, wait_until

CLK_TCK = os.sysconf("SC_CLK_TCK")


def start_times(path):
    try:
        with open(path) as f:
            return [float(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


def test_a_crashing_service_is_restarted_after_growing_delays_using_little_cpu(dev8):
    """The backoff's exact sequence is a unit test (supervisor_test.cpp); here
    the real PID 1 waits at least that long and sleeps while it waits."""
    starts = dev8.path("starts")
    dev8.add_service("crasher", ["sh", "-c", f'date +%s.%N >> "{starts}"; exit 1'], restart="always")
    dev8.start()
    wait_until(lambda: len(start_times(starts)) >= 1, 5, message=dev8.diag)
    ticks0, t0 = dev8.cpu_ticks(), time.monotonic()
    wait_until(lambda: len(start_times(starts)) >= 3, 15, interval=0.05,
               message=lambda: f"starts {start_times(starts)}\n{dev8.diag()}")
    ticks1, t1 = dev8.cpu_ticks(), time.monotonic()
    times = start_times(starts)
    delays = [b - a for a, b in zip(times, times[1:])][:2]
    # 1 s, then 2 s, each at least (less 10 % jitter): never a tight loop.
    for got, want in zip(delays, (1, 2)):
        assert got >= want * 0.9 - 0.05, f"restart delays {delays}, want at least ~1, 2"
    svc = dev8.service("crasher")
    assert svc["restarts"] >= 2
    assert svc["state"] in ("backoff", "starting", "ready")
    assert svc["last_exit"] is not None and svc["last_exit"]["code"] == 1
    cpu = (ticks1 - ticks0) / CLK_TCK / (t1 - t0)
    assert cpu < 0.05, f"PID 1 used {cpu:.1%} CPU during the crash loop"
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


def test_a_service_ends_its_process_group_before_being_restarted(dev8):
    log = dev8.path("log")
    # Each run leaves a child in its process group that logs its SIGTERM.
    dev8.add_service("leaky", ["sh", "-c",
                               f'echo start >> "{log}"; '
                               f'sh -c \'trap "echo child-term >> {log}; exit 0" TERM; '
                               f'while :; do sleep 0.05; done\' & '
                               f'sleep 0.2; exit 1'], restart="on-failure")
    dev8.start()
    wait_until(lambda: open(log).read().split().count("start") >= 2 if os.path.exists(log) else False,
               6, message=dev8.diag)
    lines = open(log).read().split()
    assert lines[:3] == ["start", "child-term", "start"], lines
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


@pytest.mark.parametrize("how", ["exit 3", "kill -9 $$"], ids=["exit-3", "killed"])
def test_an_essential_service_that_fails_stops_the_container_with_exit_1(dev8, how):
    dev8.add_service("other", ["sleep", "1000"])
    dev8.add_service("vital", ["sh", "-c", f'while [ ! -e "$T/go" ]; do sleep 0.02; done; {how}'],
                     essential=True, restart="never")
    dev8.start()
    dev8.wait_service("other", lambda s: s["state"] == "ready")
    open(dev8.path("go"), "w").close()
    assert dev8.wait(5) == 1, dev8.diag()
    assert "vital" in dev8.stderr


def test_an_essential_on_failure_service_that_exits_0_stops_the_container_with_exit_0(dev8):
    dev8.add_service("other", ["sleep", "1000"])
    dev8.add_service("job", ["sh", "-c", 'while [ ! -e "$T/go" ]; do sleep 0.02; done; exit 0'],
                     essential=True, restart="on-failure")
    dev8.start()
    dev8.wait_service("other", lambda s: s["state"] == "ready")
    open(dev8.path("go"), "w").close()
    assert dev8.wait(5) == 0, dev8.diag()


def test_an_essential_service_that_exits_0_with_restart_never_gives_exit_0(dev8):
    dev8.add_service("other", ["sleep", "1000"])
    dev8.add_service("job", ["sh", "-c", 'while [ ! -e "$T/go" ]; do sleep 0.02; done; exit 0'],
                     essential=True, restart="never")
    dev8.start()
    dev8.wait_service("other", lambda s: s["state"] == "ready")
    open(dev8.path("go"), "w").close()
    assert dev8.wait(5) == 0, dev8.diag()


def test_an_essential_failure_with_a_main_command_gives_the_main_command_exit_code(dev8):
    dev8.add_service("vital", ["sh", "-c", 'while [ ! -e "$T/go" ]; do sleep 0.02; done; exit 3'],
                     essential=True, restart="never")
    dev8.start("sleep", "1000")
    dev8.wait_service("main", lambda s: s["state"] == "ready")
    open(dev8.path("go"), "w").close()
    assert dev8.wait(5) == 143, dev8.diag()


def test_a_non_essential_service_that_fails_for_good_does_not_stop_the_container(dev8):
    dev8.add_service("once", ["sh", "-c", "exit 4"], restart="never")
    dev8.start()
    svc = dev8.wait_service("once", lambda s: s["state"] == "failed")
    assert svc["last_exit"]["code"] == 4 and svc["last_exit"]["signal"] is None
    assert svc["pid"] is None
    assert dev8.proc.poll() is None
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


# ---- output relay ---------------------------------------------------------

TALKER = ('echo "out one"; echo "err one" >&2; printf "out two\\r\\n"; '
          'printf "no newline at exit"; : > "$T/talked"; exec sleep 1000')


def test_relayed_service_output_goes_line_by_line_to_stdout_and_stderr_with_prefix(dev8):
    dev8.add_service("talker", ["sh", "-c", TALKER])
    dev8.start()
    wait_until(lambda: "[talker] no newline at exit" in dev8.stdout
               or os.path.exists(dev8.path("talked")) and "[talker] out two" in dev8.stdout, 5,
               message=dev8.diag)
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0
    out, err = dev8.stdout.splitlines(), dev8.stderr.splitlines()
    assert "[talker] out one" in out
    assert "[talker] out two" in out, "CR LF must end a line like LF"
    assert "[talker] no newline at exit" in out, "a last partial line is relayed when the pipe closes"
    assert "[talker] err one" in err and not any("err one" in l for l in out)
    assert not any("out one" in l for l in err)


def test_relayed_output_in_json_format_is_one_object_per_line(dev8):
    dev8.add_service("talker", ["sh", "-c", TALKER])
    dev8.start(env=dev8.base_env(DEV8_LOG_FORMAT="json"))
    wait_until(lambda: os.path.exists(dev8.path("talked")) and "out two" in dev8.stdout, 5,
               message=dev8.diag)
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0
    out = [json.loads(l) for l in dev8.stdout.splitlines() if l.strip()]
    err = [json.loads(l) for l in dev8.stderr.splitlines() if l.strip()]  # dev8-init's own logs too
    relayed_out = [(o["service"], o["msg"]) for o in out if "service" in o]
    relayed_err = [(o["service"], o["msg"]) for o in err if "service" in o]
    assert ("talker", "out one") in relayed_out
    assert ("talker", "out two") in relayed_out
    assert ("talker", "no newline at exit") in relayed_out
    assert relayed_err == [("talker", "err one")]
    assert all("msg" in o for o in err), "dev8-init's own json log lines have a msg"


def test_the_last_output_of_a_service_that_ends_the_container_is_not_lost(make_dev8):
    """An essential service prints and exits: what it printed is relayed before
    dev8-init exits (its pipes are drained first). Many short runs, since the
    exit and the output arrive together."""
    lost = []
    runs = 40
    for i in range(runs):
        d = make_dev8(f"run{i}")
        d.add_service("job", ["sh", "-c", "echo first-words; echo last-words >&2; echo last-words"],
                      essential=True, restart="never")
        d.start(wait_ready=False)
        assert d.wait(10) == 0, d.diag()
        out, err = d.stdout.splitlines(), d.stderr.splitlines()
        if not ("[job] first-words" in out and "[job] last-words" in out and "[job] last-words" in err):
            lost.append(i)
    assert not lost, f"output lost in {len(lost)} of {runs} runs: {lost}"


# ---- readiness ------------------------------------------------------------

LISTENER = r"""
import os, socket, sys, time
port, go = int(sys.argv[1]), sys.argv[2]
while not os.path.exists(go):
    time.sleep(0.01)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(16)
while True:
    c, _ = s.accept()
    c.close()
"""


def test_a_service_with_a_tcp_ready_probe_becomes_ready_once_it_listens(dev8):
    prog = dev8.path("listener.py")
    with open(prog, "w") as f:
        f.write(LISTENER)
    dev8.add_service("web", [PY, prog, "8765", dev8.path("go")], ready={"tcp": 8765},
                     essential=True)
    dev8.start()
    svc = dev8.wait_service("web", lambda s: s["pid"] is not None)
    assert svc["state"] == "starting"
    st = dev8.status()
    assert st["healthy"] is False and st["phase"] == "starting"
    assert dev8.cli("health").returncode == 1
    open(dev8.path("go"), "w").close()
    dev8.wait_service("web", lambda s: s["state"] == "ready", timeout=5)
    st = dev8.status()
    assert st["healthy"] is True and st["phase"] == "running"
    assert dev8.cli("health").returncode == 0
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


def test_a_service_with_an_http_ready_probe_becomes_ready_once_it_answers(dev8):
    dev8.add_service("http", [PY, "-m", "http.server", "8766", "--bind", "127.0.0.1"],
                     ready={"http": "http://127.0.0.1:8766/"})
    dev8.start()
    dev8.wait_service("http", lambda s: s["state"] == "ready", timeout=10)
    assert dev8.cli("health").returncode == 0
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


@pytest.mark.parametrize("service, variable, binary", [
    ("sshd", "DEV8_SSHD", "/nonexistent/sshd"),
    ("code-server", "DEV8_CODE_SERVER", "no-such-code-server"),
])
def test_an_absent_builtin_service_under_auto_is_disabled_with_one_line(dev8, service, variable,
                                                                        binary):
    dev8.start(env=dev8.base_env(**{variable: "auto", variable + "_BIN": binary}))
    state = dev8.wait_service(service, lambda s: s["state"] == "disabled")
    assert state["message"] == f"{binary} not installed"
    wait_until(lambda: dev8.status()["healthy"], 10, message=dev8.diag)
    lines = [line for line in (dev8.stdout + dev8.stderr).splitlines() if service in line]
    assert len(lines) == 1 and " info " in lines[0], lines
