"""Integration tests: run the real dev8-init binary, as PID 1 of a private PID
namespace (unshare) or as a plain process (subreaper mode), and check what a
user sees: exit codes, output lines, the status document, processes left.

Only the Python standard library and pytest are used. Every wait is a poll on
a condition with a deadline (`wait_until`), never a bare sleep.
"""

import ctypes
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from polling import wait_until  # noqa: F401 (the tests import it from here)

DEV8_INIT = os.environ.get("DEV8_INIT") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "dev8-init")
DEV8_INIT = os.path.abspath(DEV8_INIT)

# Debian's python, not a pyenv shim: fast start-up inside services.
PY = "/usr/bin/python3"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# The sh is PID 1 of the new namespace for a moment and execs dev8-init, which
# stays PID 1. --kill-child: if the test process dies, the namespace dies too.
UNSHARE = ["unshare", "--fork", "--kill-child", "--pid", "--mount-proc", "--net", "--mount",
           "--", "sh", "-c", 'ip link set lo up; exec "$0" "$@"']
# unshare --kill-child empties the child's signal mask, and so does dash once it
# has waited for a command (ip): where the inherited mask matters, dev8-init is
# exec'd by unshare directly (no loopback needed there).
# With the host's network: for tests that talk to the loopback GitHub mock.
UNSHARE_HOST_NET = ["unshare", "--fork", "--kill-child", "--pid", "--mount-proc", "--mount", "--"]
UNSHARE_KEEP_MASK = ["unshare", "--fork", "--pid", "--mount-proc", "--net", "--mount", "--"]


_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNS = 0x00020000
_MS_REC, _MS_PRIVATE = 0x4000, 1 << 18


DEV8_UID = 1000
_MS_BIND = 4096
# A clone in root's home (`cd && git clone …`): its build must stay reachable
# under the private /root, by the developer too.
_KEEP_UNDER_ROOT = os.path.dirname(DEV8_INIT) if DEV8_INIT.startswith("/root/") else None


def private_root():
    """preexec_fn: a private mount namespace with a tmpfs on /root.

    The developer is root in these tests; the init steps write into the
    developer's home, which must never be the machine's own /root."""
    if _libc.unshare(_CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    if _libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        raise OSError(ctypes.get_errno(), "mount --make-rprivate /")
    kept = os.open(_KEEP_UNDER_ROOT, os.O_PATH | os.O_DIRECTORY) if _KEEP_UNDER_ROOT else None
    mode = b"mode=0755" if kept is not None else b"mode=0700"
    if _libc.mount(b"tmpfs", b"/root", b"tmpfs", 0, mode) != 0:
        raise OSError(ctypes.get_errno(), "mount tmpfs /root")
    if kept is not None:
        os.makedirs(_KEEP_UNDER_ROOT, mode=0o755)
        if _libc.mount(f"/proc/self/fd/{kept}".encode(), _KEEP_UNDER_ROOT.encode(), None, _MS_BIND,
                       None) != 0:
            raise OSError(ctypes.get_errno(), f"bind mount {_KEEP_UNDER_ROOT}")
        os.close(kept)


def developer_root(home=None):
    """preexec_fn: private_root, plus the account dev8 (uid 1000, home
    /home/dev8), which only this mount namespace sees. The home is a fresh
    tmpfs, or the host directory `home` when it must outlive one run."""
    private_root()
    if _libc.mount(b"tmpfs", b"/home", b"tmpfs", 0, b"mode=0755") != 0:
        raise OSError(ctypes.get_errno(), "mount tmpfs /home")
    os.mkdir("/home/dev8", 0o755)
    os.chown("/home/dev8", DEV8_UID, DEV8_UID)
    if home and _libc.mount(home.encode(), b"/home/dev8", None, _MS_BIND, None) != 0:
        raise OSError(ctypes.get_errno(), "bind mount the developer's home")
    # The shadow entry is locked with "!", as useradd leaves a new account.
    for name, entry, mode in (
            ("passwd", f"dev8:x:{DEV8_UID}:{DEV8_UID}:Dev Eight:/home/dev8:/bin/bash\n", 0o644),
            ("group", f"dev8:x:{DEV8_UID}:\n", 0o644),
            ("shadow", "dev8:!:20000:0:99999:7:::\n", 0o640)):
        original = os.stat(f"/etc/{name}")
        with open(f"/etc/{name}") as f:
            kept = [line for line in f
                    if not line.startswith("dev8:")
                    and (name == "shadow" or line.split(":")[2:3] != [str(DEV8_UID)])]
        copy = f"/root/{name}"
        with open(copy, "w") as f:
            f.writelines(kept + [entry])
        os.chmod(copy, mode)
        os.chown(copy, 0, original.st_gid)
        if _libc.mount(copy.encode(), f"/etc/{name}".encode(), None, _MS_BIND, None) != 0:
            raise OSError(ctypes.get_errno(), f"bind mount /etc/{name}")


def private_devpts():
    """preexec_fn: a devpts instance of our own with the tty group, as Docker
    gives a container: PTYs made inside are the namespace's alone."""
    if _libc.mount(b"devpts", b"/dev/pts", b"devpts", 0,
                   b"newinstance,gid=5,mode=620,ptmxmode=666") != 0:
        raise OSError(ctypes.get_errno(), "mount devpts")
    if _libc.mount(b"/dev/pts/ptmx", b"/dev/ptmx", None, _MS_BIND, None) != 0:
        raise OSError(ctypes.get_errno(), "bind mount /dev/ptmx")


def isolated(preexec_fn=None, developer=False):
    """private_root, then the test's own preexec_fn."""
    def run():
        if developer:
            developer_root(developer if isinstance(developer, str) else None)
        else:
            private_root()
        if preexec_fn:
            preexec_fn()
    return run


def pytest_configure(config):
    if not os.access(DEV8_INIT, os.X_OK):
        raise pytest.UsageError(f"DEV8_INIT={DEV8_INIT} is not an executable dev8-init binary")


def read_stat(pid):
    """(state, ppid, utime+stime in ticks) of a process, or None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rindex(")") + 2:].split()
    return rest[0], int(rest[1]), int(rest[11]) + int(rest[12])


def proc_status_field(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def process_table():
    """pid -> (state, ppid) for every process visible in /proc."""
    table = {}
    for pid in all_pids():
        st = read_stat(pid)
        if st:
            table[pid] = (st[0], st[1])
    return table


def descendants(ancestor, table=None):
    table = table if table is not None else process_table()
    children = {}
    for pid, (_, ppid) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, queue = [], [ancestor]
    while queue:
        for child in children.get(queue.pop(), []):
            out.append(child)
            queue.append(child)
    return out


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return None


def pid_alive(pid):
    """True while the pid exists and is not a zombie."""
    st = read_stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def sigmask_bits(sigs):
    mask = 0
    for s in sigs:
        mask |= 1 << (int(s) - 1)
    return mask


class Dev8:
    """One dev8-init under test, with a private work dir, state dir and
    services dir. `start()` runs it; the fixture cleans up whatever is left."""

    def __init__(self, workdir):
        self.workdir = str(workdir)
        # Unix socket paths are limited to 108 bytes: keep the state dir short.
        self.state_dir = tempfile.mkdtemp(prefix="d8-", dir="/tmp")
        self.services_dir = os.path.join(self.workdir, "services.d")
        os.makedirs(self.services_dir, exist_ok=True)
        self.proc = None
        self.pid1_mode = True
        self._pid1 = None
        self._out = os.path.join(self.workdir, "dev8.stdout")
        self._err = os.path.join(self.workdir, "dev8.stderr")
        self.returncode = None
        self.started_at = None
        self.extra_cleanup_pids = []

    # ---- configuration -------------------------------------------------
    def base_env(self, **extra):
        env = {
            "PATH": PATH,
            "LANG": "C.UTF-8",
            "DEV8_STATE_DIR": self.state_dir,
            "DEV8_SERVICES_DIR": self.services_dir,
            "DEV8_WORKSPACE": self.workdir,
            "DEV8_SSHD": "off",
            "DEV8_CODE_SERVER": "off",
            "DEV8_STOP_TIMEOUT": "2",
            # Nothing listens there: no test ever reaches the real GitHub.
            "DEV8_GITHUB_HOST": "127.0.0.1:9",
            "T": self.workdir,  # handy for scripts: "$T/file"
        }
        env.update({k: str(v) for k, v in extra.items() if v is not None})
        return env

    def path(self, *parts):
        return os.path.join(self.workdir, *parts)

    def script(self, name, body, shebang="#!/bin/sh"):
        """An executable script in the work dir; returns its path."""
        p = self.path(name)
        with open(p, "w") as f:
            f.write(shebang + "\n" + body.lstrip("\n"))
        os.chmod(p, 0o755)
        return p

    def add_service(self, name, command, filename=None, **fields):
        doc = {"name": name, "command": command}
        doc.update(fields)
        with open(os.path.join(self.services_dir, filename or f"{name}.json"), "w") as f:
            json.dump(doc, f)

    # ---- running ---------------------------------------------------------
    def start(self, *main, env=None, pid1=True, preexec_fn=None, stdin=subprocess.DEVNULL,
              wait_ready=True, args=("run",), unshare=None, developer=False):
        """Start dev8-init [run] [-- MAIN...]; with wait_ready, return once its
        status socket answers (signals are then read from its signalfd)."""
        self.pid1_mode = pid1
        argv = [DEV8_INIT, *args]
        if main:
            argv += ["--", *main]
        if pid1:
            argv = (unshare or UNSHARE) + argv
        self.env = env if env is not None else self.base_env()
        self._out_f = open(self._out, "wb")
        self._err_f = open(self._err, "wb")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(argv, env=self.env, cwd=self.workdir, stdin=stdin,
                                     stdout=self._out_f, stderr=self._err_f,
                                     preexec_fn=isolated(preexec_fn, developer))
        if wait_ready:
            wait_until(lambda: self.status() is not None or self.proc.poll() is not None, 10,
                       message=self.diag)
            assert self.proc.poll() is None, f"dev8-init exited early\n{self.diag()}"
        return self

    @property
    def pid1(self):
        """Host pid of dev8-init (the namespace's PID 1 in pid1 mode)."""
        if self._pid1:
            return self._pid1
        if not self.pid1_mode:
            self._pid1 = self.proc.pid
            return self._pid1

        def find():
            kids = []
            try:
                for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
                    with open(f"/proc/{self.proc.pid}/task/{tid}/children") as f:
                        kids += [int(p) for p in f.read().split()]
            except OSError:
                return None
            for k in kids:
                try:
                    # comm is readable whatever the ptrace rules of the machine.
                    with open(f"/proc/{k}/comm") as f:
                        if f.read().strip() == os.path.basename(DEV8_INIT)[:15]:
                            return k
                except OSError:
                    pass
            return None

        self._pid1 = wait_until(find, 5, message=lambda: "no dev8-init child of unshare\n" + self.diag())
        return self._pid1

    def signal(self, sig):
        os.kill(self.pid1, sig)

    def in_namespace(self, *argv, timeout=30):
        """A command as root inside dev8-init's mount and PID namespaces."""
        return subprocess.run(["nsenter", "-t", str(self.pid1), "-m", "-p", "--", *argv],
                              capture_output=True, text=True, timeout=timeout)

    def developer_shell(self, command):
        """A fresh login shell of dev8, as an ssh session would get one; it
        keeps SSL_CERT_FILE and GH_HOST, so gh and git reach the GitHub mock."""
        return self.in_namespace("runuser", "-l", "dev8", "-w", "SSL_CERT_FILE,GH_HOST", "-c",
                                 command)

    def in_network(self, *argv, timeout=30, input=None):
        """A command as root in dev8-init's network and mount namespaces,
        entered through unshare (root), whoever PID 1 runs as."""
        return subprocess.run(["nsenter", "-t", str(self.proc.pid), "-n", "-m", "--", *argv],
                              capture_output=True, text=True, timeout=timeout, input=input)

    def wait(self, timeout=10):
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"dev8-init did not exit within {timeout} s\n{self.diag()}")
        self._close_files()
        return self.returncode

    def _close_files(self):
        for f in (getattr(self, "_out_f", None), getattr(self, "_err_f", None)):
            if f and not f.closed:
                f.close()

    @property
    def stdout(self):
        with open(self._out, "rb") as f:
            return f.read().decode(errors="replace")

    @property
    def stderr(self):
        with open(self._err, "rb") as f:
            return f.read().decode(errors="replace")

    def diag(self):
        return (f"--- stdout ---\n{self.stdout[-4000:]}\n--- stderr ---\n{self.stderr[-4000:]}"
                if self.proc else "(not started)")

    # ---- the CLI from outside -------------------------------------------------
    def cli(self, *args, timeout=10, env=None):
        return subprocess.run([DEV8_INIT, *args], env=env or self.base_env(),
                              capture_output=True, text=True, timeout=timeout)

    def status(self):
        r = self.cli("status", "--json")
        if r.returncode != 0:
            return None
        return json.loads(r.stdout)

    def service(self, name):
        st = self.status()
        if not st:
            return None
        for s in st["services"]:
            if s["name"] == name:
                return s
        return None

    def wait_service(self, name, predicate, timeout=10):
        def check():
            s = self.service(name)
            return s if s and predicate(s) else None
        return wait_until(check, timeout, interval=0.02,
                          message=lambda: f"service {name}: {self.service(name)}\n{self.diag()}")

    # ---- processes ---------------------------------------------------------
    def processes(self):
        """pid -> state of every process dev8-init is responsible for: its PID
        namespace in pid1 mode (every process there descends from unshare;
        /proc/PID/stat is readable without CAP_SYS_PTRACE, ns/pid is not),
        its descendants otherwise (dev8-init included)."""
        table = process_table()
        root = self.proc.pid if self.pid1_mode else self.pid1
        out = {pid: table[pid][0] for pid in descendants(root, table) if pid in table}
        if not self.pid1_mode and self.pid1 in table:
            out[self.pid1] = table[self.pid1][0]
        return out

    def host_pid(self, pid):
        """The host pid of a pid the status shows (a PID-namespace pid in pid1 mode)."""
        if not self.pid1_mode:
            return pid
        for candidate in self.processes():
            nspid = proc_status_field(candidate, "NSpid")
            if nspid and int(nspid.split()[-1]) == pid:
                return candidate
        raise AssertionError(f"no process with pid {pid} in dev8-init's namespace")

    def zombies(self):
        return [pid for pid, state in self.processes().items() if state == "Z"]

    def context_switches(self):
        """(context switches of every thread of dev8-init, its thread count)."""
        total = 0
        tasks = os.listdir(f"/proc/{self.pid1}/task")
        for tid in tasks:
            with open(f"/proc/{self.pid1}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        return total, len(tasks)

    def cpu_ticks(self):
        st = read_stat(self.pid1)
        return st[2] if st else None

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            if self.pid1_mode:
                try:
                    os.kill(self.pid1, signal.SIGKILL)  # the kernel kills the namespace
                except (OSError, AssertionError):
                    pass
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
            else:
                for pid in [self.proc.pid] + descendants(self.proc.pid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for pid in self.extra_cleanup_pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self._close_files()
        shutil.rmtree(self.state_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def github():
    """The loopback GitHub API mock (github_mock.py), shared by the session."""
    import github_mock
    with github_mock.started() as mock:
        yield mock


@pytest.fixture
def dev8(tmp_path):
    d = Dev8(tmp_path)
    yield d
    d.cleanup()


@pytest.fixture
def make_dev8(tmp_path):
    """Several independent dev8-init instances in one test."""
    made = []

    def make(name):
        wd = tmp_path / name
        wd.mkdir()
        d = Dev8(wd)
        made.append(d)
        return d

    yield make
    for d in made:
        d.cleanup()


def run_once(argv_main, workdir, env_extra=None, timeout=15, pid1=True):
    """Run dev8-init to completion with a main command; returns CompletedProcess."""
    state = tempfile.mkdtemp(prefix="d8-", dir="/tmp")
    services = tempfile.mkdtemp(prefix="d8svc-", dir="/tmp")
    try:
        env = {"PATH": PATH, "LANG": "C.UTF-8", "DEV8_STATE_DIR": state,
               "DEV8_SERVICES_DIR": services, "DEV8_SSHD": "off", "DEV8_CODE_SERVER": "off",
               "DEV8_STOP_TIMEOUT": "2", "DEV8_GITHUB_HOST": "127.0.0.1:9",
               "DEV8_WORKSPACE": str(workdir)}
        env.update(env_extra or {})
        argv = [DEV8_INIT, "run", "--", *argv_main]
        if pid1:
            argv = UNSHARE + argv
        return subprocess.run(argv, env=env, cwd=str(workdir), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout,
                              preexec_fn=private_root)
    finally:
        shutil.rmtree(state, ignore_errors=True)
        shutil.rmtree(services, ignore_errors=True)
