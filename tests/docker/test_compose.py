"""docker/docker-compose.yml as the README tells users to run it: secrets from
files through compose `secrets:` and *_FILE, settings from an env file."""

import os
import subprocess

from conftest import BASE_IMAGE, REPO, Workspace, compose_env, docker

TOKEN = "ghp_composesecret0123456789abcdefABCDEF"
SECRETS = ["github_token", "ssh_public_key", "anthropic_api_key", "openai_api_key"]


def compose(project, tmp_path, *args):
    env = {**os.environ, "COMPOSE_PROJECT_NAME": project, **compose_env(tmp_path),
           # Published on loopback only; nothing is sent to them.
           "DEV8_HOST_SSH_PORT": "0", "DEV8_HOST_CODE_SERVER_PORT": "0",
           "DEV8_IMAGE_TAG": BASE_IMAGE.rsplit(":", 1)[1] if ":" in BASE_IMAGE else "latest"}
    result = subprocess.run([os.path.join(REPO, "docker", "compose.sh"), *args], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result
    return result


def git_credential(ws):
    return ws.sh('printf "protocol=https\\nhost=github.com\\n\\n" | git credential fill',
                 user="dev8").stdout


def test_the_github_token_through_a_compose_secret_works_and_leaks_nowhere(
        containers, client_key, tmp_path):
    key, public = client_key
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    values = {"github_token": TOKEN + "\n", "ssh_public_key": public + "\n"}
    for name in SECRETS:
        (secrets / name).write_text(values.get(name, ""))
        (secrets / name).chmod(0o600)
    # The repository's template, as `make up` copies it to .env.
    (tmp_path / "workspace.env").write_text(
        open(os.path.join(REPO, ".env.example")).read() + "DEV8_STOP_TIMEOUT=3\n")
    project = containers.project()
    compose(project, tmp_path, "up", "-d", "base")
    name = docker("ps", "-q", "--filter", f"label=com.docker.compose.project={project}"
                  ).stdout.split()
    assert len(name) == 1
    ws = Workspace(name[0], BASE_IMAGE, (None, None))
    ws.started_at = 0
    ws.wait_healthy()

    # git is handed the token read from /run/secrets/github_token.
    assert f"password={TOKEN}\n" in git_credential(ws)
    # The key from /run/secrets/ssh_public_key logs in: a real ssh client in
    # the container, to its own sshd on its loopback.
    ws.exec("sh", "-c", "umask 077; cat > /tmp/client_key", input=open(key).read())
    login = ws.exec("ssh", "-F", "/dev/null", "-i", "/tmp/client_key", "-p", "2222",
                    "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                    "-o", "UserKnownHostsFile=/dev/null", "dev8@127.0.0.1", "id -un; pwd",
                    check=False)
    assert login.stdout.splitlines() == ["dev8", "/workspace"], login
    source = ws.exec("dev8-init", "plan").stdout
    assert "GITHUB_TOKEN_FILE=/run/secrets/github_token" in source, source
    inspect = ws.inspect()
    assert not inspect["HostConfig"].get("Init")
    assert inspect["Config"]["Env"].count("DEV8_STOP_TIMEOUT=3") == 1

    # Nowhere else: not in docker inspect, no process's command line or
    # environment, and not in the container's file system outside the
    # volumes (what `docker commit` would turn into an image layer).
    assert TOKEN not in docker("inspect", ws.name).stdout
    assert TOKEN not in docker("image", "inspect", BASE_IMAGE).stdout
    cmdlines = ws.sh("cat /proc/[0-9]*/cmdline | tr '\\0' ' '").stdout
    assert "dev8-init" in cmdlines and TOKEN not in cmdlines
    exported = subprocess.run(f"docker export {ws.name} | grep -a -c {TOKEN}", shell=True,
                              capture_output=True, text=True, timeout=300)
    assert exported.stdout.strip() == "0", exported

    compose(project, tmp_path, "stop", "base")
    assert ws.inspect()["State"]["ExitCode"] == 0
