"""The token-refresh thread as a developer meets it: a rotated token reaches
git, gh and the shells without a restart; a revoked one degrades the status
but never the health; GitHub in trouble is retried gently. Against the
loopback GitHub mock, with real gh and git, at an interval of about a second."""

import calendar
import os
import signal
import time

import pytest

from conftest import UNSHARE_HOST_NET, wait_until
from github_mock import Token

FIRST = "ghp_refreshfirst0123456789abcdefABCDEF"
SECOND = "ghp_refreshsecond0123456789abcdefABCDE"
USER = "/api/v3/user"


@pytest.fixture(autouse=True)
def tokens(github, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", github.ca)
    monkeypatch.setenv("GH_HOST", github.host)
    github.tokens[FIRST] = Token("valid", login="octocat")
    github.tokens[SECOND] = Token("valid", login="octocat")
    yield
    github.tokens.pop(FIRST, None)
    github.tokens.pop(SECOND, None)


def start(dev8, github, interval="1", **env):
    env = dev8.base_env(DEV8_GITHUB_HOST=github.host, SSL_CERT_FILE=github.ca,
                        DEV8_TOKEN_REFRESH_INTERVAL=interval, **env)
    dev8.start(env=env, unshare=UNSHARE_HOST_NET, developer=True)
    wait_until(lambda: (dev8.status() or {}).get("phase") == "running", 15, message=dev8.diag)
    return dev8.status()


def git_password(dev8, github):
    fill = dev8.developer_shell(f"printf 'protocol=https\\nhost={github.host}\\n\\n' | "
                                 "GIT_TERMINAL_PROMPT=0 git credential fill")
    lines = [line for line in fill.stdout.splitlines() if line.startswith("password=")]
    return lines[0].split("=", 1)[1] if lines else None


def gh_token(dev8):
    return dev8.developer_shell("gh auth token --hostname $GH_HOST").stdout.strip()


def files_holding(dev8, secret):
    found = dev8.in_namespace("grep", "-rl", "--", secret, "/home/dev8")
    return found.stdout.split()


def seconds(rfc3339):
    return calendar.timegm(time.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ"))


def write_in_place(path, value):
    with open(path, "w") as f:
        f.write(value + "\n")


def swap_symlink(directory, value):
    """What the kubelet does to a mounted secret: a new timestamped folder,
    then an atomic rename of the `..data` symlink to point at it."""
    folder = f"..{time.monotonic_ns()}"
    os.mkdir(os.path.join(directory, folder))
    with open(os.path.join(directory, folder, "token"), "w") as f:
        f.write(value + "\n")
    os.symlink(folder, os.path.join(directory, "..data_tmp"))
    os.rename(os.path.join(directory, "..data_tmp"), os.path.join(directory, "..data"))


@pytest.mark.parametrize("how", ["in_place", "symlink_swap"])
def test_a_rotated_token_file_reaches_git_gh_and_the_shells(dev8, github, tmp_path, how):
    if how == "in_place":
        token_file = tmp_path / "github_token"
        write_in_place(token_file, FIRST)
        rotate = lambda: write_in_place(token_file, SECOND)  # noqa: E731
    else:
        secret_dir = tmp_path / "secret"
        secret_dir.mkdir()
        swap_symlink(secret_dir, FIRST)
        os.symlink("..data/token", secret_dir / "token")
        token_file = secret_dir / "token"
        rotate = lambda: swap_symlink(secret_dir, SECOND)  # noqa: E731
    status = start(dev8, github, GITHUB_TOKEN_FILE=str(token_file))
    assert status["github"]["state"] == "valid"
    assert git_password(dev8, github) == FIRST
    assert gh_token(dev8) == FIRST

    rotate()
    rotated_at = time.monotonic()
    wait_until(lambda: git_password(dev8, github) == SECOND, 5, interval=0.1,
               message=lambda: dev8.diag())
    wait_until(lambda: gh_token(dev8) == SECOND, 5, interval=0.1, message=dev8.diag)
    # One interval (1 s) plus the check, the gh login and this test's own polling.
    assert time.monotonic() - rotated_at < 3
    shell = dev8.developer_shell('echo "$GH_ENTERPRISE_TOKEN"')
    assert shell.stdout.strip() == SECOND
    assert files_holding(dev8, FIRST) == []
    assert "token rotated" in dev8.stderr
    assert FIRST not in dev8.stderr + dev8.stdout and SECOND not in dev8.stderr + dev8.stdout


def test_a_revoked_token_degrades_the_status_and_recovers_by_itself(dev8, github):
    start(dev8, github, GITHUB_TOKEN=FIRST)
    github.tokens[FIRST] = Token("invalid")
    wait_until(lambda: dev8.status()["github"]["state"] == "invalid", 5, message=dev8.diag)
    status = dev8.status()
    assert status["healthy"] is True
    assert "github: token invalid" in status["degraded"]
    assert dev8.cli("health").returncode == 0
    warnings = [line for line in dev8.stderr.splitlines() if "GitHub token invalid" in line]
    assert len(warnings) == 1, warnings

    github.tokens[FIRST] = Token("valid", login="octocat")
    wait_until(lambda: dev8.status()["github"]["state"] == "valid", 5, message=dev8.diag)
    assert dev8.status()["degraded"] == []
    assert "GitHub token valid again" in dev8.stderr


def test_github_down_is_retried_no_faster_than_every_15_s_then_recovers(dev8, github):
    start(dev8, github, GITHUB_TOKEN=FIRST)
    wait_until(lambda: github.count(USER, FIRST) >= 3, 5, message=dev8.diag)  # ticking each second
    github.tokens[FIRST] = Token("error")
    wait_until(lambda: dev8.status()["github"]["state"] == "unreachable", 5, message=dev8.diag)
    down_at, requests_when_down = time.monotonic(), github.count(USER, FIRST)
    github_status = dev8.status()["github"]
    assert seconds(github_status["next_check"]) - seconds(github_status["last_checked"]) >= 14
    assert dev8.status()["healthy"] is True

    github.tokens[FIRST] = Token("valid", login="octocat")
    wait_until(lambda: dev8.status()["github"]["state"] == "valid", 25, interval=0.1,
               message=dev8.diag)
    waited = time.monotonic() - down_at
    assert waited > 12, "retried sooner than the 15 s backoff"
    assert github.count(USER, FIRST) - requests_when_down <= 1 + waited // 15


def test_retry_after_is_honoured(dev8, github):
    start(dev8, github, GITHUB_TOKEN=FIRST)
    github.tokens[FIRST] = Token("rate_limited", retry_after=120)
    wait_until(lambda: dev8.status()["github"]["state"] == "rate_limited", 5, message=dev8.diag)
    github_status = dev8.status()["github"]
    assert seconds(github_status["next_check"]) - seconds(github_status["last_checked"]) in (
        119, 120, 121)
    requests = github.count(USER, FIRST)
    dev8.signal(signal.SIGHUP)  # GitHub asked to wait: SIGHUP does not override it
    wait_until(lambda: "asked to wait" in dev8.stderr, 5, message=dev8.diag)
    assert github.count(USER, FIRST) == requests


def test_sighup_checks_the_token_at_once(dev8, github):
    start(dev8, github, interval="3600", GITHUB_TOKEN=FIRST)
    before = github.count(USER, FIRST)
    github_status = dev8.status()["github"]
    assert seconds(github_status["next_check"]) - seconds(github_status["last_checked"]) >= 3599
    dev8.signal(signal.SIGHUP)
    wait_until(lambda: github.count(USER, FIRST) == before + 1, 3, message=dev8.diag)


def test_sigterm_while_github_hangs_exits_within_a_second(dev8, github):
    start(dev8, github, GITHUB_TOKEN=FIRST)
    github.tokens[FIRST] = Token("hang")
    hung = github.count(USER, FIRST)
    wait_until(lambda: github.count(USER, FIRST) > hung, 5, message=dev8.diag)
    begun = time.monotonic()
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0
    assert time.monotonic() - begun < 1


def test_an_expiring_token_is_warned_about_once_an_hour_at_most(dev8, github):
    soon = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(time.time() + 2 * 3600))
    github.tokens[FIRST] = Token("valid", login="octocat", expires=soon)
    start(dev8, github, interval="0.2", GITHUB_TOKEN=FIRST)
    checks = github.count(USER, FIRST)
    wait_until(lambda: github.count(USER, FIRST) >= checks + 10, 10, message=dev8.diag)
    warnings = [line for line in dev8.stderr.splitlines() if "GitHub token expires at" in line]
    assert len(warnings) == 1, warnings
    assert "(in 2.0 h)" in warnings[0] or "(in 1.9 h)" in warnings[0], warnings


def rss_anon_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise AssertionError("no RssAnon")


def idle_fds(pid):
    """Open fds between two checks: a check in flight holds three more (its
    socket and curl's wake-up pair), so the fewest of a few samples."""
    counts = []
    for _ in range(20):
        counts.append(len(os.listdir(f"/proc/{pid}/fd")))
        time.sleep(0.003)
    return min(counts)


def test_a_thousand_checks_leak_no_memory_and_no_fds(dev8, github):
    start(dev8, github, interval="0.01", GITHUB_TOKEN=FIRST)
    pid = dev8.pid1
    base = github.count(USER, FIRST)
    wait_until(lambda: github.count(USER, FIRST) >= base + 100, 30, message=dev8.diag)
    rss, fds = rss_anon_kib(pid), idle_fds(pid)
    wait_until(lambda: github.count(USER, FIRST) >= base + 1100, 120, interval=0.2,
               message=dev8.diag)
    assert idle_fds(pid) == fds
    grown = rss_anon_kib(pid) - rss
    assert grown < 256, f"anonymous memory grew by {grown} KiB over 1000 checks"


def test_a_github_down_at_start_gets_the_token_to_gh_once_it_is_back(dev8, github):
    github.tokens[FIRST] = Token("error")
    status = start(dev8, github, GITHUB_TOKEN=FIRST)
    assert status["github"]["state"] == "unreachable"
    assert seconds(status["github"]["next_check"]) - seconds(status["github"]["last_checked"]) >= 14
    github.tokens[FIRST] = Token("valid", login="octocat")
    wait_until(lambda: dev8.status()["github"]["state"] == "valid", 25, interval=0.2,
               message=dev8.diag)
    wait_until(lambda: gh_token(dev8) == FIRST, 5, interval=0.2, message=dev8.diag)
    assert git_password(dev8, github) == FIRST


@pytest.mark.parametrize("how", ["in_place", "symlink_swap"])
def test_a_token_written_after_start_is_checked_and_handed_on(dev8, github, tmp_path, how):
    # A sidecar or secret manager fills the token file after the container started.
    if how == "in_place":
        token_file = tmp_path / "github_token"
        token_file.write_text("")
        deliver = lambda: write_in_place(token_file, FIRST)  # noqa: E731
    else:
        secret_dir = tmp_path / "secret"
        secret_dir.mkdir()
        swap_symlink(secret_dir, "")
        os.symlink("..data/token", secret_dir / "token")
        token_file = secret_dir / "token"
        deliver = lambda: swap_symlink(secret_dir, FIRST)  # noqa: E731
    # A long interval: only the watch on the file can see the new token in time.
    checks = github.count(USER)
    status = start(dev8, github, interval="3600", GITHUB_TOKEN_FILE=str(token_file))
    assert status["github"]["state"] == "absent"
    assert github.count(USER) == checks  # nothing to check yet
    deliver()
    delivered_at = time.monotonic()
    wait_until(lambda: dev8.status()["github"]["state"] == "valid", 5, interval=0.05,
               message=dev8.diag)
    assert time.monotonic() - delivered_at < 2
    assert dev8.status()["github"]["login"] == "octocat"
    wait_until(lambda: gh_token(dev8) == FIRST, 5, interval=0.1, message=dev8.diag)
    assert git_password(dev8, github) == FIRST
    assert dev8.developer_shell('echo "$GH_ENTERPRISE_TOKEN"').stdout.strip() == FIRST
    assert FIRST not in dev8.stderr + dev8.stdout
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


def test_sighup_picks_up_a_late_token_at_once(dev8, github, tmp_path):
    token_file = tmp_path / "github_token"
    token_file.write_text("")
    start(dev8, github, interval="3600", GITHUB_TOKEN_FILE=str(token_file))
    # Written through a hard link the directory watch does not see: SIGHUP does it.
    other = tmp_path / "elsewhere"
    other.mkdir()
    os.link(token_file, other / "same")
    with open(other / "same", "r+") as f:
        f.write(FIRST + "\n")
    dev8.signal(signal.SIGHUP)
    wait_until(lambda: dev8.status()["github"]["state"] == "valid", 5, interval=0.05,
               message=dev8.diag)
    wait_until(lambda: gh_token(dev8) == FIRST, 5, interval=0.1, message=dev8.diag)
