"""DESIGN §7/§10: forwarded signals reach the main command, stop signals stop
it, children start with a clean signal mask and default dispositions, and the
main command owns the terminal."""

import ctypes
import os
import pty
import select
import signal
import subprocess
import time

import pytest

from conftest import isolated, PY, UNSHARE, UNSHARE_KEEP_MASK, DEV8_INIT, wait_until, sigmask_bits

RECORDER = r"""
import os, signal, sys
log = sys.argv[1]
term_code = int(sys.argv[2])
def record(sig, frame):
    with open(log, "a") as f:
        f.write(signal.Signals(sig).name + "\n")
    if sig == signal.SIGTERM:
        os._exit(term_code)  # at once (see the one-shot handler test for sys.exit)
for s in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH, signal.SIGTERM,
          signal.SIGINT, signal.SIGQUIT, signal.SIGTTIN, signal.SIGTTOU):
    signal.signal(s, record)
open(log + ".ready", "w").close()
while True:
    signal.pause()
"""


def recorded(path):
    try:
        with open(path) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def test_forwardable_signals_reach_the_main_command_and_sigterm_stops_it(dev8):
    prog = dev8.path("recorder.py")
    with open(prog, "w") as f:
        f.write(RECORDER)
    log = dev8.path("signals.log")
    dev8.start(PY, prog, log, "7")
    wait_until(lambda: os.path.exists(log + ".ready"), 10, message=dev8.diag)
    # SIGTTIN/SIGTTOU are neither acted on nor forwarded: sent first, they must
    # not show up in front of the forwarded ones.
    dev8.signal(signal.SIGTTIN)
    dev8.signal(signal.SIGTTOU)
    expected = []
    for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH):
        dev8.signal(sig)
        expected.append(sig.name)
        wait_until(lambda: recorded(log) == expected, 5,
                   message=lambda: f"main recorded {recorded(log)}, want {expected}\n{dev8.diag()}")
    assert dev8.status()["phase"] == "running"
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 7, f"main recorded {recorded(log)}\n{dev8.diag()}"
    assert recorded(log) == expected + ["SIGTERM"]


TRAP_EXIT_7_PY = r"""
import signal, sys
def on_term(sig, frame):
    sys.exit(7)
signal.signal(signal.SIGTERM, on_term)
open(sys.argv[1], "w").close()
while True:
    signal.pause()
"""


def main_command(dev8, kind):
    """(argv, expected exit code on stop, ready check) for a main command kind."""
    if kind == "default":
        return ["sleep", "1000"], 143, lambda: True
    if kind == "sh-trap-exit-7":
        return (["sh", "-c", "trap 'exit 7' TERM; : > \"$T/ready\"; while :; do sleep 0.05; done"], 7,
                lambda: os.path.exists(dev8.path("ready")))
    prog = dev8.path("trap7.py")
    with open(prog, "w") as f:
        f.write(TRAP_EXIT_7_PY)
    return [PY, prog, dev8.path("ready")], 7, lambda: os.path.exists(dev8.path("ready"))


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGQUIT],
                         ids=lambda s: s.name)
@pytest.mark.parametrize("main_kind", ["default", "sh-trap-exit-7", "py-trap-exit-7"])
def test_stop_signals_stop_the_main_command(dev8, stop_signal, main_kind):
    main, want, ready = main_command(dev8, main_kind)
    dev8.start(*main, env=dev8.base_env(DEV8_STOP_TIMEOUT=10))
    dev8.wait_service("main", lambda s: s["pid"] is not None and s["state"] == "ready")
    wait_until(ready, 10, message=dev8.diag)
    t0 = time.monotonic()
    dev8.signal(stop_signal)
    assert dev8.wait(15) == want, dev8.diag()
    assert time.monotonic() - t0 < 5, "a well-behaved main command must not wait for the stop timeout"


ONE_SHOT_TERM_PY = r"""
# A program whose SIGTERM handler is one-shot (SA_RESETHAND, like many C
# programs and every Python program once it starts exiting): it cleans up for
# 0.2 s and exits 7. A second SIGTERM during the clean-up kills it (143).
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_int)
class SA(ctypes.Structure):
    _fields_ = [("handler", ctypes.c_void_p), ("mask", ctypes.c_ulong * 16),
                ("flags", ctypes.c_uint), ("restorer", ctypes.c_void_p)]
hits = []
cb = HANDLER(lambda sig: hits.append(sig))
sa = SA()
sa.handler = ctypes.cast(cb, ctypes.c_void_p).value
sa.flags = 0x80000000 | 0x10000000  # SA_RESETHAND | SA_RESTART
assert libc.sigaction(15, ctypes.byref(sa), None) == 0
open(sys.argv[1], "w").close()
while not hits:
    time.sleep(0.002)
time.sleep(0.2)
sys.exit(7)
"""


def test_the_main_command_gets_sigterm_once_so_a_one_shot_handler_keeps_its_exit_code(make_dev8):
    """DESIGN §10: exit code is the main command's own "if it trapped the
    signal". A duplicate SIGTERM (group kill + kill(-1)) kills a program whose
    handler is one-shot during its clean-up; 16 runs make the race visible."""
    runs = []
    for i in range(16):
        d = make_dev8(f"run{i}")
        prog = d.path("oneshot.py")
        with open(prog, "w") as f:
            f.write(ONE_SHOT_TERM_PY)
        d.start(PY, prog, d.path("ready"))
        runs.append(d)
    for d in runs:
        wait_until(lambda: os.path.exists(d.path("ready")), 10, message=d.diag)
    for d in runs:
        d.signal(signal.SIGTERM)
    codes = [d.wait(5) for d in runs]
    assert codes == [7] * len(codes), (
        f"exit codes {codes}: the main command received SIGTERM more than once")


def _set_ignored_raw(sig):
    """SIG_IGN through the raw syscall (glibc refuses SIG32/SIG33)."""
    libc = ctypes.CDLL(None, use_errno=True)

    class KSigaction(ctypes.Structure):
        _fields_ = [("handler", ctypes.c_void_p), ("flags", ctypes.c_ulong),
                    ("restorer", ctypes.c_void_p), ("mask", ctypes.c_ulong)]

    act = KSigaction(1, 0, None, 0)  # SIG_IGN
    SYS_rt_sigaction = 13  # x86_64
    if libc.syscall(SYS_rt_sigaction, sig, ctypes.byref(act), None, 8) != 0:
        raise OSError(ctypes.get_errno(), f"rt_sigaction({sig})")


IGNORED = [signal.SIGUSR1, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE, 32, 33, 40]
BLOCKED = [signal.SIGUSR2, signal.SIGALRM, signal.SIGTERM, 45]


def dirty_parent():
    """preexec_fn: the parent of dev8-init ignores and blocks signals."""
    for s in IGNORED:
        _set_ignored_raw(int(s))
    signal.pthread_sigmask(signal.SIG_BLOCK, BLOCKED)


def parse_sig_fields(text):
    out = {}
    for line in text.splitlines():
        for field in ("SigBlk", "SigIgn", "SigCgt", "SigPnd", "ShdPnd"):
            # relayed lines look like "[svc] SigBlk:\t0000..."
            marker = field + ":"
            if marker in line:
                out.setdefault(field, int(line.split(marker, 1)[1].strip(), 16))
    return out


@pytest.mark.parametrize("pid1", [True, False], ids=["pid1", "subreaper"])
def test_children_start_with_an_empty_signal_mask_and_default_dispositions(dev8, pid1):
    # Sanity: the dirty state really reaches whatever the sh/unshare chain execs.
    probe = subprocess.run((UNSHARE_KEEP_MASK if pid1 else []) + ["cat", "/proc/self/status"],
                           preexec_fn=dirty_parent, capture_output=True, text=True, timeout=10)
    seen = parse_sig_fields(probe.stdout)
    assert seen["SigIgn"] & sigmask_bits(IGNORED) == sigmask_bits(IGNORED), probe.stdout
    assert seen["SigBlk"] & sigmask_bits(BLOCKED) == sigmask_bits(BLOCKED), probe.stdout

    # A service (relayed output) and the main command both print their own status.
    dev8.add_service("sigs", ["cat", "/proc/self/status"], restart="never")
    dev8.start("sh", "-c", 'cat /proc/self/status; while [ ! -e "$T/done" ]; do sleep 0.02; done',
               pid1=pid1, preexec_fn=dirty_parent, unshare=UNSHARE_KEEP_MASK)
    wait_until(lambda: "[sigs] SigIgn:" in dev8.stdout and "\nSigIgn:" in dev8.stdout, 5,
               message=dev8.diag)
    # The main command here is sh, which may install handlers but never blocks or
    # ignores anything on its own; its own status shows what it inherited.
    main_fields = parse_sig_fields("\n".join(l for l in dev8.stdout.splitlines()
                                             if not l.startswith("[sigs]")))
    svc_fields = parse_sig_fields("\n".join(l for l in dev8.stdout.splitlines()
                                            if l.startswith("[sigs]")))
    open(dev8.path("done"), "w").close()
    assert dev8.wait(5) == 0, dev8.diag()
    for who, fields in (("main command", main_fields), ("service", svc_fields)):
        assert fields.get("SigBlk") == 0, f"{who} starts with blocked signals: {fields.get('SigBlk'):#x}"
        assert fields.get("SigIgn") == 0, f"{who} starts with ignored signals: {fields.get('SigIgn'):#x}"
        assert fields.get("SigPnd") == 0 and fields.get("ShdPnd") == 0, f"{who}: pending {fields}"


def test_exec_main_command_sees_clean_signal_state(dev8):
    # The main command is cat itself (no shell in between).
    dev8.start("cat", "/proc/self/status", preexec_fn=dirty_parent, wait_ready=False,
               unshare=UNSHARE_KEEP_MASK)
    assert dev8.wait(10) == 0, dev8.diag()
    fields = parse_sig_fields(dev8.stdout)
    assert fields["SigBlk"] == 0, f"{fields['SigBlk']:#x}"
    assert fields["SigIgn"] == 0, f"{fields['SigIgn']:#x}"
    assert fields["SigCgt"] == 0, f"{fields['SigCgt']:#x}"


def _read_until(fd, needle, timeout):
    buf = b""
    deadline = time.monotonic() + timeout
    while needle not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    return buf


def test_main_command_on_a_tty_is_the_foreground_process_group_and_ctrl_c_reaches_it(dev8):
    master, slave = pty.openpty()

    def ctty():
        os.setsid()
        import fcntl
        import termios
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env = dev8.base_env()
    prog = ("import os,sys,time\n"
            "fg = os.tcgetpgrp(0) == os.getpgrp()\n"
            "print('FOREGROUND' if fg else 'BACKGROUND', flush=True)\n"
            # Short slices: a SIGINT that lands between the print and a long
            # sleep would be acted on only when that sleep ends.
            "for _ in range(300):\n"
            "    time.sleep(0.1)\n")
    dev8.env = env
    proc = subprocess.Popen(UNSHARE + [DEV8_INIT, "--", PY, "-c", prog], env=env, cwd=dev8.workdir,
                            stdin=slave, stdout=slave, stderr=slave, preexec_fn=isolated(ctty))
    dev8.proc = proc
    os.close(slave)
    try:
        out = _read_until(master, b"GROUND", 10)
        assert b"FOREGROUND" in out, out.decode(errors="replace")
        os.write(master, b"\x03")  # Ctrl-C: SIGINT to the terminal's foreground group
        rc = proc.wait(5)
        assert rc == 128 + signal.SIGINT, (rc, out + _read_until(master, b"\0", 0.2))
    finally:
        os.close(master)
