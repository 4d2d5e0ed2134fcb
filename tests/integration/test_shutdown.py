"""DESIGN §7/§10: stop = SIGTERM to every process group and every other
process at once, SIGKILL after DEV8_STOP_TIMEOUT, exit as soon as nothing is
left; exit code per §2."""

import os
import signal
import time

import pytest

from conftest import PY, wait_until, pid_alive, cmdline

# A service that daemonizes a grandchild: fork, setsid (new session and process
# group, so it leaves the service's group), fork again, parent exits. The
# grandchild records its pid and, on SIGTERM, that it got it.
DAEMONIZE = r"""
import os, signal, sys, time
out = sys.argv[1]
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        def on_term(sig, frame):
            with open(out + ".term", "w") as f:
                f.write("SIGTERM")
            os._exit(0)
        signal.signal(signal.SIGTERM, on_term)
        with open(out + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(out + ".tmp", out)
        while True:
            signal.pause()
    os._exit(0)
os.wait()
time.sleep(1000)
"""


def _find_daemon(dev8, marker_arg):
    """Host pid of the daemonized grandchild (found by its command line)."""
    for pid in dev8.processes():
        args = cmdline(pid) or []
        if marker_arg in args and os.path.exists(f"/proc/{pid}"):
            # the grandchild: re-parented to dev8-init, in a session of its own
            with open(f"/proc/{pid}/stat") as f:
                data = f.read()
            ppid = int(data[data.rindex(")") + 2:].split()[1])
            if ppid == dev8.pid1 and os.getsid(pid) != os.getsid(dev8.pid1):
                return pid
    return None


@pytest.mark.parametrize("pid1", [True, False], ids=["pid1", "subreaper"])
def test_a_daemonized_grandchild_of_a_service_is_killed_at_stop(dev8, pid1):
    prog = dev8.path("daemonize.py")
    with open(prog, "w") as f:
        f.write(DAEMONIZE)
    out = dev8.path("daemon.pid")
    dev8.add_service("daemonizer", [PY, prog, out])
    dev8.start(pid1=pid1, env=dev8.base_env(DEV8_STOP_TIMEOUT=2))
    wait_until(lambda: os.path.exists(out), 10, message=dev8.diag)
    host_pid = wait_until(lambda: _find_daemon(dev8, out), 5,
                          message=lambda: f"no daemon among {dev8.processes()}")
    dev8.extra_cleanup_pids.append(host_pid)
    # It really left the service's process group.
    service_pid = [p for p in dev8.processes() if (cmdline(p) or []).count(out) and p != host_pid
                   and os.getsid(p) == os.getsid(dev8.pid1)]
    assert service_pid and all(os.getpgid(host_pid) != os.getpgid(p) for p in service_pid)
    t0 = time.monotonic()
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(15) == 0, dev8.diag()
    # It got SIGTERM from dev8-init (not a kernel SIGKILL when PID 1 exited)…
    assert os.path.exists(out + ".term"), "the daemonized grandchild never got SIGTERM"
    # …without waiting for the stop timeout, and it is gone.
    assert time.monotonic() - t0 < 5
    assert not pid_alive(host_pid)


def test_a_main_command_ignoring_sigterm_is_sigkilled_after_the_stop_timeout(dev8):
    dev8.start("sh", "-c", "trap '' TERM; exec sleep 1000", env=dev8.base_env(DEV8_STOP_TIMEOUT=1))
    # Wait until the main command runs sleep with SIGTERM ignored.
    def ignoring():
        for pid in dev8.processes():
            if (cmdline(pid) or [""])[0] == "sleep":
                with open(f"/proc/{pid}/status") as f:
                    ign = [l for l in f if l.startswith("SigIgn:")][0].split()[1]
                return int(ign, 16) & (1 << (signal.SIGTERM - 1))
        return False
    wait_until(ignoring, 5, message=dev8.diag)
    t0 = time.monotonic()
    dev8.signal(signal.SIGTERM)
    rc = dev8.wait(5)
    elapsed = time.monotonic() - t0
    assert rc == 137, dev8.diag()
    assert 0.9 <= elapsed < 4, f"exited {elapsed:.3f} s after SIGTERM (timeout 1 s)"


def test_status_shows_stopping_during_the_stop_timeout(dev8):
    dev8.add_service("stubborn", ["sh", "-c", "trap '' TERM; exec sleep 1000"])
    # The stop lasts the whole timeout: time enough to see it on a busy machine.
    dev8.start(env=dev8.base_env(DEV8_STOP_TIMEOUT=4))
    dev8.wait_service("stubborn", lambda s: s["state"] == "ready" and s["pid"])
    wait_until(lambda: any((cmdline(p) or [""])[0] == "sleep" for p in dev8.processes()), 5)
    dev8.signal(signal.SIGTERM)
    st = wait_until(lambda: (lambda s: s if s and s["phase"] == "stopping" else None)(dev8.status()), 3)
    assert st["healthy"] is False
    svc = [s for s in st["services"] if s["name"] == "stubborn"][0]
    assert svc["state"] == "stopping"
    assert dev8.wait(15) == 0


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGQUIT],
                         ids=lambda s: s.name)
def test_a_stop_signal_without_main_command_exits_0_with_every_service_stopped(dev8, stop_signal):
    dev8.add_service("plain", ["sleep", "1000"])
    dev8.add_service("graceful", ["sh", "-c",
                                  "trap 'sleep 0.2; echo bye > \"$T/graceful.bye\"; exit 0' TERM; "
                                  "while :; do sleep 0.05; done"])
    dev8.add_service("group", ["sh", "-c", "sleep 1000 & sleep 1000 & wait"])
    dev8.start(env=dev8.base_env(DEV8_STOP_TIMEOUT=10))
    for name in ("plain", "graceful", "group"):
        dev8.wait_service(name, lambda s: s["state"] == "ready" and s["pid"])
    wait_until(lambda: len(dev8.processes()) >= 6, 5,
               message=lambda: f"processes: {dev8.processes()}")
    before = [p for p in dev8.processes() if p != dev8.pid1]
    t0 = time.monotonic()
    dev8.signal(stop_signal)
    assert dev8.wait(15) == 0, dev8.diag()
    elapsed = time.monotonic() - t0
    assert elapsed < 5, f"took {elapsed:.3f} s: well-behaved services must not wait for the timeout"
    assert os.path.exists(dev8.path("graceful.bye")), "the graceful service was not allowed to finish"
    assert not [p for p in before if pid_alive(p)]


def test_stop_waits_only_for_the_last_child_not_the_timeout(dev8):
    """dev8-init exits as soon as nothing is left."""
    dev8.add_service("slowpoke", ["sh", "-c", "trap 'sleep 0.3; exit 0' TERM; while :; do sleep 0.05; done"])
    dev8.start(env=dev8.base_env(DEV8_STOP_TIMEOUT=10))
    dev8.wait_service("slowpoke", lambda s: s["state"] == "ready" and s["pid"])
    t0 = time.monotonic()
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(15) == 0
    elapsed = time.monotonic() - t0
    assert 0.25 <= elapsed < 5, f"exited {elapsed:.3f} s after SIGTERM (timeout 10 s)"


def test_services_ignoring_sigterm_are_killed_after_the_timeout_and_exit_is_0(dev8):
    dev8.add_service("stubborn", ["sh", "-c", "trap '' TERM; exec sleep 1000"])
    dev8.start(env=dev8.base_env(DEV8_STOP_TIMEOUT=1))
    dev8.wait_service("stubborn", lambda s: s["state"] == "ready" and s["pid"])
    wait_until(lambda: any((cmdline(p) or [""])[0] == "sleep" for p in dev8.processes()), 5)
    t0 = time.monotonic()
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0, dev8.diag()
    elapsed = time.monotonic() - t0
    assert 0.9 <= elapsed < 4, f"exited {elapsed:.3f} s after SIGTERM (timeout 1 s)"


def test_sigterm_during_init_is_honoured_at_once(dev8):
    """No init steps exist yet; a SIGTERM right after start still stops at once
    and the main command never runs after it."""
    dev8.start("sh", "-c", ': > "$T/main-ran"; exec sleep 1000', wait_ready=False,
               env=dev8.base_env(DEV8_STOP_TIMEOUT=10))
    pid1 = dev8.pid1
    wait_until(lambda: int(open(f"/proc/{pid1}/status").read().split("SigBlk:")[1].split()[0], 16) != 0,
               5)
    t0 = time.monotonic()
    dev8.signal(signal.SIGTERM)
    rc = dev8.wait(15)
    assert rc == 143, dev8.diag()
    assert time.monotonic() - t0 < 5
