"""The init steps as a developer meets them: gh, git and the GitHub token,
against the loopback GitHub mock, with real gh and git."""

import json
import subprocess
import os
import re
import socket
import threading
import time

import pytest

from conftest import DEV8_UID, UNSHARE_HOST_NET, all_pids, wait_until
from github_mock import Token

VALID = "ghp_validtoken0123456789abcdefABCDEF01"
NO_READ_ORG = "ghp_classicnoorg0123456789abcdefABCD"
REVOKED = "ghp_revokedtoken0123456789abcdefABCD"
PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFP5SywAEESrePGdIPEwHJpk4Bceykygtp96z1IgFoCO "
              "dev@laptop")


def start(dev8, github, home=None, **env):
    """dev8-init as PID 1 for the developer dev8, on the host network (the mock)."""
    env.setdefault("DEV8_GITHUB_HOST", github.host)
    env.setdefault("SSL_CERT_FILE", github.ca)
    dev8.start(env=dev8.base_env(**env), unshare=UNSHARE_HOST_NET, developer=home or True)
    wait_until(lambda: (dev8.status() or {}).get("phase") in ("starting", "running"), 15,
               message=dev8.diag)
    return dev8.status()


def step(status, name):
    return next(s for s in status["steps"] if s["name"] == name)


@pytest.fixture(autouse=True)
def tokens(github, monkeypatch):
    # What the developer's shells below need to reach the mock.
    monkeypatch.setenv("SSL_CERT_FILE", github.ca)
    monkeypatch.setenv("GH_HOST", github.host)
    github.tokens[VALID] = Token("valid", login="octocat", scopes="repo, read:org, workflow",
                                 expires="2099-01-01 00:00:00 UTC")
    github.tokens[NO_READ_ORG] = Token("valid", login="hubot", scopes="repo")
    github.tokens[REVOKED] = Token("invalid")


def test_the_steps_run_in_order_and_report_their_state(dev8, github):
    status = start(dev8, github)
    names = [s["name"] for s in status["steps"]]
    assert names[:3] == ["github-auth", "copilot", "git-config"]
    assert step(status, "github-auth") == {**step(status, "github-auth"), "state": "skipped",
                                           "message": "GITHUB_TOKEN not set"}
    assert status["github"]["state"] == "absent"


def test_a_valid_token_reaches_gh_and_git_for_the_developer(dev8, github):
    status = start(dev8, github, GITHUB_TOKEN=VALID)
    auth = step(status, "github-auth")
    assert auth["state"] == "ok", auth
    assert status["github"]["state"] == "valid"
    assert status["github"]["login"] == "octocat"
    assert "read:org" in status["github"]["scopes"]
    assert status["github"]["expires_at"] == "2099-01-01T00:00:00Z"
    assert step(status, "git-config")["state"] == "ok"

    fill = dev8.developer_shell(
        f"printf 'protocol=https\\nhost={github.host}\\n\\n' | git credential fill")
    assert f"password={VALID}" in fill.stdout, fill
    token = dev8.developer_shell("gh auth token --hostname $GH_HOST")
    assert token.stdout.strip() == VALID, (token.returncode, token.stderr, auth["message"])
    gh_status = dev8.developer_shell("gh auth status")
    assert gh_status.returncode == 0, gh_status
    other = dev8.developer_shell("printf 'protocol=https\\nhost=example.com\\n\\n' | "
                                          "GIT_TERMINAL_PROMPT=0 git credential fill")
    assert VALID not in other.stdout

    stat = dev8.in_namespace("stat", "-c", "%a %u", "/home/dev8/.config/dev8/github-credential")
    assert stat.stdout.split() == ["600", str(DEV8_UID)]
    hosts = dev8.in_namespace("stat", "-c", "%a %u", "/home/dev8/.config/gh/hosts.yml")
    assert hosts.stdout.split() == ["600", str(DEV8_UID)]


def test_a_token_without_read_org_still_gives_a_working_gh(dev8, github):
    status = start(dev8, github, GITHUB_TOKEN=NO_READ_ORG)
    auth = step(status, "github-auth")
    assert auth["state"] == "ok", auth
    assert "read:org" in auth["message"]
    assert dev8.developer_shell("gh auth token --hostname $GH_HOST").stdout.strip() == NO_READ_ORG


def test_an_invalid_token_fails_the_step_but_the_container_is_healthy(dev8, github):
    status = start(dev8, github, GITHUB_TOKEN=REVOKED)
    assert step(status, "github-auth")["state"] == "failed"
    assert "401" in step(status, "github-auth")["message"]
    wait_until(lambda: dev8.status()["healthy"], 5, message=dev8.diag)
    status = dev8.status()
    assert status["github"]["state"] == "invalid"
    assert "github: token invalid" in status["degraded"]
    assert REVOKED not in dev8.stderr + dev8.stdout


def test_an_unreachable_github_does_not_hold_up_the_container(dev8, github):
    begun = time.monotonic()
    start(dev8, github, GITHUB_TOKEN=VALID, DEV8_GITHUB_HOST="127.0.0.1:9")
    wait_until(lambda: dev8.status()["healthy"], 5, message=dev8.diag)
    assert time.monotonic() - begun < 5
    auth = step(dev8.status(), "github-auth")
    assert auth["state"] == "failed" and "unreachable" in auth["message"], auth
    assert dev8.status()["github"]["state"] == "unreachable"


def test_git_identity_is_stored_literally_whatever_it_contains(dev8, github):
    name = """O'Brien "Bob" $(touch /tmp/pwned) `id` ; \\ end"""
    status = start(dev8, github, GIT_USER_NAME=name, GIT_USER_EMAIL="bob@example.com")
    assert step(status, "git-config")["state"] == "ok"
    got = dev8.in_namespace("runuser", "-u", "dev8", "--", "git", "config", "--global", "user.name")
    assert got.stdout == name + "\n"
    assert not os.path.exists("/tmp/pwned")


def test_a_second_start_with_the_same_env_changes_no_file(dev8, make_dev8, github, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, DEV8_UID, DEV8_UID)
    env = dict(GITHUB_TOKEN=VALID, GIT_USER_NAME="Dev Eight", GIT_USER_EMAIL="dev@example.com",
               ANTHROPIC_API_KEY="sk-ant-restart-0123456789", DEV8_WORKSPACE=str(tmp_path),
               SSH_PUBLIC_KEY=PUBLIC_KEY, DEV8_VSCODE_SETTINGS='{"editor.tabSize": 2}')
    start(dev8, github, home=str(home), **env)

    def snapshot():
        files = {}
        for root, _, names in os.walk(home):
            for n in names:
                p = os.path.join(root, n)
                st = os.stat(p)
                files[p] = (st.st_mtime_ns, open(p, "rb").read())
        return files

    first = snapshot()
    assert any(p.endswith(".gitconfig") for p in first)
    dev8.signal(15)
    assert dev8.wait(10) == 0
    again = make_dev8("second-start")
    status = start(again, github, home=str(home), **env)
    assert step(status, "git-config")["message"] == "already configured"
    assert "already logged in" in step(status, "github-auth")["message"]
    assert snapshot() == first


def test_the_token_never_appears_in_any_command_line(dev8, github):
    seen = []
    done = threading.Event()

    def sample():
        while not done.is_set():
            for pid in all_pids():
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        if VALID.encode() in f.read():
                            seen.append(pid)
                except OSError:
                    pass

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        status = start(dev8, github, GITHUB_TOKEN=VALID)
        assert step(status, "github-auth")["state"] == "ok"
    finally:
        done.set()
        sampler.join()
    assert seen == []


def test_the_steps_work_when_dev8_init_runs_as_the_developer(dev8, github, tmp_path):
    # The home is a host directory: without CAP_SYS_PTRACE, root cannot enter
    # the namespaces of a PID 1 that runs as another user, but can read its files.
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, DEV8_UID, DEV8_UID)
    os.chown(dev8.state_dir, DEV8_UID, DEV8_UID)
    as_dev8 = UNSHARE_HOST_NET + ["setpriv", f"--reuid={DEV8_UID}", f"--regid={DEV8_UID}",
                                  "--init-groups"]
    env = dev8.base_env(GITHUB_TOKEN=VALID, GIT_USER_NAME="Dev Eight",
                        DEV8_GITHUB_HOST=github.host, SSL_CERT_FILE=github.ca)
    dev8.start(env=env, unshare=as_dev8, developer=str(home))
    wait_until(lambda: (dev8.status() or {}).get("phase") in ("starting", "running"), 15,
               message=dev8.diag)
    status = dev8.status()
    assert step(status, "github-auth")["state"] == "ok", status["steps"]
    assert step(status, "git-config")["state"] == "ok", status["steps"]
    for path in (home / ".gitconfig", home / ".config/dev8/github-credential"):
        assert path.stat().st_uid == DEV8_UID, path
    assert (home / ".config/dev8/github-credential").stat().st_mode & 0o777 == 0o600
    assert "name = Dev Eight" in (home / ".gitconfig").read_text()


def test_a_fresh_login_shell_of_the_developer_has_everything(dev8, github):
    status = start(dev8, github, GITHUB_TOKEN=VALID, ANTHROPIC_API_KEY="sk-ant-shell-0123456789",
                   SSH_PUBLIC_KEY=PUBLIC_KEY + "\nnot a key at all\n")
    states = {s["name"]: s["state"] for s in status["steps"]}
    assert states == {"github-auth": "ok", "copilot": "skipped", "git-config": "ok",
                      "ssh-keys": "ok", "vscode-settings": "ok", "ai-tools": "ok",
                      "dotfiles": "skipped"}, status["steps"]
    assert "line 2" in step(status, "ssh-keys")["message"]
    assert "not a key at all" not in dev8.stderr + json.dumps(status)

    shell = dev8.developer_shell('echo "$ANTHROPIC_API_KEY|$GH_ENTERPRISE_TOKEN"')
    assert shell.stdout == f"sk-ant-shell-0123456789|{VALID}\n", shell
    keys = dev8.in_namespace("cat", "/home/dev8/.ssh/authorized_keys").stdout
    assert PUBLIC_KEY.split()[1] in keys
    listing = dev8.in_namespace("find", "/home/dev8", "-type", "f", "-printf", "%m %u %p\\n")
    for line in listing.stdout.splitlines():
        mode, owner, path = line.split(" ", 2)
        assert owner == "dev8", line
        content = dev8.in_namespace("cat", path).stdout
        if VALID in content or "sk-ant-shell" in content:
            assert mode == "600", f"a secret in {path} with mode {mode}"


@pytest.mark.parametrize("mode, state, says", [
    ("error", "unreachable", "HTTP 500"),
    ("rate_limited", "rate_limited", "rate limit"),
])
def test_a_github_in_trouble_is_reported_and_the_container_comes_up(dev8, github, mode, state,
                                                                    says):
    token = f"ghp_{mode.replace('_', '')}0123456789abcdefABCDEF"
    github.tokens[token] = Token(mode)
    status = start(dev8, github, GITHUB_TOKEN=token)
    auth = step(status, "github-auth")
    assert auth["state"] == "failed" and says in auth["message"], auth
    assert status["github"]["state"] == state
    wait_until(lambda: dev8.status()["healthy"], 5, message=dev8.diag)


def test_an_expiring_token_shows_its_expiry(dev8, github):
    token = "ghp_expiringtoken0123456789abcdefABCD"
    github.tokens[token] = Token("valid", expires="2026-12-01 10:00:00 +0200")
    status = start(dev8, github, GITHUB_TOKEN=token)
    assert status["github"]["expires_at"] == "2026-12-01T08:00:00Z"


def test_a_hanging_github_fails_the_step_in_seconds_not_minutes(dev8, github):
    token = "ghp_hangingtoken0123456789abcdefABCDE"
    github.tokens[token] = Token("hang")
    begun = time.monotonic()
    dev8.start(env=dev8.base_env(GITHUB_TOKEN=token, DEV8_GITHUB_HOST=github.host,
                                 SSL_CERT_FILE=github.ca),
               unshare=UNSHARE_HOST_NET, developer=True)
    wait_until(lambda: step(dev8.status(), "github-auth")["state"] == "failed", 15,
               message=dev8.diag)
    assert time.monotonic() - begun < 13
    assert "unreachable" in step(dev8.status(), "github-auth")["message"]
    wait_until(lambda: dev8.status()["healthy"], 5, message=dev8.diag)


def test_a_sigterm_during_a_slow_step_is_honoured_at_once(dev8, github):
    token = "ghp_hangingtoken0123456789abcdefABCDF"
    github.tokens[token] = Token("hang")
    dev8.start(env=dev8.base_env(GITHUB_TOKEN=token, DEV8_GITHUB_HOST=github.host,
                                 SSL_CERT_FILE=github.ca),
               unshare=UNSHARE_HOST_NET, developer=True)
    wait_until(lambda: step(dev8.status(), "github-auth")["state"] == "running", 5,
               message=dev8.diag)
    begun = time.monotonic()
    dev8.signal(15)
    assert dev8.wait(5) == 0
    assert time.monotonic() - begun < 2


def test_a_gh_extension_that_cannot_be_fetched_fails_with_a_reason(dev8):
    # The default harness has no network at all: the install fails at once.
    dev8.start(env=dev8.base_env(DEV8_GH_EXTENSIONS="github/gh-copilot"), developer=True)
    wait_until(lambda: step(dev8.status(), "copilot")["state"] not in ("pending", "running"), 30,
               message=dev8.diag)
    copilot = step(dev8.status(), "copilot")
    assert copilot["state"] == "failed", copilot
    assert "github/gh-copilot" in copilot["message"]
    wait_until(lambda: dev8.status()["healthy"], 5, message=dev8.diag)


SECOND_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN8OTeOZO6bWzRoad4ym7ur5To4YbEPgawvoHMUypNn0 "
              "second@laptop")


def seed_home(tmp_path, files):
    """A host directory as dev8's home, holding `files` (path: text) owned by dev8."""
    home = tmp_path / "home"
    for relative, text in files.items():
        path = home / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for root, dirs, names in os.walk(home):
        for name in dirs + names + [""]:
            os.chown(os.path.join(root, name), DEV8_UID, DEV8_UID)
    return home


def test_a_users_jsonc_settings_survive_and_a_corrupt_file_is_never_rewritten(dev8, make_dev8,
                                                                              github, tmp_path):
    settings = ".local/share/code-server/User/settings.json"
    user_text = ('{\n    // my editor\n    "editor.fontSize": 15,\n'
                 '    "telemetry.telemetryLevel": "all",\n}\n')
    home = seed_home(tmp_path, {settings: user_text})
    status = start(dev8, github, home=str(home))
    assert step(status, "vscode-settings")["state"] == "ok"
    text = (home / settings).read_text()
    assert text.startswith(user_text[:-3])  # everything up to the closing brace is kept
    assert '"telemetry.telemetryLevel": "all"' in text and '"github.copilot.enable"' in text
    dev8.signal(15)
    assert dev8.wait(10) == 0

    (home / settings).write_text('{"editor.fontSize": 15,, oops')
    before = (home / settings).stat().st_mtime_ns
    again = make_dev8("corrupt")
    status = start(again, github, home=str(home))
    vscode = step(status, "vscode-settings")
    assert vscode["state"] == "failed" and "line 1" in vscode["message"], vscode
    assert (home / settings).read_text() == '{"editor.fontSize": 15,, oops'
    assert (home / settings).stat().st_mtime_ns == before
    wait_until(lambda: again.status()["healthy"], 5, message=again.diag)


def test_a_different_private_key_is_backed_up_not_lost(dev8, github, tmp_path):
    work = tmp_path / "keys"
    work.mkdir()
    for name in ("old", "new"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / name)],
                       check=True)
    old = (work / "old").read_text()
    home = seed_home(tmp_path, {".ssh/id_ed25519": old})
    status = start(dev8, github, home=str(home), SSH_PRIVATE_KEY=(work / "new").read_text(),
                   SSH_PUBLIC_KEY=f"{PUBLIC_KEY}\n{SECOND_KEY}\nssh-ed25519 not-base64!")
    keys = step(status, "ssh-keys")
    assert keys["state"] == "ok" and "line 3" in keys["message"], keys
    assert (home / ".ssh/id_ed25519").read_text().strip() == (work / "new").read_text().strip()
    backups = [p for p in (home / ".ssh").iterdir() if ".dev8-backup-" in p.name
               and not p.name.endswith(".pub")]
    assert len(backups) == 1 and backups[0].read_text() == old
    assert backups[0].stat().st_mode & 0o777 == 0o600
    authorized = (home / ".ssh/authorized_keys").read_text()
    assert PUBLIC_KEY.split()[1] in authorized and SECOND_KEY.split()[1] in authorized
    assert "not-base64" not in authorized
    assert (home / ".ssh").stat().st_mode & 0o777 == 0o700
    assert (home / ".ssh/authorized_keys").stat().st_mode & 0o777 == 0o600


def test_sshd_takes_logins_while_github_is_still_being_asked(dev8, github, tmp_path):
    """The GitHub steps do not hold up the SSH keys, and sshd needs only those
    (and the shells' environment): the workspace takes logins at once."""
    token = "ghp_hangingtoken0123456789abcdefABCDG"
    github.tokens[token] = Token("hang")
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dev8.start(env=dev8.base_env(GITHUB_TOKEN=token, DEV8_GITHUB_HOST=github.host,
                                 SSL_CERT_FILE=github.ca, DEV8_SSHD="on", DEV8_SSH_PORT=str(port),
                                 GIT_USER_NAME="Dev Eight",
                                 SSH_PUBLIC_KEY=(tmp_path / "id_ed25519.pub").read_text()),
               unshare=UNSHARE_HOST_NET, developer=True)
    dev8.wait_service("sshd", lambda s: s["state"] == "ready", timeout=15)
    status = dev8.status()
    assert step(status, "github-auth")["state"] == "running", status
    assert status["phase"] == "init" and status["healthy"] is False, status
    login = subprocess.run(
        ["ssh", "-F", "/dev/null", "-p", str(port), "-i", str(key), "-o", "BatchMode=yes",
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "ConnectTimeout=5", "dev8@127.0.0.1", "id -un"],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert login.returncode == 0 and login.stdout == "dev8\n", (login, dev8.diag())
    dev8.signal(15)
    assert dev8.wait(5) == 0
    # The log keeps step order: github-auth's line first, though it ended last;
    # copilot, which the stop kept from running, has none.
    lines = [line for line in dev8.stderr.splitlines() if " step " in line]
    names = [re.search(r" step ([\w-]+):", line).group(1) for line in lines]
    assert names == ["github-auth", "git-config", "ssh-keys", "vscode-settings", "ai-tools"], lines
