"""DESIGN §5/§10: what a services.d service gets: its own process group, env,
cwd, user, stdin from /dev/null."""

import os
import pwd
import shutil
import signal
import tempfile

import pytest

from conftest import wait_until


def read(dev8, name):
    p = dev8.path(name)
    return open(p).read().strip() if os.path.exists(p) else None


def test_a_service_runs_in_its_own_process_group_with_its_env_and_the_workspace_as_cwd(dev8):
    dev8.add_service("probe", ["sh", "-c",
                               'set -- $(cut -d" " -f5,6 /proc/$$/stat); '
                               'echo "$$ $1 $K $PWD" > "$T/probe.tmp"; '
                               'if read line; then echo "stdin:$line"; else echo "stdin:eof"; fi '
                               '>> "$T/probe.tmp"; mv "$T/probe.tmp" "$T/probe"; exec sleep 1000'],
                     env={"K": "v-from-file"})
    dev8.start()
    out = wait_until(lambda: read(dev8, "probe"), 5, message=dev8.diag)
    first, second = out.splitlines()
    pid, pgid, k, cwd = first.split(" ", 3)
    assert pid == pgid, "the service leads its own process group"
    assert k == "v-from-file"
    assert os.path.realpath(cwd) == os.path.realpath(dev8.workdir)  # DEV8_WORKSPACE
    assert second == "stdin:eof"
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


def test_a_service_with_an_explicit_cwd(dev8):
    dev8.add_service("cwd", ["sh", "-c", 'pwd > "$T/cwd"; exec sleep 1000'], cwd="/tmp")
    dev8.start()
    assert wait_until(lambda: read(dev8, "cwd"), 5) == "/tmp"
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch users")
def test_a_service_runs_as_its_user_with_that_users_home(dev8):
    nobody = pwd.getpwnam("nobody")
    shared = tempfile.mkdtemp(prefix="d8u-", dir="/tmp")
    os.chmod(shared, 0o777)
    who_file = os.path.join(shared, "who")
    dev8.add_service("asuser", ["sh", "-c", f'echo "$(id -u) $(id -g) $HOME $USER" > {who_file}; '
                                            'exec sleep 1000'], user="nobody", cwd="/")
    dev8.start()
    who = wait_until(lambda: os.path.exists(who_file) and open(who_file).read().strip(), 5,
                     message=dev8.diag)
    shutil.rmtree(shared, ignore_errors=True)
    assert who == f"{nobody.pw_uid} {nobody.pw_gid} {nobody.pw_dir} nobody"
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


def test_the_service_default_restart_policy_is_always(dev8):
    dev8.add_service("again", ["sh", "-c", "exit 0"])
    dev8.start()
    dev8.wait_service("again", lambda s: s["restarts"] >= 1, timeout=5)
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0
