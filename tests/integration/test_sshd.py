"""The built-in sshd as a developer meets it: real OpenSSH logins with the
injected key, with dev8-init as PID 1 running as root and as the developer."""

import os
import re
import signal
import subprocess

import pytest

from conftest import DEV8_UID, UNSHARE, private_devpts

WORKSPACE = "/home/dev8/project"
HOST_KEY = "/home/dev8/.local/state/dev8/ssh/ssh_host_ed25519_key"
AS_DEV8 = UNSHARE + ["setpriv", f"--reuid={DEV8_UID}", f"--regid={DEV8_UID}", "--init-groups"]


def make_workspace():
    """preexec_fn (after the dev8 account exists): the developer's workspace."""
    os.makedirs(WORKSPACE, exist_ok=True)
    os.chown(WORKSPACE, DEV8_UID, DEV8_UID)


def workspace_and_devpts():
    """preexec_fn: the workspace, and PTYs of the namespace's own, so a
    non-root sshd can hand them out."""
    make_workspace()
    private_devpts()


def root_can_try_too(key_pub):
    """preexec_fn: root holds the client key too, so only sshd's rules refuse it."""
    def run():
        make_workspace()
        os.makedirs("/root/.ssh", mode=0o700, exist_ok=True)
        with open("/root/.ssh/authorized_keys", "w") as f:
            f.write(key_pub)
    return run


@pytest.fixture
def keys(tmp_path):
    """Two client key pairs: (private path, public line)."""
    out = []
    for name in ("laptop", "desktop"):
        path = tmp_path / f"id_{name}"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"dev@{name}",
                        "-f", str(path)], check=True)
        out.append((str(path), (tmp_path / f"id_{name}.pub").read_text().strip()))
    return out


def start(dev8, public_keys, unshare=UNSHARE, home=None, preexec_fn=make_workspace, **env):
    env = dev8.base_env(DEV8_SSHD="on", DEV8_WORKSPACE=WORKSPACE,
                        SSH_PUBLIC_KEY="\n".join(public_keys), **env)
    dev8.start(env=env, unshare=unshare, developer=home or True, preexec_fn=preexec_fn)
    dev8.wait_service("sshd", lambda s: s["state"] == "ready", timeout=15)
    return dev8.status()


def known_hosts(dev8, tmp_path):
    """A known_hosts file holding the host key dev8-init made, so every login
    below also proves which key sshd presents."""
    public = dev8.in_network("cat", HOST_KEY + ".pub")
    assert public.returncode == 0, public
    path = tmp_path / "known_hosts"
    path.write_text(f"[127.0.0.1]:2222 {public.stdout}")
    return str(path)


def ssh(dev8, key, command, kh, user="dev8", options=()):
    return dev8.in_network(
        "ssh", "-F", "/dev/null", "-p", "2222", "-i", key, "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes", "-o", f"UserKnownHostsFile={kh}",
        "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=5", *options,
        f"{user}@127.0.0.1", command)


def fingerprint(dev8):
    out = dev8.in_network("ssh-keygen", "-l", "-f", HOST_KEY + ".pub").stdout
    return out.split()[1]


def test_the_injected_key_logs_in_to_the_workspace_with_the_ai_keys(dev8, keys, tmp_path):
    status = start(dev8, [keys[0][1]], ANTHROPIC_API_KEY="sk-ant-ssh-0123456789")
    kh = known_hosts(dev8, tmp_path)
    login = ssh(dev8, keys[0][0], "id -un; pwd; echo $ANTHROPIC_API_KEY", kh)
    assert login.returncode == 0, login
    assert login.stdout.splitlines() == ["dev8", WORKSPACE, "sk-ant-ssh-0123456789"], login
    assert status["ssh"]["host_key_fingerprints"] == [fingerprint(dev8)]
    assert status["healthy"] is True, status


def test_sshd_runs_as_root_with_a_generated_config_and_a_persistent_host_key(dev8, keys):
    start(dev8, [keys[0][1]])
    sshd = dev8.service("sshd")
    assert os.stat(f"/proc/{dev8.host_pid(sshd['pid'])}").st_uid == 0
    config = open(os.path.join(dev8.state_dir, "sshd_config")).read()
    for line in ("PasswordAuthentication no", "PermitRootLogin no", "AllowUsers dev8",
                 "Port 2222", "KbdInteractiveAuthentication no"):
        assert re.search(rf"^{line}$", config, re.M), line
    listing = dev8.in_network("stat", "-c", "%a %U", HOST_KEY, HOST_KEY + ".pub").stdout
    assert listing.splitlines() == ["600 root", "644 root"]
    assert "[sshd] Server listening on" in dev8.stderr + dev8.stdout


def test_password_and_root_logins_are_refused(dev8, keys, tmp_path):
    key, public = keys[0]
    start(dev8, [public], preexec_fn=root_can_try_too(public))
    kh = known_hosts(dev8, tmp_path)
    password = ssh(dev8, key, "true", kh, options=(
        "-o", "PubkeyAuthentication=no",
        "-o", "PreferredAuthentications=password,keyboard-interactive"))
    assert password.returncode == 255
    assert "Permission denied (publickey)" in password.stderr, password
    root = ssh(dev8, key, "true", kh, user="root")
    assert root.returncode == 255
    assert "Permission denied" in root.stderr, root
    assert ssh(dev8, key, "true", kh).returncode == 0


def test_a_key_removed_from_ssh_public_key_no_longer_logs_in_after_restart(
        make_dev8, keys, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, DEV8_UID, DEV8_UID)
    first = make_dev8("first")
    start(first, [keys[0][1], keys[1][1]], home=str(home))
    kh = known_hosts(first, tmp_path)
    before = fingerprint(first)
    assert ssh(first, keys[1][0], "true", kh).returncode == 0
    first.signal(signal.SIGTERM)
    assert first.wait() == 0

    second = make_dev8("second")
    status = start(second, [keys[0][1]], home=str(home))
    assert status["ssh"]["host_key_fingerprints"] == [before]
    removed = ssh(second, keys[1][0], "true", kh)
    assert removed.returncode == 255 and "Permission denied" in removed.stderr, removed
    assert ssh(second, keys[0][0], "true", kh).returncode == 0
    assert "generated in" not in second.stderr + second.stdout


def test_ssh_tt_gets_a_pty(dev8, keys, tmp_path):
    start(dev8, [keys[0][1]])
    session = ssh(dev8, keys[0][0], "tty", known_hosts(dev8, tmp_path), options=("-tt",))
    assert session.returncode == 0, session
    assert re.match(r"^/dev/pts/\d+\r?$", session.stdout.strip()), session


def test_sshd_works_when_dev8_init_runs_as_the_developer(dev8, keys, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, DEV8_UID, DEV8_UID)
    os.chown(dev8.state_dir, DEV8_UID, DEV8_UID)
    status = start(dev8, [keys[0][1]], unshare=AS_DEV8, home=str(home),
                   preexec_fn=workspace_and_devpts, ANTHROPIC_API_KEY="sk-ant-user-0123456789")
    sshd = dev8.service("sshd")
    assert os.stat(f"/proc/{dev8.host_pid(sshd['pid'])}").st_uid == DEV8_UID
    key_file = home / ".local/state/dev8/ssh/ssh_host_ed25519_key"
    assert key_file.stat().st_uid == DEV8_UID and key_file.stat().st_mode & 0o777 == 0o600
    kh = known_hosts(dev8, tmp_path)
    login = ssh(dev8, keys[0][0], "id -un; pwd; echo $ANTHROPIC_API_KEY", kh)
    assert login.stdout.splitlines() == ["dev8", WORKSPACE, "sk-ant-user-0123456789"], login
    pty = ssh(dev8, keys[0][0], "tty", kh, options=("-tt",))
    assert re.match(r"^/dev/pts/\d+\r?$", pty.stdout.strip()), pty
    assert status["ssh"]["host_key_fingerprints"] == [fingerprint(dev8)]


def test_a_killed_sshd_is_restarted_and_logs_in_again(dev8, keys, tmp_path):
    start(dev8, [keys[0][1]])
    kh = known_hosts(dev8, tmp_path)
    before = dev8.service("sshd")
    os.kill(dev8.host_pid(before["pid"]), signal.SIGKILL)
    after = dev8.wait_service("sshd", lambda s: s["state"] == "ready" and s["restarts"] == 1)
    assert after["last_exit"]["signal"] == signal.SIGKILL and after["last_exit"]["code"] is None
    assert after["pid"] != before["pid"]
    assert ssh(dev8, keys[0][0], "true", kh).returncode == 0


def test_a_sigterm_stops_sshd_and_its_sessions(dev8, keys, tmp_path):
    start(dev8, [keys[0][1]])
    kh = known_hosts(dev8, tmp_path)
    session = subprocess.Popen(
        ["nsenter", "-t", str(dev8.proc.pid), "-n", "-m", "--", "ssh", "-F", "/dev/null",
         "-p", "2222", "-i", keys[0][0], "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={kh}",
         "dev8@127.0.0.1", "echo in; sleep 60"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert session.stdout.readline() == "in\n"
        dev8.signal(signal.SIGTERM)
        assert dev8.wait(timeout=4) == 0
        session.wait(timeout=5)
    finally:
        session.kill()
    assert "stop timeout reached" not in dev8.stderr + dev8.stdout
