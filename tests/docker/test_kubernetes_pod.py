"""The pod of deploy/kubernetes's StatefulSet, run by Docker the way the
kubelet runs it: no cluster can be reached from here, so this is the check
that the manifest says nothing the image and dev8-init do not do.

What the kubelet does and this emulation does the same way:
- a claim is an empty folder whose root fsGroup makes root:1000 with mode
  2775, recursively only when the root does not match yet (OnRootMismatch);
- a `subPath` mount is a bind mount of that folder of the volume;
- a Secret volume is the kubelet's atomic-writer layout: files in a
  timestamped folder reached through the `..data` link, each key a link
  through it, mode defaultMode plus group read for fsGroup; an update writes a
  new folder and renames a new `..data` link over the old one;
- an init container's `command` replaces the image's ENTRYPOINT, and it runs
  to completion before the workspace container starts;
- the pod's and the container's securityContext: user and group, fsGroup as a
  supplementary group, a read-only root, no capabilities, no new privileges;
- emptyDir volumes; no Docker HEALTHCHECK (the probes are run here with
  `docker exec`, as the kubelet runs exec probes); the grace period is
  `docker stop -t terminationGracePeriodSeconds`.

Not the kubelet's: the container shares the host's network so the test can
reach its sshd, on free ports given as DEV8_SSH_PORT/DEV8_CODE_SERVER_PORT,
and the GitHub API is the loopback mock (DEV8_GITHUB_HOST, SSL_CERT_FILE).
"""

import datetime
import os
import subprocess
import sys
import time

import pytest

from conftest import NODEJS_IMAGE, docker, github_env, github_volume, ssh, wait_until
from github_mock import Token

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "deploy"))
from manifests import env_of, find, render, workspace_container  # noqa: E402

MANIFEST_IMAGE = "dev8/nodejs:latest"
TOKEN = "ghp_kubernetesPod0123456789abcdefABCD"
ROTATED = "ghp_kubernetesRotated0123456789abcdEF"


class SecretVolume:
    """A Secret mounted as the kubelet's atomic writer lays it out."""

    def __init__(self, path, mode, fs_group):
        self.path, self.mode, self.fs_group = path, mode, fs_group
        path.mkdir()
        os.chmod(path, 0o755)

    def write(self, data):
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("..%Y_%m_%d_%H_%M_%S.%f")
        folder = self.path / stamp
        folder.mkdir()
        os.chmod(folder, 0o755)
        for key, value in data.items():
            (folder / key).write_text(value)
            os.chown(folder / key, 0, self.fs_group)
            os.chmod(folder / key, self.mode | 0o040)
        old = os.readlink(self.path / "..data") if (self.path / "..data").is_symlink() else None
        os.symlink(stamp, self.path / "..data_tmp")
        os.rename(self.path / "..data_tmp", self.path / "..data")
        for key in data:
            if not (self.path / key).is_symlink():
                os.symlink(f"..data/{key}", self.path / key)
        if old:
            subprocess.run(["rm", "-rf", str(self.path / old)], check=True)


class Pod:
    """One pod of a rendered StatefulSet, on volumes that outlive it."""

    def __init__(self, statefulset, tmp_path, containers, extra_env, extra_volumes):
        self.spec = statefulset["spec"]
        self.pod = self.spec["template"]["spec"]
        self.container = workspace_container(statefulset)
        self.security = self.pod.get("securityContext", {})
        self.fs_group = self.security.get("fsGroup")
        self.containers = containers
        self.extra_env = extra_env
        self.extra_volumes = extra_volumes
        self.claims = {}
        for template in self.spec["volumeClaimTemplates"]:
            name = template["metadata"]["name"]
            self.claims[name] = tmp_path / "claims" / name
            self.claims[name].mkdir(parents=True)
        (secret,) = [v for v in self.pod["volumes"] if "secret" in v]
        self.secret_name = secret["name"]
        self.secret = SecretVolume(tmp_path / "secret", secret["secret"]["defaultMode"], self.fs_group)
        self.workspace = None
        self.generation = 0

    def _apply_fs_group(self):
        for root in self.claims.values():
            info = os.stat(root)
            matches = info.st_gid == self.fs_group and info.st_mode & 0o2770 == 0o2770
            if self.security.get("fsGroupChangePolicy") == "OnRootMismatch" and matches:
                continue
            for folder, dirs, files in os.walk(root):
                os.chown(folder, -1, self.fs_group)
                os.chmod(folder, os.stat(folder).st_mode | 0o2770)
                for f in files:
                    os.chown(os.path.join(folder, f), -1, self.fs_group, follow_symlinks=False)
                    os.chmod(os.path.join(folder, f), os.stat(os.path.join(folder, f)).st_mode | 0o660)

    def _mounts(self, container):
        args = []
        volumes = {v["name"]: v for v in self.pod["volumes"]}
        for mount in container.get("volumeMounts", []):
            name, path = mount["name"], mount["mountPath"]
            if name in self.claims:
                source = self.claims[name] / mount.get("subPath", "")
                args += ["-v", f"{source}:{path}"]
            elif name == self.secret_name:
                args += ["-v", f"{self.secret.path}:{path}:ro"]
            elif "emptyDir" in volumes[name]:
                args += ["--tmpfs", f"{path}:mode=1777"]
            else:
                raise AssertionError(f"volume {name}: not emulated")
        return args

    def _security(self, container):
        s = {**self.security, **container.get("securityContext", {})}
        args = []
        if "runAsUser" in s:
            args += ["--user", f"{s['runAsUser']}:{s.get('runAsGroup', 0)}"]
        if self.fs_group is not None:
            args += ["--group-add", str(self.fs_group)]
        if s.get("readOnlyRootFilesystem"):
            args.append("--read-only")
        if s.get("capabilities", {}).get("drop") == ["ALL"]:
            args += ["--cap-drop", "ALL"]
        if s.get("allowPrivilegeEscalation") is False:
            args += ["--security-opt", "no-new-privileges"]
        return args

    def start(self):
        """Init containers to completion, then the workspace container."""
        self._apply_fs_group()
        for init in self.pod.get("initContainers", []):
            command = init["command"]
            docker("run", "--rm", "--network", "none", *self._security(init), *self._mounts(init),
                   "--entrypoint", command[0], self._image(init), *command[1:])
        self.generation += 1
        ports = self.workspace and (self.workspace.ssh_port, self.workspace.code_server_port)
        self.workspace = self.containers.workspace(NODEJS_IMAGE, suffix=f"pod-{self.generation}")
        if ports:  # the Service's ports stay the same for the next pod
            self.workspace.ssh_port, self.workspace.code_server_port = ports
        env = {**env_of(self.container), **self.extra_env}
        self.workspace.run(env=env, volumes=self.extra_volumes, extra=["--no-healthcheck", *self._security(self.container),
                                           *self._mounts(self.container)])
        return self.workspace

    def _image(self, container):
        assert container["image"] == MANIFEST_IMAGE
        return NODEJS_IMAGE

    def probe(self, name):
        return self.workspace.exec(*self.container[name]["exec"]["command"], check=False).returncode

    def wait_ready(self):
        """The readiness probe passes; a container that exits instead fails at once."""
        ws = self.workspace
        wait_until(lambda: self.probe("readinessProbe") == 0 or ws.health()[1] == "exited", 60,
                   interval=0.2, message=ws.logs)
        assert ws.health()[1] == "running", ws.logs()

    def delete(self):
        """What the kubelet does when the pod goes: SIGTERM, the grace period, SIGKILL."""
        grace = self.pod["terminationGracePeriodSeconds"]
        took, code = self.workspace.stop(timeout=grace)
        docker("rm", self.workspace.name)
        return took, code


@pytest.mark.parametrize("overlay", ["workspace", "hardened"])
def test_the_statefulset_pod_logs_in_rotates_the_token_and_survives_a_reschedule(
        overlay, containers, github, client_key, tmp_path):
    statefulset = find(render(overlay, tmp_path / "render"), "StatefulSet")
    github.tokens[TOKEN] = Token(login="octo-pod")
    github.tokens[ROTATED] = Token(login="octo-rotated")
    key, public = client_key
    pod = Pod(statefulset, tmp_path, containers,
              {**github_env(github), "DEV8_TOKEN_REFRESH_INTERVAL": "3600"}, [github_volume(github)])
    pod.secret.write({"github-token": TOKEN + "\n", "ssh-public-key": public + "\n",
                      "anthropic-api-key": "", "openai-api-key": ""})
    ws = pod.start()
    pod.wait_ready()
    assert pod.probe("livenessProbe") == 0

    home = pod.claims["home"] / "dev8"
    assert home.stat().st_uid == 1000 and home.stat().st_mode & 0o777 == 0o755
    assert (home / ".bashrc").is_file()
    known_hosts = tmp_path / "known_hosts"
    login = ssh(ws, key, 'id -un; pwd; stat -c %a ~/.ssh/authorized_keys; '
                'ssh-keygen -q -t ed25519 -N "" -f ~/.ssh/own_key; '
                'printf "protocol=https\\nhost=%s\\n\\n" "$GH_HOST" | git credential fill', tmp_path)
    assert login.returncode == 0, (login, ws.logs())
    lines = login.stdout.splitlines()
    assert lines[:3] == ["dev8", "/workspace", "600"], login
    assert f"password={TOKEN}" in lines, login

    # `kubectl create secret … | kubectl apply`: the kubelet swaps ..data.
    pod.secret.write({"github-token": ROTATED + "\n", "ssh-public-key": public + "\n",
                      "anthropic-api-key": "", "openai-api-key": ""})
    wait_until(lambda: ws.status()["github"]["login"] == "octo-rotated", 10, interval=0.1,
               message=ws.logs)
    credential = ssh(ws, key, 'printf "protocol=https\\nhost=%s\\n\\n" "$GH_HOST" | git credential fill',
                     tmp_path)
    assert f"password={ROTATED}" in credential.stdout.splitlines(), credential

    took, code = pod.delete()
    stop_timeout = float(env_of(pod.container)["DEV8_STOP_TIMEOUT"])
    assert code == 0 and took < stop_timeout, (took, code)

    # Rescheduled: a new pod on the same claims; the init container leaves the
    # home alone, fsGroup leaves the developer's own key at 0600, and the host
    # key is the same (ssh checks it against known_hosts, strictly this time).
    (home / "notes.txt").write_text("kept\n")
    ws = pod.start()
    pod.wait_ready()
    again = subprocess.run([
        "ssh", "-F", "/dev/null", "-p", str(ws.ssh_port), "-i", key, "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes", "-o", f"UserKnownHostsFile={known_hosts}",
        "-o", "ConnectTimeout=10", "dev8@127.0.0.1", "cat ~/notes.txt; stat -c %a ~/.ssh ~/.ssh/own_key"],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert again.returncode == 0, (again, ws.logs())
    assert again.stdout.splitlines() == ["kept", "700", "600"], again
    started = time.monotonic()
    took, code = pod.delete()
    assert code == 0 and time.monotonic() - started < stop_timeout
