"""Init hooks as PID 1: the image's (DEV8_INIT_DIR, run as root) and the
developer's (~/.config/dev8/init.d, run as the developer), in order, after
the built-in steps and before every service; refused when someone else may
change them; failing, hanging and essential hooks; what a hook is told."""

import os
import re
import shutil
import signal
import tempfile
import time

import pytest

from conftest import DEV8_INIT, DEV8_UID, UNSHARE_HOST_NET, wait_until
from github_mock import Token

TOKEN = "ghp_hooktoken0123456789abcdefABCDEF0123"
AI_KEY = "sk-ant-hooks-0123456789abcdef"
USER_HOOKS = "/home/dev8/.config/dev8/init.d"


@pytest.fixture(autouse=True)
def shared(dev8):
    """A folder root and the developer may both write: where hooks, services
    and the main command record that they ran."""
    dev8.shared = tempfile.mkdtemp(prefix="d8hooks-", dir="/tmp")
    os.chmod(dev8.shared, 0o777)
    order_file = os.path.join(dev8.shared, "order")
    open(order_file, "w").close()
    os.chmod(order_file, 0o666)
    yield
    shutil.rmtree(dev8.shared, ignore_errors=True)


def init_dir(dev8, hooks, mode=0o755):
    """DEV8_INIT_DIR in the work dir with `hooks` (name: shell body)."""
    path = dev8.path("init.d")
    os.makedirs(path, exist_ok=True)
    os.chmod(path, mode)
    for name, body in hooks.items():
        dev8.script(os.path.join("init.d", name), body)
    return path


def record(dev8, what):
    """A shell line appending `what` to the work dir's `order` file."""
    return f'echo "{what}" >> {dev8.shared}/order\n'


def order(dev8):
    try:
        with open(os.path.join(dev8.shared, "order")) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def steps(dev8):
    return {s["name"]: s for s in (dev8.status() or {}).get("steps", [])}


def wait_init_done(dev8):
    wait_until(lambda: (dev8.status() or {}).get("phase") not in (None, "init"), 15,
               message=dev8.diag)


def user_hook(name, body):
    """preexec_fn (after the dev8 account exists): a hook of the developer's own."""
    def run():
        os.makedirs(USER_HOOKS, mode=0o755)
        for d in ("/home/dev8/.config", "/home/dev8/.config/dev8", USER_HOOKS):
            os.chown(d, DEV8_UID, DEV8_UID)
        path = os.path.join(USER_HOOKS, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body)
        os.chmod(path, 0o755)
        os.chown(path, DEV8_UID, DEV8_UID)
    return run


def test_hooks_run_in_order_after_the_steps_and_before_the_services(dev8):
    hooks = init_dir(dev8, {
        "20-second": record(dev8, "second"),
        "10-first": record(dev8, "first:$(id -un):$DEV8_HOOK:$DEV8_USER:$DEV8_HOME")
                    + "echo hello from the image\n",
        "README": "not a hook: not executable\n",
    })
    os.chmod(os.path.join(hooks, "README"), 0o644)
    dev8.script("init.d/.hidden", record(dev8, "hidden"))
    dev8.add_service("svc", ["sh", "-c", record(dev8, "service") + "exec sleep 1000"], cwd="/")
    dev8.start("sh", "-c", record(dev8, "main") + "exec sleep 1000", developer=True,
               preexec_fn=user_hook("50-mine", record(dev8, "mine:$(id -un):$HOME")),
               env=dev8.base_env(DEV8_INIT_DIR=hooks))
    wait_until(lambda: len(order(dev8)) >= 5, 15, message=lambda: f"{order(dev8)}\n{dev8.diag()}")
    seen = order(dev8)
    assert seen[:3] == ["first:root:10-first:dev8:/home/dev8", "second", "mine:dev8:/home/dev8"], seen
    assert sorted(seen[3:]) == ["main", "service"], seen
    names = [s["name"] for s in dev8.status()["steps"]]
    assert names[-3:] == ["hook:10-first", "hook:20-second", "hook:50-mine"], names
    assert names[:7] == ["github-auth", "copilot", "git-config", "ssh-keys", "vscode-settings",
                         "ai-tools", "dotfiles"], names
    done = steps(dev8)
    assert done["hook:10-first"]["state"] == "ok" and done["hook:10-first"]["message"] == "ran as root"
    assert done["hook:50-mine"]["message"] == "ran as dev8"
    assert "[hook:10-first] hello from the image" in dev8.stderr
    plan = dev8.cli("plan", env=dev8.base_env(DEV8_INIT_DIR=hooks))
    assert plan.returncode == 0, plan
    assert re.search(rf"hook:10-first +run {hooks}/10-first as root, at most 5m", plan.stdout), plan
    assert "after every step" in plan.stdout
    assert "README" not in plan.stdout and ".hidden" not in plan.stdout


def test_a_hook_anyone_may_change_is_refused_and_the_next_one_runs(dev8):
    hooks = init_dir(dev8, {"10-open": record(dev8, "open"), "20-fine": record(dev8, "fine")})
    os.chmod(os.path.join(hooks, "10-open"), 0o777)
    dev8.start(env=dev8.base_env(DEV8_INIT_DIR=hooks))
    wait_init_done(dev8)
    assert order(dev8) == ["fine"]
    refused = steps(dev8)["hook:10-open"]
    assert refused["state"] == "failed", refused
    assert refused["message"] == f"refused: {hooks}/10-open is writable by its group and anyone"
    assert dev8.status()["healthy"] is True


def test_a_hook_folder_its_group_may_write_is_refused(dev8):
    hooks = init_dir(dev8, {"10-any": record(dev8, "any")}, mode=0o775)
    dev8.start(env=dev8.base_env(DEV8_INIT_DIR=hooks))
    wait_init_done(dev8)
    assert order(dev8) == []
    assert steps(dev8)["hook:10-any"]["message"] == f"refused: {hooks} is writable by its group"
    plan = dev8.cli("plan", env=dev8.base_env(DEV8_INIT_DIR=hooks)).stdout
    assert f"refused: {hooks} is writable by its group" in plan, plan


def test_a_failing_hook_is_failed_with_its_last_line_and_a_hanging_one_times_out(dev8):
    hooks = init_dir(dev8, {
        "10-fails": "echo working\necho 'no such package' >&2\nexit 3\n",
        "20-hangs": "exec sleep 30\n",
        "30-after": record(dev8, "after"),
    })
    begun = time.monotonic()
    dev8.start(env=dev8.base_env(DEV8_INIT_DIR=hooks, DEV8_HOOK_TIMEOUT="1"))
    wait_init_done(dev8)
    assert time.monotonic() - begun < 8
    done = steps(dev8)
    assert done["hook:10-fails"]["state"] == "failed"
    assert done["hook:10-fails"]["message"] == "exit code 3: no such package"
    assert done["hook:20-hangs"]["message"] == "timed out after 1s"
    assert order(dev8) == ["after"]
    assert "[hook:10-fails] working" in dev8.stderr


def test_an_essential_hooks_failure_stops_start_up_with_exit_1(dev8):
    hooks = init_dir(dev8, {
        "10-db.essential": "echo 'database unreachable' >&2\nexit 2\n",
        "20-later": record(dev8, "later"),
    })
    dev8.add_service("svc", ["sh", "-c", record(dev8, "service") + "exec sleep 1000"], cwd="/")
    dev8.start("sh", "-c", record(dev8, "main"), env=dev8.base_env(DEV8_INIT_DIR=hooks),
               wait_ready=False)
    assert dev8.wait(15) == 1, dev8.diag()
    assert order(dev8) == [], "a hook or service ran after the essential hook failed"
    assert ("hook:10-db.essential failed (exit code 2: database unreachable): it is essential, "
            "so start-up stops (exit 1)") in dev8.stderr


def test_a_hook_gets_no_secret_and_its_output_is_redacted(dev8):
    hooks = init_dir(dev8, {
        "10-look": f"env > {dev8.path('env')}\n"
                   f"tr '\\0' ' ' < /proc/$$/cmdline > {dev8.path('cmdline')}\n"
                   f"echo 'the key is {AI_KEY}'\n",
    })
    dev8.start(env=dev8.base_env(DEV8_INIT_DIR=hooks, GITHUB_TOKEN=TOKEN, ANTHROPIC_API_KEY=AI_KEY,
                                 PASSWORD="hunter2-hook-password"))
    wait_init_done(dev8)
    with open(dev8.path("env")) as f:
        env = f.read()
    with open(dev8.path("cmdline")) as f:
        cmdline = f.read()
    for secret in (TOKEN, AI_KEY, "hunter2-hook-password"):
        assert secret not in env and secret not in cmdline
    assert "DEV8_HOOK=10-look" in env and "GITHUB_TOKEN" not in env
    assert "[hook:10-look] the key is [redacted]" in dev8.stderr
    assert AI_KEY not in dev8.stderr


def test_sigterm_during_a_hook_ends_it_at_once(dev8):
    hooks = init_dir(dev8, {"10-slow": record(dev8, "slow") + "exec sleep 60\n"})
    dev8.start(env=dev8.base_env(DEV8_INIT_DIR=hooks))
    wait_until(lambda: order(dev8) == ["slow"], 10, message=dev8.diag)
    begun = time.monotonic()
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(10) == 0
    assert time.monotonic() - begun < 4


def test_a_root_hook_gets_the_token_the_documented_way(dev8, github):
    token = "ghp_hookcredential0123456789abcdefABCD"
    github.tokens[token] = Token("valid", login="octocat", scopes="repo, read:org")
    hooks = init_dir(dev8, {
        "10-token": "printf 'protocol=https\\nhost=%s\\n\\n' \"$DEV8_GITHUB_HOST\" | "
                    "runuser -u \"$DEV8_USER\" -- dev8-init git-credential get "
                    f"| grep -c '^password=' > {dev8.shared}/found\n",
    })
    env = dev8.base_env(DEV8_INIT_DIR=hooks, GITHUB_TOKEN=token, DEV8_GITHUB_HOST=github.host,
                        SSL_CERT_FILE=github.ca,
                        PATH=os.path.dirname(DEV8_INIT) + ":" + dev8.base_env()["PATH"])
    dev8.start(env=env, unshare=UNSHARE_HOST_NET, developer=True)
    wait_init_done(dev8)
    assert steps(dev8)["hook:10-token"]["state"] == "ok", dev8.diag()
    with open(os.path.join(dev8.shared, "found")) as f:
        assert f.read().strip() == "1"
