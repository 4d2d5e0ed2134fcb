"""A hostile or just unlucky developer's home, planted before start or while
dev8-init runs as PID 1 and root next to the real unprivileged user dev8:
PID 1 stays alive, keeps answering, stops in time, and writes nothing as root
where the developer points it (DESIGN.md §11)."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import DEV8_INIT, DEV8_UID, PY, wait_until

SETTINGS = ".local/share/code-server/User/settings.json"
PASSWORD = ".config/dev8/code-server-password"
AUTHORIZED_KEYS = ".ssh/authorized_keys"
PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGQ3/TyG4F1TzTNpu4yKXk7BwKsVnfHFnxk9aPl1GmVZ "
              "dev@laptop")


@pytest.fixture
def home(tmp_path):
    """The developer's home: a host directory owned by dev8, bind-mounted as
    /home/dev8, so the test plants files in it before start and while running."""
    path = tmp_path / "home"
    path.mkdir()
    os.chown(path, DEV8_UID, DEV8_UID)
    return path


def as_developer(path):
    """Every directory from the home down to `path`'s parent, owned by dev8."""
    parent = path.parent
    parent.mkdir(parents=True, exist_ok=True)
    while parent.name != "home":
        os.chown(parent, DEV8_UID, DEV8_UID)
        parent = parent.parent


def plant(home, relative, kind, value=None):
    """What the developer can make in their own home: a file, a FIFO or a symlink."""
    path = home / relative
    as_developer(path)
    if path.is_symlink() or path.exists():
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path, 0o644)
    elif kind == "symlink":
        os.symlink(value, path)
    else:
        path.write_bytes(value)
    os.lchown(path, DEV8_UID, DEV8_UID)
    return path


def step(status, name):
    return next(s for s in status["steps"] if s["name"] == name)


def service(status, name):
    return next(s for s in status["services"] if s["name"] == name)


def start(dev8, home, **env):
    dev8.start(env=dev8.base_env(DEV8_WORKSPACE="/home/dev8", **env), developer=str(home))
    wait_until(lambda: (dev8.status() or {}).get("phase") in ("starting", "running"), 15,
               message=dev8.diag)
    return dev8.status()


def answers_quickly(dev8, times=5):
    """The event loop is responsive: every status answer within half a second."""
    for _ in range(times):
        begun = time.monotonic()
        status = dev8.status()
        assert status is not None, dev8.diag()
        assert time.monotonic() - begun < 0.5, dev8.diag()
    return status


def stops_in_time(dev8, code=0):
    begun = time.monotonic()
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == code, dev8.diag()
    assert time.monotonic() - begun < 3, dev8.diag()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


@pytest.fixture
def fake_code_server():
    """Stands in for code-server, where the developer may run it but not
    change it: the supervisor's side (password file, restarts) is what these
    tests are about."""
    directory = tempfile.mkdtemp(prefix="d8-bin-", dir="/tmp")
    os.chmod(directory, 0o755)
    path = os.path.join(directory, "code-server")
    with open(path, "w") as f:
        f.write("#!/bin/sh\nexec sleep 1000\n")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(directory)


# Row 1: text that is not UTF-8 reaches the status; the status still answers.
def test_a_utf16_settings_file_fails_its_step_and_health_still_answers(dev8, home):
    utf16 = "\ufeff{\"editor.fontSize\": 12}".encode("utf-16-le")
    settings = plant(home, SETTINGS, "file", utf16)
    status = start(dev8, home, DEV8_VSCODE_SETTINGS='{"editor.tabSize": 2}')
    vscode = step(status, "vscode-settings")
    assert vscode["state"] == "failed", status["steps"]
    assert "settings.json" in vscode["message"]
    assert settings.read_bytes() == utf16  # left untouched
    health = dev8.cli("health")
    assert health.returncode == 0, (health.stdout, health.stderr)
    assert json.loads(dev8.cli("status", "--json").stdout)["phase"] == "running"
    stops_in_time(dev8)


def test_a_sshd_path_that_is_not_utf8_shows_in_the_status_as_valid_json(dev8, home):
    env = dev8.base_env(DEV8_WORKSPACE="/home/dev8", DEV8_SSHD="auto")
    env = {k.encode(): v.encode() for k, v in env.items()}
    env[b"DEV8_SSHD_BIN"] = b"/opt/\xff\xfe/sshd"
    dev8.start(env=env, developer=str(home))
    wait_until(lambda: (dev8.status() or {}).get("phase") == "running", 15, message=dev8.diag)
    status = json.loads(dev8.cli("status", "--json").stdout)
    assert service(status, "sshd")["state"] == "disabled"
    assert "\ufffd" in dev8.stderr  # the byte is replaced, never passed on raw
    assert dev8.cli("health").returncode == 0
    stops_in_time(dev8)


# Row 2: a FIFO where code-server's password file was, then a crash.
def test_a_password_fifo_on_a_code_server_restart_never_blocks_the_loop(dev8, home, fake_code_server):
    status = start(dev8, home, DEV8_CODE_SERVER="on", DEV8_CODE_SERVER_BIN=fake_code_server)
    first = wait_until(lambda: service(dev8.status(), "code-server")["pid"], 10, message=dev8.diag)
    assert (home / PASSWORD).stat().st_mode & 0o777 == 0o600
    plant(home, PASSWORD, "fifo")
    # The developer kills their own code-server (a pid of dev8-init's namespace).
    killed = dev8.in_namespace("setpriv", f"--reuid={DEV8_UID}", f"--regid={DEV8_UID}",
                               "--clear-groups", "kill", "-KILL", str(first))
    assert killed.returncode == 0, killed
    wait_until(lambda: "code-server-password" in dev8.stderr and "a FIFO, not read" in dev8.stderr,
               5, message=dev8.diag)
    status = answers_quickly(dev8)
    assert service(status, "code-server")["state"] in ("backoff", "starting"), status["services"]
    # Orphans are still reaped while the service cannot start.
    dev8.in_namespace("sh", "-c", "sleep 0.01 & exit 0")
    wait_until(lambda: dev8.status()["orphans_reaped"] >= 1, 5, message=dev8.diag)
    stops_in_time(dev8)


# Row 3: a link to /dev/zero where a file is read.
def test_dev_zero_links_are_refused_without_reading_them(dev8, home, fake_code_server):
    plant(home, SETTINGS, "symlink", "/dev/zero")
    plant(home, PASSWORD, "symlink", "/dev/zero")
    status = start(dev8, home, DEV8_VSCODE_SETTINGS='{"editor.tabSize": 2}',
                   DEV8_CODE_SERVER="on", DEV8_CODE_SERVER_BIN=fake_code_server)
    assert step(status, "vscode-settings")["state"] == "failed", status["steps"]
    wait_until(lambda: "code-server-password" in dev8.stderr, 5, message=dev8.diag)
    answers_quickly(dev8)
    assert rss_kib(dev8.pid1) < 32 * 1024
    assert os.readlink(home / SETTINGS) == "/dev/zero"  # the developer's link stays
    stops_in_time(dev8)


# Row 4: FIFOs where init reads settings and authorized_keys.
def test_fifos_in_the_home_fail_their_steps_and_init_goes_on(dev8, home):
    plant(home, SETTINGS, "fifo")
    plant(home, AUTHORIZED_KEYS, "fifo")
    status = start(dev8, home, DEV8_VSCODE_SETTINGS='{"editor.tabSize": 2}',
                   SSH_PUBLIC_KEY=PUBLIC_KEY)
    assert status["phase"] == "running"
    for name, path in (("vscode-settings", "settings.json"), ("ssh-keys", "authorized_keys")):
        assert step(status, name)["state"] == "failed", status["steps"]
        assert path in step(status, name)["message"], status["steps"]
        assert "a FIFO, not read" in step(status, name)["message"], status["steps"]
    stops_in_time(dev8)


def test_sigterm_during_init_is_acted_on(dev8, home, tmp_path):
    # The steps never block, so a stop during init is prompt.
    plant(home, AUTHORIZED_KEYS, "fifo")
    dev8.start(env=dev8.base_env(DEV8_WORKSPACE="/home/dev8", SSH_PUBLIC_KEY=PUBLIC_KEY),
               developer=str(home))
    stops_in_time(dev8)


# Row 5: the host-key directory pointed at /etc or /root.
def fake_etc_ssh():
    """preexec_fn: a tmpfs over /etc/ssh (this namespace only), with a key
    file to watch, so a wrong write shows without touching the machine's own."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(b"tmpfs", b"/etc/ssh", b"tmpfs", 0, b"mode=0755") != 0:
        raise OSError(ctypes.get_errno(), "mount tmpfs /etc/ssh")
    with open("/etc/ssh/ssh_host_ed25519_key.pub", "w") as f:
        f.write("the machine's own key\n")
    os.chmod("/etc/ssh/ssh_host_ed25519_key.pub", 0o644)


@pytest.mark.parametrize("target", ["/etc", "/root"])
def test_a_state_dir_linked_to_a_system_directory_is_never_written_as_root(dev8, home, target):
    plant(home, ".local/state/dev8", "symlink", target)
    dev8.start(env=dev8.base_env(DEV8_WORKSPACE="/home/dev8", DEV8_SSHD="on",
                                 SSH_PUBLIC_KEY=PUBLIC_KEY),
               developer=str(home), preexec_fn=fake_etc_ssh)
    wait_until(lambda: service(dev8.status(), "sshd")["state"] in ("backoff", "failed"), 15,
               message=dev8.diag)
    assert "symbolic link" in dev8.stderr or "symlink" in dev8.stderr, dev8.stderr
    etc = dev8.in_namespace("stat", "-c", "%a %n", "/etc/ssh", "/etc/ssh/ssh_host_ed25519_key.pub")
    assert etc.stdout.split("\n")[:2] == ["755 /etc/ssh", "644 /etc/ssh/ssh_host_ed25519_key.pub"]
    kept = dev8.in_namespace("cat", "/etc/ssh/ssh_host_ed25519_key.pub").stdout
    assert kept == "the machine's own key\n"
    # Through a link to /root, the host key folder would have been /root/ssh.
    made = dev8.in_namespace("find", "/root", "-maxdepth", "2", "-name", "ssh_host_*",
                             "-o", "-maxdepth", "1", "-name", "ssh").stdout
    assert made == "", made
    assert os.readlink(home / ".local/state/dev8") == target
    answers_quickly(dev8)
    stops_in_time(dev8)


# Row 6: a secret split by the relay's line limit.
SPLIT_SECRET = "ghp_splitsecret0123456789abcdefABCDEFGH"
SPLITTER = r"""
import os, sys, time
secret = os.environ["GITHUB_TOKEN"]
out = sys.stdout.buffer
out.write(b"x" * (16 * 1024 - 10)); out.flush(); time.sleep(0.05)
out.write(secret[:20].encode()); out.flush(); time.sleep(0.05)
out.write(secret[20:].encode() + b" done\n"); out.flush()
open(os.path.join(os.environ["T"], "printed"), "w").close()
time.sleep(1000)
"""


def test_a_secret_split_across_the_relay_line_limit_is_still_redacted(dev8):
    dev8.add_service("splitter", [PY, "-c", SPLITTER])
    dev8.start(env=dev8.base_env(GITHUB_TOKEN=SPLIT_SECRET))
    wait_until(lambda: " done" in dev8.stdout, 10, message=dev8.diag)
    out = dev8.stdout
    assert SPLIT_SECRET not in out
    assert SPLIT_SECRET[:20] not in out and SPLIT_SECRET[20:] not in out, out[-300:]
    assert "[redacted] done" in out, out[-300:]
    stops_in_time(dev8)


# Row 7: services.d entries that are not regular files.
def test_a_directory_or_fifo_in_services_d_is_a_config_error_naming_each(dev8):
    os.mkdir(os.path.join(dev8.services_dir, "x.json"))
    os.mkfifo(os.path.join(dev8.services_dir, "y.json"))
    dev8.start(wait_ready=False)
    assert dev8.wait(10) == 78, dev8.diag()
    assert "x.json" in dev8.stderr and "y.json" in dev8.stderr, dev8.stderr
    plan = subprocess.run([DEV8_INIT, "plan"], env=dev8.base_env(), capture_output=True,
                          text=True, timeout=10)
    assert plan.returncode == 78, plan
    assert "x.json" in plan.stderr + plan.stdout and "y.json" in plan.stderr + plan.stdout


# Row 8: a start that fails before exec backs off like a crash.
def test_a_service_whose_preparation_keeps_failing_backs_off_more_and_more(dev8, home, fake_code_server):
    (home / PASSWORD).mkdir(parents=True)  # a directory: never readable as a password
    as_developer(home / PASSWORD / "x")
    start(dev8, home, DEV8_CODE_SERVER="on", DEV8_CODE_SERVER_BIN=fake_code_server)

    def delays():
        return [float(line.rsplit("restarting in ", 1)[1].split()[0])
                for line in dev8.stderr.splitlines()
                if line.split(" ", 3)[2:3] == ["code-server:"] and "restarting in" in line]

    wait_until(lambda: len(delays()) >= 3, 10, message=dev8.diag)
    got = delays()
    assert got[1] > got[0] and got[2] > got[1], got
    assert service(dev8.status(), "code-server")["restarts"] >= 2
    stops_in_time(dev8)


# Row 9: a // comment ended by a lone CR is JSONC, as VS Code reads it.
def test_a_comment_ended_by_a_lone_cr_is_accepted_and_kept(dev8, home):
    settings = plant(home, SETTINGS, "file", b'{// mine\r"editor.fontSize": 12}\n')
    status = start(dev8, home, DEV8_VSCODE_SETTINGS='{"editor.tabSize": 2}')
    assert step(status, "vscode-settings")["state"] == "ok", status["steps"]
    text = settings.read_bytes()
    assert b"// mine\r" in text and b'"editor.fontSize": 12' in text and b'"editor.tabSize": 2' in text
    assert settings.stat().st_uid == DEV8_UID
    stops_in_time(dev8)
