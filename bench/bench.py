#!/usr/bin/python3
"""dev8-init benchmarks against tini, dumb-init and s6-svscan (run through bench/run.sh).

Every init runs as a real PID 1: `unshare --fork --pid --mount-proc --net --mount`
(a tmpfs over /root inside the private mount namespace, so nothing the inits do
for "the developer" touches the real home). The workload processes are
bench/helper.c, compiled into a temporary directory: dev8-init gets them as
services.d/*.json, s6-svscan as a scan directory, tini and dumb-init as a main
command (`helper main`) that starts the two children and forwards SIGTERM.
Everything is measured from outside the namespace, per init:

  1. VmRSS of PID 1 with two services running, at the end of the idle window
     (plus, for s6, the s6-supervise processes: the "supervisor tree");
  2. SIGTERM -> exit of PID 1 with two well-behaved children (median of
     BENCH_STOP_RUNS), and the exit latency after the last other process of the
     namespace died: a pidfd of every process is polled, a pidfd turns readable
     when its process exits. Again with children that take 200 ms to exit, which
     shows an init that polls instead of reacting to SIGCHLD;
  3. orphans: a service makes BENCH_ORPHANS orphans, one by one (double fork) and
     all at once (a middle process forks them, exits, then they are released
     together). +0 s is when the spawner sees the last one exit (EOF on a pipe
     each held); then one read of PID 1's children list gives those not reaped
     yet (one by one: the table counts those of them already in state Z; the
     last orphan can still be on its way out); then the time until all are
     reaped; then zombies in the whole namespace at +1 s. With 2000 processes exiting at once on a small machine,
     whether PID 1 got the CPU before the last exit is mostly the scheduler's
     choice: the "at once" +0 s counts are bimodal for every init;
  4. CPU time (utime+stime, schedstat) and context switches (all threads) of
     the idle PID 1 over BENCH_IDLE_SECONDS (default 60). All four idle at the
     same time, in their own namespaces, while the other measurements run;
  5. binary size, as shipped and stripped (strip -o);
  6. dev8-init only: the CPU time (schedstat, all threads) PID 1 spends per
     status answer over BENCH_STATUS_QUERIES queries back to back, and its RSS
     right after them and once they have been quiet for half a second.

Environment: DEV8_INIT (default build/dev8-init), BENCH_IDLE_SECONDS (60),
BENCH_STOP_RUNS (7), BENCH_ORPHANS (2000), BENCH_ORPHAN_RUNS (5, one by one), BENCH_STATUS_QUERIES (2000),
BENCH_BURST_RUNS (9, all at once), BENCH_TMPDIR (/tmp), BENCH_KEEP=1 keeps the work directory (the
output of every init) for inspection. The table goes to stdout, progress to stderr.
"""

import json
import os
import select
import shlex
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
from polling import wait_until  # noqa: E402

INITS = ["dev8-init", "tini", "dumb-init", "s6-svscan"]
IDLE_STOP = "dev8-init, idle stop on"
BINARIES = {
    "dev8-init": os.environ.get("DEV8_INIT") or os.path.join(REPO, "build", "dev8-init"),
    "tini": shutil.which("tini") or "/usr/bin/tini",
    "dumb-init": shutil.which("dumb-init") or "/usr/bin/dumb-init",
    "s6-svscan": shutil.which("s6-svscan") or "/usr/bin/s6-svscan",
}
GOALS = {
    "rss": "< 2.5 MB (2.38 MiB)",
    "stop_after_last": "<= 50 ms",
    "zombies0": "0",
    "wakeups": "0",
    "idle_stop": "<= 1 a minute",
    "status_cpu": "<= 0.1 ms",
}

IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "60"))
STOP_RUNS = int(os.environ.get("BENCH_STOP_RUNS", "7"))
ORPHANS = int(os.environ.get("BENCH_ORPHANS", "2000"))
ORPHAN_RUNS = int(os.environ.get("BENCH_ORPHAN_RUNS", "5"))
BURST_RUNS = int(os.environ.get("BENCH_BURST_RUNS", "9"))
STATUS_QUERIES = int(os.environ.get("BENCH_STATUS_QUERIES", "2000"))
SLOW_STOP_MS = 200  # the second stop test: children that take this long to exit
SLOW_RUNS = max(3, STOP_RUNS // 2)
KEEP = os.environ.get("BENCH_KEEP") == "1"
CLK_TCK = os.sysconf("SC_CLK_TCK")

NOTES = []  # printed under the table


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def note(msg):
    if msg not in NOTES:
        NOTES.append(msg)


class Timeout(Exception):
    pass


def wait_for(cond, timeout, what, interval=0.002):
    """Poll cond() until it returns a truthy value or the deadline passes."""
    try:
        return wait_until(cond, timeout, interval=interval, message=what)
    except AssertionError as e:
        raise Timeout(str(e)) from None


def read(path, default=None):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


# ---------------------------------------------------------------- /proc access

def children_of(pid):
    out = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        text = read(f"/proc/{pid}/task/{tid}/children", "")
        out.extend(int(x) for x in text.split())
    return out


def descendants(pid):
    seen, todo = [], children_of(pid)
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(children_of(p))
    return seen


def status_fields(pid, tid=None):
    path = f"/proc/{pid}/status" if tid is None else f"/proc/{pid}/task/{tid}/status"
    out = {}
    for line in (read(path, "") or "").splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def kib(v):
    return int(v.split()[0]) if v else 0


def proc_sample(pid):
    """CPU, context switches (summed over threads), memory of one process."""
    stat = read(f"/proc/{pid}/stat")
    if stat is None:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15)
    runtime_ns, switches, threads = 0, 0, 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        st = status_fields(pid, tid)
        if not st:
            continue
        threads += 1
        switches += int(st.get("voluntary_ctxt_switches", 0)) + int(st.get("nonvoluntary_ctxt_switches", 0))
        sched = read(f"/proc/{pid}/task/{tid}/schedstat")
        if sched:
            runtime_ns += int(sched.split()[0])
    st = status_fields(pid)
    return {
        "ticks": ticks, "runtime_ns": runtime_ns, "switches": switches, "threads": threads,
        "rss": kib(st.get("VmRSS")), "anon": kib(st.get("RssAnon")), "file": kib(st.get("RssFile")),
    }


def exe_of(pid):
    try:
        return os.path.realpath(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        return None


def is_zombie(pid):
    stat = read(f"/proc/{pid}/stat")
    return stat is not None and stat[stat.rindex(")") + 2] == "Z"


# ---------------------------------------------------------------- workload setup

def compile_helper(workdir):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        sys.exit("bench: no C compiler (cc) found; install gcc")
    out = os.path.join(workdir, "helper")
    subprocess.run([cc, "-O2", "-Wall", "-o", out, os.path.join(HERE, "helper.c")], check=True)
    return out


class Instance:
    """One init as PID 1 of fresh PID, mount and network namespaces."""

    seq = 0
    live = []

    def __init__(self, kind, scenario, workdir, helper, extra_env=None, label=None):
        Instance.seq += 1
        self.kind, self.scenario, self.helper = kind, scenario, helper
        self.extra_env = extra_env or {}
        self.label = label or kind
        self.dir = os.path.join(workdir, f"{kind}-{scenario}-{Instance.seq}")
        self.marks = os.path.join(self.dir, "marks")
        os.makedirs(self.marks)
        os.chmod(self.dir, 0o755)
        os.chmod(self.marks, 0o777)  # services may run as the developer account
        self.proc = None
        self.pid1 = None
        self.go = self.done = None

    # -- the workload, as each init wants it
    def _workload(self):
        """argv lists of the processes this init must run."""
        if self.scenario.startswith("orphans"):
            self.go_path = os.path.join(self.dir, "go.fifo")
            self.done_path = os.path.join(self.dir, "done.fifo")
            for p in (self.go_path, self.done_path):
                os.mkfifo(p, 0o666)
                os.chmod(p, 0o666)
            # O_RDWR: never blocks, and keeps the fifos open from both ends
            self.go = os.open(self.go_path, os.O_RDWR | os.O_CLOEXEC)
            self.done = os.open(self.done_path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
            mode = self.scenario.split("-")[1]
            return {"orphans": [self.helper, "orphans", mode, str(ORPHANS), self.marks, self.go_path, self.done_path]}
        child = [self.helper, "child", self.marks, str(self.stop_delay())]
        return {"svc-a": child, "svc-b": child}

    def stop_delay(self):
        """ms the children take to exit after SIGTERM."""
        return SLOW_STOP_MS if self.scenario == "slowstop" else 0

    def _command(self):
        binary = BINARIES[self.kind]
        services = self._workload()
        if self.kind == "dev8-init":
            sdir = os.path.join(self.dir, "services.d")
            os.makedirs(sdir)
            for name, argv in services.items():
                with open(os.path.join(sdir, f"{name}.json"), "w") as f:
                    json.dump({"name": name, "command": argv}, f)
            self.state = os.path.join(self.dir, "state")
            # DEV8_USER=root: the developer's home is /root, under the tmpfs (see start)
            self.env.update(DEV8_SERVICES_DIR=sdir, DEV8_STATE_DIR=self.state, DEV8_USER="root",
                            DEV8_SSHD="off", DEV8_CODE_SERVER="off", **self.extra_env)
            return [binary]
        if self.kind == "s6-svscan":
            scan = os.path.join(self.dir, "scan")
            for name, argv in services.items():
                os.makedirs(os.path.join(scan, name))
                run = os.path.join(scan, name, "run")
                with open(run, "w") as f:
                    f.write("#!/bin/sh\nexec " + " ".join(shlex.quote(a) for a in argv) + "\n")
                os.chmod(run, 0o755)
            return [binary, scan]
        if self.scenario.startswith("orphans"):
            main = services["orphans"]
        else:
            main = [self.helper, "main", self.marks, str(self.stop_delay())]  # starts the two children
        if self.kind == "tini":
            return [binary, "--"] + main
        return [binary] + main  # dumb-init

    def start(self):
        self.env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "LANG": "C.UTF-8", "HOME": "/root"}
        cmd = self._command()
        # A tmpfs over the account's home inside the private mount namespace: nothing an
        # init does for "the developer" (root here) touches the real home. PID 1 is the
        # init itself: the shell execs it.
        wrapper = ['/bin/sh', '-c', 'mount -t tmpfs -o mode=0700 bench-home /root && exec "$@"', 'sh']
        argv = ["unshare", "--fork", "--pid", "--mount-proc", "--net", "--mount", "--"] + wrapper + cmd
        self.log_path = os.path.join(self.dir, "output.log")
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                         env=self.env, cwd=self.dir, start_new_session=True)
        Instance.live.append(self)
        want = os.path.realpath(BINARIES[self.kind])

        def find_pid1():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited early (status {self.proc.returncode}); "
                                   f"output:\n{read(self.log_path, '')[-2000:]}")
            for c in children_of(self.proc.pid):
                if exe_of(c) == want:
                    return c
            return None

        self.pid1 = wait_for(find_pid1, 10, f"{self.kind} to become PID 1")
        return self

    def ns_proc(self):
        return f"/proc/{self.pid1}/root/proc"

    def marks_count(self, kind):
        return sum(1 for n in os.listdir(self.marks) if n.startswith(kind + "."))

    def wait_ready(self, check_status=True):
        want = 1 if self.scenario.startswith("orphans") else 2

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited (status {self.proc.returncode}) before its "
                                   f"services were up; output:\n{read(self.log_path, '')[-2000:]}")
            return self.marks_count("ready") >= want

        wait_for(ready, 15, f"{self.kind}: {want} service(s) up")
        if self.kind == "dev8-init" and check_status:
            self._wait_dev8_running()

    def _wait_dev8_running(self):
        path = os.path.join(self.state, "status.sock")

        def running():
            try:
                return json.loads(read_status(path)).get("phase") == "running"
            except (OSError, ValueError):
                return False

        try:
            wait_for(running, 10, "dev8-init status phase=running", interval=0.01)
        except Timeout:
            note("dev8-init: the status socket never reported phase=running; measured anyway")

    def kill(self):
        """SIGKILL to PID 1 takes the whole namespace down."""
        if self.proc and self.proc.poll() is None:
            if self.pid1:
                try:
                    os.kill(self.pid1, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        for fd in (self.go, self.done):
            if fd is not None:
                os.close(fd)
        self.go = self.done = None
        if self in Instance.live:
            Instance.live.remove(self)


# ---------------------------------------------------------------- measurements

def read_status(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        s.connect(path)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def measure_status_cost(workdir, helper):
    """dev8-init's cost of answering its status socket: a developer's script
    or a probe hammering it must not keep PID 1 busy."""
    inst = Instance("dev8-init", "status", workdir, helper).start()
    try:
        inst.wait_ready()
        path = os.path.join(inst.state, "status.sock")
        before = proc_sample(inst.pid1)
        begun = time.monotonic()
        for _ in range(STATUS_QUERIES):
            read_status(path)
        elapsed = time.monotonic() - begun
        after = proc_sample(inst.pid1)
        quiet_from = time.monotonic()
        wait_for(lambda: time.monotonic() - quiet_from >= 0.5, 1, "half a second of quiet")
        quiet = proc_sample(inst.pid1)
        cpu_ns = after["runtime_ns"] - before["runtime_ns"]
        return {"dev8-init": {"cpu_us": cpu_ns / 1000 / STATUS_QUERIES,
                              "rate": STATUS_QUERIES / elapsed,
                              "rss_busy": after["rss"], "rss_quiet": quiet["rss"]}}
    finally:
        inst.kill()


def measure_sizes(workdir):
    out = {}
    for kind in INITS:
        path = os.path.realpath(BINARIES[kind])
        stripped = os.path.join(workdir, f"stripped-{kind}")
        subprocess.run(["strip", "-o", stripped, path], check=True, stderr=subprocess.DEVNULL)
        out[kind] = {"size": os.path.getsize(path), "stripped": os.path.getsize(stripped),
                     "static": not has_interp(path)}
    extras = []
    for extra in ("tini-static", "s6-supervise"):
        p = shutil.which(extra)
        if p:
            extras.append(f"{extra} {fmt_bytes(os.path.getsize(p))}")
    skarnet = [os.path.join(d, f) for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu")
               if os.path.isdir(d) for f in os.listdir(d) if f.startswith("libskarnet.so.")]
    skarnet = [p for p in skarnet if not os.path.islink(p)]
    if skarnet:
        extras.append(f"libskarnet {fmt_bytes(os.path.getsize(skarnet[0]))}")
    if extras:
        note("other binaries: " + ", ".join(extras) + " (s6-svscan needs one s6-supervise per service)")
    return out


def has_interp(path):
    """True if the ELF file has a PT_INTERP header (dynamically linked)."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:
            return True
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    return any(struct.unpack_from("<I", table, i * phentsize)[0] == 3 for i in range(phnum))


def supervisor_tree(inst):
    """PID 1 plus helper supervisor processes (s6-supervise)."""
    pids = [inst.pid1]
    sup = shutil.which("s6-supervise")
    if inst.kind == "s6-svscan" and sup:
        sup = os.path.realpath(sup)
        pids += [p for p in descendants(inst.pid1) if exe_of(p) == sup]
    return pids


class IdleWindow:
    """The four inits with two services each, idle for IDLE_SECONDS, all at once.

    The window runs while the other measurements run in their own namespaces:
    nothing they do can wake these processes. A timer thread takes the closing
    samples exactly IDLE_SECONDS after the opening ones."""

    def __init__(self, workdir, helper):
        self.insts = [Instance(k, "steady", workdir, helper) for k in INITS]
        # The idle stop's check timer: with the default 5-minute warning, one
        # wake-up a minute at most.
        self.insts.append(Instance("dev8-init", "steady", workdir, helper,
                                   extra_env={"DEV8_IDLE_TIMEOUT": "30m"}, label=IDLE_STOP))
        self.res = {}
        self.error = None
        self.closed = threading.Event()

    def open(self):
        log(f"idle: four inits with two services each, idle for {IDLE_SECONDS:g} s "
            "while the other measurements run")
        for i in self.insts:
            i.start()
        for i in self.insts:
            i.wait_ready(check_status=False)
        time.sleep(0.5)
        # dev8-init's RSS before anything asked its status socket (a HEALTHCHECK will)
        self.rss_unqueried = {i.label: proc_sample(i.pid1)["rss"] for i in self.insts}
        for i in self.insts:
            if i.kind == "dev8-init":
                i._wait_dev8_running()
        # Settle: a short quiet period after start-up before the window opens.
        time.sleep(0.5)
        self.before = {i.label: proc_sample(i.pid1) for i in self.insts}
        self.before_tree = {i.label: [proc_sample(p) for p in supervisor_tree(i)] for i in self.insts}
        self.t0 = time.monotonic()
        self.timer = threading.Timer(IDLE_SECONDS, self._close)
        self.timer.daemon = True
        self.timer.start()

    def _close(self):
        try:
            elapsed = time.monotonic() - self.t0
            for i in self.insts:
                a, b = self.before[i.label], proc_sample(i.pid1)
                if b is None:
                    raise RuntimeError(f"{i.kind} died during the idle window; "
                                       f"output:\n{read(i.log_path, '')[-2000:]}")
                tree = [proc_sample(p) for p in supervisor_tree(i)]
                self.res[i.label] = {
                    "rss": b["rss"], "anon": b["anon"], "file": b["file"], "threads": b["threads"],
                    "cpu_ms": (b["ticks"] - a["ticks"]) * 1000 / CLK_TCK,
                    "runtime_us": (b["runtime_ns"] - a["runtime_ns"]) / 1000,
                    "wakeups": b["switches"] - a["switches"],
                    "tree_n": len(tree),
                    "tree_rss": sum(t["rss"] for t in tree if t),
                    "tree_wakeups": sum(t["switches"] for t in tree if t)
                    - sum(t["switches"] for t in self.before_tree[i.label] if t),
                    "elapsed": elapsed,
                    "rss_unqueried": self.rss_unqueried[i.label],
                }
                if b["threads"] != a["threads"]:
                    note(f"{i.kind}: thread count changed during the idle window "
                         f"({a['threads']} -> {b['threads']})")
        except Exception as e:  # reported by result()
            self.error = e
        finally:
            self.closed.set()

    def result(self):
        left = self.t0 + IDLE_SECONDS - time.monotonic()
        if left > 1:
            log(f"idle: {left:.0f} s left in the idle window")
        if not self.closed.wait(max(left, 0) + 30):
            raise Timeout("the idle window's closing samples never came")
        for i in self.insts:
            i.kill()
        if self.error:
            raise self.error
        return self.res


def measure_stop_once(inst):
    """SIGTERM to PID 1; returns (ms to PID 1 exit, ms from last other process's death to PID 1 exit)."""
    others = descendants(inst.pid1)
    fds = {}
    for p in others + [inst.pid1]:
        try:
            fds[os.pidfd_open(p)] = p
        except ProcessLookupError:
            pass
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    died = {}
    t0 = time.monotonic_ns()
    os.kill(inst.pid1, signal.SIGTERM)
    deadline = time.monotonic() + 30
    try:
        while inst.pid1 not in died:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout(f"{inst.kind} did not exit within 30 s of SIGTERM")
            for fd, _ in poller.poll(left * 1000):
                died[fds[fd]] = time.monotonic_ns()
                poller.unregister(fd)
    finally:
        for fd in fds:
            os.close(fd)
    t_exit = died[inst.pid1]
    last = max((died[p] for p in others if p in died), default=t0)
    inst.proc.wait(timeout=10)
    return (t_exit - t0) / 1e6, (t_exit - last) / 1e6, inst.marks_count("term"), inst.proc.returncode


def measure_stop(workdir, helper, scenario="steady", runs=STOP_RUNS):
    res = {}
    for kind in INITS:
        log(f"stop ({scenario}): {kind}, {runs} runs")
        totals, afters, terms, codes = [], [], [], set()
        for _ in range(runs):
            inst = Instance(kind, scenario, workdir, helper).start()
            try:
                inst.wait_ready()
                total, after, term, code = measure_stop_once(inst)
            finally:
                inst.kill()
            totals.append(total)
            afters.append(after)
            terms.append(term)
            codes.add(code)
        res[kind] = {"total": statistics.median(totals), "total_max": max(totals),
                     "after": statistics.median(afters), "after_max": max(afters),
                     "term_min": min(terms), "codes": sorted(codes, key=str)}
    return res


def ns_children(inst):
    """Children of the namespace's PID 1 (all its threads), as namespace pids."""
    out = set()
    base = f"{inst.ns_proc()}/1/task"
    try:
        tasks = os.listdir(base)
    except OSError:
        return out
    for tid in tasks:
        out.update(int(x) for x in (read(f"{base}/{tid}/children", "") or "").split())
    return out


def ns_zombies(inst):
    n = 0
    base = inst.ns_proc()
    for name in os.listdir(base):
        if name.isdigit() and is_zombie(f"{inst.pid1}/root/proc/{name}"):
            n += 1
    return n


def measure_orphans_once(inst):
    """Returns (orphans not reaped at +0 s, zombies among them, ms from the last exit until
    all were reaped, ms from the release until all were reaped, zombies at +1 s)."""
    inst.wait_ready()
    os.write(inst.go, b"g")
    r, _, _ = select.select([inst.done], [], [], 30)
    if not r:
        raise Timeout(f"{inst.kind}: orphan spawner did not finish within 30 s")
    # +0 s: one read of PID 1's children list; every grandchild has exited by now.
    t_done = time.monotonic()
    kids = ns_children(inst)
    line = b""
    while not line.endswith(b"\n"):
        if time.monotonic() > t_done + 5:
            raise Timeout(f"{inst.kind}: incomplete report from the orphan spawner: {line!r}")
        try:
            line += os.read(inst.done, 256)
        except BlockingIOError:
            select.select([inst.done], [], [], 1)
    _, made, failed, t_release, t_last = line.split()
    t_release, t_last = float(t_release) / 1000, float(t_last) / 1000
    if int(failed):
        note(f"{inst.kind}: {failed} of {ORPHANS} forks failed in the orphan test")
    pids = set(int(x) for x in (read(os.path.join(inst.marks, "orphans.pids"), "") or "").split())
    if len(pids) != int(made):
        raise RuntimeError(f"{inst.kind}: orphan spawner reported {made} orphans, listed {len(pids)}")
    left0 = kids & pids
    # of those, the ones that are zombies (not still on their way out), checked at once
    zombies0 = sum(1 for p in left0 if is_zombie(f"{inst.pid1}/root/proc/{p}"))
    unreaped0 = len(left0)
    # Time until none is left, checked on the same list (at most 1 ms late).
    t_reaped = t_done if unreaped0 == 0 else None
    deadline = t_done + 5
    while t_reaped is None and time.monotonic() < deadline:
        if not (ns_children(inst) & pids):
            t_reaped = time.monotonic()
            break
        time.sleep(0.0005)
    after_last = None if t_reaped is None else (t_reaped - t_last) * 1000
    after_release = None if t_reaped is None else (t_reaped - t_release) * 1000
    time.sleep(max(0.0, t_done + 1 - time.monotonic()))  # the +1 s sample
    return unreaped0, zombies0, after_last, after_release, ns_zombies(inst)


def measure_orphans(workdir, helper):
    res = {}
    for kind in INITS:
        log(f"orphans: {kind}, {ORPHAN_RUNS} runs of {ORPHANS} orphans one by one, {BURST_RUNS} all at once")
        r = res[kind] = {"stream_z0": [], "burst_z0": [], "burst_after_last": [],
                         "burst_after_release": [], "z1": []}
        for mode, runs in (("stream", ORPHAN_RUNS), ("burst", BURST_RUNS)):
            for _ in range(runs):
                inst = Instance(kind, f"orphans-{mode}", workdir, helper).start()
                try:
                    unreaped0, zombies0, after_last, after_release, z1 = measure_orphans_once(inst)
                finally:
                    inst.kill()
                r[f"{mode}_z0"].append(zombies0 if mode == "stream" else unreaped0)
                if mode == "burst":
                    r["burst_after_last"].append(after_last)
                    r["burst_after_release"].append(after_release)
                r["z1"].append(z1)
    return res


# ---------------------------------------------------------------- output

def fmt_bytes(n):
    if n >= 1 << 20:
        return f"{n / (1 << 20):.2f} MiB"
    return f"{n / 1024:.1f} KiB"


def med_none(xs):
    """Median where None (never happened) counts as infinitely late."""
    xs = sorted(xs, key=lambda x: float("inf") if x is None else x)
    return xs[(len(xs) - 1) // 2] if xs else None


def max_none(xs):
    return None if not xs or None in xs else max(xs)


def fmt_ms(v):
    if v is None:
        return "never"
    return f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms"


def build_rows(sizes, idle, stop, slow, orphans, status):
    rows = []

    def row(label, goal, fn):
        cells = []
        for k in INITS:
            try:
                cells.append(fn(k))
            except (KeyError, TypeError):
                cells.append("n/a")
        rows.append([label, goal] + cells)

    row("PID-1 RSS, 2 services, steady (VmRSS)", GOALS["rss"], lambda k: f"{idle[k]['rss'] / 1024:.2f} MiB")
    row("  of which anon / file", "", lambda k: f"{idle[k]['anon']} / {idle[k]['file']} KiB")
    row("  before the first status query", "",
        lambda k: f"{idle[k]['rss_unqueried'] / 1024:.2f} MiB" if k == "dev8-init" else "-")
    row("  supervisor tree RSS (procs)", "", lambda k: f"{idle[k]['tree_rss'] / 1024:.2f} MiB ({idle[k]['tree_n']})")
    row("PID-1 threads", "", lambda k: str(idle[k]["threads"]))
    row(f"SIGTERM -> exit, median of {STOP_RUNS} (max)", "",
        lambda k: f"{fmt_ms(stop[k]['total'])} ({fmt_ms(stop[k]['total_max'])})")
    row("  exit after last process died, median (max)", GOALS["stop_after_last"],
        lambda k: f"{fmt_ms(stop[k]['after'])} ({fmt_ms(stop[k]['after_max'])})")
    row("  children that got SIGTERM (worst run)", "2/2",
        lambda k: f"{min(stop[k]['term_min'], slow[k]['term_min'])}/2")
    row("  exit status", "", lambda k: ",".join(str(c) for c in stop[k]["codes"]))
    row(f"children exiting {SLOW_STOP_MS} ms after SIGTERM: SIGTERM -> exit, median of {SLOW_RUNS} (max)", "",
        lambda k: f"{fmt_ms(slow[k]['total'])} ({fmt_ms(slow[k]['total_max'])})")
    row("  exit after last process died, median (max)", GOALS["stop_after_last"],
        lambda k: f"{fmt_ms(slow[k]['after'])} ({fmt_ms(slow[k]['after_max'])})")
    row(f"{ORPHANS} orphans one by one: zombies at +0 s, each of {ORPHAN_RUNS} runs", GOALS["zombies0"],
        lambda k: ",".join(str(x) for x in orphans[k]["stream_z0"]))
    row(f"{ORPHANS} orphans at once: runs with some not reaped at +0 s (max)", "",
        lambda k: f"{sum(1 for x in orphans[k]['burst_z0'] if x)}/{BURST_RUNS} ({max(orphans[k]['burst_z0'])})")
    row("  all reaped, after the last exit: median (max)", "",
        lambda k: f"{fmt_ms(med_none(orphans[k]['burst_after_last']))} "
                  f"({fmt_ms(max_none(orphans[k]['burst_after_last']))})")
    row("  all reaped, after the release: median (max)", "",
        lambda k: f"{fmt_ms(med_none(orphans[k]['burst_after_release']))} "
                  f"({fmt_ms(max_none(orphans[k]['burst_after_release']))})")
    row("zombies in namespace at +1 s (max, all runs)", "0", lambda k: str(max(orphans[k]["z1"])))
    secs = f"{next(iter(idle.values()))['elapsed']:.0f} s" if idle else f"{IDLE_SECONDS:g} s"
    row(f"idle CPU over {secs}, utime+stime", "0 ms", lambda k: f"{idle[k]['cpu_ms']:.0f} ms")
    row("  run time (schedstat)", "", lambda k: f"{idle[k]['runtime_us']:.0f} us")
    row("  wakeups (ctxt switches, all threads)", GOALS["wakeups"], lambda k: str(idle[k]["wakeups"]))
    row("  supervisor tree wakeups", "", lambda k: str(idle[k]["tree_wakeups"]))
    if IDLE_STOP in idle:
        on = idle[IDLE_STOP]
        row("  with the idle stop on (DEV8_IDLE_TIMEOUT=30m): wakeups, CPU", GOALS["idle_stop"],
            lambda k: f"{on['wakeups']}, {on['cpu_ms']:.0f} ms" if k == "dev8-init" else "-")
    row(f"status answer, {STATUS_QUERIES} back to back: PID-1 CPU each", GOALS["status_cpu"],
        lambda k: f"{status[k]['cpu_us'] / 1000:.3f} ms" if k in status else "-")
    row("  answers per second", "",
        lambda k: f"{status[k]['rate']:.0f}" if k in status else "-")
    row("  PID-1 RSS right after / 0.5 s later", "",
        lambda k: f"{status[k]['rss_busy'] / 1024:.2f} / {status[k]['rss_quiet'] / 1024:.2f} MiB"
        if k in status else "-")
    row("binary size", "", lambda k: fmt_bytes(sizes[k]["size"]))
    row("  stripped (strip -o)", "", lambda k: fmt_bytes(sizes[k]["stripped"]))
    row("  linking", "", lambda k: "static" if sizes[k]["static"] else "dynamic")
    return rows


def print_table(rows):
    header = ["metric", "goal (dev8-init)"] + INITS
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) if i < 2 else c.rjust(w)
                                  for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    print(line(header))
    print("|" + "|".join(("-" * (w + 1) + ":") if i >= 2 else "-" * (w + 2)
                         for i, w in enumerate(widths)) + "|")
    for r in rows:
        print(line(r))


def check_goals(sizes, idle, stop, slow, orphans):
    k = "dev8-init"
    if k in idle and idle[k]["rss"] * 1024 >= 2_500_000:
        note(f"dev8-init: RSS {idle[k]['rss']} KiB is over the 2.5 MB goal")
    for name, res in (("immediate", stop), (f"{SLOW_STOP_MS} ms", slow)):
        if k in res and res[k]["after_max"] > 50:
            note(f"dev8-init: exit up to {res[k]['after_max']:.1f} ms after the last child "
                 f"(children exiting {name} after SIGTERM; goal 50 ms)")
    if k in stop and stop[k]["term_min"] < 2:
        note("dev8-init: a service did not receive SIGTERM at stop")
    if k in orphans and any(orphans[k]["stream_z0"]):
        note(f"dev8-init: zombies at +0 s, orphans one by one, each run: {orphans[k]['stream_z0']}")
    if k in orphans and any(orphans[k]["z1"]):
        note(f"dev8-init: zombies left at +1 s: {orphans[k]['z1']}")
    if k in idle and idle[k]["wakeups"]:
        note(f"dev8-init: {idle[k]['wakeups']} wakeups while idle (goal 0)")


def dev8_version():
    try:
        out = subprocess.run([BINARIES["dev8-init"], "--version"], capture_output=True, text=True, timeout=10)
        return (out.stdout.strip() or out.stderr.strip()).splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "version unknown"


def main():
    if os.geteuid() != 0:
        sys.exit("bench: must run as root (unshare of PID/mount/net namespaces)")
    for kind, path in BINARIES.items():
        if not os.access(path, os.X_OK):
            sys.exit(f"bench: {kind} not found at {path}")
    base = os.environ.get("BENCH_TMPDIR", "/tmp")
    if os.path.realpath(base).startswith("/root"):
        sys.exit("bench: BENCH_TMPDIR must not be under /root (hidden by a tmpfs inside the namespaces)")
    workdir = tempfile.mkdtemp(prefix="dev8-bench-", dir=base)
    os.chmod(workdir, 0o755)

    def on_signal(sig, _):
        raise KeyboardInterrupt

    # Explicit handlers: a shell's background job inherits SIGINT ignored.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    ok = interrupted = False
    try:
        helper = compile_helper(workdir)
        t0 = time.monotonic()
        sizes = measure_sizes(workdir)
        window = IdleWindow(workdir, helper)
        window.open()
        stop = measure_stop(workdir, helper)
        slow = measure_stop(workdir, helper, "slowstop", SLOW_RUNS)
        orphans = measure_orphans(workdir, helper)
        status = measure_status_cost(workdir, helper)
        idle = window.result()
        check_goals(sizes, idle, stop, slow, orphans)
        log(f"done in {time.monotonic() - t0:.0f} s")
        print_table(build_rows(sizes, idle, stop, slow, orphans, status))
        print()
        print(f"kernel {os.uname().release}, {os.cpu_count()} CPUs; each init is PID 1 of fresh pid/mount/net"
              f" namespaces. dev8-init: {BINARIES['dev8-init']} ({dev8_version()}); tini and dumb-init run"
              " `helper main` (starts the two children, forwards SIGTERM); s6-svscan a scan dir of two services."
              " Method and caveats: bench/bench.py.")
        for n in NOTES:
            print(f"- {n}")
        ok = True
    except KeyboardInterrupt:
        log("interrupted")
        interrupted = True
    except (Timeout, RuntimeError, OSError, subprocess.CalledProcessError) as e:
        log(f"FAILED: {e}")
    finally:
        for inst in list(Instance.live):
            inst.kill()
        if KEEP or not (ok or interrupted):
            log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
