"""End-to-end tests of the Dev8 images in a real Docker engine (docker/test.sh).

Every container runs with `--network host` (sshd and code-server on free high
ports of this machine, checked on 127.0.0.1) or `--network none` (checked with
`docker exec`); nothing is sent to a bridge address or a published port. The
GitHub API is the loopback mock of the integration tests, reached through
DEV8_GITHUB_HOST and a CA mounted into the container.

The images are dev8/base:latest and dev8/nodejs:latest unless
DEV8_TEST_BASE_IMAGE / DEV8_TEST_NODEJS_IMAGE name others. Every container,
volume and compose project a test makes is removed after it.
"""

import json
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import github_mock  # noqa: E402
from polling import wait_until  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BASE_IMAGE = os.environ.get("DEV8_TEST_BASE_IMAGE", "dev8/base:latest")
NODEJS_IMAGE = os.environ.get("DEV8_TEST_NODEJS_IMAGE", "dev8/nodejs:latest")
DEV8_INIT = "/usr/local/bin/dev8-init"
HOME = "/home/dev8"
CA_IN_CONTAINER = "/etc/dev8-test/ca.pem"
PASSWORD_FILE = f"{HOME}/.config/dev8/code-server-password"
SETTINGS_FILE = f"{HOME}/.local/share/code-server/User/settings.json"


def docker(*args, check=True, timeout=120, input=None, env=None):
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout,
                            input=input, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args[:3])} … failed ({result.returncode}): "
                             f"{result.stderr.strip()}")
    return result


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Workspace:
    """One container of a Dev8 image, started detached."""

    def __init__(self, name, image, ports):
        self.name = name
        self.image = image
        self.ssh_port, self.code_server_port = ports
        self.started_at = None

    def run(self, *, env=None, network="host", user=None, read_only=False, tmpfs=(),
            volumes=(), extra=()):
        args = ["run", "-d", "--name", self.name, "--network", network]
        if network == "host":
            env = {"DEV8_SSH_PORT": str(self.ssh_port),
                   "DEV8_CODE_SERVER_PORT": str(self.code_server_port), **(env or {})}
        for key, value in (env or {}).items():
            args += ["-e", f"{key}={value}"]
        if user:
            args += ["--user", user]
        if read_only:
            args.append("--read-only")
        for path in tmpfs:
            args += ["--tmpfs", path]
        for volume in volumes:
            args += ["-v", volume]
        args += [*extra, self.image]
        self.started_at = time.monotonic()
        docker(*args)
        return self

    def inspect(self):
        return json.loads(docker("inspect", self.name).stdout)[0]

    def health(self):
        state = self.inspect()["State"]
        return (state.get("Health") or {}).get("Status"), state["Status"]

    def wait_healthy(self, timeout=30):
        """Seconds from `docker run` to `healthy`."""
        def healthy():
            health, status = self.health()
            if status == "exited":
                raise AssertionError(f"{self.name} exited:\n{self.logs()}")
            return health == "healthy"
        wait_until(healthy, timeout, interval=0.05, message=self.logs)
        return time.monotonic() - self.started_at

    def exec(self, *argv, user=None, check=True, timeout=60, input=None):
        args = ["exec", "-i"] if input is not None else ["exec"]
        if user:
            args += ["-u", user]
        return docker(*args, self.name, *argv, check=check, timeout=timeout, input=input)

    def sh(self, script, user=None, check=True, timeout=60):
        return self.exec("sh", "-c", script, user=user, check=check, timeout=timeout)

    def status(self):
        return json.loads(self.exec(DEV8_INIT, "status", "--json").stdout)

    def logs(self):
        result = docker("logs", self.name, check=False)
        return result.stdout + result.stderr

    def stop(self, timeout=10):
        """`docker stop`: its duration in seconds and the exit code."""
        began = time.monotonic()
        docker("stop", "-t", str(timeout), self.name, timeout=timeout + 30)
        took = time.monotonic() - began
        return took, self.inspect()["State"]["ExitCode"]

    def wait_exit(self, timeout=30):
        wait_until(lambda: self.health()[1] == "exited", timeout, interval=0.05,
                   message=self.logs)
        return self.inspect()["State"]["ExitCode"]


class Docker:
    """Makes workspaces and volumes with names unique to the test; removes them."""

    def __init__(self, tmp_path):
        self.prefix = f"dev8-test-{uuid.uuid4().hex[:8]}"
        self.tmp_path = tmp_path
        self.containers = []
        self.volumes = []
        self.projects = []

    def workspace(self, image=BASE_IMAGE, suffix=None):
        name = f"{self.prefix}-{suffix or len(self.containers)}"
        ws = Workspace(name, image, (free_port(), free_port()))
        self.containers.append(name)
        return ws

    def volume(self, purpose):
        name = f"{self.prefix}-{purpose}"
        self.volumes.append(name)
        return name

    def project(self):
        name = f"{self.prefix.replace('-', '')}{len(self.projects)}"
        self.projects.append(name)
        return name

    def cleanup(self):
        for project in self.projects:
            subprocess.run([os.path.join(REPO, "docker", "compose.sh"), "down", "-v", "-t", "1"],
                           env={**os.environ, "COMPOSE_PROJECT_NAME": project,
                                **compose_env(self.tmp_path)},
                           capture_output=True, timeout=120)
        if self.containers:
            subprocess.run(["docker", "rm", "-f", "-v", *self.containers], capture_output=True,
                           timeout=120)
        if self.volumes:
            subprocess.run(["docker", "volume", "rm", "-f", *self.volumes], capture_output=True,
                           timeout=120)


def compose_env(tmp_path):
    """What docker/docker-compose.yml reads, pointed into the test's folder."""
    return {"DEV8_SECRETS_DIR": str(tmp_path / "secrets"),
            "DEV8_ENV_FILE": str(tmp_path / "workspace.env")}


@pytest.fixture
def containers(tmp_path):
    d = Docker(tmp_path)
    yield d
    d.cleanup()


@pytest.fixture(scope="session")
def github():
    """The loopback GitHub API mock; its CA is mounted into the containers."""
    with github_mock.started() as mock:
        yield mock


def github_env(github):
    return {"DEV8_GITHUB_HOST": github.host, "SSL_CERT_FILE": CA_IN_CONTAINER}


def github_volume(github):
    return f"{github.ca}:{CA_IN_CONTAINER}:ro"


@pytest.fixture
def client_key(tmp_path):
    """An ed25519 key pair for ssh logins: (private key path, public key text)."""
    path = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dev@test", "-f",
                    str(path)], check=True, capture_output=True)
    return str(path), (tmp_path / "id_ed25519.pub").read_text().strip()


def ssh(ws, key, command, tmp_path, user="dev8", timeout=30):
    """A real OpenSSH login to the workspace's sshd on 127.0.0.1."""
    return subprocess.run([
        "ssh", "-F", "/dev/null", "-p", str(ws.ssh_port), "-i", key, "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=accept-new",
        "-o", f"UserKnownHostsFile={tmp_path / 'known_hosts'}",
        "-o", "ConnectTimeout=10", f"{user}@127.0.0.1", command,
    ], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
