"""The dotfiles step as PID 1, with a local bare repository as the source:
a clone as the developer, the install script once per commit, links with
backups, a clone of the developer's own left alone, failing and hanging
installs, and a start without the network."""

import os
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import DEV8_UID, UNSHARE_HOST_NET, wait_until
from github_mock import Token

AS_DEV8 = ["setpriv", f"--reuid={DEV8_UID}", f"--regid={DEV8_UID}", "--clear-groups"]
GIT_ID = {"GIT_AUTHOR_NAME": "Dot Files", "GIT_AUTHOR_EMAIL": "dot@example.com",
          "GIT_COMMITTER_NAME": "Dot Files", "GIT_COMMITTER_EMAIL": "dot@example.com"}


class Repo:
    """A bare repository the developer may read, and a work tree to commit
    to it from."""

    def __init__(self, files):
        self.root = tempfile.mkdtemp(prefix="d8dot-", dir="/tmp")
        os.chmod(self.root, 0o755)
        self.bare = os.path.join(self.root, "dotfiles.git")
        self.work = os.path.join(self.root, "work")
        self.git("init", "-q", "-b", "main", self.work, cwd=self.root)
        self.commit(files, "first")
        self.git("clone", "-q", "--bare", self.work, self.bare, cwd=self.root)
        self.git("remote", "add", "origin", self.bare)
        self.chown()

    def git(self, *args, cwd=None):
        env = {"PATH": os.environ["PATH"], "HOME": self.root, **GIT_ID}
        return subprocess.run(["git", *args], cwd=cwd or self.work, env=env, check=True,
                              capture_output=True, text=True).stdout.strip()

    def commit(self, files, message):
        for name, (body, mode) in files.items():
            path = os.path.join(self.work, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(body)
            os.chmod(path, mode)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "--short=7", "HEAD")

    def push(self, files, message):
        commit = self.commit(files, message)
        self.chown(0)  # git pushes only into a repository of the pusher's
        self.git("push", "-q", "origin", "main")
        self.chown()
        return commit

    def chown(self, uid=DEV8_UID):
        # The developer's git reads it: theirs, so git sees no dubious owner.
        for top, dirs, names in os.walk(self.bare):
            for name in dirs + names + [""]:
                os.lchown(os.path.join(top, name), uid, uid)

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def home():
    """The developer's home on the host, where the developer may reach it:
    it outlives one run."""
    root = tempfile.mkdtemp(prefix="d8home-", dir="/tmp")
    os.chmod(root, 0o755)
    path = os.path.join(root, "home")
    os.mkdir(path)
    os.chown(path, DEV8_UID, DEV8_UID)
    yield path
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def repos():
    made = []
    yield lambda files: made.append(Repo(files)) or made[-1]
    for repo in made:
        repo.cleanup()


def start(dev8, home, repo, **env):
    dev8.start(env=dev8.base_env(DEV8_DOTFILES_REPO=repo.bare, **env), developer=home)
    wait_until(lambda: (dev8.status() or {}).get("phase") not in (None, "init"), 20,
               message=dev8.diag)
    return next(s for s in dev8.status()["steps"] if s["name"] == "dotfiles")


def stop(dev8):
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(10) == 0


def as_dev8(home, *argv):
    env = {"PATH": os.environ["PATH"], "HOME": home, **GIT_ID}
    return subprocess.run(AS_DEV8 + list(argv), env=env, capture_output=True, text=True)


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


INSTALL = ("#!/bin/sh\n"
           "echo \"installed $(git rev-parse --short=7 HEAD) as $(id -un) in $PWD\" >> ~/installs\n"
           "echo hello from install\n")


def test_the_install_script_runs_once_per_commit(dev8, make_dev8, home, repos):
    repo = repos({"install.sh": (INSTALL, 0o755), ".vimrc": ("set nu\n", 0o644)})
    first = repo.git("rev-parse", "--short=7", "HEAD")
    step = start(dev8, home, repo)
    assert step["state"] == "ok", dev8.diag()
    assert step["message"] == f"cloned at {first}; ran install.sh", step
    assert read(f"{home}/installs") == f"installed {first} as dev8 in /home/dev8/.dotfiles\n"
    assert "[dotfiles] hello from install" in dev8.stderr
    assert os.stat(f"{home}/.dotfiles/.vimrc").st_uid == DEV8_UID
    assert not os.path.lexists(f"{home}/.vimrc"), "a script was found: nothing is linked"
    stop(dev8)

    again = make_dev8("again")
    step = start(again, home, repo)
    assert step["message"] == f"up to date at {first}; installed already", step
    assert read(f"{home}/installs").count("installed") == 1
    stop(again)

    second = repo.push({"new-file": ("x\n", 0o644)}, "second")
    third = make_dev8("third")
    step = start(third, home, repo)
    assert step["message"] == f"updated from {first} at {second}; ran install.sh", step
    assert read(f"{home}/installs").splitlines()[-1].startswith(f"installed {second}")
    stop(third)


def test_without_an_install_script_dotfiles_are_linked_and_what_differs_is_kept(
        dev8, home, repos):
    repo = repos({".vimrc": ("set nu\n", 0o644), ".tmux.conf": ("set -g mouse on\n", 0o644),
                  "README.md": ("mine\n", 0o644)})
    with open(f"{home}/.vimrc", "w") as f:
        f.write("my old vimrc\n")
    os.chown(f"{home}/.vimrc", DEV8_UID, DEV8_UID)
    step = start(dev8, home, repo)
    assert step["state"] == "ok", dev8.diag()
    assert step["message"].endswith("linked 2 files (moved aside as NAME.dev8-backup-"
                                    + step["message"].split("dev8-backup-")[1]), step
    assert ".vimrc" in step["message"]
    for name in (".vimrc", ".tmux.conf"):
        assert os.readlink(f"{home}/{name}") == f"/home/dev8/.dotfiles/{name}"
        assert os.lstat(f"{home}/{name}").st_uid == DEV8_UID
    backups = [n for n in os.listdir(home) if n.startswith(".vimrc.dev8-backup-")]
    assert len(backups) == 1 and read(f"{home}/{backups[0]}") == "my old vimrc\n"
    assert not os.path.lexists(f"{home}/.git") and not os.path.lexists(f"{home}/README.md")


def test_a_clone_with_commits_of_its_own_is_left_alone(dev8, make_dev8, home, repos):
    repo = repos({".vimrc": ("set nu\n", 0o644)})
    start(dev8, home, repo)
    stop(dev8)
    clone = f"{home}/.dotfiles"
    with open(f"{clone}/.vimrc", "a") as f:
        f.write("set hlsearch\n")
    commit = as_dev8(home, "git", "-C", clone, "commit", "-q", "-am", "mine")
    assert commit.returncode == 0, commit
    mine = as_dev8(home, "git", "-C", clone, "rev-parse", "HEAD").stdout.strip()
    repo.push({".tmux.conf": ("set -g mouse on\n", 0o644)}, "theirs")
    again = make_dev8("again")
    step = start(again, home, repo)
    assert step["state"] == "ok", again.diag()
    assert "it has commits the remote's default branch does not; left as it is" in step["message"]
    assert as_dev8(home, "git", "-C", clone, "rev-parse", "HEAD").stdout.strip() == mine
    assert "set hlsearch" in read(f"{clone}/.vimrc")


def test_a_failing_install_fails_the_step_and_a_hanging_one_is_ended(dev8, make_dev8, home,
                                                                     repos):
    repo = repos({"install.sh": ("#!/bin/sh\necho step one\necho 'no curl here' >&2\nexit 4\n",
                                 0o755)})
    step = start(dev8, home, repo)
    assert step["state"] == "failed", step
    assert step["message"].endswith("install.sh: exit code 4: no curl here"), step
    assert dev8.status()["healthy"] is True
    stop(dev8)

    hanging = make_dev8("hanging")
    step = start(hanging, home, repo, DEV8_DOTFILES_INSTALL="echo waiting; sleep 30",
                 DEV8_DOTFILES_TIMEOUT="1")
    assert step["state"] == "failed", step
    assert step["message"].endswith("DEV8_DOTFILES_INSTALL: timed out after 1s"), step
    assert "[dotfiles] waiting" in hanging.stderr


def test_without_the_network_a_clone_keeps_its_installed_dotfiles(dev8, make_dev8, home,
                                                                  repos):
    repo = repos({".vimrc": ("set nu\n", 0o644)})
    first = repo.git("rev-parse", "--short=7", "HEAD")
    start(dev8, home, repo)
    stop(dev8)
    os.rename(repo.bare, repo.bare + ".gone")
    offline = make_dev8("offline")
    step = start(offline, home, repo)
    assert step["state"] == "ok", step
    assert step["message"].startswith("fetch failed ("), step
    assert step["message"].endswith(f"kept {first} (offline) at {first}; installed already"), step
    assert os.readlink(f"{home}/.vimrc") == "/home/dev8/.dotfiles/.vimrc"


def test_plan_shows_the_step_and_a_url_with_credentials_is_refused(dev8):
    plan = dev8.cli("plan", env=dev8.base_env(DEV8_DOTFILES_REPO="octocat/dotfiles",
                                              DEV8_GITHUB_HOST="github.com"))
    assert plan.returncode == 0, plan
    assert "dotfiles         clone or fast-forward https://github.com/octocat/dotfiles.git" \
        in plan.stdout, plan.stdout
    bad = dev8.cli("plan", env=dev8.base_env(
        DEV8_DOTFILES_REPO="https://me:ghp_secret123456789@github.com/me/dotfiles"))
    assert bad.returncode == 78
    assert "DEV8_DOTFILES_REPO" in bad.stderr and "holds credentials" in bad.stderr
    assert "ghp_secret123456789" not in bad.stderr + bad.stdout


def test_a_private_repository_on_the_github_host_clones_with_the_token(dev8, home, repos,
                                                                       github):
    token = "ghp_dotfilestoken0123456789abcdefABCD"
    github.tokens[token] = Token("valid", login="octocat", scopes="repo, read:org")
    install = ("#!/bin/sh\n"
               "for pid in $$ $PPID; do tr '\\0' ' ' < /proc/$pid/cmdline; echo; done"
               " > ~/install-argv\n")
    repo = repos({"install.sh": (install, 0o755)})
    served = os.path.join(github.git_root, "octocat", "dotfiles.git")
    repo.git("clone", "-q", "--bare", repo.work, served, cwd=repo.root)
    commit = repo.git("rev-parse", "--short=7", "HEAD")
    dev8.start(env=dev8.base_env(DEV8_DOTFILES_REPO="octocat/dotfiles", GITHUB_TOKEN=token,
                                 DEV8_GITHUB_HOST=github.host, SSL_CERT_FILE=github.ca),
               unshare=UNSHARE_HOST_NET, developer=home)
    wait_until(lambda: (dev8.status() or {}).get("phase") not in (None, "init"), 20,
               message=dev8.diag)
    step = next(s for s in dev8.status()["steps"] if s["name"] == "dotfiles")
    assert step["state"] == "ok", dev8.diag()
    assert step["message"] == f"cloned at {commit}; ran install.sh", step
    assert github.count("/octocat/dotfiles.git/info/refs", token) >= 1
    argv = read(f"{home}/install-argv")
    assert "install.sh" in argv and token not in argv, argv
    config = read(f"{home}/.dotfiles/.git/config")
    assert f"url = https://{github.host}/octocat/dotfiles.git" in config, config
    assert token not in config
